/**
 * Waits longer than a Node timer takes (2³¹ − 1 ms, 24.8 days). Node runs such a timer after 1 ms
 * (with a TimeoutOverflowWarning), so a receiver's RetryInfo of 30 days was a retry after 1 ms,
 * and a long reorder or batch wait released at once; a source's long interval polled every
 * millisecond. Each wait is now cut to the longest a timer takes. Real timers: virtual time
 * (TestScheduler) has no such limit, so the marble specs cannot show it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEVER, Subject, of, type Subscription } from 'rxjs';
import { isRight, right } from 'fp-ts/lib/Either.js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { batchSamples } from '../operators/batchSamples.js';
import { createCircuitBreaker } from '../src/breaker.js';
import { hostSamples } from '../src/sources/host.js';
import { ndjsonSamples } from '../src/sources/ndjson.js';
import { MAX_TIMER_MS, platformTimers, unrefScheduler } from '../src/clock.js';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { tempDir } from './support/cli.js';

const test = suite('waits longer than a timer takes');

const DAYS_30 = 30 * 86_400_000;
const T = 1_764_064_800_000_000_000n;
const sample = (i: number): Sample => ({ name: 'cpu', kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node's TimeoutOverflowWarnings while `run` runs. */
const overflowWarnings = async (run: () => Promise<void>): Promise<number> => {
  let n = 0;
  const onWarning = (w: Error) => void (w.name === 'TimeoutOverflowWarning' && n++);
  process.on('warning', onWarning);
  try {
    await run();
    await sleep(10); // warnings are emitted on a later tick
  } finally {
    process.off('warning', onWarning);
  }
  return n;
};

test("a receiver's RetryInfo of 30 days: the batch waits (the longest a timer takes), it is not sent again after 1 ms", async () => {
  const server = await startFakeOtlpServer(() => ({ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'quota spent for the month', retryDelayMs: DAYS_30 }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const delays: number[] = [];
  let sub: Subscription | undefined;
  try {
    const warnings = await overflowWarnings(async () => {
      const input = new Subject<Routed<Sample>>();
      sub = input.pipe(deliverOrdered(sink.send, { batch: { maxDelayMs: 0 }, retry: { initialDelayMs: 5 }, onRetry: (e) => delays.push(e.delayMs) })).subscribe();
      input.next(right(sample(1)));
      await sleep(400);
    });
    assert.is(server.received.length, 1, 'one attempt in 400 ms (it was 5, the breaker stopping the rest)');
    assert.equal(delays, [MAX_TIMER_MS]);
    assert.is(warnings, 0);
  } finally {
    sub?.unsubscribe();
    sink.shutdown();
    await server.stop();
  }
});

test('a sink whose timeoutMs is 30 days (or 10¹⁵ ms) waits for a receiver that hangs: the deadline was exceeded at once (and 10¹⁵ ms ended the process)', async () => {
  const server = await startFakeOtlpServer(() => ({ hang: true }));
  const outcomes: string[] = [];
  const sinks = [DAYS_30, 1e15].map((timeoutMs) => otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, timeoutMs }));
  try {
    const subs = sinks.map((sink) => sink.send([sample(1)]).subscribe({ error: (e: Error) => outcomes.push(e.message), complete: () => outcomes.push('done') }));
    await sleep(300);
    subs.forEach((s) => s.unsubscribe());
    assert.equal(outcomes, [], 'both calls still waiting');
    assert.is(server.received.length, 2);
  } finally {
    sinks.forEach((s) => s.shutdown());
    await server.stop();
  }
});

