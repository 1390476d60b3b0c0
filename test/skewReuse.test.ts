/**
 * detectClockSkew reading the clocks once per burst: how long a reading is shared, and the band of
 * samples it may judge. Driven synchronously with a hand-made clock whose bursts end when the
 * test says so, against the same script run with a fresh reading for every sample.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { readingReuseOf, schedulerClock, systemClock } from '../src/clock.js';
import { type Sample, nanosToMs } from '../src/sample.js';
import { HOUR, type Run } from './support/skewRuns.js';
import { gauge, handClock, through, verdicts } from './support/skewBursts.js';

const test = suite('clock readings shared within a burst');

test("the system clock's readings are shared for 64 samples until the task ends; a scheduler's clock is read every time", async () => {
  const reuse = readingReuseOf(systemClock);
  assert.is(reuse?.maxUses, 64);
  let ended = false;
  reuse!.onBurstEnd(() => void (ended = true));
  assert.is(ended, false, 'not inside the task');
  await Promise.resolve();
  assert.is(ended, true, 'a microtask later');
  assert.is(readingReuseOf(schedulerClock()), undefined);
  assert.is(readingReuseOf({ now: systemClock.now, monotonic: systemClock.monotonic }), undefined, 'a copy of the system clock is another clock');
});

test('a burst of current samples shares readings, and the output is the input, in place', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, {});
  const sent: Sample[] = [];
  for (let burst = 0; burst < 3; burst++) {
    const stampMs = h.wall();
    for (let i = 0; i < 100; i++) {
      const s = gauge(stampMs, i);
      sent.push(s);
      push(s);
      h.advance(0.01);
    }
    h.endBurst();
    h.advance(1_000);
  }
  // Each burst: a reading for its first sample, again after 64 shared ones.
  assert.is(h.wallReads - 1, 3 * 2, 'wall reads after the one at subscription');
  assert.equal(run.out.map((r) => (isLeft(r) ? r.left.reason : r.right)), sent);
  assert.is(run.events.length, 0);
});

test('a reading is shared at most maxUses times, and never past the end of its burst', () => {
  const h = handClock(3);
  h.reusing();
  const { push, run } = through(h.clock, {});
  const stampMs = h.wall();
  const readsFor = (): number => {
    const before = h.wallReads;
    push(gauge(stampMs, run.out.length));
    return h.wallReads - before;
  };
  assert.equal([readsFor(), readsFor(), readsFor(), readsFor(), readsFor()], [1, 0, 0, 0, 1]);
  h.endBurst();
  assert.equal([readsFor(), readsFor()], [1, 0]);
  assert.is(run.out.length, 7);
});

test('no sharing while trusted time catches up after a step: a sample near the wall clock is still corrected', () => {
  const runs = [false, true].map((reuse) => {
    const h = handClock();
    if (reuse) h.reusing();
    const { push, run } = through(h.clock, {});
    const sent = [gauge(h.wall(), 0)];
    push(sent[0]!);
    h.step(-1_500);
    sent.push(gauge(h.wall(), 1));
    push(sent[1]!); // finds the step: trusted time is 1.5 s ahead of the wall clock
    h.advance(21_000); // 5 % of 21 s: trusted time slews to 0.45 s ahead, still catching up
    sent.push(gauge(h.wall(), 2));
    push(sent[2]!);
    sent.push(gauge(h.wall(), 3)); // 0.45 s behind that reading: inside the band
    push(sent[3]!);
    return verdicts(run.out, sent);
  });
  assert.equal(runs[0], ['as-is', 'corrected', 'corrected', 'corrected']);
  assert.equal(runs[1], runs[0]);
});

test('the wall clock stepped back 1 h inside a burst: the first sample stamped after it gets a fresh reading', () => {
  const results = [false, true].map((reuse) => {
    const h = handClock();
    if (reuse) h.reusing();
    const { push, run } = through(h.clock, {});
    for (let i = 0; i < 10; i++) push(gauge(h.wall(), i));
    h.step(-HOUR);
    for (let i = 10; i < 20; i++) push(gauge(h.wall(), i));
    return { run, wallReads: h.wallReads };
  });
  const [everySample, shared] = results as [{ run: Run; wallReads: number }, { run: Run; wallReads: number }];
  assert.equal(shared.run.out, everySample.run.out, 'the same output, corrected samples included');
  assert.equal(shared.run.events.map((e) => e.kind), ['step']);
  assert.equal(everySample.run.events.map((e) => e.kind), ['step']);
  const times = shared.run.out.map((r) => (isLeft(r) ? -1 : nanosToMs(r.right.timeUnixNano)));
  assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'non-decreasing');
  assert.ok(shared.wallReads < everySample.wallReads, `${shared.wallReads} reads vs ${everySample.wallReads}`);
});

test('the wall clock stepped forward 1 h inside a burst: the step is found at once, nothing is future', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, {});
  for (let i = 0; i < 5; i++) push(gauge(h.wall(), i));
  h.step(HOUR);
  push(gauge(h.wall(), 5));
  assert.equal(run.events.map((e) => e.kind), ['step']);
  assert.is(run.out.filter(isLeft).length, 0);
});

test('samples outside the band get a fresh reading: stale, future, and any more than half of maxPastMs behind', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, { stampedLocally: false, maxPastMs: 10_000, maxFutureMs: 5_000, policy: 'dead-letter' });
  const t0 = h.wall();
  const readsFor = (stampMs: number): number => {
    const before = h.wallReads;
    h.advance(1);
    push(gauge(stampMs, run.out.length));
    return h.wallReads - before;
  };
  assert.is(readsFor(t0), 1, 'the burst opens with a reading');
  assert.is(readsFor(t0 - 4_900), 0, 'within half of maxPastMs: shared');
  assert.is(readsFor(t0 - 5_100), 1, 'more than half of maxPastMs behind');
  assert.is(readsFor(t0 - 11_000), 1, 'stale');
  assert.is(readsFor(t0 + 6_000), 1, 'future');
  assert.is(readsFor(h.wall() + 2), 1, 'stamped after the shared reading');
  assert.is(readsFor(t0), 0, 'shared again');
  assert.equal(run.out.map((r) => (isLeft(r) ? r.left.reason : 'ok')), ['ok', 'ok', 'ok', 'skew', 'skew', 'ok', 'ok']);
  assert.equal(run.events.map((e) => e.kind), ['stale', 'future']);
});

test('a negative maxFutureMs (a sample that close behind trusted time is future): no reading is shared, every sample is judged', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, { stampedLocally: false, maxFutureMs: -1_000 });
  for (let i = 0; i < 3; i++) push(gauge(h.wall() - 500, i));
  assert.equal(run.events.map((e) => e.kind), ['future', 'future', 'future']);
});

test('maxPastMs: Infinity (nothing is ever stale): any past sample may share a reading', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, { stampedLocally: false, maxPastMs: Infinity });
  push(gauge(h.wall(), 0));
  const before = h.wallReads;
  push(gauge(h.wall() - 50 * 365 * 86_400_000, 1));
  push(gauge(0, 2));
  assert.is(h.wallReads, before);
  assert.equal(run.out.map((r) => (isLeft(r) ? r.left.reason : 'ok')), ['ok', 'ok', 'ok']);
  // And with the system clock itself.
  const real = through(systemClock, { stampedLocally: false, maxPastMs: Infinity });
  for (let i = 0; i < 100; i++) real.push(gauge(i, i));
  assert.is(real.run.out.filter(isLeft).length, 0);
});

test('under per-source offsets a burst shares readings too, and every sample is still judged for its source', () => {
  const h = handClock();
  h.reusing();
  const { push, run } = through(h.clock, { stampedLocally: false, sourceAttribute: 'host', sourceOffsetThresholdMs: 2_000 });
  const sent: Sample[] = [];
  const shifts: number[] = [];
  for (let burst = 0; burst < 15; burst++) {
    const before = h.wallReads;
    // Two hosts in step with this clock, one a minute behind: judged behind once its estimate has
    // held for SETTLE_MS (10 s of arrivals), and from then on every sample of it is moved forward,
    // though it shared the burst's reading.
    for (let i = 0; i < 10; i++) {
      for (const [host, aheadMs] of [['a', 0], ['b', 0], ['slow', -60_000]] as const) {
        const s = { ...gauge(h.trueTime() + aheadMs, sent.length), attributes: { host } };
        sent.push(s);
        shifts.push(host === 'slow' && burst >= 10 ? 60_000 : 0);
        push(s);
      }
    }
    assert.is(h.wallReads - before, 1, `burst ${burst}: one reading for 30 samples`);
    h.endBurst();
    h.advance(1_000);
  }
  assert.equal(run.out.map((r, i) => (isLeft(r) ? r.left.reason : nanosToMs(r.right.timeUnixNano) - nanosToMs(sent[i]!.timeUnixNano))), shifts);
  assert.equal(run.events.map((e) => e.kind), ['source-offset']);
});

type Op = { readonly kind: 'advance'; readonly ms: number } | { readonly kind: 'step'; readonly ms: number } | { readonly kind: 'sample'; readonly lagMs: number } | { readonly kind: 'end' };
// Steps and lags kept clear of the verdicts' own boundaries (the two ways of reading may see trusted
// time a few ms apart after a step): lag 0 = stamped now; negative = in the future.
// Step detection compares consecutive readings, whichever way they are taken: two wall-clock
// changes with no reading between them look like one (+0.4 s then -1.1 s is a -0.7 s change, not
// a step), which is as true of a source that sends nothing between them as of a shared reading.
// So each change is followed by a sample an hour old, which every way of reading reads afresh.
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0, 0.3, 1, 100, 300, 499, 501, 1_000, 2_000, 3_000_000, 4_000_000, -4_000, -6_000).map((lagMs): Op => ({ kind: 'sample', lagMs })) },
  { weight: 3, arbitrary: fc.double({ min: 0, max: 2, noNaN: true }).map((ms): Op => ({ kind: 'advance', ms })) },
  { weight: 1, arbitrary: fc.constantFrom(-2 * HOUR, -HOUR, -1_500, -1_100, -900, -400, 400, 1_100, 1_500, HOUR).map((ms): Op => ({ kind: 'step', ms })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: 'end' }) },
);

/** With sources: three hosts, one in step, one 3 s ahead, one 3 s behind (off once it has held steady). */
const SOURCE_AHEAD_MS = [0, 3_000, -3_000];

