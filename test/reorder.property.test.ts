/**
 * Properties of reorderByEventTime over generated streams, in virtual time:
 * conservation (every sample comes out exactly once, as a Right or as a Left `late`) and order.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { VirtualTimeScheduler } from 'rxjs';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { reorderByEventTime, type ReorderOptions } from '../operators/reorderByEventTime.js';
import { deadLetter, type Routed } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';

const test = suite('reorderByEventTime properties');

interface Arrival {
  readonly atMs: number;
  readonly item: Routed<Sample>;
}

const mk = (id: number, series: number, tMs: number): Sample => ({
  name: `m${series}`,
  kind: 'gauge',
  value: id,
  timeUnixNano: BigInt(tMs) * 1_000_000n + BigInt(id % 7), // sub-ms detail must survive
  attributes: { series },
});

/** Feeds arrivals at their virtual times through the operator; returns everything emitted. */
const runThrough = (arrivals: readonly Arrival[], opts: Omit<ReorderOptions, 'scheduler'>, completeAfterMs = 1, emittedAtMs: number[] = []): Routed<Sample>[] => {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const input = new Subject<Routed<Sample>>();
  const out: Routed<Sample>[] = [];
  let completed = false;
  const record = (x: Routed<Sample>): void => {
    out.push(x);
    emittedAtMs.push(scheduler.now());
  };
  input.pipe(reorderByEventTime({ ...opts, scheduler })).subscribe({ next: record, complete: () => (completed = true) });
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs);
  for (const a of sorted) scheduler.schedule(() => input.next(a.item), a.atMs);
  const end = (sorted.at(-1)?.atMs ?? 0) + completeAfterMs;
  scheduler.schedule(() => input.complete(), end);
  scheduler.flush();
  assert.ok(completed, 'completes');
  return out;
};

const idOf = (s: Sample): number => s.value as number;
const nonDecreasingPerSeries = (xs: Sample[]): boolean => {
  const last = new Map<string, bigint>();
  return xs.every((s) => {
    const k = seriesKey(s);
    const prev = last.get(k);
    last.set(k, s.timeUnixNano);
    return prev === undefined || prev <= s.timeUnixNano;
  });
};

const rawSample = fc.record({ series: fc.integer({ min: 0, max: 3 }), tMs: fc.integer({ min: 1, max: 20_000 }), jitter: fc.double({ min: 0, max: 1, noNaN: true }) });

test('disorder within maxDelayMs: every sample exactly once, nothing late, every series in order', () => {
  fc.assert(
    fc.property(fc.array(rawSample, { maxLength: 300 }), fc.integer({ min: 1, max: 5_000 }), (raw, maxDelayMs) => {
      // Arrival = event time + a delay of at most maxDelayMs: the disorder the operator promises to repair.
      const arrivals = raw.map((r, id) => ({ atMs: r.tMs + Math.floor(r.jitter * maxDelayMs), item: right(mk(id, r.series, r.tMs)) as Routed<Sample> }));
      // Completion comes long after the last arrival: the max-wait timers alone must release.
      const emittedAtMs: number[] = [];
      const out = runThrough(arrivals, { maxDelayMs }, maxDelayMs + 1_000, emittedAtMs);
      assert.is(out.filter(isLeft).length, 0, 'nothing late');
      const arrivedAtMs = new Map(arrivals.map((a) => [idOf((a.item as { right: Sample }).right), a.atMs]));
      out.forEach((r, i) => {
        const at = arrivedAtMs.get(idOf((r as { right: Sample }).right))!;
        assert.ok(emittedAtMs[i]! >= at && emittedAtMs[i]! <= at + maxDelayMs, 'released within maxDelayMs of its arrival');
      });
      const samples = out.map((r) => (r as { right: Sample }).right);
      assert.equal(samples.map(idOf).sort((a, b) => a - b), raw.map((_, i) => i));
      assert.ok(nonDecreasingPerSeries(samples), 'each series non-decreasing');
    }),
    { numRuns: 300 },
  );
});

test('arbitrary disorder, overflow and upstream Lefts: every sample exactly once (Right or Left late), Rights in order', () => {
  const arb = fc.record({
    items: fc.array(fc.record({ series: fc.integer({ min: 0, max: 3 }), tMs: fc.integer({ min: 1, max: 5_000 }), atMs: fc.integer({ min: 0, max: 5_000 }), dead: fc.boolean() }), { maxLength: 200 }),
    maxDelayMs: fc.integer({ min: 0, max: 2_000 }),
    maxBuffered: fc.integer({ min: 1, max: 50 }),
    order: fc.constantFrom<'series' | 'global'>('series', 'global'),
  });
  fc.assert(
    fc.property(arb, ({ items, maxDelayMs, maxBuffered, order }) => {
      const arrivals = items.map((r, id) => {
        const s = mk(id, r.series, r.tMs);
        return { atMs: r.atMs, item: r.dead && id % 5 === 0 ? deadLetter('invalid', s, 'upstream', 0) : right(s) };
      });
      let overflows = 0;
      const out = runThrough(arrivals, { maxDelayMs, maxBuffered, order, onOverflow: () => overflows++ });
      const ids = out.map((r) => idOf(isLeft(r) ? r.left.item : r.right)).sort((a, b) => a - b);
      assert.equal(ids, items.map((_, i) => i), 'exactly once');
      for (const r of out) if (isLeft(r)) assert.ok(r.left.reason === 'late' || r.left.detail === 'upstream');
      const rights = out.filter((r) => !isLeft(r)).map((r) => (r as { right: Sample }).right);
      if (order === 'series') assert.ok(nonDecreasingPerSeries(rights));
      else assert.ok(rights.every((s, i) => i === 0 || rights[i - 1]!.timeUnixNano <= s.timeUnixNano), 'globally ordered');
      if (items.length <= maxBuffered) assert.is(overflows, 0);
    }),
    { numRuns: 400 },
  );
});

