/**
 * The OTLP sink over TLS, as a user configures it against a collector or Instana behind TLS:
 * the `tls` option (CA, client certificate and key for mutual TLS) and the OTLP environment
 * variables (OTEL_EXPORTER_OTLP_[METRICS_]CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY), against
 * a real gRPC server with the certificates of test/fixtures/tls (scripts/make-test-certs.sh).
 * A certificate the sink cannot verify fails the attempt with the TLS reason in its message, and
 * retryably (UNAVAILABLE): the samples wait for a fixed certificate, they are not dead-lettered.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { otlpGrpcSink, type OtlpTlsOptions } from '../src/otlp/otlpGrpcSink.js';
import { isExportError, isInvalidOptionError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer, type FakeServerTls } from './support/fakeOtlpServer.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';

const test = suite('OTLP sink over TLS');
const dir = join(import.meta.dirname, 'fixtures/tls');
const pem = (name: string): Buffer => readFileSync(join(dir, name));
const serverTls: FakeServerTls = { cert: pem('server.pem'), key: pem('server-key.pem') };
const mutualTls: FakeServerTls = { ...serverTls, clientCa: pem('ca.pem') };
const T = 1_767_225_600_123_456_789n;
const batch: Sample[] = [{ name: 'cpu', kind: 'gauge', value: 0.5, timeUnixNano: T, attributes: { host: 'a' } }];

/** One send to a TLS server on `localhost` (the certificate's name); the points it received, or the error. */
const sendOnce = async (server: FakeServerTls, tls?: OtlpTlsOptions, env: Record<string, string> = {}) => {
  const fake = await startFakeOtlpServer(() => ({ ok: true }), server);
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const sink = otlpGrpcSink({ endpoint: `https://localhost:${fake.port}`, timeoutMs: 5_000, ...(tls !== undefined ? { tls } : {}) });
  for (const k of Object.keys(env)) delete process.env[k];
  try {
    await lastValueFrom(sink.send(batch), { defaultValue: undefined });
    return { points: fake.received.flatMap((r) => r.points), error: undefined };
  } catch (error) {
    return { points: fake.received.flatMap((r) => r.points), error };
  } finally {
    sink.shutdown();
    fake.kill();
  }
};

test('tls.ca: the server certificate is verified against it and the point arrives exactly', async () => {
  const r = await sendOnce(serverTls, { ca: pem('ca.pem') });
  assert.is(r.error, undefined);
  assert.equal(r.points, [{ name: 'cpu', timeUnixNano: T }]);
});

test('a server certificate the sink cannot verify (no CA, another CA) fails retryably, with the reason, and sends nothing', async () => {
  for (const tls of [undefined, { ca: pem('other-ca.pem') }]) {
    const r = await sendOnce(serverTls, tls);
    assert.ok(isExportError(r.error), 'an ExportError');
    if (!isExportError(r.error)) continue;
    assert.is(r.error.retryable, true, 'the samples wait (UNAVAILABLE), they are not dead-lettered');
    assert.match(r.error.message, /certificate/, 'the message names the certificate problem');
    assert.equal(r.points, []);
  }
});

