/**
 * A request the receiver refuses as larger than its message size limit (RESOURCE_EXHAUSTED,
 * "received message larger than max"): the sink sends the batch again in halves, so the good
 * samples are delivered, in order, and only a sample too large on its own becomes a dead letter,
 * with the receiver's error. (The Collector's receiver takes 4 MiB by default: big histograms or
 * long attribute values reach it.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, from, toArray } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { GrpcStatus } from '../src/otlp/classify.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('OTLP sink: a request too large for the receiver');
const T = 1_767_225_600_000_000_000n;
const sample = (i: number, name = 'cpu'): Sample => ({ name, kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: { host: 'a' } });

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

test.run();
