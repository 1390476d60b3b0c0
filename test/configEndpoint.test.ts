/**
 * The sink's endpoint, in the config and in OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, checked at load:
 * a URL or host:port. Its scheme: http:// (plaintext), https:// (TLS), unix:, or none (host:port: TLS unless
 * OTEL_EXPORTER_OTLP_INSECURE says otherwise) — as the OpenTelemetry exporter reads them. Any
 * other was taken and went wrong with no config error: `dns:///collector:4317`, gRPC's target
 * syntax, dialled ":443" and timed out "waiting for name resolution" for good; `grpc://…` was said
 * by the exporter to be "Using http://", then dialled with TLS, which a plaintext receiver
 * refuses. Both are config errors now, with the endpoint to write.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { formatConfigError } from '../src/config/errors.js';
import { checkOtlpEnv } from '../src/config/grpcValues.js';
import { resourceFromEnv } from '../src/config/resourceEnv.js';
import { decodeConfig } from '../src/config/decode.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { isRight } from 'fp-ts/lib/Either.js';
import { configErrorsOf, endpointErrorsOf } from './support/config.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';

const test = suite('sink endpoint');
const EXPECTED = 'expected an endpoint URL such as http://collector:4317 (or host:port)';

test('a gRPC target name (dns:) or another scheme is refused with the http:// endpoint to write', () => {
  assert.equal(endpointErrorsOf('dns:///collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "dns:///collector:4317" (did you mean http://collector:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  assert.equal(endpointErrorsOf('dns://8.8.8.8/collector.example:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "dns://8.8.8.8/collector.example:4317" (did you mean http://collector.example:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  assert.equal(endpointErrorsOf('grpc://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "grpc://collector:4317" (did you mean http://collector:4317? the scheme is http:// for plaintext or https:// for TLS; the OpenTelemetry exporter took grpc:// as http:// and dialled TLS all the same)`,
  ]);
  assert.equal(endpointErrorsOf('grpcs://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "grpcs://collector:4317" (did you mean https://collector:4317? the scheme is http:// for plaintext or https:// for TLS; the OpenTelemetry exporter took grpcs:// as http:// and dialled TLS all the same)`,
  ]);
  assert.equal(endpointErrorsOf('HTTP://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "HTTP://collector:4317" (did you mean http://collector:4317? the OpenTelemetry exporter reads http:// in lower case only, and dialled HTTP:// with TLS)`,
  ]);
});

test('a scheme written twice (`http://${COLLECTOR}` with COLLECTOR=http://otel:4317) is refused: the exporter took the first as the whole URL and dialled the host "http", port 443', () => {
  assert.equal(endpointErrorsOf('http://http://otel:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "http://http://otel:4317" (did you mean http://otel:4317? the scheme is written twice: the OpenTelemetry exporter dialled the host "http", port 443)`,
  ]);
  assert.equal(endpointErrorsOf('https://http://otel:4317/'), [
    `config.sink.endpoint: ${EXPECTED}, found "https://http://otel:4317/" (did you mean http://otel:4317/? the scheme is written twice: the OpenTelemetry exporter dialled the host "http", port 443)`,
  ]);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://https://otel:4317' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_ENDPOINT: ${EXPECTED}, found "http://https://otel:4317" (did you mean https://otel:4317? the scheme is written twice: the OpenTelemetry exporter dialled the host "https", port 443)`,
  ]);
  assert.equal(endpointErrorsOf('http://otel:4317/v1/metrics'), [], 'a path is not a second scheme');
});

test('a user name and password in the endpoint are refused, and not printed: the exporter dialled the host without them', () => {
  const credentials = (write: string) => `(gRPC sends no credentials from the URL, the OpenTelemetry exporter dialled ${write.replace(/^https?:\/\//, '')} without them: write ${write} and give them as a header (sink.headers or OTEL_EXPORTER_OTLP_HEADERS: authorization=Basic …))`;
  assert.equal(endpointErrorsOf('http://user:s3cret@collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "http://***@collector:4317", with a user name or password ${credentials('http://collector:4317')}`,
  ]);
  assert.equal(endpointErrorsOf('t0ken@collector:4317'), [`config.sink.endpoint: ${EXPECTED}, found "***@collector:4317", with a user name or password ${credentials('collector:4317')}`]);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:s3cret@otel.example:443' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_ENDPOINT: ${EXPECTED}, found "https://***@otel.example:443", with a user name or password ${credentials('https://otel.example:443')}`,
  ]);
  // An @ in the path is not a user name.
  assert.equal(endpointErrorsOf('http://collector:4317/a@b'), []);
});

test('a variable reference nothing expanded is refused, with where it should have been: Kubernetes\' $(HOST_IP), a shell\'s $HOST or ${HOST} in a value no shell read (each was dialled as a host name, failing name resolution at every attempt)', () => {
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://$(HOST_IP):4317' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_ENDPOINT: ${EXPECTED}, found "http://$(HOST_IP):4317", with a Kubernetes reference $(HOST_IP) that was not expanded (a pod spec expands $(HOST_IP) only when HOST_IP is defined earlier in the same container's env (valueFrom: fieldRef: fieldPath: status.hostIP))`,
  ]);
  for (const [endpoint, reference, name] of [['http://$HOST_IP:4317', '$HOST_IP', 'HOST_IP'], ['https://${COLLECTOR}:4317', '${COLLECTOR}', 'COLLECTOR']]) {
    assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: endpoint }).map(formatConfigError), [
      `environment OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ${EXPECTED}, found ${JSON.stringify(endpoint)}, with a variable reference ${reference} that nothing expanded (a systemd Environment= line, a Docker --env-file or a Kubernetes value does not expand it: give the value itself, or write it in the config file, where chronoq expands \${${name}})`,
    ]);
  }
  // In the config file, $${ is the text ${: the endpoint it makes is refused the same way.
  assert.match(endpointErrorsOf('http://$${COLLECTOR}:4317')[0]!, /with a variable reference \$\{COLLECTOR\} that nothing expanded/);
  assert.equal(endpointErrorsOf('http://coll*ector:4317'), [`config.sink.endpoint: ${EXPECTED}, found "http://coll*ector:4317", whose host "coll*ector" is no host name (letters, digits, '-', '.') nor IP address: its name resolution would fail at every attempt`]);
  // A '$' in a password is about the password (refused as such), not a reference; names with '_' (Docker's) and IDNs are hosts.
  assert.match(endpointErrorsOf('http://user:pa$word@collector:4317')[0]!, /with a user name or password/);
  for (const good of ['http://collector_1:4317', 'http://bücher.example:4317', 'http://10.0.0.1:4317', 'https://[fd00::1]:4317']) assert.equal(endpointErrorsOf(good), [], good);
  // A header from the environment (the receiver refused the text as a key), its value not shown;
  // a bare $ there may be the secret's own.
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'x-instana-key=$(INSTANA_AGENT_KEY),x-other=pa$word' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_HEADERS, header "x-instana-key": expected comma-separated name=value pairs, values percent-encoded (a % itself as %25), as the OpenTelemetry exporters read them, found a value with a Kubernetes reference $(INSTANA_AGENT_KEY) that was not expanded (a pod spec expands $(INSTANA_AGENT_KEY) only when INSTANA_AGENT_KEY is defined earlier in the same container's env)`,
  ]);
  // In the config file (a ConfigMap is not expanded), a header's $(NAME) is refused with the ${NAME} chronoq expands.
  assert.equal(configErrorsOf('sink:\n  type: otlp-grpc\n  headers: {x-instana-key: "$(INSTANA_KEY)"}\n'), [
    'config.sink.headers.x-instana-key: expected a header value, found a value with $(INSTANA_KEY), which nothing expands in a config file (not shown otherwise) (write ${INSTANA_KEY}: chronoq expands it from its environment)',
  ]);
  // An API key of digits, unquoted, is a YAML number (and loses digits): said without its value.
  assert.equal(configErrorsOf('sink:\n  type: otlp-grpc\n  headers: {x-key: 12345678901234567890}\n'), [
    'config.sink.headers.x-key: expected a string, found a number (not shown) (write it in quotes: YAML reads a value of digits as a number, and a long one loses digits)',
  ]);
  // A resource attribute (the OpenTelemetry Operator's k8s.pod.name=$(POD_NAME)): series named for no pod.
  const resource = resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=$(POD_NAME),team=a$b,region=${REGION}' });
  assert.equal(resource.errors.map(formatConfigError).map((e) => e.replace(/: expected .*?, found /, ': … found ')), [
    `environment OTEL_RESOURCE_ATTRIBUTES: … found "k8s.pod.name=$(POD_NAME)", with a Kubernetes reference $(POD_NAME) that was not expanded (a pod spec expands $(POD_NAME) only when POD_NAME is defined earlier in the same container's env (valueFrom: fieldRef: fieldPath: metadata.name))`,
    `environment OTEL_RESOURCE_ATTRIBUTES: … found "region=\${REGION}", with a variable reference \${REGION} that nothing expanded (a systemd Environment= line, a Docker --env-file or a Kubernetes value does not expand it: give the value itself, or write it in the config file, where chronoq expands \${REGION})`,
  ]);
});

test('a variable whose value came with its quotes (docker run --env-file keeps them) is said as that, once, not as the malformed URL, header or attribute it makes', () => {
  const quoted = (variable: string, q: string) => ({
    path: `environment ${variable}`, expected: 'its value without quotes', found: `a value in ${q}…${q} quotes, which are part of it (not shown)`,
    suggestion: `docker run --env-file keeps quotes as written, where a shell, Compose and systemd's EnvironmentFile= remove them: write ${variable}=value`,
  });
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '"http://collector:4317"', OTEL_EXPORTER_OTLP_HEADERS: ' "api-key=s3cret" ', OTEL_EXPORTER_OTLP_METRICS_INSECURE: "'true'" }), [
    quoted('OTEL_EXPORTER_OTLP_ENDPOINT', '"'), quoted('OTEL_EXPORTER_OTLP_HEADERS', '"'), quoted('OTEL_EXPORTER_OTLP_METRICS_INSECURE', "'"),
  ]);
  // The resource: a key 'team with the value a' was taken, and a service named "shop" with its quotes.
  assert.equal(resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: "'team=a'", OTEL_SERVICE_NAME: '"shop"' }).errors, [quoted('OTEL_RESOURCE_ATTRIBUTES', "'"), quoted('OTEL_SERVICE_NAME', '"')]);
  // Quotes inside a value are the value's.
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'x-note=say%20"hi"', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }), []);
  assert.equal(resourceFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'team="a"' }).attributes, { team: '"a"' });
  // Two quotes and nothing between: quoted too. Quotes that do not match: not a quoted value.
  assert.equal(resourceFromEnv({ OTEL_SERVICE_NAME: '""' }).errors, [quoted('OTEL_SERVICE_NAME', '"')]);
  assert.equal(resourceFromEnv({ OTEL_SERVICE_NAME: '"shop\'' }), { attributes: { 'service.name': '"shop\'' }, errors: [] });
});

test('the same for OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT; the schemes the exporter reads are taken as before', () => {
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'dns:///otel-collector:4317' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ${EXPECTED}, found "dns:///otel-collector:4317" (did you mean http://otel-collector:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  for (const good of ['http://collector:4317', 'HTTPS://collector:4317', 'localhost:4317', 'collector', 'unix:///run/otel.sock', 'unix:/run/otel.sock', 'http://[::1]:4317']) {
    assert.equal(endpointErrorsOf(good), [], good);
  }
});

test('spaces around the endpoint are trimmed, as the exporter trims the variable: " http://…" was not read as http:// and dialled TLS', () => {
  const decoded = decodeConfig('sink:\n  type: otlp-grpc\n  endpoint: " http://127.0.0.1:4317 "\n', {});
  assert.is(isRight(decoded) ? (decoded.right.sink as { endpoint?: string } | undefined)?.endpoint : undefined, 'http://127.0.0.1:4317');
  assert.equal(endpointErrorsOf('  '), [`config.sink.endpoint: ${EXPECTED}, found "  "`]);
  // The library sink too (its own url the exporter does not trim).
  const sink = otlpGrpcSink({ endpoint: ' http://127.0.0.1:4317 ' });
  try {
    assert.equal([sink.effective.dials, sink.effective.tls], ['127.0.0.1:4317', false]);
  } finally {
    sink.shutdown();
  }
});

test('sink.endpoint and OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT: a URL or host:port, checked at load (the environment only when the config names none)', async () => {
  for (const bad of ['http://', 'http://127.0.0.1:99999', 'http://[::1']) {
    assert.equal(endpointErrorsOf(bad), [`config.sink.endpoint: expected an endpoint URL such as http://collector:4317 (or host:port), found ${JSON.stringify(bad)}`]);
  }
  for (const good of ['http://collector:4317', 'https://10.0.0.1:4317', 'localhost:4317', 'unix:///run/otel.sock', 'http://[::1]:4317']) assert.equal(endpointErrorsOf(good), [], good);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://:99999' }).map(formatConfigError), ['environment OTEL_EXPORTER_OTLP_ENDPOINT: expected an endpoint URL such as http://collector:4317 (or host:port), found "http://:99999"']);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://:99999' }, 'http://collector:4317'), [], 'the config\'s endpoint wins');
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, count: 1}]', 'sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:99999"}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['run', cfg]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^config error: config\.sink\.endpoint: expected an endpoint URL/m);
  assert.not.match(r.stderr, /internal error/);
});

test.run();
