/**
 * The otlp source (src/sources/otlpReceiver.ts): the stock OTLP exporters, gRPC and HTTP, send to
 * it and every point becomes a sample that encodes to the request they sent; refused points are
 * answered as partial success (and dead letters); no room is a retryable answer; with a spool the
 * answer waits for the samples to settle.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateSync, gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as HttpProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { ExportResultCode } from '@opentelemetry/core';
import { otlpReceiverSamples } from '../src/sources/otlpReceiver.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { collection, exportCall, exportOnce, post, start } from './support/otlpReceiver.js';

const test = suite('otlp source');

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
    // deflate too, and a query string on the path (a proxy's, a load balancer's) is no other path.
    assert.is((await post(r.http, deflateSync(bytes), { 'content-type': 'application/x-protobuf', 'content-encoding': 'deflate' })).status, 200);
    assert.is((await post(r.http, bytes, { 'content-type': 'application/x-protobuf' }, '/v1/metrics?tenant=a')).status, 200);
    assert.is(r.samples.length, 15);
    for (let i = 0; i < 15; i += 3) assert.ok(encodeBatch(r.samples.slice(i, i + 3), {}).equals(bytes), `request ${i / 3 + 1}`);
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

/** A receiver without room until `room.is` is set, and what it says of room (episodes) and of each answer. */
const startWithoutRoom = async () => {
  const room = { is: false };
  const episodes: unknown[] = [];
  const answers: string[] = [];
  const r = await start({ hasRoom: () => room.is, onRoom: (e) => episodes.push(e), onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  return { r, room, episodes, answers };
};

test('a refusal that cost no point (a metric without data) is still said, as partial success of 0 points — the spec\'s warning', async () => {
  const r = await start();
  try {
    const answer = await post(r.http, '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"empty"}]}]}]}', { 'content-type': 'application/json' });
    assert.equal([answer.status, await answer.json()], [200, { partialSuccess: { rejectedDataPoints: '0', errorMessage: 'metric "empty": no data of a type chronoq carries (gauge, sum, histogram, exponentialHistogram)' } }]);
  } finally {
    r.stop();
  }
});

test('without room nothing is taken: UNAVAILABLE and 503 with Retry-After, which exporters retry', async () => {
  const { r, room, episodes, answers } = await startWithoutRoom();
  try {
    const { bytes } = await collection();
    const grpc = await exportCall(r.grpc, bytes);
    assert.is(grpc.error?.code, status.UNAVAILABLE);
    assert.match(grpc.error!.details, /no room/);
    const http = await post(r.http, bytes, { 'content-type': 'application/x-protobuf' });
    assert.is(http.status, 503);
    assert.is(http.headers.get('retry-after'), '1');
    assert.is(r.samples.length, 0);
    room.is = true;
    assert.ok((await exportCall(r.grpc, bytes)).response !== undefined);
    assert.is(r.samples.length, 3);
    // Said once each way (the senders alone saw the refusals).
    assert.equal(episodes, [{ full: true, refused: 0 }, { full: false, refused: 2 }]);
    assert.equal(answers, ['grpc no-room', 'http no-room', 'grpc taken']);
  } finally {
    r.stop();
  }
});

test('without room a request is refused before it is read: a body that is no request is told "retry later", not "malformed"', async () => {
  const { r, room, episodes, answers } = await startWithoutRoom();
  try {
    // Not protobuf (a field number 0), and not gzip: reading either would answer 400 / INVALID_ARGUMENT.
    const garbage = Buffer.from([0x00, 0xff, 0xff, 0xff]);
    assert.is((await exportCall(r.grpc, garbage)).error?.code, status.UNAVAILABLE);
    const http = await post(r.http, garbage, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.is(http.status, 503);
    assert.is(http.headers.get('retry-after'), '1');
    room.is = true;
    assert.is((await exportCall(r.grpc, garbage)).error?.code, status.INVALID_ARGUMENT, 'read once there is room');
    assert.is((await post(r.http, garbage, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status, 400);
    // The refusals before reading are counted as refusals for want of room, said once each way.
    assert.equal(episodes, [{ full: true, refused: 0 }], 'taken again only once a request is taken');
    const { bytes } = await collection();
    assert.ok((await exportCall(r.grpc, bytes)).response !== undefined);
    assert.equal(episodes, [{ full: true, refused: 0 }, { full: false, refused: 2 }]);
    assert.equal(answers, ['grpc no-room', 'http no-room', 'grpc malformed', 'http malformed', 'grpc taken']);
  } finally {
    r.stop();
  }
});

test('not a metrics request, another type or path: refused, not retried', async () => {
  const answers: string[] = [];
  const r = await start({ onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    assert.is((await exportCall(r.grpc, Buffer.from([0x0a, 0x05, 0x01]))).error?.code, status.INVALID_ARGUMENT);
    const garbage = await post(r.http, Buffer.from([0x0a, 0xff]), { 'content-type': 'application/x-protobuf' });
    assert.is(garbage.status, 400);
    assert.is((await post(r.http, '{"resourceSpans":[]}', { 'content-type': 'application/json' })).status, 400);
    assert.is((await post(r.http, 'x', { 'content-type': 'text/plain' })).status, 415);
    assert.is((await post(r.http, 'x', { 'content-type': 'application/json' }, '/v1/traces')).status, 404);
    assert.equal(answers, ['grpc malformed', 'http malformed', 'http malformed', 'http malformed', 'http malformed'], 'each answer counted');
  } finally {
    r.stop();
  }
});

test('a GET or HEAD (a health check, a scanner) is no export: answered 404/405 and counted a probe, not malformed; a preflight the source does not let through, cross-origin', async () => {
  const answers: string[] = [];
  const r = await start({ onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    const get = await fetch(`http://${r.http}/v1/metrics`);
    assert.equal([get.status, get.headers.get('allow')], [405, 'POST'], 'a 405 names the method to use, as HTTP asks');
    assert.is((await fetch(`http://${r.http}/`)).status, 404);
    assert.is((await fetch(`http://${r.http}/healthz`, { method: 'HEAD' })).status, 404);
    assert.is((await post(r.http, 'x', { 'content-type': 'application/x-protobuf' }, '/v1/logs')).status, 404, 'an export to another path is one a sender lost');
    const preflight = await fetch(`http://${r.http}/v1/metrics`, { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' } });
    assert.is(preflight.status, 204, 'a browser\'s CORS preflight, to a source without cors: answered, not let through');
    assert.is(preflight.headers.get('access-control-allow-origin'), null);
    assert.is((await fetch(`http://${r.http}/v1/metrics`, { method: 'OPTIONS' })).status, 405, 'an OPTIONS that is no preflight');
    assert.equal(answers, ['http probe', 'http probe', 'http probe', 'http malformed', 'http cross-origin', 'http malformed']);
  } finally {
    r.stop();
  }
});

test('a request larger than maxRequestBytes: refused (413, RESOURCE_EXHAUSTED) and counted too-large, gRPC\'s too, which grpc-js refuses before the handler runs', async () => {
  const answers: string[] = [];
  const peers = new Set<string>();
  const small = await start({ maxRequestBytes: 1_000, onAnswer: (a, protocol, peer) => (answers.push(`${protocol} ${a}`), peers.add(peer)) });
  try {
    const { bytes } = await collection();
    const large = Buffer.concat(Array.from({ length: 8 }, () => bytes));
    assert.ok(bytes.length <= 1_000 && large.length > 1_000, `${bytes.length} and ${large.length} bytes`);
    assert.ok(gzipSync(large).length < 1_000, 'compressed, under the limit');
    assert.is((await post(small.http, large, { 'content-type': 'application/x-protobuf' })).status, 413);
    // At the limit to the byte: taken (the limit is what may be sent, not one less).
    const atLimit = await start({ maxRequestBytes: bytes.length });
    try {
      assert.is((await post(atLimit.http, bytes, { 'content-type': 'application/x-protobuf' })).status, 200);
      assert.is((await exportCall(atLimit.grpc, bytes)).error, undefined, 'gRPC at the limit too');
      assert.is(atLimit.samples.length, 6, 'and read whole');
      const byteOver = Buffer.concat([bytes, Buffer.from([0])]);
      assert.is((await post(atLimit.http, byteOver, { 'content-type': 'application/x-protobuf' })).status, 413, 'a byte over');
      assert.is((await exportCall(atLimit.grpc, byteOver)).error?.code, status.RESOURCE_EXHAUSTED, 'a byte over, gRPC');
    } finally {
      atLimit.stop();
    }
    assert.is((await exportCall(small.grpc, large)).error?.code, status.RESOURCE_EXHAUSTED);
    // Under the limit as sent, beyond it inflated (grpc-js's other refusal).
    assert.is((await exportCall(small.grpc, large, { gzip: true })).error?.code, status.RESOURCE_EXHAUSTED);
    assert.is((await exportCall(small.grpc, bytes, { gzip: true })).error, undefined, 'a request within the limit is taken');
    // grpc-js counts its answer when the stream closes, a moment after the client has it.
    for (let i = 0; i < 100 && answers.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50)); // and none counted twice
    assert.equal(answers.sort(), ['grpc taken', 'grpc too-large', 'grpc too-large', 'http too-large'].sort());
    assert.ok(peers.size > 0 && [...peers].every((p) => /^127\.0\.0\.1:\d+$/.test(p)), `each with its sender's address: ${[...peers].join(', ')}`);
    assert.is(small.samples.length, 3, 'only the request within the limit became samples');
  } finally {
    small.stop();
  }
});

test('the port in use is the source\'s error', async () => {
  const r = await start();
  try {
    const clash: unknown[] = [];
    const sub = otlpReceiverSamples({ httpEndpoint: r.http }).subscribe({ error: (e) => clash.push(e) });
    while (clash.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    sub.unsubscribe();
    assert.match(String(clash[0]), new RegExp(`cannot listen for OTLP/HTTP on ${r.http.replace(/\./g, '\\.')}: .*EADDRINUSE`));
  } finally {
    r.stop();
  }
});

test.run();
