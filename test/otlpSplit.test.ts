/**
 * Narrowing down what the receiver refused (src/otlp/narrowingDown.ts). A request refused as larger
 * than its message size limit (RESOURCE_EXHAUSTED, "received message larger than max"): the sink
 * sends the batch again in halves, so the good samples are delivered, in order, and only a sample
 * too large on its own becomes a dead letter, with the receiver's error. (The Collector's receiver
 * takes 4 MiB by default: big histograms or long attribute values reach it.) Partial success:
 * the rejected points are found by halving too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, from, toArray } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { GrpcStatus } from '../src/otlp/classify.js';
import { createSizeLimit } from '../src/otlp/sizeLimit.js';
import { ExportError } from '../src/errors.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('OTLP sink: narrowing down what the receiver refused');
const T = 1_767_225_600_000_000_000n;
const sample = (i: number, name = 'cpu'): Sample => ({ name, kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: { host: 'a' } });

const delta = (i: number, name = 'requests'): Sample => ({ name, kind: 'sum', temporality: 'delta', value: 1, timeUnixNano: T + BigInt(i), startTimeUnixNano: T + BigInt(i) - 1n, attributes: { host: 'a' } });
/** 40 samples, deltas and gauges in turn; the receivers below reject 10 (a delta) and 31 (a gauge) by their names. */
const deltasAndCounters = (): Sample[] =>
  Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? delta(i, i === 10 ? 'bad.requests' : 'requests') : sample(i, i === 31 ? 'bad.cpu' : 'cpu')));
/** diag's error lines, from now until diag.disable(). */
const diagErrors = (): string[] => {
  const errors: string[] = [];
  diag.setLogger({ error: (m: string) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.ERROR);
  return errors;
};

test('the batch goes again in halves: every other sample is delivered once, in order; the oversized one is a dead letter with the receiver\'s error', async () => {
  // The receiver refuses any request holding the 'huge' sample, or more than 64 points.
  const server = await startFakeOtlpServer((r) =>
    r.points.some((p) => p.name === 'huge') || r.points.length > 64
      ? { code: GrpcStatus.RESOURCE_EXHAUSTED, message: `grpc: received message larger than max (${r.points.length * 40_000} vs. 4194304)` }
      : { ok: true });
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batch = Array.from({ length: 200 }, (_, i) => sample(i, i === 137 ? 'huge' : 'cpu'));
    const out = await lastValueFrom(from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 200, maxDelayMs: 1_000 } }), toArray()));
    const delivered = out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number));
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.equal(delivered, batch.map((_, i) => i).filter((i) => i !== 137), 'every good sample delivered, in order');
    assert.is(dead.length, 1);
    assert.is(dead[0]!.item.value, 137);
    assert.is(dead[0]!.reason, 'rejected');
    assert.match(dead[0]!.detail, /too large for one request: .*received message larger than max/);
    assert.is(dead[0]!.error?.code, GrpcStatus.RESOURCE_EXHAUSTED);
    const accepted = server.received.filter((r) => r.points.length <= 64 && !r.points.some((p) => p.name === 'huge'));
    assert.equal(accepted.flatMap((r) => r.points.map((p) => Number(p.timeUnixNano - T))), delivered, 'the receiver got each good sample once, in order');
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('the size limit a refusal names is remembered: later batches over it are sent in parts at once, not uploaded whole to be refused again', async () => {
  const LIMIT = 8_000;
  // As a Go gRPC server (the Collector) words it, with the request's size and its limit.
  const server = await startFakeOtlpServer((r) =>
    r.bytes > LIMIT ? { code: GrpcStatus.RESOURCE_EXHAUSTED, message: `grpc: received message larger than max (${r.bytes} vs. ${LIMIT})` } : { ok: true });
  const warnings: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m) => void warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batchOf = (from_: number) => Array.from({ length: 400 }, (_, i) => sample(from_ + i));
    const sendAll = (batch: readonly Sample[]) => lastValueFrom(from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 400, maxDelayMs: 1_000 } }), toArray()));
    const first = await sendAll(batchOf(0));
    assert.ok(first.every(isRight), 'all delivered, in parts');
    const refusedAfterFirst = server.received.filter((r) => r.bytes > LIMIT).length;
    assert.ok(refusedAfterFirst >= 1, 'the first batch was refused whole once');
    const second = await sendAll(batchOf(400));
    assert.ok(second.every(isRight));
    assert.equal(second.flatMap((r) => (isRight(r) ? r.right.samples.map((s) => s.value as number) : [])), batchOf(400).map((s) => s.value as number), 'in order');
    assert.is(server.received.filter((r) => r.bytes > LIMIT).length, refusedAfterFirst, 'no request over the limit after it was learned');
    const accepted = server.received.filter((r) => r.bytes <= LIMIT).flatMap((r) => r.points.map((p) => Number(p.timeUnixNano - T)));
    assert.equal(accepted, Array.from({ length: 800 }, (_, i) => i), 'each sample received once, in order');
    assert.equal(warnings.filter((w) => w.includes('refuses requests over')).length, 1, 'said once');
    assert.match(warnings.find((w) => w.includes('refuses requests over'))!, new RegExp(`refuses requests over ${LIMIT} bytes \\(one of \\d+ bytes, 400 samples, was refused\\).*a smaller batch.maxSize`));
  } finally {
    diag.disable();
    sink.shutdown();
    await server.stop();
  }
});

