/**
 * The otlp source (src/sources/otlpReceiver.ts): the stock OTLP exporters, gRPC and HTTP, send to
 * it and every point becomes a sample that encodes to the request they sent; refused points are
 * answered as partial success (and dead letters); no room is a retryable answer; with a spool the
 * answer waits for the samples to settle.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { Subject, type Subscription } from 'rxjs';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { AggregationTemporality, MeterProvider, MetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as HttpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { otlpReceiverSamples, settleReceived, type OtlpReceiverOptions, type RefusedPoints } from '../src/sources/otlpReceiver.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';

const test = suite('otlp source');

class Reader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** A collection of a counter, a gauge and a histogram, with the request bytes the stock exporters send for it. */
const collection = async (attributes: Record<string, unknown> = { route: '/a' }): Promise<{ rm: ResourceMetrics; bytes: Buffer }> => {
  const reader = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), readers: [reader] });
  const meter = provider.getMeter('app', '1.0');
  meter.createCounter('requests').add(3, attributes as never);
  meter.createGauge('queue.depth').record(-2.5, attributes as never);
  meter.createHistogram('latency', { unit: 'ms' }).record(12, attributes as never);
  const { resourceMetrics: rm } = await reader.collect();
  await provider.shutdown();
  return { rm, bytes: Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!) };
};

interface Running {
  readonly grpc: string;
  readonly http: string;
  readonly samples: Sample[];
  readonly refused: RefusedPoints[];
  readonly errors: unknown[];
  stop(): void;
}
const start = async (opts: Partial<OtlpReceiverOptions> = {}): Promise<Running> => {
  const addresses: Record<string, string> = {};
  const listening = new Subject<void>();
  const samples: Sample[] = [];
  const refused: RefusedPoints[] = [];
  const errors: unknown[] = [];
  const sub: Subscription = otlpReceiverSamples({
    grpcEndpoint: '127.0.0.1:0', httpEndpoint: '127.0.0.1:0', ...opts,
    onRefused: (e) => refused.push(e),
    onListening: (e) => {
      addresses[e.protocol] = e.address;
      if (addresses['grpc'] && addresses['http']) listening.next();
    },
  }).subscribe({ next: (s) => samples.push(s), error: (e) => errors.push(e) });
  await new Promise<void>((resolve) => listening.subscribe(() => resolve()));
  return { grpc: addresses['grpc']!, http: addresses['http']!, samples, refused, errors, stop: () => sub.unsubscribe() };
};

/** One export of `rm` by a stock exporter, which is then shut down: its result. */
const exportOnce = async (exporter: PushMetricExporter, rm: ResourceMetrics): Promise<ExportResult> => {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));
  await exporter.shutdown();
  return result;
};

/** One Export call with raw request bytes: the response bytes, or the gRPC error. */
const exportCall = (address: string, bytes: Buffer): Promise<{ response?: Buffer; error?: ServiceError }> => {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, bytes, (error, response) => {
      client.close();
      resolve(error ? { error } : { response: response! });
    });
  });
};
const post = (address: string, body: Uint8Array | string, headers: Record<string, string>, path = '/v1/metrics') =>
  fetch(`http://${address}${path}`, { method: 'POST', body, headers });

test('the stock OTLP/gRPC exporter sends to it: every point a sample, and the samples encode to the very request it sent', async () => {
  const r = await start();
  try {
    const { rm, bytes } = await collection();
    const result = await exportOnce(new OTLPMetricExporter({ url: `http://${r.grpc}` }), rm);
    assert.is(result.code, ExportResultCode.SUCCESS);
    assert.is(r.samples.length, 3);
    assert.ok(encodeBatch(r.samples, {}).equals(bytes), 'the same request, byte for byte');
    assert.is(r.samples[0]!.resourceSchemaUrl, 'https://opentelemetry.io/schemas/1.26.0');
  } finally {
    r.stop();
  }
});

