import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRight, left, right } from 'fp-ts/lib/Either.js';
import { from, lastValueFrom, map, toArray, type OperatorFunction } from 'rxjs';
import { fillStartTimes } from '../operators/fillStartTimes.js';
import * as root from '../src/index.js';
import * as operators from '../operators/index.js';
import { toDeadLetter, type Routed } from '../src/routed.js';
import { type HistogramValue, type Sample, msToNanos, nanosToMs } from '../src/sample.js';
import { testScheduler, sample } from '../test/support/marbles.js';

const test = suite('fillStartTimes');

/** A counter sample of series `name` at tMs. */
const counter = (tMs: number, value: number, extra: Partial<Sample> = {}, name = 'requests'): Routed<Sample> =>
  right({ ...sample(tMs, name), kind: 'sum', value, ...extra });

/** `start→time` in ms for a Right (`-` for no start), `reason:time` for a Left. */
const startView = (): OperatorFunction<Routed<Sample>, string> =>
  map((r) => {
    if (!isRight(r)) return `${r.left.reason}:${nanosToMs(r.left.item.timeUnixNano)}`;
    const s = r.right;
    return `${s.startTimeUnixNano === undefined ? '-' : nanosToMs(s.startTimeUnixNano)}→${nanosToMs(s.timeUnixNano)}`;
  });

const startsOf = async (items: Routed<Sample>[], opts = {}): Promise<string[]> =>
  lastValueFrom(from(items).pipe(fillStartTimes(opts), startView(), toArray()));

test('a counter starts at its first sample; a value that goes down starts it again after the sample before', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    // values 5, 7, 2, 4 at 1, 2, 3, 4 ms: 2 < 7 is a reset between 2 and 3 ms
    const src = cold('a-b-c-d|', { a: counter(1, 5), b: counter(2, 7), c: counter(3, 2), d: counter(4, 4) });
    const exp = '     a-b-c-d|';
    expectObservable(src.pipe(fillStartTimes(), startView())).toBe(exp, { a: '1→1', b: '1→2', c: '2→3', d: '2→4' });
  });
});

test('gauges, samples with their own start and Lefts pass as they are, in place', () => {
  const own = counter(2, 1, { startTimeUnixNano: msToNanos(1) });
  const gauge: Routed<Sample> = right(sample(3));
  const letter: Routed<Sample> = left(toDeadLetter('late', sample(0), 'late', 0));
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-L-g|', { a: own, L: letter, g: gauge });
    const exp = '     a-L-g|';
    expectObservable(src.pipe(fillStartTimes())).toBe(exp, { a: own, L: letter, g: gauge });
  });
});

test('series are kept apart: by name, attributes and resource', async () => {
  const starts = await startsOf([
    counter(1, 1),
    counter(2, 1, { attributes: { route: '/a' } }),
    counter(3, 1, { resource: { 'service.name': 'b' } }),
    counter(4, 1, {}, 'errors'),
    counter(5, 2),
    counter(6, 2, { attributes: { route: '/a' } }),
    counter(7, 2, { resource: { 'service.name': 'b' } }),
    counter(8, 2, {}, 'errors'),
  ]);
  assert.equal(starts, ['1→1', '2→2', '3→3', '4→4', '1→5', '2→6', '3→7', '4→8']);
});

test('a delta sample starts at the time of the sample before it', async () => {
  const delta = { temporality: 'delta' as const };
  assert.equal(await startsOf([counter(10, 3, delta), counter(20, 1, delta), counter(30, 4, delta)]), ['10→10', '10→20', '20→30']);
});

test('an up-down counter going down is not a reset', async () => {
  const upDown = { monotonic: false };
  // Down after its second sample: a reset would start it at 2 ms.
  assert.equal(await startsOf([counter(1, 5, upDown), counter(2, 7, upDown), counter(3, -3, upDown), counter(4, 1, upDown)]), ['1→1', '1→2', '1→3', '1→4']);
});

test('a histogram is reset when its count, a bucket or its boundaries go back', async () => {
  const h = (tMs: number, counts: number[], boundaries = [1, 2]): Routed<Sample> => {
    const value: HistogramValue = { boundaries, counts, sum: 0, count: counts.reduce((a, b) => a + b, 0) };
    return right({ ...sample(tMs, 'latency'), kind: 'histogram', value });
  };
  const starts = await startsOf([
    h(1, [1, 1, 1]),
    h(2, [2, 1, 1]), // grows
    h(3, [1, 1, 5]), // count grows, but the first bucket went back: reset
    h(4, [1, 1, 6]),
    h(5, [0, 0, 1]), // count went back: reset
    h(6, [0, 0, 2], [1, 5]), // boundaries changed: reset
    h(7, [1, 3], [1]), // fewer boundaries, the counts of those left not lower: reset
  ]);
  assert.equal(starts, ['1→1', '1→2', '2→3', '2→4', '4→5', '5→6', '6→7']);
  // A count and a sum alone (no buckets): its count is all there is to tell a reset by.
  const countOnly = (tMs: number, count: number): Routed<Sample> => right({ ...sample(tMs, 'latency'), kind: 'histogram', value: { boundaries: [], counts: [], sum: count, count } });
  assert.equal(await startsOf([countOnly(1, 5), countOnly(2, 8), countOnly(3, 2)]), ['1→1', '1→2', '2→3']);
});

