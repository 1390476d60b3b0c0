/**
 * `chronoq run` with an otlp source over TLS, as its config names the files: the listeners serve
 * the certificate, and with `clientCa` (mutual TLS) take only clients whose certificate that CA
 * issued — on gRPC and on HTTPS. What the source does with the certificates in process (rotated
 * while it serves) is in test/otlpReceiverAuth.test.ts; here the config's path to them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { startCli, tempDir, until, writeConfig } from './support/cli.js';
import { collection, exportOverTls, postOverTls } from './support/otlpReceiver.js';
import { parseSampleLine } from '../src/sampleJson.js';

const test = suite('chronoq run: an otlp source over TLS');

const fixtures = join(import.meta.dirname, 'fixtures/tls');
const pem = (name: string): Buffer => readFileSync(join(fixtures, name));

test('mutual TLS from the config: a client with a certificate of tls.clientCa is taken, over gRPC and HTTPS; one without is refused; the start line says so', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const tls = `{cert: ${fixtures}/server.pem, key: ${fixtures}/server-key.pem, clientCa: ${fixtures}/ca.pem}`;
  const run = startCli(['run', writeConfig(dir, [
    'sources:',
    '  - type: otlp',
    '    protocols:',
    `      grpc: {endpoint: "127.0.0.1:0", tls: ${tls}}`,
    `      http: {endpoint: "127.0.0.1:0", tls: ${tls}}`,
    `sink: {type: ndjson, path: ${out}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    '',
  ].join('\n'))]);
  try {
    const address = (protocol: string): string | undefined => new RegExp(`listening for OTLP/${protocol} on (127\\.0\\.0\\.1:\\d+)`).exec(run.stderrSoFar())?.[1];
    await until('chronoq listens', () => address('gRPC') !== undefined && address('HTTP') !== undefined);
    assert.match(run.stderrSoFar(), 'chronoq running: otlp (gRPC 127.0.0.1:0 mutual TLS, HTTP 127.0.0.1:0 mutual TLS)');
    const { bytes } = await collection();
    const client = { cert: pem('client.pem'), key: pem('client-key.pem') };
    const ca = pem('ca.pem');
    assert.ok((await exportOverTls(address('gRPC')!, bytes, ca, client)).response !== undefined, 'gRPC with the client certificate');
    assert.is((await exportOverTls(address('gRPC')!, bytes, ca)).error?.code, status.UNAVAILABLE, 'gRPC without one');
    assert.is((await exportOverTls(address('gRPC')!, bytes, ca, { cert: pem('client2.pem'), key: pem('client2-key.pem') })).error?.code, status.UNAVAILABLE, "gRPC with another CA's");
    assert.is(await postOverTls(address('HTTP')!, bytes, ca, client), 200, 'HTTPS with the client certificate');
    assert.type(await postOverTls(address('HTTP')!, bytes, ca), 'string', 'HTTPS without one');
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: 6 in, 6 delivered, 0 dead-lettered/);
    const names = readFileSync(out, 'utf8').trim().split('\n').map((l) => parseSampleLine(l)).map((s) => (s._tag === 'Right' ? s.right.name : s.left));
    assert.equal(names.sort(), ['latency', 'latency', 'queue.depth', 'queue.depth', 'requests', 'requests']);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.run();
