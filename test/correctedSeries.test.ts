/**
 * src/correctedSeries.ts: where detectClockSkew puts the samples it re-stamps, per series — a
 * millisecond after the series' latest re-stamped sample when re-stamped into its millisecond or
 * before it, for a sample stamped after that one; the source's own disorder left as it was.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { right } from 'fp-ts/lib/Either.js';
import { mergeMap, timer } from 'rxjs';
import { type SkewOptions, detectClockSkew } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import { createCorrectedSeries } from '../src/correctedSeries.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { testScheduler, sample } from './support/marbles.js';
import { HOUR, WALL0, rights } from './support/skewRuns.js';

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

// Through detectClockSkew: a backlog stamped an hour ahead, read at once (moved here from its marble spec, which had passed 300 lines).
const futureBurst = (opts: SkewOptions, stampsMs = Array.from({ length: 20 }, (_, i) => i * 1_000)): Sample[] => {
  const scheduler = testScheduler();
  const seen: Routed<Sample>[] = [];
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    const burst = stampsMs.map((t, i) => right(sample(WALL0 + HOUR + t, 'temp', { host: 'ahead' }, i)));
    timer(10).pipe(mergeMap(() => burst)).pipe(detectClockSkew({ ...opts, clock, stampedLocally: false })).subscribe((x) => seen.push(x));
  });
  return rights(seen);
};

test("a backlog of one series an hour ahead, read at once: 'correct' re-stamps it onto trusted time, each sample in a millisecond of its own", () => {
  // All onto the one trusted time they arrived at, they were 20 samples of a series in 3 ms: the
  // Collector took them all, and Prometheus kept one a millisecond — 17 lost without a word
  // (chronoq had counted them delivered). Now each goes 1 ms after the one before, in order.
  for (const opts of [{}, { sourceAttribute: 'host' }] as SkewOptions[]) {
    const out = futureBurst(opts);
    assert.is(out.length, 20);
    assert.equal(out.map((x) => x.value), Array.from({ length: 20 }, (_, i) => i), 'in place');
    const ms = out.map((x) => Number(x.timeUnixNano / 1_000_000n));
    for (let i = 1; i < ms.length; i++) assert.ok(ms[i]! > ms[i - 1]!, `${JSON.stringify(opts)}: sample ${i} at ${ms[i]! - WALL0} ms, the one before at ${ms[i - 1]! - WALL0}`);
    assert.ok(ms[19]! - WALL0 < 10 + 40, `near trusted time: ${ms.map((x) => x - WALL0).join(',')}`);
    assert.ok(out.every((x, i) => x.correctedFromUnixNano === msToNanos(WALL0 + HOUR + i * 1_000)), 'each keeps its stamp');
  }
});

test("a backlog an hour ahead holding a repeat (one stamp twice): the repeat goes out at the time its first went out at, not before it", () => {
  // The repeat kept the trusted time it arrived at, 2 ms before the first of its stamp had been
  // pushed to: its series went back there (reorderByEventTime then swapped the two, or made the
  // repeat a dead letter `late`), and an exact repeat no longer looked like one to a backend.
  for (const opts of [{}, { sourceAttribute: 'host' }] as SkewOptions[]) {
    const out = futureBurst(opts, [0, 1_000, 2_000, 2_000, 3_000]);
    const ms = out.map((x) => Number(x.timeUnixNano / 1_000_000n) - WALL0);
    assert.equal(out.map((x) => x.value), [0, 1, 2, 3, 4], 'in place');
    assert.is(out[3]!.timeUnixNano, out[2]!.timeUnixNano, `${JSON.stringify(opts)}: the repeat at ${ms[3]} ms, its first at ${ms[2]}`);
    assert.ok(ms[1]! > ms[0]! && ms[2]! > ms[1]! && ms[4]! > ms[3]!, `each other stamp in a millisecond of its own: ${ms.join(',')}`);
    assert.is(out[3]!.correctedFromUnixNano, out[2]!.correctedFromUnixNano);
  }
});

test.run();