test('a sink whose keepaliveMs and connectTimeoutMs are 30 days delivers over one connection (its pings and connect watch ran after 1 ms)', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, keepaliveMs: DAYS_30, connectTimeoutMs: DAYS_30 });
  const outcomes: string[] = [];
  try {
    const warnings = await overflowWarnings(async () => {
      for (let i = 0; i < 3; i++) {
        sink.send([sample(i)]).subscribe({ error: (e: Error) => outcomes.push(e.message), complete: () => outcomes.push('done') });
        await sleep(100);
      }
    });
    assert.equal(outcomes, ['done', 'done', 'done']);
    assert.is(warnings, 0);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('reorderByEventTime, batchSamples and deliverOrdered with a wait of 30 days hold their samples', async () => {
  const out: string[] = [];
  const subs: Subscription[] = [];
  const warnings = await overflowWarnings(async () => {
    const reorderIn = new Subject<Routed<Sample>>();
    subs.push(reorderIn.pipe(reorderByEventTime({ maxDelayMs: DAYS_30 })).subscribe(() => out.push('reorder')));
    const batchIn = new Subject<Sample>();
    subs.push(batchIn.pipe(batchSamples({ maxDelayMs: DAYS_30 })).subscribe(() => out.push('batch')));
    const deliverIn = new Subject<Routed<Sample>>();
    subs.push(deliverIn.pipe(deliverOrdered(() => { out.push('sent'); return new Subject<never>(); }, { batch: { maxDelayMs: DAYS_30 } })).subscribe());
    reorderIn.next(right(sample(1)));
    batchIn.next(sample(1));
    deliverIn.next(right(sample(1)));
    await sleep(100);
  });
  subs.forEach((s) => s.unsubscribe());
  assert.equal(out, [], 'nothing released, emitted or sent within 100 ms');
  assert.is(warnings, 0);
});

test('a breaker whose half-open wait is 30 days stays open', async () => {
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: DAYS_30, maxHalfOpenAfterMs: DAYS_30 });
  const warnings = await overflowWarnings(async () => {
    const permit = breaker.acquire();
    assert.ok(isRight(permit));
    permit.right.failed(Object.assign(new Error('down'), { retryable: true }));
    await sleep(100);
  });
  assert.is(breaker.state, 'open');
  assert.is(warnings, 0);
  breaker.dispose();
});

test("sources with an interval of 30 days: the host source collects once, a followed file is read once, not every millisecond", async () => {
  const dir = tempDir();
  const file = join(dir, 'samples.ndjson');
  writeFileSync(file, '');
  const times = new Set<bigint>();
  const subs: Subscription[] = [];
  const warnings = await overflowWarnings(async () => {
    subs.push(hostSamples({ intervalMs: DAYS_30, network: false, filesystem: false, disk: false }).subscribe((s) => times.add(s.timeUnixNano)));
    subs.push(ndjsonSamples({ path: file, follow: true, pollMs: DAYS_30 }).subscribe());
    await sleep(50);
    writeFileSync(file, `${JSON.stringify({ name: 'q', value: 1, timeUnixNano: String(T) })}\n`);
    await sleep(100);
  });
  subs.forEach((s) => s.unsubscribe());
  assert.is(times.size, 1, 'one collection');
  assert.is(warnings, 0);
});

test("a shutdown whose drain deadline is 30 days drains (it dead-lettered everything at once); the platform timers of the CLI's status line and the library's pipelines wait too", async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1, maxDelayMs: 0 } }), sources: [] };
  const letters: string[] = [];
  const pipeline = new Pipeline(config, { send: () => NEVER, sources: [of(sample(1))], deadLetters: (l) => void letters.push(l.reason), stampedLocally: false });
  let fired = 0;
  const warnings = await overflowWarnings(async () => {
    pipeline.start();
    await sleep(20);
    let ended = false;
    const report = pipeline.shutdown(DAYS_30).then((r) => ((ended = true), r));
    const every = platformTimers.every(DAYS_30, () => fired++);
    platformTimers.afterIfAlive(DAYS_30, () => fired++);
    const unref = unrefScheduler.schedule(() => void fired++, DAYS_30);
    await sleep(100);
    assert.not.ok(ended, 'still draining after 100 ms');
    assert.equal(letters, []);
    every.cancel();
    unref.unsubscribe();
    pipeline.endDrainNow();
    await report;
  });
  assert.equal(letters, ['shutdown'], 'dead-lettered when the drain was ended');
  assert.is(fired, 0);
  assert.is(warnings, 0);
});

test.run();
