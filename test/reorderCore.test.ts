import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { right } from 'fp-ts/lib/Either.js';
import { createReorderCore, newReleased, type Released } from '../src/reorderCore.js';
import type { Routed } from '../src/routed.js';
import { type Sample, nanosToMs } from '../src/sample.js';
import { relativeNanos, timeKey, secondsNanosOf } from '../src/timeKey.js';

const test = suite('timeKey and the reorder core');

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const sample = (t: bigint, id: number): Sample => ({ name: 'm', kind: 'gauge', value: id, timeUnixNano: t, attributes: {} });

test('relativeNanos is exact within 2^53 ns of the base and monotonic everywhere', () => {
  fc.assert(
    fc.property(int64, fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }), (base, d) => {
      const t = base + d;
      fc.pre(t >= -(2n ** 63n) && t < 2n ** 63n);
      assert.is(relativeNanos(t, timeKey(base)), Number(d));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(int64, int64, int64, (base, a, b) => {
      const k = timeKey(base);
      if (a < b) assert.ok(relativeNanos(a, k) <= relativeNanos(b, k));
    }),
    { numRuns: 2000 },
  );
});

/** Offers every time (never late: one series record per sample), then releases all. */
const drain = (times: bigint[]): { t: bigint; seq: number }[] => {
  const out: { t: bigint; seq: number }[] = [];
  const core = createReorderCore({
    maxDelayNs: 2n ** 62n,
    maxBuffered: 1_000_000,
    emit: (item) => {
      const s = (item as { right: Sample }).right;
      out.push({ t: s.timeUnixNano, seq: s.value as number });
    },
    onOverflow: () => undefined,
    deadlineMs: () => 0,
  });
  times.forEach((t, seq) => assert.ok(core.offer(right(sample(t, seq)), sample(t, seq), newReleased())));
  core.releaseAll();
  return out;
};
const sortedRef = (times: bigint[]) =>
  times.map((t, seq) => ({ t, seq })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.seq - b.seq));

test('releases in (time, arrival) order near the base, with many ties', () => {
  const base = 1_780_000_000_000_000_000n;
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 50n }), { maxLength: 300 }), (offsets) => {
      const times = offsets.map((o) => base + o);
      assert.equal(drain(times), sortedRef(times));
    }),
  );
});

test('releases in exact order far from the base (beyond 2^53 ns, where doubles round)', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 62n }), { maxLength: 100 }), fc.array(fc.bigInt({ min: 0n, max: 300n }), { maxLength: 50 }), (wide, near) => {
      // Values that differ by a few ns at 2^62 round to the same double: the exact times decide.
      const times = [...wide, ...near.map((o) => 2n ** 62n + o)];
      assert.equal(drain(times), sortedRef(times));
    }),
  );
});

/** A core whose samples are all of one series (one record); what it released, in order. */
const oneSeries = (maxDelayNs: bigint, deadlineMs: () => number) => {
  const released: Sample[] = [];
  const core = createReorderCore({
    maxDelayNs,
    maxBuffered: 1_000_000,
    emit: (item) => released.push((item as { right: Sample }).right),
    onOverflow: () => undefined,
    deadlineMs,
  });
  const series: Released = newReleased();
  const offer = (t: bigint, id = 0): boolean => {
    const s = sample(t, id);
    return core.offer(right(s) as Routed<Sample>, s, series);
  };
  return { core, series, offer, released };
};

test('late against the record of the last released; the ring grows and oldestArrival skips released samples', () => {
  let deadline = 0;
  const { core, series, offer: offerAt, released } = oneSeries(10n ** 15n, () => deadline++);
  const offer = (t: number, id: number): boolean => offerAt(BigInt(t), id);
  const emitted = (): number[] => released.map((s) => s.value as number);
  for (let i = 0; i < 5000; i++) assert.ok(offer(10_000 - i, i));
  assert.is(core.size, 5000, 'grows past its initial capacity');
  assert.is(core.oldestArrival(), 0);
  for (let i = 0; i < 5000; i++) if (core.deadline(i) !== i) assert.unreachable(`arrival ${i}'s max-wait deadline is ${core.deadline(i)} after the ring grew, not ${i}`);
  core.releaseThrough(4990); // seq 4990 has time 5010: releases seqs 4999…4990, earliest first
  assert.equal(emitted(), [4999, 4998, 4997, 4996, 4995, 4994, 4993, 4992, 4991, 4990]);
  assert.is(series.timeUnixNano, 5010n, "the record holds the last released time");
  assert.not.ok(offer(5009, 9_999), 'older than the last released sample of its record: late');
  assert.ok(offer(5010, 10_000), 'an equal time is not late');
  assert.is(core.oldestArrival(), 0, 'the oldest arrival is still buffered');
  core.releaseAll();
  assert.is(core.oldestArrival(), -1);
  assert.is(emitted().length, 5001);
});

