/**
 * A request refused whole for what some of its samples are: a Collector before Prometheus answers
 * one out-of-order, duplicate or too-old sample with "13 INTERNAL: Permanent error: remote write
 * request failed", and Prometheus rolls the whole remote-write request back — every other sample
 * of the batch is not stored. They all became dead letters `rejected` (measured behind Collector
 * 0.159 and Prometheus 2.42: one sample 50 ms behind its series' newest, and the two good samples
 * beside it were not in Prometheus). The sink now sends such a batch again in halves, in order, with
 * a budget of requests, so the good samples are delivered and the refused ones found.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, from, toArray } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { GrpcStatus } from '../src/otlp/classify.js';
import { MAX_NARROWING_REQUESTS, REFUSING_ALL_AFTER } from '../src/otlp/narrowingDown.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('OTLP sink: a request refused whole for some of its samples');
const T = 1_767_225_600_000_000_000n;
const sample = (i: number, name = 'cpu'): Sample => ({ name, kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: { host: 'a' } });
const REFUSAL = 'Permanent error: remote write request failed';

/** A receiver that refuses (all or nothing, as Prometheus does) any request holding a sample named `bad`. */
const allOrNothing = (code: number = GrpcStatus.INTERNAL) =>
  startFakeOtlpServer((r) => (r.points.some((p) => p.name === 'bad') ? { code, message: REFUSAL } : { ok: true }));

const deliver = (send: ReturnType<typeof otlpGrpcSink>['send'], batch: Sample[]) =>
  lastValueFrom(from(batch).pipe(routed(), deliverOrdered(send, { batch: { maxSize: batch.length, maxDelayMs: 1_000 } }), toArray()));

test('one bad sample in a batch of 1 000: the other 999 are delivered, once each at the receiver, in order; the bad one is a dead letter with the receiver\'s words', async () => {
  const server = await allOrNothing();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batch = Array.from({ length: 1_000 }, (_, i) => sample(i, i === 613 ? 'bad' : 'cpu'));
    const out = await deliver(sink.send, batch);
    const delivered = out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number));
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.equal(delivered, batch.map((_, i) => i).filter((i) => i !== 613));
    assert.equal(dead.map((d) => [d.item.value, d.reason]), [[613, 'rejected']]);
    assert.match(dead[0]!.detail, /the receiver refused the request holding it: 13 INTERNAL: Permanent error: remote write request failed; its batch went again in parts, and the rest was delivered without it/);
    assert.is(dead[0]!.error?.code, GrpcStatus.INTERNAL);
    const stored = server.received.filter((r) => !r.points.some((p) => p.name === 'bad')).flatMap((r) => r.points.map((p) => Number(p.timeUnixNano - T)));
    assert.equal(stored, delivered, 'what the receiver kept: each good sample once, in order');
    assert.ok(server.received.length <= 1 + MAX_NARROWING_REQUESTS, `${server.received.length} requests`);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('every sample refused (a resend of what the receiver has): the batch is refused as one, after at most the budget of requests', async () => {
  const server = await allOrNothing();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batch = Array.from({ length: 1_000 }, (_, i) => sample(i, 'bad'));
    const out = await deliver(sink.send, batch);
    assert.is(out.filter(isRight).length, 0);
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.is(dead.length, 1_000);
    // The error of the whole batch, as before narrowing: deliverOrdered's own detail (it knows the attempts).
    assert.ok(dead.every((d) => d.detail === `the receiver refused the batch: 13 INTERNAL: ${REFUSAL}`), dead[0]!.detail);
    // The budget, and once more a level for the second halves still pending when it ran out.
    assert.ok(server.received.length <= 1 + MAX_NARROWING_REQUESTS + Math.ceil(Math.log2(1_000)), `${server.received.length} requests`);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('on a resend after an attempt that timed out (and may have landed), the refused samples\' detail says they may be there already', async () => {
  const server = await startFakeOtlpServer((r, i) => (i === 0 ? { hang: true } : r.points.some((p) => p.name === 'bad') ? { code: GrpcStatus.INTERNAL, message: REFUSAL } : { ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, timeoutMs: 300 });
  try {
    const batch = [sample(0), sample(1, 'bad'), sample(2)];
    const out = await lastValueFrom(from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: 3, maxDelayMs: 1_000 }, retry: { initialDelayMs: 10, jitter: 'none' } }), toArray()));
    assert.equal(out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number)), [0, 2]);
    const dead = out.filter(isLeft).map((r) => r.left);
    assert.is(dead.length, 1);
    assert.match(dead[0]!.detail, /the receiver refused the request holding it: 13 INTERNAL: .*; this was on a resend \(attempt 2\): an earlier attempt failed with 4 DEADLINE_EXCEEDED.*may be there already/);
  } finally {
    sink.shutdown();
    server.kill();
  }
});

test('a receiver that refuses everything costs the budget for the first batches only, then one request a batch, until one is taken again', async () => {
  let refuseAll = true;
  const server = await startFakeOtlpServer((r) => (refuseAll || r.points.some((p) => p.name === 'bad') ? { code: GrpcStatus.INTERNAL, message: REFUSAL } : { ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const requestsFor = async (batch: Sample[]) => {
    const before = server.received.length;
    const out = await deliver(sink.send, batch);
    return { requests: server.received.length - before, delivered: out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number)) };
  };
  try {
    const batch = Array.from({ length: 100 }, (_, i) => sample(i));
    const costs: number[] = [];
    for (let i = 0; i < REFUSING_ALL_AFTER + 2; i++) costs.push((await requestsFor(batch)).requests);
    assert.ok(costs.slice(0, REFUSING_ALL_AFTER).every((n) => n > 1), costs.join(' '));
    assert.equal(costs.slice(REFUSING_ALL_AFTER), [1, 1], 'then one request a batch');
    refuseAll = false;
    assert.equal((await requestsFor(batch)).requests, 1, 'taken again');
    const mixed = await requestsFor(Array.from({ length: 100 }, (_, i) => sample(i, i === 40 ? 'bad' : 'cpu')));
    assert.is(mixed.delivered.length, 99, 'narrowed again once a request was taken');
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('INVALID_ARGUMENT is narrowed too; refusals about the endpoint or the caller (UNIMPLEMENTED, UNAUTHENTICATED, PERMISSION_DENIED) are not: one request', async () => {
  for (const [code, narrowed] of [[GrpcStatus.INVALID_ARGUMENT, true], [GrpcStatus.UNIMPLEMENTED, false], [GrpcStatus.UNAUTHENTICATED, false], [GrpcStatus.PERMISSION_DENIED, false]] as const) {
    const server = await allOrNothing(code);
    const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
    try {
      const out = await deliver(sink.send, [sample(0), sample(1, 'bad'), sample(2), sample(3)]);
      const delivered = out.filter(isRight).flatMap((r) => r.right.samples.map((s) => s.value as number));
      assert.equal(delivered, narrowed ? [0, 2, 3] : [], String(code));
      if (!narrowed) assert.is(server.received.length, 1, `${code}: one request`);
    } finally {
      sink.shutdown();
      await server.stop();
    }
  }
});

test.run();
