/**
 * The otlp source's TLS (mutual too, certificates rotated while it serves) and bearer tokens
 * (asked of every request, read again from a file that changes). Split from otlpReceiver.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import { collection, exportCall, exportOnce, exportOverTls, post, postOverTls, start } from './support/otlpReceiver.js';
import { sleep, tempDir } from './support/cli.js';
import { resolvedConfigOf } from './support/config.js';
import { receiverTlsProblems } from '../src/config/receiverFiles.js';
import { formatConfigError } from '../src/config/errors.js';

const test = suite('otlp source: TLS and tokens');

const pem = (name: string): Buffer => readFileSync(join(import.meta.dirname, 'fixtures/tls', name));

test('TLS, and mutual TLS: a client that trusts the CA is taken; without the client certificate mutual TLS refuses it', async () => {
  const tls = { cert: pem('server.pem'), key: pem('server-key.pem') };
  const client = { cert: pem('client.pem'), key: pem('client-key.pem') };
  const ca = pem('ca.pem');
  const { bytes } = await collection();
  const r = await start({ grpcTls: tls, httpTls: tls });
  try {
    assert.ok((await exportOverTls(r.grpc, bytes, ca)).response !== undefined);
    assert.is(await postOverTls(r.http, bytes, ca), 200);
    assert.is((await exportCall(r.grpc, bytes)).error?.code, status.UNAVAILABLE, 'a plaintext client is not served');
    assert.is(r.samples.length, 6);
  } finally {
    r.stop();
  }
  const mutual = await start({ grpcTls: { ...tls, clientCa: ca }, httpTls: { ...tls, clientCa: ca } });
  try {
    assert.ok((await exportOverTls(mutual.grpc, bytes, ca, client)).response !== undefined);
    assert.is(await postOverTls(mutual.http, bytes, ca, client), 200);
    assert.is((await exportOverTls(mutual.grpc, bytes, ca)).error?.code, status.UNAVAILABLE);
    assert.type(await postOverTls(mutual.http, bytes, ca), 'string');
    assert.is(mutual.samples.length, 6);
  } finally {
    mutual.stop();
  }
});

test('a bearer token read from a file is read again when the file changes: the rotated secret is asked for (the old one no more)', async () => {
  const dir = tempDir();
  const file = join(dir, 'token');
  writeFileSync(file, 'token-1\n');
  const events: string[] = [];
  const r = await start({ bearerToken: 'token-1', bearerTokenWatch: { template: `\${file:${file}}`, everyMs: 50, env: {}, path: 'config.sources[0].bearerToken', onEvent: (e) => events.push(e.kind === 'invalid' ? `invalid: ${e.problem}` : e.kind) } });
  try {
    const { bytes } = await collection();
    const postWith = async (token: string) => (await post(r.http, bytes, { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` })).status;
    assert.is(await postWith('token-1'), 200);
    writeFileSync(file, '');
    for (let i = 0; i < 250 && events.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.match(events[0] ?? '', /^invalid: config\.sources\[0\]\.bearerToken: /, 'an emptied file: the token in use stays');
    assert.is(await postWith('token-1'), 200);
    writeFileSync(file, 'token-2\n');
    for (let i = 0; i < 250 && !events.includes('reloaded'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.is(await postWith('token-2'), 200);
    assert.is(await postWith('token-1'), 401);
    r.stop();
    const said = events.length;
    writeFileSync(file, '');
    await sleep(300);
    assert.is(events.length, said, 'stopped: the file is looked at no more');
  } finally {
    r.stop();
  }
});

test('a certificate rotated under a running receiver is served to new connections (it was served as read at start until a restart); a half-rotated set is kept out', async () => {
  const dir = tempDir();
  const files = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  writeFileSync(files.cert, pem('server.pem'));
  writeFileSync(files.key, pem('server-key.pem'));
  const events: string[] = [];
  const tls = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
  const settings = { names: { ca: 'tls.clientCa', cert: 'tls.cert', key: 'tls.key' }, pathOf: (n: string) => `config.sources[0].protocols.grpc.${n}` };
  const r = await start({
    grpcTls: tls, httpTls: tls,
    tlsWatch: { everyMs: 50, now: () => Date.now(), files: { grpc: { files, settings }, http: { files, settings } }, onEvent: (protocol, e) => events.push(`${protocol} ${e.kind}`) },
  });
  try {
    const { bytes } = await collection();
    assert.ok((await exportOverTls(r.grpc, bytes, pem('ca.pem'))).response !== undefined, 'the first certificate');
    assert.is((await exportOverTls(r.grpc, bytes, pem('ca2.pem'))).error?.code, status.UNAVAILABLE, 'not yet the second');
    // cert-manager renews: the new certificate first (a look may catch it beside the old key), then its key.
    writeFileSync(files.cert, pem('server2.pem'));
    for (let i = 0; i < 250 && !(events.includes('grpc invalid') && events.includes('http invalid')); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await exportOverTls(r.grpc, bytes, pem('ca.pem'))).response !== undefined, 'half-rotated: the old set stays in use');
    writeFileSync(files.key, pem('server2-key.pem'));
    for (let i = 0; i < 100 && !events.includes('grpc reloaded'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await exportOverTls(r.grpc, bytes, pem('ca2.pem'))).response !== undefined, 'gRPC: the renewed certificate');
    for (let i = 0; i < 100 && !events.includes('http reloaded'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.is(await postOverTls(r.http, bytes, pem('ca2.pem')), 200, 'HTTPS: the renewed certificate');
    assert.ok(events.includes('grpc invalid') && events.includes('http reloaded'), events.join(', '));
    r.stop();
    const said = events.length;
    writeFileSync(files.cert, pem('server.pem'));
    await sleep(300);
    assert.is(events.length, said, 'stopped: the files are looked at no more');
  } finally {
    r.stop();
  }
});

test('mutual TLS: a client CA replaced under a running receiver decides new connections: its clients are taken, the old CA\'s refused', async () => {
  const dir = tempDir();
  const files = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'client-ca.crt') };
  writeFileSync(files.cert, pem('server.pem'));
  writeFileSync(files.key, pem('server-key.pem'));
  writeFileSync(files.ca, pem('ca.pem'));
  const events: string[] = [];
  const tls = { cert: pem('server.pem'), key: pem('server-key.pem'), clientCa: pem('ca.pem') };
  const settings = { names: { ca: 'tls.clientCa', cert: 'tls.cert', key: 'tls.key' }, pathOf: (n: string) => `config.sources[0].protocols.grpc.${n}` };
  const r = await start({
    grpcTls: tls, httpTls: tls,
    tlsWatch: { everyMs: 50, now: () => Date.now(), files: { grpc: { files, settings }, http: { files, settings } }, onEvent: (protocol, e) => events.push(`${protocol} ${e.kind}`) },
  });
  const first = { cert: pem('client.pem'), key: pem('client-key.pem') };
  const second = { cert: pem('client2.pem'), key: pem('client2-key.pem') };
  try {
    const { bytes } = await collection();
    assert.ok((await exportOverTls(r.grpc, bytes, pem('ca.pem'), first)).response !== undefined, 'a client of the first CA');
    assert.is((await exportOverTls(r.grpc, bytes, pem('ca.pem'), second)).error?.code, status.UNAVAILABLE, 'not yet one of the second');
    writeFileSync(files.ca, pem('ca2.pem'));
    for (let i = 0; i < 250 && !(events.includes('grpc reloaded') && events.includes('http reloaded')); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await exportOverTls(r.grpc, bytes, pem('ca.pem'), second)).response !== undefined, 'gRPC: a client of the new CA');
    assert.is((await exportOverTls(r.grpc, bytes, pem('ca.pem'), first)).error?.code, status.UNAVAILABLE, "gRPC: the old CA's client refused");
    assert.is(await postOverTls(r.http, bytes, pem('ca.pem'), second), 200, 'HTTPS: a client of the new CA');
    assert.type(await postOverTls(r.http, bytes, pem('ca.pem'), first), 'string', "HTTPS: the old CA's client refused");
    assert.is(r.samples.length, 3 * 3, 'three requests taken, of 3 samples each');
  } finally {
    r.stop();
  }
});

test('a bearer token: asked of every request (UNAUTHENTICATED, 401 without it), compared whole', async () => {
  const answers: string[] = [];
  const r = await start({ bearerToken: 's3cret', onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    const { rm, bytes } = await collection();
    assert.is((await exportCall(r.grpc, bytes)).error?.code, status.UNAUTHENTICATED);
    const wrong = await post(r.http, bytes, { 'content-type': 'application/x-protobuf', authorization: 'Bearer s3cret2' });
    assert.is(wrong.status, 401);
    assert.is(wrong.headers.get('www-authenticate'), 'Bearer');
    assert.is(r.samples.length, 0);
    // The stock gRPC exporter's metadata carries it (OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20s3cret too).
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer s3cret');
    const result = await exportOnce(new OTLPMetricExporter({ url: `http://${r.grpc}`, metadata }), rm);
    assert.is(result.code, ExportResultCode.SUCCESS);
    assert.is((await post(r.http, bytes, { 'content-type': 'application/x-protobuf', authorization: 'bearer s3cret' })).status, 200);
    assert.is(r.samples.length, 6);
    assert.equal(answers, ['grpc unauthenticated', 'http unauthenticated', 'grpc taken', 'http taken']);
  } finally {
    r.stop();
  }
});

test('the config check reads each TLS file of an otlp source, the client CA included, and names it by its key', () => {
  const fixtures = join(import.meta.dirname, 'fixtures/tls');
  const missing = join(tempDir(), 'missing-ca.pem');
  const config = (protocol: 'grpc' | 'http', clientCa: string) =>
    resolvedConfigOf(`sources: [{type: otlp, protocols: {${protocol}: {endpoint: "127.0.0.1:0", tls: {cert: ${fixtures}/server.pem, key: ${fixtures}/server-key.pem, clientCa: ${clientCa}}}}}]\nsink: {type: ndjson, path: out.ndjson}\n`);
  assert.equal(receiverTlsProblems(config('grpc', `${fixtures}/ca.pem`)), []);
  for (const protocol of ['grpc', 'http'] as const) {
    const errors = receiverTlsProblems(config(protocol, missing)).map(formatConfigError);
    assert.is(errors.length, 1, errors.join('\n'));
    assert.ok(errors[0]!.startsWith(`config.sources[0].protocols.${protocol}.tls.clientCa: `), errors[0]);
    assert.match(errors[0]!, missing);
  }
});

test.run();