test("a held watermark releases nothing, not even a sample already under it; the hold's end and releaseAll end it", () => {
  const { core, offer, released } = oneSeries(10n, () => 0);
  const times = (): bigint[] => released.map((s) => s.timeUnixNano);
  assert.ok(offer(100n));
  core.holdWatermark(true);
  assert.ok(offer(200n)); // the watermark (190) passes 100, but is held
  assert.equal(times(), []);
  core.holdWatermark(false);
  assert.equal(times(), [100n], "the hold's end releases what the watermark reached meanwhile");
  core.holdWatermark(true);
  core.releaseAll();
  assert.equal(times(), [100n, 200n]);
  assert.ok(offer(300n));
  assert.ok(offer(400n));
  assert.equal(times(), [100n, 200n, 300n], 'releaseAll ended the hold: the watermark releases again');
  core.releaseAll();
  core.holdWatermark(true);
  // Another series' sample under the watermark (390) with nothing buffered: held, not out at once.
  const other = sample(350n, 1);
  assert.ok(core.offer(right(other) as Routed<Sample>, other, newReleased()));
  assert.is(core.size, 1);
  assert.equal(times(), [100n, 200n, 300n, 400n]);
  core.holdWatermark(false);
  assert.equal(times(), [100n, 200n, 300n, 400n, 350n]);
});

test("bufferedRecords holds the record of every series with a sample buffered, the oldest arrival's too", () => {
  const core = createReorderCore({ maxDelayNs: 10n ** 15n, maxBuffered: 100, emit: () => undefined, onOverflow: () => undefined, deadlineMs: () => 0 });
  const records = [newReleased(), newReleased(), newReleased()];
  records.forEach((r, i) => {
    const s = sample(BigInt(1_000 - i), i);
    assert.ok(core.offer(right(s) as Routed<Sample>, s, r));
  });
  assert.equal([...core.bufferedRecords()].sort((a, b) => records.indexOf(a) - records.indexOf(b)), records);
  core.releaseThrough(2); // the latest arrival has the earliest time: released alone
  assert.is(core.bufferedRecords().size, 2);
  assert.ok(core.bufferedRecords().has(records[0]!) && !core.bufferedRecords().has(records[2]!));
});

test('far from the base (beyond 2^53 ns, where keys round), late is still exact: an equal time is not late, one 1 ns older is', () => {
  const { offer, released } = oneSeries(0n, () => 0);
  const far = 1_000n + 2n ** 60n; // 36 years after the base: keys 256 ns apart round to one
  assert.ok(offer(1_000n));
  assert.ok(offer(far));
  assert.is(relativeNanos(far - 1n, timeKey(1_000n)), relativeNanos(far, timeKey(1_000n)), 'one key for both');
  assert.not.ok(offer(far - 1n), '1 ns older than the last released: late');
  assert.ok(offer(far), 'equal: not late');
  assert.equal(released.map((s) => s.timeUnixNano), [1_000n, far, far]);
});

test('far from the base, the watermark follows the largest exact time: an older sample with the same rounded key does not set it back', () => {
  const { offer, released } = oneSeries(1n, () => 0);
  const far = 1_000n + 2n ** 60n;
  assert.ok(offer(1_000n));
  assert.ok(offer(far + 100n)); // the watermark: far + 99 ns
  assert.ok(offer(far + 110n)); // same key, later: far + 109 ns
  assert.is(relativeNanos(far + 105n, timeKey(1_000n)), relativeNanos(far + 110n, timeKey(1_000n)), 'one key for all three');
  assert.ok(offer(far + 105n)); // under the watermark: out at once
  assert.equal(released.map((s) => s.timeUnixNano), [1_000n, far + 100n, far + 105n]);
});

test('secondsNanosOf is exact [t / 1e9, t % 1e9] for every non-negative int64', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (t) => {
      assert.equal(secondsNanosOf(t), [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)]);
    }),
    { numRuns: 5000 },
  );
  assert.equal(secondsNanosOf(1_764_064_800_123_456_789n), [1_764_064_800, 123_456_789]);
  assert.equal(secondsNanosOf(2n ** 63n - 1n), [9_223_372_036, 854_775_807]);
});

test('secondsNanosOf is exact for any time, including negative and 2⁶³ and beyond (where int64 halves wrap)', () => {
  const exact = (t: bigint) => [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (t) => assert.equal(secondsNanosOf(t), exact(t))),
    { numRuns: 5000 },
  );
  for (const t of [0n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 64n + 5n, -1n, -(2n ** 63n)]) {
    assert.equal(secondsNanosOf(t), exact(t), String(t));
  }
});

test('nanosToMs agrees with bigint arithmetic to the sub-millisecond', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (t) => {
      const exact = Number(t / 1_000_000n) + Number(t % 1_000_000n) / 1e6;
      assert.ok(Math.abs(nanosToMs(t) - exact) <= Math.abs(exact) * 1e-15 + 1e-9, `${t}`);
    }),
  );
  // Beyond int64 the halves wrap: 2⁶⁴ + 5 ns must not read as 5 ns.
  for (const t of [2n ** 64n + 5n, -(2n ** 64n) + 5n, 2n ** 63n]) {
    const exact = Number(t / 1_000_000n) + Number(t % 1_000_000n) / 1e6;
    assert.ok(Math.abs(nanosToMs(t) - exact) <= Math.abs(exact) * 1e-15, `${t}`);
  }
});

test.run();
