/**
 * A wall clock set back while chronoq was stopped — a machine without a battery-backed clock
 * booted after a power cut with the time it saved at its last shutdown, a virtual machine
 * restored from a snapshot. The spool keeps the newest sample time it was ever given
 * (Spool.newestUnixNano, kept after its rows are settled), and a pipeline's detectClockSkew starts
 * trusted time no earlier (notBeforeUnixNano): the clock behind it is a step, reported and
 * corrected like one made while running. Before, a restart took the clock's time at once: with
 * the clock an hour back, 30 series went back an hour at the receiver, after the backlog the
 * spool delivered first (`chronoq run` with the host source, measured); with nothing left in the
 * spool, every sample of the next hour was older than what the receiver held.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isLeft, isRight, right } from 'fp-ts/lib/Either.js';
import { interval, map, of, take } from 'rxjs';
import { detectClockSkew, type SkewEvent, type SkewOptions } from '../operators/detectClockSkew.js';
import { schedulerClock, systemClock } from '../src/clock.js';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig } from '../src/config/resolve.js';
import { openConfiguredSpool } from '../src/spool/openConfigured.js';
import { clockBehindSpool } from '../src/cli/openSpool.js';
import { createTrustedTime } from '../src/trustedTime.js';
import { isInvalidOptionError } from '../src/errors.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { testScheduler, sample } from './support/marbles.js';
import { rights } from './support/skewRuns.js';
import { tempDir } from './support/cli.js';
import { mk, open } from './support/spool.js';

const test = suite('a wall clock set back while stopped');
const WALL0 = Date.UTC(2026, 11, 5, 10, 0, 0);
const HOUR = 3_600_000;

/** A 1 Hz source stamped by a test clock reading WALL0 at start, through detectClockSkew(opts), for `seconds`. */
const oneHertz = (seconds: number, opts: SkewOptions): { out: Routed<Sample>[]; events: SkewEvent[] } => {
  const run = { out: [] as Routed<Sample>[], events: [] as SkewEvent[] };
  const scheduler = testScheduler();
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    interval(1000)
      .pipe(
        take(seconds),
        map((i): Routed<Sample> => right({ ...sample(0, 'cpu'), timeUnixNano: msToNanos(clock.now()), value: i })),
        detectClockSkew({ ...opts, clock, onSkew: (e) => run.events.push(e) }),
      )
      .subscribe((r) => run.out.push(r));
  });
  return run;
};
const msOf = (s: Sample): number => Number(s.timeUnixNano / 1_000_000n);

test('trusted time: a wall clock an hour behind notBeforeMs at start is a step back, reported by the first reading; trusted time starts there and slews', () => {
  let wall = WALL0;
  let mono = 0;
  const t = createTrustedTime({ now: () => wall, monotonic: () => mono }, { stepThresholdMs: 1_000, maxSlewPpm: 50_000, notBeforeMs: WALL0 + HOUR });
  const first = t.read();
  assert.is(first.stepDeltaMs, -HOUR);
  assert.is(first.trustedMs, WALL0 + HOUR);
  assert.ok(first.stepping);
  wall += 10_000;
  mono += 10_000;
  const later = t.read();
  assert.is(later.stepDeltaMs, undefined, 'reported once');
  assert.is(later.trustedMs, WALL0 + HOUR + 9_500, 'slewing towards the wall clock at 5 %');
  for (const notBeforeMs of [WALL0 - HOUR, Number.NaN]) {
    const r = createTrustedTime({ now: () => WALL0, monotonic: () => 0 }, { stepThresholdMs: 1_000, maxSlewPpm: 50_000, notBeforeMs }).read();
    assert.equal([r.trustedMs, r.stepDeltaMs, r.stepping], [WALL0, undefined, false], `notBeforeMs ${notBeforeMs - WALL0} ms from the wall clock: no step`);
  }
  // Behind by less than the threshold: no step reported, but trusted time starts there all the same.
  const r = createTrustedTime({ now: () => WALL0, monotonic: () => 0 }, { stepThresholdMs: 1_000, maxSlewPpm: 50_000, notBeforeMs: WALL0 + 900 }).read();
  assert.equal([r.trustedMs, r.stepDeltaMs, r.stepping], [WALL0 + 900, undefined, true]);
});