test('the stock OTLP/HTTP exporter, protobuf and JSON: every point a sample, encoding to the request it sent', async () => {
  const r = await start();
  try {
    const { rm, bytes } = await collection();
    for (const Exporter of [HttpProtobufExporter, HttpJsonExporter]) {
      const result = await exportOnce(new Exporter({ url: `http://${r.http}/v1/metrics` }), rm);
      assert.is(result.code, ExportResultCode.SUCCESS, String(result.error));
    }
    assert.is(r.samples.length, 6);
    assert.ok(encodeBatch(r.samples.slice(0, 3), {}).equals(bytes), 'protobuf');
    assert.ok(encodeBatch(r.samples.slice(3), {}).equals(bytes), 'JSON');
  } finally {
    r.stop();
  }
});

test('OTLP/HTTP: protobuf, JSON and gzip bodies, answered in their own encoding', async () => {
  const r = await start();
  try {
    const { rm, bytes } = await collection();
    const protobuf = await post(r.http, bytes, { 'content-type': 'application/x-protobuf' });
    assert.is(protobuf.status, 200);
    assert.is(protobuf.headers.get('content-type'), 'application/x-protobuf');
    assert.is((await protobuf.arrayBuffer()).byteLength, 0, 'an empty response: everything taken');
    const json = await post(r.http, Buffer.from(JsonMetricsSerializer.serializeRequest(rm)!), { 'content-type': 'application/json; charset=utf-8' });
    assert.is(json.status, 200);
    assert.equal(await json.json(), {});
    const gzipped = await post(r.http, gzipSync(bytes), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.is(gzipped.status, 200);
    assert.is(r.samples.length, 9);
    for (let i = 0; i < 9; i += 3) assert.ok(encodeBatch(r.samples.slice(i, i + 3), {}).equals(bytes), `request ${i / 3 + 1}`);
  } finally {
    r.stop();
  }
});

test('points a sample cannot hold are refused as OTLP partial success, with the reason, and the rest taken', async () => {
  const answers: string[] = [];
  const r = await start({ onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    // A map attribute (kvlistValue), which a sample cannot hold: that point alone.
    const { bytes } = await collection({ route: '/a', user: { id: 7 } });
    const grpc = await exportCall(r.grpc, bytes);
    // ExportMetricsServiceResponse { partial_success { rejected_data_points: 3, error_message } }
    const text = grpc.response!.toString('latin1');
    assert.is(grpc.response![0], 0x0a);
    assert.ok(text.includes('\u0008\u0003\u0012'), 'rejected_data_points 3');
    assert.ok(text.includes('attribute "user": a kvlistValue, which a sample cannot hold'), text);
    assert.is(r.samples.length, 0);
    assert.is(r.refused.length, 3);
    assert.match(r.refused[0]!.peer, /127\.0\.0\.1/);
    const json = await post(r.http, JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '1' }] } },
      { name: 'rpc.duration', summary: { dataPoints: [{ timeUnixNano: '1764064800000000000' }, { timeUnixNano: '1764064801000000000' }] } },
    ] }] }] }), { 'content-type': 'application/json' });
    assert.equal(await json.json(), { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'metric "rpc.duration": its 2 points, summaries, which chronoq does not carry as such (gauges, sums and histograms; the source\'s `summaries: gauges` sends them as gauges)' } });
    assert.is(r.samples.length, 1);
    assert.equal(answers, ['grpc partial', 'http partial']);
  } finally {
    r.stop();
  }
});

