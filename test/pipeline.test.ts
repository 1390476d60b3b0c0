/** The Pipeline (what `chronoq run` and createPipeline build): how the config's options reach the operators. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, asyncScheduler, defer, from, ignoreElements, tap, throwError, timer } from 'rxjs';
import { schedulerClock } from '../src/clock.js';
import { ExportError } from '../src/errors.js';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { until } from './support/cli.js';
import type { Sample } from '../src/sample.js';

const test = suite('pipeline');
const T0 = 1_764_064_800_000_000_000n;

test("reorder.order 'global' holds at the receiver with delivery.lanes 4: one lane, every sample after the one before it", async () => {
  // Before, the order reached reorderByEventTime only: four lanes delivered concurrently, each in
  // order, and the receiver saw lane after lane — times going back at each switch.
  const samples: Sample[] = Array.from({ length: 400 }, (_, i) => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i), attributes: { s: String(i % 8) } }));
  for (const order of ['global', 'series'] as const) {
    const config = { ...resolveConfig({ reorder: { maxDelayMs: 0, order }, batch: { maxSize: 10, maxDelayMs: 5 }, delivery: { lanes: 4 } }), sources: [] };
    const received: number[] = [];
    const p = new Pipeline(config, {
      send: (batch) => timer(1).pipe(tap(() => received.push(...batch.map((s) => s.value as number))), ignoreElements()),
      sources: [from(samples)], deadLetters: () => undefined, stampedLocally: false,
    });
    p.start();
    await p.done;
    assert.is(received.length, 400, order);
    const inversions = received.filter((v, i) => i > 0 && v < received[i - 1]!).length;
    if (order === 'global') assert.is(inversions, 0, 'global: in order across series');
    else assert.ok(inversions > 0, 'series: lanes deliver concurrently (the test can tell the difference)');
  }
});

test('stats.newestDeliveredMs: the event time of the newest sample the receiver took (the delivery lag is measured from it); undefined before', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 7, maxDelayMs: 5 }, delivery: { lanes: 2 } }), sources: [] };
  // Out of order within the source (reordered), the newest in the middle of the stream.
  const times = [5n, 1n, 9_000_000_000n, 3n, 8n];
  const samples: Sample[] = times.map((t, i) => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + t, attributes: { s: String(i % 3) } }));
  const p = new Pipeline(config, { send: () => timer(1).pipe(ignoreElements()), sources: [from(samples)], deadLetters: () => undefined, stampedLocally: false });
  assert.is(p.stats.newestDeliveredMs, undefined);
  p.start();
  await p.done;
  assert.is(p.stats.newestDeliveredMs, Number((T0 + 9_000_000_000n) / 1_000_000n));
});

test('at-most-once: how the receiver fails (the status word) is learnt from the failures that became dead letters, there being no retries to learn it from', async () => {
  for (const guarantee of ['at-most-once', 'at-least-once'] as const) {
    const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1, maxDelayMs: 1 }, delivery: { guarantee, fenceMs: 0, retry: { maxAttempts: 2, initialDelayMs: 1 } } }), sources: [] };
    const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: T0, attributes: {} };
    const timedOut = new ExportError('4 DEADLINE_EXCEEDED: Deadline exceeded', { retryable: true, code: 4, outcomeUnknown: true });
    const p = new Pipeline(config, { send: () => throwError(() => timedOut), sources: [from([sample])], deadLetters: () => undefined, stampedLocally: false });
    p.start();
    await p.done;
    assert.is(p.stats.deadLetteredInDelivery, 1, guarantee);
    // Before: undefined under at-most-once (no onRetry), so an open breaker read "unreachable".
    assert.is(p.stats.failingAs, 'not answering', guarantee);
  }
  // A permanent refusal says nothing about the receiver's health: no word from it.
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1, maxDelayMs: 1 }, delivery: { guarantee: 'at-most-once' } }), sources: [] };
  const p = new Pipeline(config, { send: () => throwError(() => new ExportError('3 INVALID_ARGUMENT: bad', { retryable: false, code: 3 })), sources: [from([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: T0, attributes: {} } as Sample])], deadLetters: () => undefined, stampedLocally: false });
  p.start();
  await p.done;
  assert.is(p.stats.failingAs, undefined);
});

test('while a batch is retried, delivery is failing, and how (the status word) is known at the next attempt; delivered, it is failing no more', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1, maxDelayMs: 1 }, delivery: { retry: { initialDelayMs: 1, maxDelayMs: 1, jitter: 'none' } } }), sources: [] };
  const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: T0, attributes: {} };
  const throttled = new ExportError('8 RESOURCE_EXHAUSTED: slow down', { retryable: true, code: 8, retryAfterMs: 1 });
  const seen: [boolean, string | undefined][] = [];
  const p: Pipeline = new Pipeline(config, {
    send: () => defer(() => {
      seen.push([p.stats.deliveryFailing, p.stats.failingAs]);
      return seen.length < 3 ? throwError(() => throttled) : timer(1).pipe(ignoreElements());
    }),
    sources: [from([sample])], deadLetters: () => undefined, stampedLocally: false,
  });
  p.start();
  await p.done;
  assert.equal(seen, [[false, undefined], [true, 'throttling'], [true, 'throttling']]);
  assert.equal([p.stats.deliveryFailing, p.stats.delivered, p.stats.retries, p.stats.batchesDelivered, p.stats.inFlightBatches], [false, 1, 2, 1, 0]);
  // The batch's time from its first attempt to its acknowledgement, retries and all, on /metrics' histogram.
  assert.is(p.stats.latency.count, 1);
  assert.ok(p.stats.latency.sumMs > 0, `${p.stats.latency.sumMs} ms`);
});

test("samples that do not count (chronoq's own self-metrics, deps.uncounted) are not counted as dead-lettered in delivery either; the rest are", async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 } }), sources: [] };
  const samples: Sample[] = ['app.requests', 'chronoq.samples.in', 'app.errors'].map((name, i) => ({ name, kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i), attributes: {} }));
  const refused = new ExportError('3 INVALID_ARGUMENT: bad', { retryable: false, code: 3 });
  const letters: string[] = [];
  const p = new Pipeline(config, { send: () => throwError(() => refused), sources: [from(samples)], deadLetters: (d) => void letters.push((d.item as Sample).name), stampedLocally: false, uncounted: (x) => x.name.startsWith('chronoq.') });
  p.start();
  await p.done;
  assert.equal(letters.sort(), ['app.errors', 'app.requests', 'chronoq.samples.in'], 'all three are dead letters');
  assert.equal([p.stats.samplesIn, p.stats.deadLetteredInDelivery, p.stats.deadLetters.rejected, p.stats.inFlightBatches], [2, 2, 2, 0], 'two of them counted');
});

test('a reachable$ that errors stops telling and throws nothing at the application (it was an uncaught exception); the pipeline goes on', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1, maxDelayMs: 1 } }), sources: [] };
  const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: T0, attributes: {} };
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const p = new Pipeline(config, { send: () => timer(1).pipe(ignoreElements()), sources: [from([sample])], deadLetters: () => undefined, stampedLocally: false, reachable$: throwError(() => new Error('watch gone')) });
    p.start();
    await p.done;
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(uncaught, []);
    assert.is(p.stats.delivered, 1);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test('a counter without start times reaches the sink with its series\' start, worked out in time order (after the reorder buffer), the reset included', async () => {
  // Values by time: 1 ms 5, 2 ms 7, 3 ms 2 (the counter started again), 4 ms 4; they arrive 2, 1, 4, 3.
  const at = (ms: number, value: number): Sample => ({ name: 'requests', kind: 'sum', value, timeUnixNano: T0 + BigInt(ms) * 1_000_000n, attributes: {} });
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 50 }, batch: { maxSize: 10, maxDelayMs: 5 } }), sources: [] };
  const received: Sample[] = [];
  const p = new Pipeline(config, {
    send: (batch) => timer(1).pipe(tap(() => received.push(...batch)), ignoreElements()),
    sources: [from([at(2, 7), at(1, 5), at(4, 4), at(3, 2)])], deadLetters: () => undefined, stampedLocally: false,
  });
  p.start();
  await p.done;
  const ms = (t: bigint | undefined) => (t === undefined ? undefined : Number((t - T0) / 1_000_000n));
  assert.equal(received.map((s) => [ms(s.startTimeUnixNano), ms(s.timeUnixNano)]), [[1, 1], [1, 2], [2, 3], [2, 4]]);
});

test('stats.lastStepDeltaMs: the last wall-clock step, as the clock-step alert words it; none before', async () => {
  const clock = schedulerClock(asyncScheduler, Date.now());
  const input = new Subject<Sample>();
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 5 } }), sources: [] };
  const p = new Pipeline(config, { send: () => timer(1).pipe(ignoreElements()), sources: [input], deadLetters: () => undefined, clock });
  const stamped = (value: number): Sample => ({ name: 'cpu', kind: 'gauge', value, timeUnixNano: BigInt(clock.now()) * 1_000_000n, attributes: {} });
  p.start();
  input.next(stamped(1));
  assert.is(p.stats.lastStepDeltaMs, undefined);
  clock.step(-3_600_000);
  input.next(stamped(2));
  input.complete();
  await p.done;
  assert.is(p.stats.skew.step, 1);
  assert.ok(Math.abs(p.stats.lastStepDeltaMs! + 3_600_000) < 1_000, String(p.stats.lastStepDeltaMs));
});

test('stats.breakerOpenedAtMs: when the breaker first opened, kept while failed probes open it again (the breaker-open alert measures from it)', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 5 }, delivery: { shutdownDeadlineMs: 50, breaker: { failureThreshold: 1, halfOpenAfterMs: 10 }, retry: { initialDelayMs: 5, maxDelayMs: 5 } } }), sources: [] };
  const down = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
  const p = new Pipeline(config, { send: () => throwError(() => down), sources: [from([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: T0, attributes: {} } as Sample])], deadLetters: () => undefined, stampedLocally: false });
  const opened: number[] = [];
  const sub = p.events$.subscribe((e) => (e.type === 'breaker' && e.to === 'open' ? opened.push(e.atMs) : undefined));
  p.start();
  await until('a failed probe to open the breaker again', () => opened.length >= 2, 5_000);
  const openedAtMs = p.stats.breakerOpenedAtMs;
  await p.shutdown();
  sub.unsubscribe();
  assert.ok(opened.length >= 2 && opened.at(-1)! > opened[0]!, 'opened, then opened again by a failed probe');
  assert.is(openedAtMs, opened[0]);
});

test('a sample whose start time is after its time (not put right by a clock correction) is a dead letter `invalid`, the rest delivered', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 } }), sources: [] };
  const counter = (ms: number, startMs: number): Sample => ({ name: 'requests', kind: 'sum', value: ms, timeUnixNano: T0 + BigInt(ms) * 1_000_000n, startTimeUnixNano: T0 + BigInt(startMs) * 1_000_000n, attributes: {} });
  const letters: string[] = [];
  const received: unknown[] = [];
  const p = new Pipeline(config, {
    send: (batch) => timer(1).pipe(tap(() => received.push(...batch.map((s) => s.value))), ignoreElements()),
    sources: [from([counter(1, 0), counter(2, 5), counter(3, 0)])], deadLetters: (d) => void letters.push(`${d.reason}:${String(d.item.value)}:${d.detail}`), stampedLocally: false,
  });
  p.start();
  await p.done;
  assert.equal(letters, ['invalid:2:startTimeUnixNano is after timeUnixNano']);
  assert.equal(received, [1, 3]);
});

test("a counter stamped here across the clock stepped back an hour: its samples stamped after the step (before their start) are re-stamped and delivered, none `invalid`", async () => {
  const clock = schedulerClock(asyncScheduler, Date.now());
  const input = new Subject<Sample>();
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 5 } }), sources: [] };
  const letters: string[] = [];
  const received: Sample[] = [];
  const p = new Pipeline(config, {
    send: (batch) => timer(1).pipe(tap(() => received.push(...batch)), ignoreElements()),
    sources: [input], deadLetters: (d) => void letters.push(`${d.reason}: ${d.detail}`), clock,
  });
  const startNs = BigInt(clock.now()) * 1_000_000n;
  const stamped = (value: number): Sample => ({ name: 'requests', kind: 'sum', value, timeUnixNano: BigInt(clock.now()) * 1_000_000n, startTimeUnixNano: startNs, attributes: {} });
  p.start();
  input.next(stamped(1));
  clock.step(-3_600_000);
  input.next(stamped(2));
  input.next(stamped(3));
  input.complete();
  await p.done;
  assert.equal(letters, []);
  assert.equal(received.map((s) => [s.value, s.timeUnixNano >= startNs, s.correctedFromUnixNano !== undefined]), [[1, true, false], [2, true, true], [3, true, true]]);
});

test.run();
