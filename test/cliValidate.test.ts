/** `chronoq validate`, spawned as a user would run it: config errors as path, expected, found; the resolved config and what the sink will use. */
import { suite } from 'uvu';
import { trustedCas } from '../src/otlp/envTlsFiles.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { jsonLog, runCli, tempDir, writeConfig } from './support/cli.js';

const noStack = (s: string) => !/\n\s+at /.test(s);

const test = suite('chronoq validate');

test('validate: a misspelt key, a wrong type and a missing variable, each as path/expected/found; exit 2; no stack trace', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, ['delivery:', '  lanse: 4', 'reorder:', '  maxDelayMs: soon', 'sink:', '  type: otlp-grpc', '  headers:', '    x-instana-key: ${INSTANA_AGENT_KEY}', ''].join('\n'));
  const r = await runCli(['validate', cfg], { INSTANA_AGENT_KEY: undefined });
  assert.is(r.code, 2);
  assert.match(r.stderr, /config\.delivery\.lanse: expected no key 'lanse'.*did you mean 'lanes'\?/);
  assert.match(r.stderr, /config\.reorder\.maxDelayMs: expected a finite non-negative number, found "soon"/);
  assert.match(r.stderr, /config\.sink\.headers\.x-instana-key: expected environment variable INSTANA_AGENT_KEY to be set/);
  assert.ok(noStack(r.stderr), r.stderr);
  const missing = await runCli(['validate', join(dir, 'nope.yaml')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /expected a readable config file, found ENOENT/);
});

test('validate: a valid config run would warn of (an endpoint without a port, an OTLP/HTTP protocol variable, a setting not used) says so on stderr, exit 0', async () => {
  // Before, validate printed the config and nothing else; the warning came only at run's start.
  const dir = tempDir();
  const cfg = writeConfig(dir, "sink: {type: otlp-grpc, endpoint: 'http://collector'}\ndelivery: {lanes: 8}\nreorder: {order: global}\n");
  const r = await runCli(['validate', cfg], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /endpoint: http:\/\/collector/);
  assert.match(r.stderr, /WARN +the sink endpoint http:\/\/collector names no port: gRPC dials collector:443, in plaintext; OTLP\/gRPC receivers listen on 4317/);
  assert.match(r.stderr, /WARN +OTEL_EXPORTER_OTLP_PROTOCOL=http\/protobuf, but chronoq speaks OTLP\/gRPC only: it sends gRPC to collector:443/);
  // A setting that does nothing with the rest of the config (config/unusedSettings.ts).
  assert.match(r.stderr, /WARN +delivery\.lanes 8 is not used: reorder\.order global delivers on one lane/);
  // Files read once: in which order a run reads them, as its start says it.
  for (const f of ['a.ndjson', 'b.ndjson']) writeFileSync(join(dir, f), '{"name":"m","value":1,"timeUnixNano":"1764064800000000000"}\n');
  const files = await runCli(['validate', writeConfig(dir, `sources: [{type: ndjson, path: ${join(dir, 'a.ndjson')}}, {type: ndjson, path: ${join(dir, 'b.ndjson')}}]\nsink: {type: console}\n`, 'files.yaml')]);
  assert.match(files.stdout, new RegExp(`\\n# the files read once are read one after another, oldest first \\(by their first sample\\): ${join(dir, 'a.ndjson')}, ${join(dir, 'b.ndjson')}\\n$`));
  const quiet = await runCli(['validate', writeConfig(dir, "sink: {type: otlp-grpc, endpoint: 'http://collector:4317'}\n", 'ok.yaml')], { OTEL_EXPORTER_OTLP_PROTOCOL: undefined, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: undefined });
  assert.is(quiet.code, 0);
  assert.is(quiet.stderr, '', 'nothing to say');
});