test('without room nothing is taken: UNAVAILABLE and 503 with Retry-After, which exporters retry', async () => {
  let room = false;
  const episodes: unknown[] = [];
  const answers: string[] = [];
  const r = await start({ hasRoom: () => room, onRoom: (e) => episodes.push(e), onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    const { bytes } = await collection();
    const grpc = await exportCall(r.grpc, bytes);
    assert.is(grpc.error?.code, status.UNAVAILABLE);
    assert.match(grpc.error!.details, /no room/);
    const http = await post(r.http, bytes, { 'content-type': 'application/x-protobuf' });
    assert.is(http.status, 503);
    assert.is(http.headers.get('retry-after'), '1');
    assert.is(r.samples.length, 0);
    room = true;
    assert.ok((await exportCall(r.grpc, bytes)).response !== undefined);
    assert.is(r.samples.length, 3);
    // Said once each way (the senders alone saw the refusals).
    assert.equal(episodes, [{ full: true, refused: 0 }, { full: false, refused: 2 }]);
    assert.equal(answers, ['grpc no-room', 'http no-room', 'grpc taken']);
  } finally {
    r.stop();
  }
});

test('answerWhenSettled: the answer waits until every sample of the request has settled', async () => {
  const r = await start({ answerWhenSettled: true, settleWaitMs: 60_000 });
  try {
    const { bytes } = await collection();
    let answered = false;
    const call = exportCall(r.grpc, bytes).then((x) => ((answered = true), x));
    while (r.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    settleReceived(r.samples[0]!);
    settleReceived(r.samples[1]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.not.ok(answered, 'not answered with a sample unsettled');
    settleReceived(r.samples[2]!);
    assert.ok((await call).response !== undefined);
  } finally {
    r.stop();
  }
});

test('not a metrics request, another type, method or path: refused, not retried; the port in use is the source\'s error', async () => {
  const answers: string[] = [];
  const r = await start({ onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    assert.is((await exportCall(r.grpc, Buffer.from([0x0a, 0x05, 0x01]))).error?.code, status.INVALID_ARGUMENT);
    const garbage = await post(r.http, Buffer.from([0x0a, 0xff]), { 'content-type': 'application/x-protobuf' });
    assert.is(garbage.status, 400);
    assert.is((await post(r.http, '{"resourceSpans":[]}', { 'content-type': 'application/json' })).status, 400);
    assert.is((await post(r.http, 'x', { 'content-type': 'text/plain' })).status, 415);
    assert.is((await post(r.http, 'x', { 'content-type': 'application/json' }, '/v1/traces')).status, 404);
    assert.is((await fetch(`http://${r.http}/v1/metrics`)).status, 405);
    assert.equal(answers, ['grpc malformed', 'http malformed', 'http malformed', 'http malformed', 'http malformed', 'http malformed'], 'each answer counted');
    const small = await start({ maxRequestBytes: 10 });
    try {
      assert.is((await post(small.http, (await collection()).bytes, { 'content-type': 'application/x-protobuf' })).status, 413);
      assert.is((await exportCall(small.grpc, (await collection()).bytes)).error?.code, status.RESOURCE_EXHAUSTED);
    } finally {
      small.stop();
    }
    const clash: unknown[] = [];
    const sub = otlpReceiverSamples({ httpEndpoint: r.http }).subscribe({ error: (e) => clash.push(e) });
    while (clash.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    sub.unsubscribe();
    assert.match(String(clash[0]), new RegExp(`cannot listen for OTLP/HTTP on ${r.http.replace(/\./g, '\\.')}: .*EADDRINUSE`));
  } finally {
    r.stop();
  }
});

const pem = (name: string): Buffer => readFileSync(join(import.meta.dirname, 'fixtures/tls', name));

/** One Export call over TLS to `localhost` (the certificate's name), as a client with these credentials. */
const exportOverTls = (address: string, bytes: Buffer, ca: Buffer, client?: { cert: Buffer; key: Buffer }): Promise<{ response?: Buffer; error?: ServiceError }> => {
  const c = new Client(address.replace('127.0.0.1', 'localhost'), credentials.createSsl(ca, client?.key ?? null, client?.cert ?? null));
  return new Promise((resolve) => {
    c.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, bytes, { deadline: Date.now() + 10_000 }, (error, response) => {
      c.close();
      resolve(error ? { error } : { response: response! });
    });
  });
};
/** One POST over HTTPS to `localhost`: the status, or the error's code. */
const postOverTls = (address: string, body: Buffer, ca: Buffer, client?: { cert: Buffer; key: Buffer }): Promise<number | string> =>
  new Promise((resolve) => {
    const [, port] = address.split(':');
    const req = httpsRequest({ host: 'localhost', port: Number(port), path: '/v1/metrics', method: 'POST', ca, ...client, headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(body);
  });

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
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-recv-token-'));
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
  } finally {
    r.stop();
  }
});

test('a certificate rotated under a running receiver is served to new connections (it was served as read at start until a restart); a half-rotated set is kept out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-recv-tls-'));
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

test.run();