test('an exponential histogram is reset when its count or zero count goes back', async () => {
  const e = (tMs: number, count: number, zeroCount: number): Routed<Sample> =>
    right({
      ...sample(tMs, 'size'),
      kind: 'exponential-histogram',
      value: { scale: 0, zeroCount, positive: { offset: 0, bucketCounts: [count - zeroCount] }, negative: { offset: 0, bucketCounts: [] }, count },
    });
  assert.equal(await startsOf([e(1, 5, 1), e(2, 6, 1), e(3, 4, 1), e(4, 9, 2), e(5, 10, 1)]), ['1→1', '1→2', '2→3', '2→4', '4→5']);
});

test('a sample older than its series newest gets a start no later than its time and changes nothing kept', async () => {
  const starts = await startsOf([counter(5, 10), counter(6, 11), counter(3, 1), counter(5.5, 10.5), counter(7, 12)]);
  assert.equal(starts, ['5→5', '5→6', '3→3', '5→5.5', '5→7']);
});

test('forgetSeriesAfterMs: a series idle that long (event time) starts afresh, as a true reset point', async () => {
  // 1 024 series at 0 ms (requests and 1 023 more): the next new series, at 10 s, makes the map sweep.
  const many = Array.from({ length: 1_023 }, (_, i) => counter(0, 1, { attributes: { i: String(i) } }));
  // One attributes object for both samples of `requests`, as a source shares one: the table
  // remembers the series by it, and must not hand back the forgotten state.
  const shared = { attributes: { route: '/' } };
  const items = [counter(0, 1, shared), ...many, counter(10_000, 1, {}, 'other'), counter(10_001, 2, shared)];
  const forgetting = await startsOf(items, { forgetSeriesAfterMs: 5_000 });
  assert.is(forgetting[forgetting.length - 1], '10001→10001');
  const keeping = await startsOf(items);
  assert.is(keeping[keeping.length - 1], '0→10001');
  // Exactly forgetSeriesAfterMs behind the newest is not idle yet.
  const edge = [counter(0, 1, shared), ...many, counter(5_000, 1, {}, 'other'), counter(5_000, 2, shared)];
  const atEdge = await startsOf(edge, { forgetSeriesAfterMs: 5_000 });
  assert.is(atEdge[atEdge.length - 1], '0→5000');
});

test('maxSeries: past it the least recently seen series are forgotten; one of them starts afresh, a recent one keeps its start', async () => {
  const a = { attributes: { route: '/a' } };
  const b = { attributes: { route: '/b' } };
  const others = Array.from({ length: 6 }, (_, i) => counter(10 + i, 1, { attributes: { i: String(i) } }));
  // 8 series at most: a (seen at 1 ms) is the least recent when the 9th comes, b (seen at 20) the most.
  const items = [counter(1, 1, a), ...others, counter(20, 1, b), counter(21, 1, { attributes: { i: 'new' } }), counter(30, 2, a), counter(31, 2, b)];
  const starts = await startsOf(items, { maxSeries: 8 });
  assert.equal(starts.slice(-2), ['30→30', '20→31']);
  assert.equal((await startsOf(items)).slice(-2), ['1→30', '20→31'], 'without the cap a keeps its start');
  // Least recently seen by its samples' time, not first seen: a, seen again at 18 ms, stays.
  const seenAgain = [counter(1, 1, a), ...others, counter(18, 2, a), counter(20, 1, b), counter(21, 1, { attributes: { i: 'new' } }), counter(30, 3, a)];
  assert.equal((await startsOf(seenAgain, { maxSeries: 8 })).slice(-1), ['1→30']);
});

test('a sample given a start is a copy with every own property of the original, symbols too (a followed file\'s read position rides on one)', async () => {
  const ticket = Symbol('ticket');
  const original = { ...sample(1, 'requests'), kind: 'sum' as const, value: 1, unit: '{request}', [ticket]: 'line 7' };
  const [out] = await lastValueFrom(from([right(original) as Routed<Sample>]).pipe(fillStartTimes(), toArray()));
  assert.ok(out !== undefined && isRight(out));
  assert.is.not(out.right, original);
  assert.equal({ ...out.right, [ticket]: undefined }, { ...original, startTimeUnixNano: msToNanos(1), [ticket]: undefined });
  assert.is((out.right as unknown as Record<symbol, string>)[ticket], 'line 7');
  assert.is(original.startTimeUnixNano, undefined, 'the original is left as it was');
});

test('errors and completion pass through', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('a-#', { a: counter(1, 1) }, new Error('source failed'));
    const exp = '     a-#';
    expectObservable(src.pipe(fillStartTimes(), startView())).toBe(exp, { a: '1→1' }, new Error('source failed'));
  });
});

test('exported from the package root and chronoq/operators', () => {
  assert.is(root.fillStartTimes, fillStartTimes);
  assert.is(operators.fillStartTimes, fillStartTimes);
});

test.run();
