import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { interval, map, take, timer } from 'rxjs';
import { detectClockSkew, type SkewEvent, type SkewOptions } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import { deadLetter, type Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { testScheduler, sample, viewAll } from '../test/support/marbles.js';
import { HOUR, WALL0, everyMs, nonDecreasing, oneHertz, rights } from '../test/support/skewRuns.js';

const test = suite('detectClockSkew');

test('wall clock stepped back 1 h under a 1 Hz source: one step event, nothing dead-lettered, output non-decreasing', () => {
  const s = testScheduler();
  const r = oneHertz(s, 20, {}, (clock) => timer(5500).subscribe(() => clock.step(-HOUR)));
  const steps = r.events.filter((e) => e.kind === 'step');
  assert.is(steps.length, 1);
  assert.ok(Math.abs((steps[0] as { deltaMs: number }).deltaMs + HOUR) < 1, 'deltaMs ≈ −3 600 000');
  assert.is(r.events.length, 1, 'no future or stale events');
  assert.is(r.out.filter(isLeft).length, 0);
  const out = rights(r.out);
  assert.is(out.length, 20);
  assert.ok(nonDecreasing(out));
  // Samples before the step are untouched; every one after it is re-stamped and remembers its stamp.
  assert.ok(out.slice(0, 5).every((x) => x.correctedFromUnixNano === undefined));
  assert.ok(out.slice(5).every((x) => x.correctedFromUnixNano !== undefined && x.correctedFromUnixNano < x.timeUnixNano));
  // Trusted time slews at ≤ 5 %: consecutive corrected samples are 950..1000 ms apart.
  for (let i = 6; i < 20; i++) {
    const gapMs = Number(out[i]!.timeUnixNano - out[i - 1]!.timeUnixNano) / 1e6;
    assert.ok(gapMs >= 949.9 && gapMs <= 1000.1, `gap ${gapMs}`);
  }
});

test('wall clock stepped forward 1 h: one step, no future events, output continuous', () => {
  const r = oneHertz(testScheduler(), 12, {}, (clock) => timer(3500).subscribe(() => clock.step(HOUR)));
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(Math.abs((r.events[0] as { deltaMs: number }).deltaMs - HOUR) < 1);
  const out = rights(r.out);
  assert.is(out.length, 12);
  assert.ok(nonDecreasing(out));
  const lastMs = Number(out[11]!.timeUnixNano / 1_000_000n);
  assert.ok(lastMs - WALL0 < 12_000 * 1.05 + 1, `no jump forward: ${lastMs - WALL0}`);
});

test("forwardSteps 'follow': a step forward is taken at once — samples after it keep their stamps — while a step back still slews", () => {
  // A virtual machine resumed after a pause (its monotonic clock stood still), a clock set right
  // late: slewed to, samples were stamped behind the wall clock by all of it for 20 times as long.
  const r = oneHertz(testScheduler(), 12, { forwardSteps: 'follow' }, (clock) => timer(3500).subscribe(() => clock.step(HOUR)));
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(Math.abs((r.events[0] as { deltaMs: number }).deltaMs - HOUR) < 1);
  const out = rights(r.out);
  assert.ok(nonDecreasing(out));
  assert.ok(out.every((x) => x.correctedFromUnixNano === undefined), 'every sample keeps its stamp');
  assert.is(Number(out[4]!.timeUnixNano / 1_000_000n), WALL0 + 5_000 + HOUR, 'after the step: the new wall time');
  // Back 1 h, then forward 10 min while trusted time is still ahead: trusted time never goes back.
  const back = oneHertz(testScheduler(), 12, { forwardSteps: 'follow' }, (clock) => {
    timer(3500).subscribe(() => clock.step(-HOUR));
    timer(6500).subscribe(() => clock.step(600_000));
  });
  assert.equal(back.events.map((e) => e.kind), ['step', 'step']);
  const backOut = rights(back.out);
  assert.is(backOut.length, 12);
  assert.ok(nonDecreasing(backOut));
  assert.ok(backOut.slice(4).every((x) => x.correctedFromUnixNano !== undefined), 'the wall clock is still behind trusted time: re-stamped');
});

test("forwardSteps 'follow' after a drift under the threshold not yet slewed in: the step takes trusted time to the wall clock, and the samples after it keep their stamps (they were re-stamped by the drift)", () => {
  // +800 ms (no step: under stepThresholdMs, slewed in at 5 %, over 16 s), then +1 h a second later.
  const r = oneHertz(testScheduler(), 8, { forwardSteps: 'follow' }, (clock) => {
    timer(2500).subscribe(() => clock.step(800));
    timer(3500).subscribe(() => clock.step(HOUR));
  });
  assert.equal(r.events.map((e) => e.kind), ['step']);
  const out = rights(r.out);
  assert.ok(nonDecreasing(out));
  assert.equal(out.map((x) => x.correctedFromUnixNano), out.map(() => undefined), 'every sample keeps its stamp');
  assert.is(Number(out[4]!.timeUnixNano / 1_000_000n), WALL0 + 5_000 + 800 + HOUR);
});

test('a jump forward under the threshold, then a step back before it is slewed in: the samples after the step come after those stamped ahead, each in a millisecond of its own', () => {
  // +800 ms (no step: samples go out as stamped, ahead of trusted time), then back 1 h a second
  // later, a sample every 250 ms. The samples re-stamped onto trusted time landed before those
  // stamped ahead and were raised to the last one's time: four samples of the series at one time,
  // which Prometheus refuses (test/e2e/clockStepPrometheus.e2e.ts: 28 and 47 of 772 refused in two runs).
  const r = everyMs(testScheduler(), 250, 40, {}, (clock) => {
    timer(3_100).subscribe(() => clock.step(800));
    timer(4_100).subscribe(() => clock.step(-HOUR));
  });
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.is(r.out.filter(isLeft).length, 0);
  const ms = rights(r.out).map((x) => Number(x.timeUnixNano / 1_000_000n));
  assert.is(ms.length, 40);
  for (let i = 1; i < ms.length; i++) assert.ok(ms[i]! > ms[i - 1]!, `sample ${i} at ${ms[i]! - WALL0} ms, the one before at ${ms[i - 1]! - WALL0}`);
  // Re-stamped 250 ms apart as stamped (at trusted time's pace: ≥ 95 %), not bunched.
  for (let i = 18; i < ms.length; i++) assert.ok(ms[i]! - ms[i - 1]! >= 237, `gap ${ms[i]! - ms[i - 1]!} at ${i}`);
});

test('stepThresholdMs is where a step starts: a jump of 1 200 ms either way is one (default 1 000), one of 1 000 ms is not, nor is 1 200 under stepThresholdMs 1 500', () => {
  const stepsOf = (deltaMs: number, opts: Partial<SkewOptions> = {}) =>
    oneHertz(testScheduler(), 8, opts, (clock) => timer(3500).subscribe(() => clock.step(deltaMs))).events.map((e) => (e.kind === 'step' ? Math.round(e.deltaMs) : e.kind));
  for (const deltaMs of [1_200, -1_200]) assert.equal(stepsOf(deltaMs), [deltaMs], `${deltaMs} ms`);
  for (const deltaMs of [1_000, -1_000]) assert.equal(stepsOf(deltaMs), [], `${deltaMs} ms: not larger than the threshold`);
  for (const deltaMs of [1_200, -1_200]) assert.equal(stepsOf(deltaMs, { stepThresholdMs: 1_500 }), [], `${deltaMs} ms under stepThresholdMs 1 500`);
});

test('a step back under the threshold (ntpd steps from 128 ms) faster than the samples come: no step reported, but the series does not go back', () => {
  // Back 500 ms, a sample every 250 ms: the next stamps were before the ones already out (into
  // Prometheus with reorder.maxDelayMs 0, 30 of 562 samples were dead letters `late`, one a series:
  // test/e2e/clockStepPrometheus.e2e.ts). The wall clock went back since the last look: the samples
  // it stamps are re-stamped onto trusted time until it has caught up, as after a step (10 s at 5 %).
  const r = everyMs(testScheduler(), 250, 80, {}, (clock) => timer(3_100).subscribe(() => clock.step(-500)));
  assert.equal(r.events, [], 'no step: under stepThresholdMs');
  const out = rights(r.out);
  assert.is(out.length, 80);
  const ms = out.map((x) => Number(x.timeUnixNano / 1_000_000n));
  for (let i = 1; i < ms.length; i++) assert.ok(ms[i]! > ms[i - 1]!, `sample ${i} at ${ms[i]! - WALL0} ms, the one before at ${ms[i - 1]! - WALL0}`);
  assert.ok(out[12]!.correctedFromUnixNano !== undefined, 'the first sample after it is re-stamped');
  assert.ok(out.slice(-5).every((x) => x.correctedFromUnixNano === undefined), 'once trusted time has caught up, stamps are kept');
});

test("a step back under the threshold under 'dead-letter': no step reported, so no sample is a dead letter (as before); 'correct' alone re-stamps them", () => {
  const r = everyMs(testScheduler(), 250, 80, { policy: 'dead-letter' }, (clock) => timer(3_100).subscribe(() => clock.step(-500)));
  assert.equal(r.events, []);
  assert.is(r.out.filter(isLeft).length, 0, 'no dead letter `skew`: the step was not one');
  assert.ok(rights(r.out).every((x) => x.correctedFromUnixNano === undefined), 'every stamp kept');
  // A step that is one, after it: its samples are dead letters as before.
  const big = everyMs(testScheduler(), 250, 40, { policy: 'dead-letter' }, (clock) => {
    timer(3_100).subscribe(() => clock.step(-500));
    timer(4_100).subscribe(() => clock.step(-HOUR));
  });
  assert.equal(big.events.map((e) => e.kind), ['step']);
  assert.ok(big.out.slice(16).every(isLeft), 'after the hour\'s step: dead letters `skew`');
  assert.ok(big.out.slice(0, 16).every((x) => !isLeft(x)), 'before it, the small step changed nothing');
  // The step and the letters are timed by trusted time, not by the wall clock an hour back.
  const stepAt = (big.events[0] as { atUnixMs: number }).atUnixMs;
  const first = big.out[16]!;
  assert.ok(Math.abs(stepAt - (WALL0 + 4_250)) < 1_000, `step at ${stepAt - WALL0} ms`);
  assert.is(isLeft(first) ? first.left.atUnixMs : undefined, stepAt);
});

test('the wall clock slewed faster than maxSlewPpm (chrony slews at up to 8.3 %) by more than the threshold: no step, every stamp kept, the series in order', () => {
  // +3 s over 30 s, a step of 100 ms a second: each under the threshold, together past it from trusted time.
  const r = oneHertz(testScheduler(), 40, {}, (clock) => interval(1000).pipe(take(30)).subscribe(() => clock.step(100)));
  assert.equal(r.events, []);
  const out = rights(r.out);
  assert.is(out.length, 40);
  assert.ok(nonDecreasing(out));
  assert.ok(out.every((x) => x.correctedFromUnixNano === undefined));
});

test('the machine slept 1 h (monotonic clock stood still, wall clock and time since boot went on): no step, nothing re-stamped', () => {
  // Taken for a forward step, trusted time stayed an hour behind and slewed back at 5 %: every
  // sample of the next 20 h was re-stamped into the past.
  const r = oneHertz(testScheduler(), 12, {}, (clock) => timer(3500).subscribe(() => clock.suspend(HOUR)));
  assert.equal(r.events, []);
  const out = rights(r.out);
  assert.is(out.length, 12);
  assert.ok(out.every((x) => x.correctedFromUnixNano === undefined), 'every sample keeps its stamp');
  assert.is(Number(out[4]!.timeUnixNano / 1_000_000n), WALL0 + 5_000 + HOUR, 'after waking: wall time');
});

test('slept 1 h and the wall clock was also 10 min behind on waking: the step alone is reported and corrected', () => {
  const r = oneHertz(testScheduler(), 12, {}, (clock) => timer(3500).subscribe(() => (clock.suspend(HOUR), clock.step(-600_000))));
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(Math.abs((r.events[0] as { deltaMs: number }).deltaMs + 600_000) < 1, 'deltaMs ≈ −600 000, not +3 000 000');
  const out = rights(r.out);
  assert.ok(nonDecreasing(out));
  // After waking: trusted time, an hour on, slewing towards the wall clock at ≤ 5 % since.
  const behindMs = WALL0 + 5_000 + HOUR - Number(out[4]!.timeUnixNano / 1_000_000n);
  assert.ok(behindMs >= 0 && behindMs <= 0.05 * 2_000, `${behindMs} ms behind`);
  assert.ok(out.slice(4).every((x) => x.correctedFromUnixNano !== undefined));
});

test('a step is reported but not corrected when samples were not stamped locally', () => {
  const r = oneHertz(testScheduler(), 8, { stampedLocally: false, maxPastMs: 2 * HOUR }, (clock) =>
    timer(3500).subscribe(() => clock.step(-HOUR)),
  );
  assert.equal(r.events.map((e) => e.kind), ['step']);
  assert.ok(rights(r.out).every((x) => x.correctedFromUnixNano === undefined));
});

const future = sample(WALL0 + HOUR);
const policies = (policy: SkewOptions['policy']) => {
  const events: SkewEvent[] = [];
  const scheduler = testScheduler();
  let seen: Routed<Sample>[] = [];
  scheduler.run(({ cold }) => {
    const clock = schedulerClock(scheduler, WALL0);
    cold('a-b-c|', { a: right(sample(WALL0)), b: right(future), c: right(sample(WALL0 + 4)) })
      .pipe(detectClockSkew({ policy, clock, onSkew: (e) => events.push(e) }))
      .subscribe((x) => seen.push(x));
  });
  return { events, seen };
};

test("a sample 1 h in the future: 'correct' re-stamps it onto trusted time", () => {
  const { events, seen } = policies('correct');
  assert.equal(events, [{ kind: 'future', sample: future, aheadMs: HOUR - 2 }]);
  assert.equal(seen[1], right({ ...future, timeUnixNano: msToNanos(WALL0 + 2), correctedFromUnixNano: future.timeUnixNano }));
});

test("a counter 1 h in the future, its start stamped by the same clock: re-stamped, and its start moved no later than its time (one before it kept)", () => {
  const scheduler = testScheduler();
  const seen: Sample[] = [];
  const startAhead = { ...future, kind: 'sum' as const, startTimeUnixNano: msToNanos(WALL0 + HOUR - 10_000) };
  const startBefore = { ...future, kind: 'sum' as const, attributes: { series: 'b' }, startTimeUnixNano: msToNanos(WALL0 - 60_000) };
  scheduler.run(({ cold }) => {
    cold('a-b|', { a: right(startAhead), b: right(startBefore) })
      .pipe(detectClockSkew({ clock: schedulerClock(scheduler, WALL0) }))
      .subscribe((x) => seen.push(...rights([x])));
  });
  assert.equal(seen.map((x) => [x.timeUnixNano, x.startTimeUnixNano]), [[msToNanos(WALL0), msToNanos(WALL0)], [msToNanos(WALL0 + 2), msToNanos(WALL0 - 60_000)]]);
});

test('a series sampled every millisecond through an hour\'s step back: re-stamped at trusted time\'s pace, not pushed ahead of it', () => {
  // Trusted time runs at 95 % while it slews: 1 000 samples a second cannot each have a millisecond
  // of their own. Spread into milliseconds of their own, they ran ahead of trusted time by 50 ms
  // every second of the slew (an hour in 20 hours), and the samples after it were late.
  const r = everyMs(testScheduler(), 1, 3_000, {}, (clock) => timer(500).subscribe(() => clock.step(-HOUR)));
  const out = rights(r.out);
  assert.is(out.length, 3_000);
  assert.ok(nonDecreasing(out));
  const lastMs = Number(out[2_999]!.timeUnixNano) / 1e6 - WALL0;
  assert.ok(lastMs > 500 + 0.95 * 2_500 - 2 && lastMs < 500 + 0.95 * 2_500 + 2, `the last at ${lastMs} ms: trusted time's, ${500 + 0.95 * 2_500}`);
});

/** 20 samples of one series, 1 s apart, an hour ahead (a device's backlog, read at once): what 'correct' makes of them. */
/** A series' samples an hour ahead, stamped `stampsMs` after the hour (value: the index), read at once at 10 ms. */
test("a sample 1 h in the future: 'dead-letter' makes it a Left skew, in place", () => {
  const { events, seen } = policies('dead-letter');
  assert.is(events.length, 1);
  assert.equal(seen, [
    right(sample(WALL0)),
    deadLetter('skew', future, `${HOUR - 2} ms in the future (maxFutureMs 5000)`, WALL0 + 2),
    right(sample(WALL0 + 4)),
  ]);
});

test("a sample 1 h in the future: 'pass' only reports", () => {
  const { events, seen } = policies('pass');
  assert.is(events.length, 1);
  assert.equal(seen, [right(sample(WALL0)), right(future), right(sample(WALL0 + 4))]);
});

test('marble: future and stale samples under dead-letter, Lefts untouched in place', () => {
  const scheduler = testScheduler();
  scheduler.run(({ cold, expectObservable }) => {
    const clock = schedulerClock(scheduler, WALL0);
    const old = deadLetter('invalid', sample(1), 'bad', 0);
    const src = cold(' a-f-s-L-b|', { a: right(sample(WALL0)), f: right(future), s: right(sample(WALL0 - 2 * HOUR)), L: old, b: right(sample(WALL0 + 8)) });
    const exp = '       a-f-s-L-b|';
    expectObservable(src.pipe(detectClockSkew({ policy: 'dead-letter', clock }), viewAll())).toBe(exp, {
      a: `${WALL0}`, f: `skew:${WALL0 + HOUR}`, s: `skew:${WALL0 - 2 * HOUR}`, L: 'invalid:1', b: `${WALL0 + 8}`,
    });
  });
});

test('a sample it cannot read (a time that is not a bigint) is a Left invalid at the clock\'s time, in place; an error of the source passes on', () => {
  const scheduler = testScheduler();
  scheduler.run(({ cold, expectObservable }) => {
    const clock = schedulerClock(scheduler, WALL0);
    const broken = { ...sample(WALL0), timeUnixNano: WALL0 as unknown as bigint };
    const src = cold(' a-x-b-#', { a: right(sample(WALL0)), x: right(broken), b: right(sample(WALL0 + 4)) }, new Error('source failed'));
    const out = src.pipe(detectClockSkew({ clock }), map((r) => (isLeft(r) ? `${r.left.reason}@${r.left.atUnixMs - WALL0}` : `${r.right.value}`)));
    expectObservable(out).toBe('a-x-b-#', { a: `${WALL0}`, x: 'invalid@2', b: `${WALL0 + 4}` }, new Error('source failed'));
  });
});

test("a stale sample is reported but never moved under 'correct'", () => {
  const events: SkewEvent[] = [];
  const scheduler = testScheduler();
  const old = sample(WALL0 - 2 * HOUR);
  scheduler.run(({ cold, expectObservable }) => {
    const clock = schedulerClock(scheduler, WALL0);
    expectObservable(cold('a|', { a: right(old) }).pipe(detectClockSkew({ clock, onSkew: (e) => events.push(e) }))).toBe('a|', { a: right(old) });
  });
  assert.equal(events.map((e) => e.kind), ['stale']);
});

test.run();
