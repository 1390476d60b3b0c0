/**
 * deliverOrdered's lanes are made at their first sample (src/deliveryLanes.ts). With many lanes —
 * a lane per series for a library user with thousands — they were all made at subscribe, and the
 * drain at completion looked at every lane after every batch: `lanes: 2 ** 32` failed at subscribe
 * ("Invalid array length"), `lanes: 100_000` did not complete within minutes. And lanes beside each
 * other, in virtual time: a stalled lane never blocks another; a breaker they share opens on their
 * failures together, and its half-open and a receiver's RetryInfo hold for all of them; a full
 * queue sends from every idle lane.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EMPTY, Subject, from, lastValueFrom, map, throwError, toArray, type Observable } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { deliverOrdered, laneOf, routed, type Delivered, type DeliveryResult, type Sample } from '../src/index.js';
import { createCircuitBreaker, type BreakerTransition } from '../src/breaker.js';
import { laneOfKey } from '../src/delivery.js';
import { createLaneTable, laneWithOldest } from '../src/deliveryLanes.js';
import { ExportError } from '../src/errors.js';
import { sample, testScheduler } from './support/marbles.js';
import { R, deliver, noJitter, seriesInLane, unavailable } from './support/deliverMarbles.js';

const test = suite('deliverOrdered lanes');

const series = (n: number, tMs = 1): Sample[] => Array.from({ length: n }, (_, i) => sample(tMs, 'cpu', { core: `c${i}` }));
const delivered = (results: DeliveryResult[]): Delivered[] => results.flatMap((r) => (isRight(r) ? [r.right] : []));

test("laneOfKey is 32-bit FNV-1a of the series key, mod lanes — the same in every run and version (a spool's lanes are found again after a restart by it)", () => {
  // FNV-1a("abc") = 0x1a47e90b (the algorithm's published test vector).
  assert.equal([laneOfKey('abc', 4), laneOfKey('abc', 7), laneOfKey('abc', 1)], [0x1a47e90b % 4, 0x1a47e90b % 7, 0]);
  const lanes = new Set(Array.from({ length: 64 }, (_, i) => laneOfKey(`cpu{core=${String(i).padStart(2, '0')}}`, 4)));
  assert.is(lanes.size, 4, 'keys of one length spread over every lane');
});

test("'dead-letter-oldest' takes from the lane whose queue holds the oldest sample; at a tie, or with every queue empty, from the lane the overflow came in", () => {
  const table = createLaneTable(10);
  const clock = { now: () => 0 };
  const [l0, l1, l2] = [table.at(0), table.at(1), table.at(2)];
  assert.is(laneWithOldest(table.lanes, l1), l1, 'every queue empty');
  l0.queue.push(sample(5, 'cpu'), clock);
  l1.queue.push(sample(5, 'cpu'), clock);
  l2.queue.push(sample(7, 'cpu'), clock);
  assert.is(laneWithOldest(table.lanes, l1), l1, 'a tie with an earlier lane');
  assert.is(laneWithOldest(table.lanes, l2), l0, 'the first of the oldest when the lane it came in holds none as old');
  l2.queue.push(sample(1, 'cpu'), clock);
  assert.is(laneWithOldest(table.lanes, l2), l0, "a lane's queue is looked at by its head (its first in)");
  l2.queue.take(1);
  assert.is(laneWithOldest(table.lanes, l0), l2);
  l2.queue.take(1);
  assert.is(laneWithOldest(table.lanes, l2), l0, 'an emptied lane is passed over');
});

test('lanes: 2 ** 32 — each series in its lane by laneOf, all delivered', async () => {
  const lanes = 2 ** 32;
  const input = series(50);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes }), toArray()));
  assert.equal(results.filter((r) => !isRight(r)).length, 0, 'no dead letters');
  const out = delivered(results);
  assert.equal(out.flatMap((d) => d.samples).length, 50);
  for (const d of out) for (const s of d.samples) assert.is(d.lane, laneOf(s, lanes));
  assert.ok(new Set(out.map((d) => d.lane)).size > 40, 'the series spread over lanes');
});

test('lanes: 100 000 with 20 000 series completes, every sample delivered once', async () => {
  const input = series(20_000);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 100_000, batch: { maxSize: 10, maxDelayMs: 1_000 } }), toArray()));
  const out = delivered(results).flatMap((d) => d.samples);
  assert.is(out.length, 20_000);
  assert.is(new Set(out).size, 20_000);
});

test('the drain at completion goes lane by lane in index order, whatever order the lanes were made in', async () => {
  const input = series(30);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 1_000 }), toArray()));
  const lanes = delivered(results).map((d) => d.lane);
  assert.equal(lanes, [...lanes].sort((a, b) => a - b));
  assert.not.equal(lanes, input.map((s) => laneOf(s, 1_000)), 'made out of index order (else this checks nothing)');
});

test('a lane with a batch in flight keeps the stream open; it completes when the last batch settles', () => {
  const pending: Subject<never>[] = [];
  const send = (): Observable<never> => {
    const s = new Subject<never>();
    pending.push(s);
    return s;
  };
  let completed = false;
  from(series(3)).pipe(routed(), deliverOrdered(send, { lanes: 1_000_000 })).subscribe({ complete: () => (completed = true) });
  assert.is(pending.length, 3, 'three lanes, three batches in flight');
  pending[0]!.complete();
  pending[2]!.complete();
  assert.not.ok(completed, 'one batch still in flight');
  pending[1]!.complete();
  assert.ok(completed);
});

test('nothing in: completes (no lane was made); an upstream error with nothing before it passes on at once', async () => {
  const results = await lastValueFrom(from([] as Sample[]).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 4 }), toArray()));
  assert.equal(results, []);
  const failed = new Error('the source failed');
  const settled = await lastValueFrom(throwError(() => failed).pipe(deliverOrdered(() => EMPTY, { lanes: 4 }), toArray())).then(() => 'completed', (e: unknown) => e);
  assert.is(settled, failed);
});

// Lanes beside each other, in virtual time (moved here from deliverOrdered's marble spec, which had passed 300 lines).
test('a full queue sends from every idle lane at once, not from the first alone', () => {
  const s = testScheduler();
  // Four series, one per lane, a sample each a millisecond: at 8 queued (2 a lane) the queue is
  // full. Only the first lane sent then (the queue was no longer full after its batch); the others
  // waited for their 1 s timer.
  const lanes = 4;
  const byLane = new Map<number, string>();
  for (let n = 0; byLane.size < lanes && n < 10_000; n++) byLane.set(laneOf(sample(0, `m${n}`), lanes), `m${n}`);
  assert.is(byLane.size, lanes, 'a series name for every lane');
  const source = ({ cold }: { cold: typeof s.createColdObservable }) =>
    cold(`${'a'.repeat(8)} 100ms |`, { a: R(sample(0)) }).pipe(map((_, i) => R(sample(i + 1, byLane.get(i % lanes)!))));
  const { out, sink } = deliver(s, source, () => ({ delayMs: 10 }), { lanes, batch: { maxSize: 100, maxDelayMs: 1_000 }, maxQueued: 8 });
  assert.equal(out.filter((o) => isLeft(o.r)).length, 0);
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples.length]), [[7, 2], [7, 2], [7, 2], [7, 2]]);
});

test('lanes by series: a stalled lane never blocks another lane; the breaker is shared', () => {
  const stalled = seriesInLane(0);
  const healthy = seriesInLane(1);
  const s = testScheduler();
  const transitions: BreakerTransition[] = [];
  let result!: ReturnType<typeof deliver>;
  s.run(() => {
    const breaker = createCircuitBreaker({ failureThreshold: 100 });
    breaker.state$.subscribe((t) => transitions.push(t));
    result = deliver(
      s,
      ({ cold }) => cold('a-b-c-d|', { a: R(sample(1, stalled)), b: R(sample(2, healthy)), c: R(sample(3, healthy)), d: R(sample(4, healthy)) }),
      (batch) => (batch[0]!.name === stalled ? { error: unavailable } : {}),
      { lanes: 2, batch: { maxSize: 1 }, breaker, retry: { ...noJitter, maxAttempts: 4 } },
    );
  });
  const { sink } = result;
  assert.equal(sink.accepted().map((x) => x.value), [2, 3, 4], 'the healthy lane delivered while the other retried');
  assert.equal(sink.calls.filter((c) => c.samples[0]!.name === stalled).map((c) => c.atMs), [0, 500, 1500, 3500]);
});

test('a breaker shared by two lanes opens on their combined failures', () => {
  const laneA = seriesInLane(0);
  const laneB = seriesInLane(1);
  const s = testScheduler();
  const breaker = createCircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 10_000, scheduler: s });
  const { sink } = deliver(s, ({ cold }) => cold('(ab|)', { a: R(sample(1, laneA)), b: R(sample(2, laneB)) }), (_b, _c, t) => (t < 20_000 ? { error: unavailable } : {}), { lanes: 2, breaker });
  // one failure per lane opens it at 0; both lanes wait for half-open (10 s) instead of retrying at 0.5 s
  assert.is(sink.calls.filter((c) => c.atMs < 10_000).length, 2);
  assert.equal(sink.accepted().map((x) => x.value).sort(), [1, 2]);
});

test('batches held back by an open breaker go as soon as it half-opens early (halfOpenNow: the connection is back), not when their wait runs out', () => {
  const laneA = seriesInLane(0);
  const laneB = seriesInLane(1);
  const s = testScheduler();
  // The breaker's wait has grown to a minute; the receiver is back at 3 s and the sink sees its connection come up at 5 s.
  const breaker = createCircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 60_000, scheduler: s });
  s.schedule(() => breaker.halfOpenNow(), 5_000);
  const { sink, out } = deliver(s, ({ cold }) => cold('(ab|)', { a: R(sample(1, laneA)), b: R(sample(2, laneB)) }), (_b, _c, t) => (t < 3_000 ? { error: unavailable } : {}), { lanes: 2, breaker });
  assert.equal(sink.accepted().map((x) => x.value).sort(), [1, 2]);
  const deliveredAt = out.filter((o) => isRight(o.r)).map((o) => o.atMs);
  assert.equal(deliveredAt, [5_000, 5_000], 'both lanes at 5 s (the probe, then the other lane as the breaker closes), not at 60 s');
});

test("a receiver's RetryInfo is honoured by every lane: the breaker's half-open does not send before the delay it asked for", () => {
  const laneA = seriesInLane(0);
  const laneB = seriesInLane(1);
  const s = testScheduler();
  // A rate-limited receiver answers RESOURCE_EXHAUSTED with RetryInfo 30 s, until 40 s.
  const slowDown = new ExportError('8 RESOURCE_EXHAUSTED: rate limit exceeded', { retryable: true, code: 8, retryAfterMs: 30_000 });
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 5_000, scheduler: s });
  const { sink } = deliver(s, ({ cold }) => cold('a 9ms b|', { a: R(sample(1, laneA)), b: R(sample(2, laneB)) }), (_b, _c, t) => (t < 40_000 ? { error: slowDown } : {}), { lanes: 2, breaker });
  // Both go at the end of the source (11 ms); A's batch fails and opens the breaker, B's is turned
  // away. The breaker stays open the 30 s asked for, the probe fails again, and the next 30 s on
  // it passes. Before, the breaker half-opened after 5 s and woke A's wait: A was sent at 5 s,
  // 15 s and 35 s, each before the delay the receiver asked for, and delivered at 75 s.
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), [[11, 1], [30_011, 1], [60_011, 1], [60_011, 2]]);
  assert.equal(sink.accepted().map((x) => x.value).sort(), [1, 2]);
});

test('a full queue: a lane busy when it filled sends at once when its batch settles while the queue is still full, and waits as usual once it is not', () => {
  const s = testScheduler();
  const [A, B] = [seriesInLane(0), seriesInLane(1)];
  const at = (i: number, name: string) => R(sample(i, name));
  // A: 4 samples fill the queue (maxQueued 4) at 3 ms and go; 2 more come while A's batch is out.
  // Still full at 13 ms (one lane): A's next batch goes then, not after maxDelayMs.
  const oneLane = deliver(s, ({ cold }) => cold('abcdefgh 100ms |', { a: at(0, A), b: at(1, A), c: at(2, A), d: at(3, A), e: at(4, A), f: at(5, A), g: at(6, A), h: at(7, A) }),
    () => ({ delayMs: 10 }), { batch: { maxSize: 100, maxDelayMs: 1_000 }, maxQueued: 4 });
  assert.equal(oneLane.sink.calls.map((c) => [c.atMs, c.samples.length]), [[3, 4], [13, 4]]);
  // Two lanes: B's 2 fill the queue at 7 ms and go at once; A was busy then, and the queue is no
  // longer full when A's batch settles at 13 ms: A's 2 wait for maxDelayMs from the first (4 ms).
  const s2 = testScheduler();
  const twoLanes = deliver(s2, ({ cold }) => cold('abcdefgh 2s |', { a: at(0, A), b: at(1, A), c: at(2, A), d: at(3, A), e: at(4, A), f: at(5, A), g: at(6, B), h: at(7, B) }),
    () => ({ delayMs: 10 }), { lanes: 2, batch: { maxSize: 100, maxDelayMs: 1_000 }, maxQueued: 4 });
  assert.equal(twoLanes.sink.calls.map((c) => [c.atMs, c.samples.length]), [[3, 4], [7, 2], [1_004, 2]]);
});

test.run();