test('property: shared readings judge every sample as a fresh reading for each would (with per-source offsets too)', () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 120 }),
      fc.boolean(),
      fc.constantFrom<'correct' | 'dead-letter'>('correct', 'dead-letter'),
      fc.integer({ min: 1, max: 70 }),
      fc.boolean(),
      (script, stampedLocally, policy, maxUses, withSources) => {
        const runs = [false, true].map((reuse) => {
          const h = handClock(maxUses);
          if (reuse) h.reusing();
          const { push, run } = through(h.clock, { stampedLocally, policy, ...(withSources ? { sourceAttribute: 'host', sourceOffsetThresholdMs: 2_000 } : {}) });
          const sent: Sample[] = [];
          for (const o of script) {
            // With sources, a burst's samples take its reading as their arrival time: the clock
            // moves between bursts (within one, a task's microseconds), so that both ways of
            // reading see the same arrivals.
            if (o.kind === 'advance') {
              if (withSources) h.endBurst();
              h.advance(withSources ? o.ms * 1_000 : o.ms); // with sources, seconds: a host behind is judged so after 10 s
            } else if (o.kind === 'end') h.endBurst();
            else {
              if (o.kind === 'step') h.step(o.ms);
              const lagMs = o.kind === 'step' ? 4 * HOUR : o.lagMs;
              // Locally stamped samples carry the (possibly stepped) wall clock; others true time.
              const s = gauge((stampedLocally ? h.wall() : h.trueTime()) - lagMs + (withSources ? SOURCE_AHEAD_MS[sent.length % 3]! : 0), sent.length);
              const sample = withSources ? { ...s, attributes: { host: `h${sent.length % 3}` } } : s;
              sent.push(sample);
              push(sample);
            }
          }
          const times = withSources ? run.out.map((r) => (isLeft(r) ? r.left.reason : String(r.right.timeUnixNano))) : [];
          return { verdicts: verdicts(run.out, sent), times, steps: run.events.filter((e) => e.kind === 'step').length, reads: h.wallReads };
        });
        const [everySample, shared] = runs as [(typeof runs)[0], (typeof runs)[0]];
        assert.equal(shared.verdicts, everySample.verdicts);
        assert.equal(shared.times, everySample.times, 'with sources, the same times out');
        assert.ok(shared.steps <= everySample.steps, 'a step is reported once, when a reading finds it');
        assert.ok(shared.reads <= everySample.reads);
      },
    ),
    // CI drew it when a correction was raised to any earlier sample's stamp: a sample four hours old,
    // after a step, was raised to now with a reading for each sample and not with a shared one.
    { numRuns: 2000, examples: [[[{ kind: 'step', ms: -400 }, { kind: 'sample', lagMs: 0 }, { kind: 'step', ms: -7_200_000 }], true, 'correct', 1, false]] },
  );
});

test.run();
