/**
 * detectClockSkew's per-source offsets (`sourceAttribute`) in virtual time: which source is
 * reported, whose samples are corrected, and what is left as it was.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { right } from 'fp-ts/lib/Either.js';
import { interval, map, merge, mergeMap, take, timer } from 'rxjs';
import { type SkewOptions, detectClockSkew } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { testScheduler, sample } from './support/marbles.js';
import { HOUR, WALL0, nonDecreasing, oneHertz, rights, type Run } from './support/skewRuns.js';

const test = suite('detectClockSkew: per-source offsets');

/**
 * `count` samples every `periodMs`, the i-th made by `sampleAt(i, wall clock now)`, through
 * detectClockSkew watching sources by `host` (not stamped locally), with `opts` besides.
 */
const everyPeriod = (periodMs: number, count: number, sampleAt: (i: number, nowMs: number) => Sample, opts: Partial<SkewOptions> = {}): Run => {
  const s = testScheduler();
  const run: Run = { out: [], events: [] };
  s.run(() => {
    const clock = schedulerClock(s, WALL0);
    interval(periodMs).pipe(
      take(count),
      map((i): Routed<Sample> => right(sampleAt(i, clock.now()))),
      detectClockSkew({ clock, sourceAttribute: 'host', stampedLocally: false, ...opts, onSkew: (e) => run.events.push(e) }),
    ).subscribe((r) => run.out.push(r));
  });
  return run;
};

/** Two sources alternating every 500 ms, 'bad' 30 s ahead, both 20 ms in flight; `place` puts the source's name on a sample. */
const twoSources = (place: (host: string) => Partial<Sample>): Run =>
  everyPeriod(500, 40, (i, nowMs) => {
    const host = i % 2 === 0 ? 'good' : 'bad';
    return { ...sample(0, 'cpu'), ...place(host), timeUnixNano: msToNanos(nowMs + (host === 'bad' ? 30_000 : 0) - 20) };
  });

test('two sources, one 30 s off: only that one is reported, once, and its samples are corrected', () => {
  const run = twoSources((host) => ({ attributes: { host } }));
  // The reference is the median of {this clock, good, bad} = this clock, so the estimate keeps
  // the 20 ms transit: 30 000 − 20.
  assert.equal(run.events, [{ kind: 'source-offset', source: 'bad', offsetMs: 29_980 }]);
  const bad = rights(run.out).filter((x) => x.attributes['host'] === 'bad');
  const good = rights(run.out).filter((x) => x.attributes['host'] === 'good');
  assert.ok(good.every((x) => x.correctedFromUnixNano === undefined));
  assert.ok(bad.every((x) => x.correctedFromUnixNano !== undefined));
  // Corrected onto the reference: 'bad' samples land between their 'good' neighbours.
  assert.ok(nonDecreasing(rights(run.out)));
});

test('the source attribute may be a resource attribute (OTLP requests carry host.name and service.instance.id there): the same verdict', () => {
  const run = twoSources((host) => ({ resource: { 'service.name': 'app', host } }));
  assert.equal(run.events, [{ kind: 'source-offset', source: 'bad', offsetMs: 29_980 }]);
  assert.ok(rights(run.out).filter((x) => x.resource?.['host'] === 'bad').every((x) => x.correctedFromUnixNano !== undefined));
  assert.ok(nonDecreasing(rights(run.out)));
});

test('a source 30 s behind: corrected once its estimate has held for 10 s (before, old data looked the same); a backlog flushed at once among live sources keeps its times', () => {
  const s = testScheduler();
  const run: Run = { out: [], events: [] };
  s.run(() => {
    const clock = schedulerClock(s, WALL0);
    const live = interval(500).pipe(
      take(60),
      map((i): Routed<Sample> => {
        const host = i % 2 === 0 ? 'good' : 'slow';
        const t = clock.now() - (host === 'slow' ? 30_000 : 0) - 20;
        return right({ ...sample(0, 'cpu', { host }), timeUnixNano: msToNanos(t), value: i });
      }),
    );
    // 20 s in, a shipper sends the 300 samples it kept through an outage, all at once.
    const flushed = timer(20_000).pipe(mergeMap(() => Array.from({ length: 300 }, (_, i): Routed<Sample> => right({ ...sample(0, 'cpu', { host: 'shipper' }), timeUnixNano: msToNanos(clock.now() - 300_000 + i * 1_000), value: i }))));
    merge(live, flushed).pipe(detectClockSkew({ clock, sourceAttribute: 'host', stampedLocally: false, onSkew: (e) => run.events.push(e) })).subscribe((r) => run.out.push(r));
  });
  assert.equal(run.events, [{ kind: 'source-offset', source: 'slow', offsetMs: -30_000 }]);
  const slow = rights(run.out).filter((x) => x.attributes['host'] === 'slow');
  const firstCorrected = slow.findIndex((x) => x.correctedFromUnixNano !== undefined);
  assert.is(Number(slow[firstCorrected]!.correctedFromUnixNano! / 1_000_000n) - WALL0, 11_000 - 30_020, 'from the sample that arrived 10 s after its first');
  assert.ok(slow.slice(firstCorrected).every((x) => x.correctedFromUnixNano !== undefined));
  assert.ok(nonDecreasing(slow));
  const shipper = rights(run.out).filter((x) => x.attributes['host'] === 'shipper');
  assert.is(shipper.length, 300);
  assert.ok(shipper.every((x, i) => x.correctedFromUnixNano === undefined && x.timeUnixNano === msToNanos(WALL0 + 20_000 - 300_000 + i * 1_000)), 'the backlog keeps its times');
});