test('trusted time: raiseTo moves it forward to a floor, never back', () => {
  const t = createTrustedTime({ now: () => WALL0, monotonic: () => 0 }, { stepThresholdMs: 1_000, maxSlewPpm: 50_000 });
  assert.is(t.read().trustedMs, WALL0);
  t.raiseTo(WALL0 - HOUR);
  assert.is(t.read().trustedMs, WALL0, 'a floor behind it: unchanged');
  t.raiseTo(WALL0 + 500);
  assert.is(t.read().trustedMs, WALL0 + 500, 'a floor ahead: raised to it');
});

test('detectClockSkew with notBeforeUnixNano an hour ahead of the local clock: one step, every sample after it and in order, none dead-lettered', () => {
  const floor = msToNanos(WALL0 + HOUR);
  const r = oneHertz(10, { notBeforeUnixNano: floor });
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(Math.abs((r.events[0] as { deltaMs: number }).deltaMs + HOUR) < 1_001, `deltaMs ${(r.events[0] as { deltaMs: number }).deltaMs}`);
  const out = rights(r.out);
  assert.is(out.length, 10);
  assert.ok(out.every((s) => s.timeUnixNano > floor && s.correctedFromUnixNano !== undefined), 'after the newest sample of the run before, each remembering its stamp');
  assert.ok(out.every((s, i) => i === 0 || s.timeUnixNano > out[i - 1]!.timeUnixNano));
  assert.ok(msOf(out[9]!) - msOf(out[0]!) >= 9 * 950, 'spaced as trusted time slews');
});

test('a sample stamped just before trusted time began at notBeforeUnixNano (a collection made as the pipeline started) lands in a later millisecond, not in its own', () => {
  // Prometheus keeps milliseconds: a series' sample in the same one as its newest, with another
  // value, is refused as a duplicate (a ns after it was: test/e2e/clockBackPrometheus.e2e.ts).
  for (const floor of [msToNanos(WALL0 + HOUR) + 999_999n, msToNanos(WALL0 + HOUR), msToNanos(WALL0 + HOUR) + 123n]) {
    const out: Routed<Sample>[] = [];
    const scheduler = testScheduler();
    scheduler.run(() => {
      const clock = schedulerClock(scheduler, WALL0);
      of(right(sample(WALL0 - 20, 'cpu')), right(sample(WALL0 - 20, 'mem')))
        .pipe(detectClockSkew({ notBeforeUnixNano: floor, clock }))
        .subscribe((r) => out.push(r));
    });
    const nextMs = (floor / 1_000_000n + 1n) * 1_000_000n;
    const times = rights(out).map((s) => s.timeUnixNano);
    assert.is(times.length, 2);
    assert.ok(times.every((t) => t >= nextMs && t < nextMs + 1_000_000n), `${times.map((t) => t - floor).join(', ')} ns after ${floor}`);
  }
});

test('notBeforeUnixNano behind the clock, or not stamped locally: nothing changes; under dead-letter the samples a start step made wrong are Lefts skew', () => {
  for (const opts of [{ notBeforeUnixNano: msToNanos(WALL0 - 60_000) }, { notBeforeUnixNano: msToNanos(WALL0 + HOUR), stampedLocally: false, maxPastMs: 2 * HOUR }]) {
    const r = oneHertz(5, opts);
    assert.equal(r.events, []);
    assert.ok(rights(r.out).every((s) => s.correctedFromUnixNano === undefined));
  }
  // Not stamped locally, trusted time is the clock's, whatever notBeforeUnixNano says: a sample 10 min ahead of the clock is in the future.
  const events: SkewEvent[] = [];
  const clock = schedulerClock(testScheduler(), WALL0);
  of(right({ ...sample(0), timeUnixNano: msToNanos(WALL0 + 600_000) })).pipe(detectClockSkew({ clock, stampedLocally: false, notBeforeUnixNano: msToNanos(WALL0 + HOUR), onSkew: (e) => events.push(e) })).subscribe();
  assert.equal(events.map((e) => [e.kind, 'aheadMs' in e ? e.aheadMs : undefined]), [['future', 600_000]]);
  const d = oneHertz(3, { notBeforeUnixNano: msToNanos(WALL0 + HOUR), policy: 'dead-letter' });
  assert.is(d.out.filter(isLeft).length, 3);
  assert.ok(d.out.every((x) => isLeft(x) && x.left.reason === 'skew'));
});