test('--log-format json: config errors are JSON lines with path, expected, found and the hint, for run and validate', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, ['delivery:', '  lanse: 4', 'reorder:', '  maxDelayMs: soon', ''].join('\n'));
  for (const command of ['run', 'validate']) {
    const r = await runCli([command, cfg, '--log-format', 'json']);
    assert.is(r.code, 2, r.stderr);
    const lines = jsonLog(r.stderr); // throws on a line that is not JSON
    assert.is(lines.length, 2, r.stderr);
    assert.ok(lines.every((l) => l.level === 'error'), r.stderr);
    const misspelt = lines.find((l) => l.path === 'config.delivery.lanse');
    assert.ok(misspelt, r.stderr);
    assert.match(String(misspelt.message), /^config error: config\.delivery\.lanse: expected no key 'lanse'/);
    assert.is(misspelt.found, 'number 4');
    assert.is(misspelt.suggestion, "did you mean 'lanes'?");
    assert.is(lines.find((l) => l.path === 'config.reorder.maxDelayMs')?.found, '"soon"');
  }
  const missing = jsonLog((await runCli(['run', join(dir, 'nope.yaml'), '--log-format=json'])).stderr);
  assert.equal(missing.map((l) => [l.path, l.expected, l.found]), [[join(dir, 'nope.yaml'), 'a readable config file', 'ENOENT']]);
});

test('validate: prints the resolved config with defaults, variables interpolated and secrets masked', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sink:', '  type: otlp-grpc', '  endpoint: ${EP:-http://127.0.0.1:4317}', '  headers:', '    x-instana-key: ${KEY}', ''].join('\n'));
  const r = await runCli(['validate', cfg], { KEY: 'super-secret-value' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /endpoint: http:\/\/127\.0\.0\.1:4317/);
  assert.match(r.stdout, /x-instana-key: "\*\*\*"/);
  assert.not.match(r.stdout, /super-secret-value/);
  assert.match(r.stdout, /reorder:\n {2}maxDelayMs: 0\n/, 'the default config (one host source): nothing to reorder');
  assert.match(r.stdout, /batch:\n {2}maxSize: 1000\n {2}maxDelayMs: 1000\n/);
});

test('validate: shows what the sink will use with the OTEL_EXPORTER_OTLP_* variables applied (they are not in the config) — header names, never values — as YAML comments', async () => {
  // Before, `sink: type: otlp-grpc` was all it showed: an endpoint, headers or a timeout from the
  // environment were not to be seen before the run.
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sink:', '  type: otlp-grpc', '  headers: {x-tenant: t1}', ''].join('\n'));
  const r = await runCli(['validate', cfg], {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4317', OTEL_EXPORTER_OTLP_HEADERS: 'api-key=super-secret-value',
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '', NODE_EXTRA_CA_CERTS: '/etc/company/ca.pem',
  });
  assert.is(r.code, 0, r.stderr);
  const shown = r.stdout.slice(r.stdout.indexOf('# the sink uses'));
  assert.match(shown, /^# the sink uses \(its options over OTEL_EXPORTER_OTLP_\*, over the defaults\):\n#   dials: collector\.example:4317\n#   tls: true\n#   trusts: the CAs Node ships with and \/etc\/company\/ca\.pem \(NODE_EXTRA_CA_CERTS\)\n#   headers:\n#     - (api-key|x-tenant)\n#     - (api-key|x-tenant)\n#   compression: gzip\n#   timeoutMs: 3000\n$/);
  assert.not.match(r.stdout, /super-secret-value/);
  assert.ok((await import('yaml')).parse(r.stdout).sink.type === 'otlp-grpc', 'still YAML: the lines are comments');
});

test('validate: with TLS, which CAs the receiver\'s certificate is checked against — the sink\'s own, else GRPC_DEFAULT_SSL_ROOTS_FILE_PATH alone, else Node\'s (not the system store curl and the Collector read)', () => {
  const tls = { ca: Buffer.from('') };
  assert.equal([
    trustedCas({ OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem', GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '/etc/roots.pem' }, tls),
    trustedCas({ OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem', OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: '/etc/m.pem' }, undefined),
    trustedCas({ OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem', GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '/etc/roots.pem' }, {}),
    trustedCas({ NODE_EXTRA_CA_CERTS: '/etc/extra.pem' }, undefined),
    trustedCas({}, undefined),
  ], [
    'tls.ca',
    '/etc/m.pem (OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE)',
    '/etc/roots.pem (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)', // a tls option without ca: the variables are not read
    'the CAs Node ships with and /etc/extra.pem (NODE_EXTRA_CA_CERTS)',
    'the CAs Node ships with',
  ]);
});

test.run();