test('mutual TLS: with tls.cert and tls.key the server accepts the client; without them it refuses', async () => {
  const withClient = await sendOnce(mutualTls, { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client-key.pem') });
  assert.is(withClient.error, undefined);
  assert.equal(withClient.points, [{ name: 'cpu', timeUnixNano: T }]);
  const without = await sendOnce(mutualTls, { ca: pem('ca.pem') });
  assert.ok(isExportError(without.error) && without.error.retryable);
  assert.equal(without.points, []);
});

test('OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE and _CLIENT_KEY (files) set up mutual TLS; the METRICS_ ones win', async () => {
  const r = await sendOnce(mutualTls, undefined, {
    OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'other-ca.pem'),
    OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: join(dir, 'ca.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: join(dir, 'client.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_KEY: join(dir, 'client-key.pem'),
  });
  assert.is(r.error, undefined);
  assert.equal(r.points, [{ name: 'cpu', timeUnixNano: T }]);
});

test('otlpGrpcSink refuses TLS contents gRPC cannot read, naming the option: DER (a DER certificate threw "PEM routines::no start line" from deep in grpc-js, a DER CA trusted nothing), an encrypted key, a key given as the certificate', () => {
  const der = (name: string) => Buffer.from(new X509Certificate(pem(name)).raw);
  const encrypted = createPrivateKey(pem('client-key.pem')).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' });
  const cases: [OtlpTlsOptions, string, RegExp][] = [
    [{ ca: der('ca.pem') }, 'tls.ca', /must be the PEM of a certificate, found a DER \(binary\) certificate, not PEM \(gRPC reads PEM only: openssl x509 -inform der/],
    [{ ca: pem('ca.pem'), cert: der('client.pem'), key: pem('client-key.pem') }, 'tls.cert', /found a DER \(binary\) certificate, not PEM/],
    [{ ca: pem('ca.pem'), cert: pem('client.pem'), key: encrypted }, 'tls.key', /must be the PEM of a private key, found an encrypted private key \(gRPC takes no passphrase/],
    [{ cert: pem('client-key.pem'), key: pem('client-key.pem') }, 'tls.cert', /found a private key, not a certificate \(tls\.cert and tls\.key swapped\?\)/],
  ];
  for (const [tls, option, message] of cases) {
    try {
      otlpGrpcSink({ endpoint: 'https://localhost:1', tls }).shutdown();
      assert.unreachable(`${option} was taken`);
    } catch (e) {
      assert.ok(isInvalidOptionError(e) && e.option === option, String(e));
      assert.match((e as Error).message, message);
    }
  }
  otlpGrpcSink({ endpoint: 'https://localhost:1', tls: { ca: pem('ca.pem').toString(), cert: pem('client.pem'), key: pem('client-key.pem') } }).shutdown();
});

test('an explicit tls option wins over the environment', async () => {
  const r = await sendOnce(serverTls, { ca: pem('ca.pem') }, { OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'other-ca.pem') });
  assert.is(r.error, undefined);
  assert.equal(r.points.length, 1);
});

test('chronoq run with sink.tls naming the files delivers over mutual TLS; validate reports a missing file at its path', async () => {
  const fake = await startFakeOtlpServer(() => ({ ok: true }), mutualTls);
  try {
    const work = tempDir();
    const tls = `{ca: ${join(dir, 'ca.pem')}, cert: ${join(dir, 'client.pem')}, key: ${join(dir, 'client-key.pem')}}`;
    const config = (t: string) =>
      writeConfig(work, [
        'sources: [{type: synthetic, series: 2, ratePerSecond: 100, count: 20, valuePattern: sequence}]',
        `sink: {type: otlp-grpc, endpoint: "https://localhost:${fake.port}", tls: ${t}}`,
        `deadLetter: {path: ${join(work, 'dead.ndjson')}}`,
        '',
      ].join('\n'));
    const r = await runCli(['run', config(tls), '--quiet']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /done: 20 in, 20 delivered, 0 dead-lettered/);
    assert.is(fake.received.flatMap((x) => x.points).length, 20);
    const bad = await runCli(['validate', config(`{ca: ${join(work, 'missing.pem')}}`)]);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /config\.sink\.tls\.ca: expected a readable file with a PEM certificate, found ".*missing\.pem" \(ENOENT\)/);
    assert.not.match(bad.stderr, /\n\s+at /, 'no stack trace');
    // A DER client certificate passed the check (Node reads DER) and the run stopped on an uncaught exception.
    writeFileSync(join(work, 'client.der'), new X509Certificate(pem('client.pem')).raw);
    const derRun = await runCli(['run', config(`{ca: ${join(dir, 'ca.pem')}, cert: ${join(work, 'client.der')}, key: ${join(dir, 'client-key.pem')}}`)]);
    assert.is(derRun.code, 2, derRun.stderr);
    assert.match(derRun.stderr, /config\.sink\.tls\.cert: expected a PEM certificate, found ".*client\.der", a DER \(binary\) certificate, not PEM/);
    assert.not.match(derRun.stderr, /\n\s+at |PEM routines/, 'no stack trace');
  } finally {
    fake.kill();
  }
});

test('chronoq run refuses an OTEL_EXPORTER_OTLP_CERTIFICATE file it cannot read, naming the variable (it was an OpenTelemetry warning, and the run went on without the file)', async () => {
  const work = tempDir();
  const cfg = writeConfig(work, [
    'sources: [{type: synthetic, series: 1, ratePerSecond: 10, count: 2, valuePattern: sequence}]',
    'sink: {type: otlp-grpc, endpoint: "https://localhost:1", timeoutMs: 200}',
    `deadLetter: {path: ${join(work, 'dead.ndjson')}}`,
    '',
  ].join('\n'));
  const missing = join(work, 'missing.pem');
  const r = await runCli(['run', cfg, '--quiet'], { OTEL_EXPORTER_OTLP_CERTIFICATE: missing });
  assert.is(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`environment OTEL_EXPORTER_OTLP_CERTIFICATE: expected a readable file with a PEM certificate, found ${JSON.stringify(missing)} (ENOENT)`), r.stderr);
  // A plaintext endpoint does not use the variable: no error.
  const plain = await runCli(['validate', writeConfig(work, 'sink: {type: otlp-grpc, endpoint: "http://localhost:1"}\n', 'plain.yaml')], { OTEL_EXPORTER_OTLP_CERTIFICATE: missing });
  assert.is(plain.code, 0, plain.stderr);
});

test.run();