test('a source 45 min behind the others (more than half of maxPastMs): corrected too — before, the check that a corrected sample is not stale counted its offset twice, and only reported it', () => {
  const run = everyPeriod(500, 80, (i, nowMs) => {
    const host = i % 2 === 0 ? 'good' : 'slow';
    return { ...sample(0, 'cpu', { host }), timeUnixNano: msToNanos(nowMs - (host === 'slow' ? 45 * 60_000 : 0) - 20), value: i };
  });
  assert.equal(run.events, [{ kind: 'source-offset', source: 'slow', offsetMs: -45 * 60_000 }]);
  const slow = rights(run.out).filter((x) => x.attributes['host'] === 'slow');
  const firstCorrected = slow.findIndex((x) => x.correctedFromUnixNano !== undefined);
  assert.ok(firstCorrected > 0, 'corrected once judged');
  assert.ok(slow.slice(firstCorrected).every((x) => x.correctedFromUnixNano !== undefined && Math.abs(Number(x.timeUnixNano - x.correctedFromUnixNano) / 1e6 - 45 * 60_000) < 1_000), 'moved by its 45 min');
});

test('a source 2 h behind the others, more than maxPastMs as stamped: corrected once judged, since its corrected time is not stale — not left to be reported stale', () => {
  const run = everyPeriod(500, 80, (i, nowMs) => {
    const host = i % 2 === 0 ? 'good' : 'slow';
    return { ...sample(0, 'cpu', { host }), timeUnixNano: msToNanos(nowMs - (host === 'slow' ? 2 * HOUR : 0) - 20), value: i };
  });
  const slow = rights(run.out).filter((x) => x.attributes['host'] === 'slow');
  const firstCorrected = slow.findIndex((x) => x.correctedFromUnixNano !== undefined);
  assert.ok(firstCorrected > 0, 'corrected once judged');
  assert.ok(slow.slice(firstCorrected).every((x) => x.correctedFromUnixNano !== undefined && Math.abs(Number(x.timeUnixNano - x.correctedFromUnixNano) / 1e6 - 2 * HOUR) < 1_000), 'moved by its 2 h');
  assert.is(run.events.filter((e) => e.kind === 'stale').length, firstCorrected, 'stale only until then');
});

/** One source, 'app', every second for 100 s, its clock set back half an hour at 20 s (20 ms in flight). */
const loneSetBack = (policy: 'correct' | 'dead-letter', more: Partial<SkewOptions> = {}): Run =>
  everyPeriod(1_000, 100, (i, nowMs) => ({ ...sample(0, 'cpu', { host: 'app' }), timeUnixNano: msToNanos(nowMs - (i >= 20 ? HOUR / 2 : 0) - 20), value: i }), { policy, ...more });

test('a lone source, live and in step, then its clock set back half an hour: reported, and its samples corrected once that has held for 10 s (before, every one of them was half an hour old: dead letters late for the half hour)', () => {
  const run = loneSetBack('correct');
  assert.equal(run.events, [{ kind: 'source-offset', source: 'app', offsetMs: -HOUR / 2 - 20, alone: true }]);
  const out = rights(run.out);
  const firstCorrected = out.findIndex((x) => x.correctedFromUnixNano !== undefined);
  // Once its window (sourceWindow, 32 samples) is past the step, and that has held for 10 s.
  assert.is(firstCorrected, 20 + 31 + 10);
  assert.ok(out.slice(firstCorrected).every((x) => x.correctedFromUnixNano !== undefined));
  assert.ok(nonDecreasing([...out.slice(0, 20), ...out.slice(firstCorrected)]), 'the corrected go on after the in-step ones');
  assert.ok(out.slice(20, firstCorrected).every((x) => x.correctedFromUnixNano === undefined), 'until then they pass as they are (reorderByEventTime makes them late)');
  // A window of 8 samples is past the step sooner.
  assert.is(rights(loneSetBack('correct', { sourceWindow: 8 }).out).findIndex((x) => x.correctedFromUnixNano !== undefined), 20 + 7 + 10);
  const letters = loneSetBack('dead-letter').out.flatMap((r) => (r._tag === 'Left' ? [r.left] : []));
  assert.is(letters.length, 100 - 61);
  assert.equal([...new Set(letters.map((l) => `${l.reason}: ${l.detail}`))], ["skew: source app clock is -1800020 ms off this machine's clock"], 'under dead-letter, its samples from then on, saying what they are off');
});

test("locally stamped, the local clock stepped back 1 h: a source is judged on its samples' corrected times — a lone one is not taken for an hour off", () => {
  const r = oneHertz(testScheduler(), 60, { sourceAttribute: 'host' }, (clock) => timer(5_500).subscribe(() => clock.step(-HOUR)), () => ({ host: 'app' }));
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(nonDecreasing(rights(r.out)));
});

test.run();