test('forgetSeriesAfterMs, with series coming and going: every sample exactly once, no series ever out of order', () => {
  // Enough series for the records to be swept (from 1 024 on), so that series are forgotten and
  // some come back, with samples before and after what was released of them.
  const arb = fc.record({
    items: fc.array(fc.record({ series: fc.integer({ min: 0, max: 2_999 }), tMs: fc.integer({ min: 1, max: 20_000 }), atMs: fc.integer({ min: 0, max: 20_000 }) }), { minLength: 1_500, maxLength: 3_000 }),
    maxDelayMs: fc.integer({ min: 0, max: 500 }),
    forgetSeriesAfterMs: fc.integer({ min: 1, max: 3_000 }),
  });
  fc.assert(
    fc.property(arb, ({ items, maxDelayMs, forgetSeriesAfterMs }) => {
      const arrivals = items.map((r, id) => ({ atMs: r.atMs, item: right(mk(id, r.series, r.tMs)) as Routed<Sample> }));
      const out = runThrough(arrivals, { maxDelayMs, forgetSeriesAfterMs });
      const ids = out.map((r) => idOf(isLeft(r) ? r.left.item : r.right)).sort((a, b) => a - b);
      assert.equal(ids, items.map((_, i) => i), 'exactly once');
      assert.ok(out.every((r) => !isLeft(r) || r.left.reason === 'late'));
      assert.ok(nonDecreasingPerSeries(out.filter((r) => !isLeft(r)).map((r) => (r as { right: Sample }).right)), 'each series non-decreasing');
    }),
    { numRuns: 40 },
  );
});

test('flushes at random times, a cap on series (maxSeries) and an upstream error: every sample exactly once, no series ever out of order, the error after the flush', () => {
  const arb = fc.record({
    items: fc.array(fc.record({ series: fc.integer({ min: 0, max: 40 }), tMs: fc.integer({ min: 1, max: 5_000 }), atMs: fc.integer({ min: 0, max: 5_000 }) }), { maxLength: 300 }),
    maxDelayMs: fc.integer({ min: 0, max: 2_000 }),
    maxSeries: fc.integer({ min: 1, max: 30 }),
    flushesAtMs: fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 6 }),
    order: fc.constantFrom<'series' | 'global'>('series', 'global'),
    fails: fc.boolean(),
  });
  fc.assert(
    fc.property(arb, ({ items, maxDelayMs, maxSeries, flushesAtMs, order, fails }) => {
      const scheduler = new VirtualTimeScheduler(undefined, Infinity);
      const input = new Subject<Routed<Sample>>();
      const flushNow$ = new Subject<void>();
      const out: Routed<Sample>[] = [];
      let ended: 'complete' | 'error' | undefined;
      input.pipe(reorderByEventTime({ maxDelayMs, maxSeries, order, flushNow$, scheduler }))
        .subscribe({ next: (x) => out.push(x), complete: () => (ended = 'complete'), error: () => (ended = 'error') });
      items.forEach((r, id) => scheduler.schedule(() => input.next(right(mk(id, r.series, r.tMs))), r.atMs));
      for (const at of flushesAtMs) scheduler.schedule(() => flushNow$.next(), at);
      scheduler.schedule(() => (fails ? input.error(new Error('source failed')) : input.complete()), 5_001);
      scheduler.flush();
      assert.is(ended, fails ? 'error' : 'complete');
      const ids = out.map((r) => idOf(isLeft(r) ? r.left.item : r.right)).sort((a, b) => a - b);
      assert.equal(ids, items.map((_, i) => i), 'exactly once');
      assert.ok(out.every((r) => !isLeft(r) || r.left.reason === 'late'));
      const rights = out.filter((r) => !isLeft(r)).map((r) => (r as { right: Sample }).right);
      if (order === 'series') assert.ok(nonDecreasingPerSeries(rights), 'each series non-decreasing');
      else assert.ok(rights.every((s, i) => i === 0 || rights[i - 1]!.timeUnixNano <= s.timeUnixNano), 'globally ordered');
    }),
    { numRuns: 300 },
  );
});

test.run();