test('the limit is read from Go\'s and grpc-js\'s wording, and only from a RESOURCE_EXHAUSTED refusal', () => {
  const refusal = (message: string, code: number = GrpcStatus.RESOURCE_EXHAUSTED) => new ExportError(`${code} X: ${message}`, { retryable: false, code });
  const go = createSizeLimit();
  assert.is(go.refusalFor(10_000_000), undefined, 'nothing known: sent');
  assert.is(go.learn(refusal('grpc: received message after decompression larger than max (9437184 vs. 4194304)')), 4_194_304, 'new: the sink warns of it');
  assert.is(go.learn(refusal('grpc: received message larger than max (5000000 vs. 4194304)')), undefined, 'the same limit again: no second warning');
  assert.is(go.learn(refusal('grpc: received message larger than max (9000000 vs. 8388608)')), undefined, 'a higher one: the lower stands');
  assert.is(go.refusalFor(4_194_304), undefined, 'at the limit: sent');
  assert.match(go.refusalFor(4_194_305)!.message, /not sent: the request is larger than max \(4194305 vs\. 4194304\)/);
  assert.is(go.refusalFor(4_194_305)!.code, GrpcStatus.RESOURCE_EXHAUSTED);
  const js = createSizeLimit();
  js.learn(refusal('Received message larger than max (5000 vs 4096)'));
  assert.ok(js.refusalFor(4097) !== undefined && js.refusalFor(4096) === undefined);
  const other = createSizeLimit();
  other.learn(refusal('quota exceeded for tenant'));
  other.learn(refusal('larger than max (9 vs. 4)', GrpcStatus.INVALID_ARGUMENT));
  other.learn(new Error('larger than max (9 vs. 4)'));
  assert.is(other.refusalFor(1e9), undefined, 'nothing learned');
});

test('other wordings of a request over the limit (grpc-java\'s, grpc-dotnet\'s, "message too large") are split too', async () => {
  let wording = '';
  const server = await startFakeOtlpServer((r) => (r.points.length > 8 ? { code: GrpcStatus.RESOURCE_EXHAUSTED, message: wording } : { ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    for (const w of ['gRPC message exceeds maximum size 4194304: 9437184', 'Received message exceeds the maximum configured message size.', 'grpc: message too large']) {
      wording = w;
      const batch = Array.from({ length: 20 }, (_, i) => sample(i));
      const out = await lastValueFrom(from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 20, maxDelayMs: 1_000 } }), toArray()));
      assert.equal(out.filter(isLeft).map((r) => r.left.detail), [], w);
      assert.equal(out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value)), batch.map((s) => s.value), `${w}: every sample delivered, in order`);
    }
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('RESOURCE_EXHAUSTED for another reason (no size wording) is not split: the batch is refused as before', async () => {
  const server = await startFakeOtlpServer(() => ({ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'quota exceeded for tenant' }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const out = await lastValueFrom(from([sample(1), sample(2), sample(3)]).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 3, maxDelayMs: 1_000 } }), toArray()));
    assert.equal(out.map((r) => (isLeft(r) ? r.left.reason : 'delivered')), ['rejected', 'rejected', 'rejected']);
    assert.is(server.received.length, 1, 'one request, no halves');
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('partial success in a batch of 1 000 with two rejected points: found by halving in a few dozen requests, not one request per sample', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true, rejected: (p) => p.name === 'bad', message: 'metric name "bad" is not allowed' }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batch = Array.from({ length: 1_000 }, (_, i) => sample(i, i === 137 || i === 702 ? 'bad' : 'cpu'));
    const out = await lastValueFrom(from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 1_000, maxDelayMs: 1_000 } }), toArray()));
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.equal(dead.map((d) => [d.reason, d.item.value]), [['rejected', 137], ['rejected', 702]]);
    assert.ok(dead.every((d) => d.detail.includes('metric name "bad" is not allowed')));
    const delivered = out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number));
    assert.equal(delivered, batch.map((_, i) => i).filter((i) => i !== 137 && i !== 702));
    // The receiver got every good sample (the first request already took them) and was asked
    // again only about halves holding a rejected point: ~2 requests a level, 10 levels a point.
    const requests = server.received.length;
    console.log(`partial success, 2 rejected in 1 000: ${requests} requests`);
    assert.ok(requests <= 1 + 2 * 2 * Math.ceil(Math.log2(1_000)), `${requests} requests`);
    const received = new Set(server.received.flatMap((r) => r.points.map((p) => p.timeUnixNano)));
    assert.is(received.size, 1_000);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

