import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createReorderBuffer } from '../src/reorderBuffer.js';
import { nanosToMs } from '../src/sample.js';
import { timeKey, keyBefore, subtractKey, splitSecondsNanos } from '../src/timeKey.js';

const test = suite('timeKey and the reorder buffer');

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

test('key order is bigint order, for every int64', () => {
  fc.assert(
    fc.property(int64, int64, (a, b) => {
      assert.is(keyBefore(timeKey(a), timeKey(b)), a < b);
    }),
    { numRuns: 2000 },
  );
});

test('subtractKey is exact subtraction', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.bigInt({ min: 0n, max: 2n ** 40n }), (a, d) => {
      const out = { hi: 0, lo: 0 };
      subtractKey(out, timeKey(a), timeKey(d));
      assert.equal(out, timeKey(a - d));
    }),
  );
});

/** Pushes every time (arrival = index), pops all; slots are recycled half-way to exercise reuse. */
const drain = (times: bigint[]): { t: bigint; seq: number }[] => {
  const buf = createReorderBuffer<bigint, number>();
  const out: { t: bigint; seq: number }[] = [];
  const popOne = () => {
    const slot = buf.pop();
    out.push({ t: buf.item(slot), seq: buf.tag(slot) });
    buf.release(slot);
  };
  times.forEach((t, seq) => {
    const k = timeKey(t);
    buf.push(t, seq, k, buf.keyOf(k), seq, 0);
  });
  while (buf.size > 0) popOne();
  return out;
};
const sortedRef = (times: bigint[]) =>
  times.map((t, seq) => ({ t, seq })).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.seq - b.seq));

test('releases in (time, arrival) order near the base, with many ties', () => {
  const base = 1_780_000_000_000_000_000n;
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 50n }), { maxLength: 200 }), (offsets) => {
      const times = offsets.map((o) => base + o);
      assert.equal(drain(times), sortedRef(times));
    }),
  );
});

test('releases in exact order far from the base (beyond 2^53 ns, where doubles round)', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 2n ** 62n }), { maxLength: 100 }), fc.array(fc.bigInt({ min: 0n, max: 300n }), { maxLength: 50 }), (wide, near) => {
      // Values that differ by a few ns at 2^62 round to the same double: the exact halves decide.
      const times = [...wide, ...near.map((o) => 2n ** 62n + o)];
      assert.equal(drain(times), sortedRef(times));
    }),
  );
});

test('splitSecondsNanos is exact [t / 1e9, t % 1e9] for every non-negative int64', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), (t) => {
      assert.equal(splitSecondsNanos(t), [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)]);
    }),
    { numRuns: 5000 },
  );
  assert.equal(splitSecondsNanos(1_764_064_800_123_456_789n), [1_764_064_800, 123_456_789]);
  assert.equal(splitSecondsNanos(2n ** 63n - 1n), [9_223_372_036, 854_775_807]);
});

test('nanosToMs agrees with bigint arithmetic to the sub-millisecond', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (t) => {
      const exact = Number(t / 1_000_000n) + Number(t % 1_000_000n) / 1e6;
      assert.ok(Math.abs(nanosToMs(t) - exact) <= Math.abs(exact) * 1e-15 + 1e-9, `${t}`);
    }),
  );
});

test('slots are recycled: a freed slot no longer answers to its old sequence number', () => {
  const buf = createReorderBuffer<string, number>();
  const k = timeKey(5n);
  const a = buf.push('a', 0, k, buf.keyOf(k), 0, 0);
  assert.ok(buf.isLive(a, 0));
  buf.release(buf.pop());
  assert.not.ok(buf.isLive(a, 0));
  const b = buf.push('b', 1, k, buf.keyOf(k), 1, 0);
  assert.is(b, a, 'the slot is reused');
  assert.not.ok(buf.isLive(b, 0));
  assert.ok(buf.isLive(b, 1));
  for (let i = 0; i < 5000; i++) {
    const t = timeKey(BigInt(5000 - i));
    buf.push(`x${i}`, i, t, buf.keyOf(t), i + 2, 0);
  }
  assert.is(buf.size, 5001, 'grows past its initial capacity');
  assert.is(buf.item(buf.top()), 'x4999');
});

test.run();
