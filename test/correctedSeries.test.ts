/**
 * src/correctedSeries.ts: where detectClockSkew puts the samples it re-stamps, per series — a
 * millisecond after the series' latest re-stamped sample when re-stamped into its millisecond or
 * before it, for a sample stamped after that one; the source's own disorder left as it was.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createCorrectedSeries } from '../src/correctedSeries.js';
import { type Sample, msToNanos } from '../src/sample.js';

const test = suite('correctedSeries');
const T = 1_764_064_800_000;
const at = (stampMs: number, series = 'a'): Sample => ({ name: 'm', kind: 'gauge', value: 0, timeUnixNano: msToNanos(stampMs), attributes: { series } });

test('samples stamped apart, re-stamped into one millisecond: each in the next one, in order', () => {
  const c = createCorrectedSeries();
  assert.equal([0, 1_000, 2_000, 3_000].map((i) => c.place(at(T + 3_600_000 + i), T + 10.4, T + 5_000)), [T + 10.4, T + 11, T + 12, T + 13]);
});

test('a re-stamped time already after the last one is kept as it is', () => {
  const c = createCorrectedSeries();
  assert.is(c.place(at(T + 1), T + 5, T + 5_000), T + 5);
  assert.is(c.place(at(T + 2), T + 250.5, T + 5_000), T + 250.5);
  assert.is(c.place(at(T + 3), T + 250.9, T + 5_000), T + 251, 'in the millisecond of the one before: the next');
});

test('series are apart: another series in the same millisecond keeps it', () => {
  const c = createCorrectedSeries();
  assert.is(c.place(at(T + 1, 'a'), T + 10, T + 5_000), T + 10);
  assert.is(c.place(at(T + 1, 'b'), T + 10, T + 5_000), T + 10);
  assert.is(c.place(at(T + 2, 'a'), T + 10, T + 5_000), T + 11);
});

test("a sample stamped before the series' latest (the source's disorder) keeps its time, and is no reference", () => {
  const c = createCorrectedSeries();
  assert.is(c.place(at(T + 2_000), T + 10, T + 5_000), T + 10);
  assert.is(c.place(at(T + 1_000), T + 9, T + 5_000), T + 9, 'older stamp: as re-stamped, for reorderByEventTime to sort');
  assert.is(c.place(at(T + 3_000), T + 10, T + 5_000), T + 11, 'the reference is still the newest stamp');
});

test("a sample stamped the same as the series' latest (a repeat) goes out at that one's time, however late it comes", () => {
  const c = createCorrectedSeries();
  assert.is(c.place(at(T + 1_000), T + 10.4, T + 5_000), T + 10.4);
  assert.is(c.place(at(T + 2_000), T + 10.6, T + 5_000), T + 11);
  assert.is(c.place(at(T + 2_000), T + 10.7, T + 5_000), T + 11, 'not its own re-stamped time, before the first of its stamp');
  assert.is(c.place(at(T + 2_000), T + 900, T + 5_000), T + 11, 'a resend much later: still an exact repeat');
  assert.is(c.place(at(T + 3_000), T + 11, T + 5_000), T + 12, 'the next stamp goes after it');
});

test('not pushed past `untilMs`: the sample shares the last one\'s millisecond (as before), never goes before it', () => {
  const c = createCorrectedSeries();
  assert.is(c.place(at(T + 1), T + 10, T + 10), T + 10);
  assert.is(c.place(at(T + 2), T + 10, T + 10), T + 10, 'the next millisecond is past the limit');
  assert.is(c.place(at(T + 3), T + 10, T + 11), T + 11);
  assert.is(c.place(at(T + 4), T + 9.5, T + 11), T + 11, 'held at the limit: with the last one, not before it');
  assert.is(c.place(at(T + 5), T + 10, T + 12), T + 12, 'then on from there');
});

test.run();