/**
 * deltasAndCounters() through the sink to a receiver rejecting the bad ones by partial success
 * (its request number `failing`, if any, answered UNAVAILABLE instead): the gauge found by name,
 * every delta sent once, the rejected delta said once, by count.
 */
const deltasSentOnce = async (failing?: number): Promise<void> => {
  let calls = 0;
  const server = await startFakeOtlpServer(() =>
    ++calls === failing ? { code: GrpcStatus.UNAVAILABLE, message: 'collector restarting' } : { ok: true, rejected: (p) => p.name.startsWith('bad'), message: 'unsupported point' });
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const errors = diagErrors();
  try {
    const out = await lastValueFrom(from(deltasAndCounters()).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 40, maxDelayMs: 1_000 }, retry: { initialDelayMs: 10, jitter: 'none' } }), toArray()));
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.equal(dead.map((d) => [d.reason, d.item.name, d.item.value]), [['rejected', 'bad.cpu', 31]], 'the cumulative one found, by name');
    assert.is(out.filter(isRight).flatMap((r) => r.right.samples).length, 39, 'the rest delivered (the rejected delta, never named, among them)');
    const deltaPoints = server.received.map((r) => r.points.filter((p) => p.name.endsWith('requests')).length);
    assert.equal(deltaPoints, [20, ...deltaPoints.slice(1).map(() => 0)], `each delta sent once (deltas a request: ${deltaPoints.join(' ')})`);
    if (failing !== undefined) assert.ok(calls > failing, 'retried');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /rejected 1 delta point\(s\) \(partial success; the latest: unsupported point\); they are not identified/);
  } finally {
    diag.disable();
    sink.shutdown();
    await server.stop();
  }
};

test('partial success in a batch holding deltas: only the cumulative samples go again to find the rejected; a rejected delta is said, not resent (its accepted neighbours would count twice)', async () => {
  // Before, the halves went again whole: the accepted delta points arrived again and a backend
  // that adds deltas up (the kind that takes only deltas) counted them twice.
  await deltasSentOnce();
});

test('a retryable failure while narrowing partial success down: the retry sends only what no request settled — each delta once, the rejected delta said once, the rejected counter found', async () => {
  // Before, retryBackoff sent the whole batch again: the deltas the first request had taken
  // arrived twice (a backend adding them up counted them twice), and the rejected delta was never
  // said (its count was lost with the failed request).
  await deltasSentOnce(2);
});

test('rejected deltas are said at the first, then at most once a minute with how many since (a backend rejecting one series said so every batch)', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true, rejected: (p) => p.name.startsWith('bad'), message: 'unsupported point' }));
  let nowMs = Date.now();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, clock: { now: () => nowMs, monotonic: () => nowMs } });
  const errors = diagErrors();
  const batchOfDeltas = (n: number) => lastValueFrom(from(Array.from({ length: 4 }, (_, i) => delta(100 * n + i, i === 0 ? 'bad.requests' : 'requests'))).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 4, maxDelayMs: 1_000 } }), toArray()));
  try {
    await batchOfDeltas(1);
    nowMs += 30_000;
    await batchOfDeltas(2);
    await batchOfDeltas(3);
    assert.is(errors.length, 1, 'said once in the first minute');
    nowMs += 30_000;
    await batchOfDeltas(4);
    assert.is(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /rejected 1 delta point\(s\)/);
    assert.match(errors[1]!, /rejected 3 delta point\(s\) \(partial success; the latest: unsupported point\)/);
  } finally {
    diag.disable();
    sink.shutdown();
    await server.stop();
  }
});

test.run();