test('notBeforeUnixNano must be a bigint', () => {
  assert.throws(() => detectClockSkew({ notBeforeUnixNano: WALL0 as never }), (e: unknown) => isInvalidOptionError(e) && /notBeforeUnixNano must be a bigint, found 17/.test((e as Error).message));
});

test("run's line for a spool whose newest sample is ahead of the clock: past skew.stepThresholdMs only, for locally stamped samples only", () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path);
  assert.is(clockBehindSpool(spool, path, 0, 1_000, true), undefined, 'a new spool: nothing to be behind');
  spool.append([mk(9)]);
  const newestMs = Number(mk(9).timeUnixNano / 1_000_000n);
  assert.match(clockBehindSpool(spool, path, newestMs - 90_000, 1_000, true) ?? '', /its newest sample \(2025-11-25T10:00:00\.000Z\) is 90\.0 s ahead of this machine's clock: the clock was set back while chronoq was stopped/);
  assert.equal([
    clockBehindSpool(spool, path, newestMs - 900, 1_000, true), // within the threshold: no step
    clockBehindSpool(spool, path, newestMs - 90_000, 1_000, false), // not stamped here: no step of this clock to judge
  ], [undefined, undefined]);
  spool.close();
});

test('the spool keeps the newest sample time it was given, across a crash and after every row is settled', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path);
  assert.is(spool.newestUnixNano, undefined, 'a new spool');
  const first = [5, 2, 9, 4].map((i) => mk(i));
  spool.append(first);
  assert.is(spool.newestUnixNano, mk(9).timeUnixNano, 'the newest, not the last');
  spool.append([mk(7)]);
  assert.is(spool.newestUnixNano, mk(9).timeUnixNano, 'an older burst does not lower it');
  spool.abandon();
  const { spool: again } = open(path);
  assert.is(again.newestUnixNano, mk(9).timeUnixNano, 'after a crash');
  again.settle(again.recover());
  again.close();
  const { spool: emptied, report } = open(path);
  assert.is(report.pending, 0);
  assert.is(emptied.newestUnixNano, mk(9).timeUnixNano, 'with nothing left in it');
  emptied.append([mk(12)]);
  emptied.abandon();
  // A spool from a chronoq that did not keep it: none (its chunks may hold samples in the future, under skew.policy pass).
  const db = new Database(path);
  db.exec("DELETE FROM meta WHERE key = 'newest_ns'");
  db.close();
  const { spool: older } = open(path);
  assert.is(older.newestUnixNano, undefined);
  older.close();
});

test('under skew.policy pass (future samples go through) appends do not raise it: a sample a year ahead would have started the next run a year ahead', () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  const { spool } = open(path);
  spool.append([mk(3)]);
  spool.close();
  const r = decodeConfig(`sources: [{type: host}]\nskew: {policy: pass}\nspool: {path: ${path}}\n`, {});
  if (!isRight(r)) throw new Error(JSON.stringify(r.left));
  const opened = openConfiguredSpool(resolveConfig(r.right), systemClock, () => undefined);
  if (!isRight(opened) || opened.right === undefined) throw new Error('not opened');
  const passing = opened.right.spool;
  passing.append([{ ...mk(4), timeUnixNano: mk(4).timeUnixNano + 365n * 86_400_000_000_000n }]);
  assert.is(passing.newestUnixNano, mk(3).timeUnixNano, 'what the earlier run kept');
  passing.close();
  const { spool: next } = open(path);
  assert.is(next.newestUnixNano, mk(3).timeUnixNano, 'not the sample a year ahead');
  next.close();
});

test.run();
