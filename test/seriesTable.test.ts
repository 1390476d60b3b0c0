/**
 * The series table behind reorderByEventTime's records and fillStartTimes' starts: found by the
 * sample's attributes object, swept of idle series, and bounded by maxSeries — the least recently
 * active forgotten first, pinned ones never.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSeriesTable, type SeriesValue } from '../src/seriesTable.js';
import type { Sample } from '../src/sample.js';

const test = suite('seriesTable');

interface Seen extends SeriesValue {
  lastMs: number;
  pinned: boolean;
}
const sample = (id: number): Sample => ({ name: 'm', kind: 'gauge', value: 0, timeUnixNano: 1n, attributes: { id } });

/** A table whose values say when their series was last seen; `touch` records a sample of it at `ms`. */
const table = (maxSeries: number) => {
  const forgotten: Seen[] = [];
  const capped: number[] = [];
  const t = createSeriesTable<Seen>({
    make: () => ({ forgotten: false, lastMs: 0, pinned: false }),
    idleTest: () => undefined,
    maxSeries,
    activity: () => (v) => (v.pinned ? undefined : v.lastMs),
    onForget: (v) => forgotten.push(v),
    onCapped: (n) => capped.push(n),
  });
  const touch = (s: Sample, ms: number): Seen => {
    const v = t.valueOf(s);
    v.lastMs = ms;
    return v;
  };
  return { t, touch, forgotten, capped };
};

test('maxSeries: a new series past the cap forgets the least recently active, down to three quarters of it', () => {
  const { t, touch, forgotten, capped } = table(8);
  const samples = Array.from({ length: 9 }, (_, i) => sample(i));
  // Seen in the order 0..7, then 0..3 again: 4..7 are now the least recently active.
  samples.slice(0, 8).forEach((s, i) => touch(s, i));
  samples.slice(0, 4).forEach((s, i) => touch(s, 10 + i));
  assert.is(t.size(), 8);
  touch(samples[8]!, 20);
  assert.equal(capped, [2], 'two forgotten (8 → 6), then the new one: 7');
  assert.is(t.size(), 7);
  assert.equal(forgotten.map((v) => v.lastMs), [4, 5], 'the least recently active first');
  assert.ok(forgotten.every((v) => v.forgotten));
  // A forgotten series comes back as a new value; a kept one is the same value.
  assert.is(t.valueOf(samples[4]!).lastMs, 0, 'forgotten: made afresh');
  assert.is(t.valueOf(samples[0]!).lastMs, 10, 'kept');
});

test('pinned values are never forgotten by the cap, however old', () => {
  const { t, touch, forgotten } = table(4);
  const pinned = touch(sample(0), 0);
  pinned.pinned = true;
  for (let i = 1; i < 12; i++) touch(sample(i), i);
  assert.ok(!pinned.forgotten);
  assert.ok(forgotten.length > 0 && forgotten.every((v) => v !== pinned));
  assert.ok(t.size() <= 4);
});

test('mostly pinned: the cap forgets the unpinned it may, and says so; all pinned, it forgets none and says nothing', () => {
  const { t, touch, forgotten, capped } = table(8);
  for (let i = 0; i < 8; i++) touch(sample(i), i).pinned = i !== 5;
  touch(sample(8), 8);
  assert.equal([capped, forgotten.map((v) => v.lastMs), t.size()], [[1], [5], 8]);
  const all = table(4);
  for (let i = 0; i < 4; i++) all.touch(sample(i), i).pinned = true;
  all.touch(sample(4), 4);
  assert.equal([all.capped, all.t.size()], [[], 5]);
});

test('without an activity, all alike: the cap forgets the first made, only as many as it must', () => {
  const t = createSeriesTable<SeriesValue & { id: number }>({ make: (key) => ({ forgotten: false, id: Number(/\d+/.exec(key)![0]) }), idleTest: () => undefined, maxSeries: 4 });
  for (let i = 0; i < 5; i++) t.valueOf(sample(i));
  assert.equal([...t.entries()].map(([, v]) => v.id), [1, 2, 3, 4]);
});

test('without a cap nothing is forgotten however many series come', () => {
  const { t, touch, capped } = table(Infinity);
  for (let i = 0; i < 5_000; i++) touch(sample(i), i);
  assert.is(t.size(), 5_000);
  assert.equal(capped, []);
});

test('held to the cap over many new series, each cap pass forgetting a quarter of it', () => {
  const { t, touch, capped } = table(1_000);
  for (let i = 0; i < 20_000; i++) {
    touch(sample(i), i);
    assert.ok(t.size() <= 1_000);
  }
  assert.ok(capped.length > 0 && capped.every((n) => n === 250), String(capped.slice(0, 5)));
});

test.run();
