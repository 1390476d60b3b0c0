/**
 * A config copied from an OpenTelemetry Collector's brings the Collector's keys along: each key of
 * its otlp exporter, exporter TLS, hostmetrics receiver and otlp receiver protocols is answered
 * with what chronoq takes instead (src/config/collectorKeys.ts), not only "expected no key".
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { configErrorsOf } from './support/config.js';

const test = suite("Collector keys in a chronoq config");

/** The one error of `yaml`, and whether it goes on past "found …" with an answer in parentheses. */
const answered = (yaml: string): { error: string; answered: boolean } => {
  const errors = configErrorsOf(yaml);
  assert.is(errors.length, 1, errors.join('\n'));
  return { error: errors[0]!, answered: /expected no key .*, found number 1 \(.+\)$/.test(errors[0]!) };
};
const each = (keys: readonly string[], yamlOf: (key: string) => string): void => {
  for (const key of keys) {
    const r = answered(yamlOf(key));
    assert.ok(r.answered, r.error);
  }
};

test("the otlp exporter's keys, under sink", () => {
  each(['timeout', 'retry_on_failure', 'sending_queue', 'keepalive', 'auth', 'balancer_name', 'wait_for_ready'], (k) => `sink:\n  type: otlp-grpc\n  ${k}: 1\n`);
  // More than the closest key's "did you mean": its unit differs.
  assert.match(answered('sink:\n  type: otlp-grpc\n  keepalive: 1\n').error, /keepaliveMs here, in milliseconds/);
});

test("its TLS keys, under sink.tls", () => {
  each(['ca_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'ca_pem', 'cert_pem', 'key_pem', 'server_name_override', 'include_system_ca_certs_pool', 'reload_interval', 'min_version', 'max_version'],
    (k) => `sink:\n  type: otlp-grpc\n  tls:\n    ${k}: 1\n`);
});

test("the hostmetrics receiver's keys, in a host source", () => {
  each(['root_path', 'collection_interval', 'scrapers'], (k) => `sources:\n  - type: host\n    ${k}: 1\n`);
});

test("the otlp receiver's keys, under either protocol of an otlp source", () => {
  const keys = ['max_recv_msg_size_mib', 'transport', 'auth', 'include_metadata', 'keepalive', 'max_concurrent_streams', 'read_buffer_size', 'write_buffer_size', 'traces_url_path', 'logs_url_path', 'metrics_url_path'];
  for (const protocol of ['grpc', 'http']) each(keys, (k) => `sources:\n  - type: otlp\n    protocols:\n      ${protocol}:\n        ${k}: 1\n`);
  // Not a key chronoq answers: "expected no key" alone.
  assert.not.ok(answered('sources:\n  - type: otlp\n    protocols:\n      grpc:\n        no_such_key: 1\n').answered);
});

test.run();
