/**
 * detectClockSkew over generated wall-clock histories, in virtual time: a few series stamped by
 * this process's clock (stampedLocally) at random moments, while the wall clock is stepped back
 * and forward by random amounts — small (under stepThresholdMs, no step), large (hours), several
 * in a row. Under policy 'correct' the contract's required outcomes, for any history: every
 * sample comes out once, in place, none dead-lettered; each series' output never goes back in
 * time, whatever the steps' sizes (a step back under stepThresholdMs is no step, but the samples
 * stamped after it are corrected while it would take them back);
 * a re-stamped sample remembers its stamp — and with forwardSteps 'follow' a step forward is kept.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { detectClockSkew, type SkewEvent } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos, seriesKey } from '../src/sample.js';

const test = suite('detectClockSkew properties');
const WALL0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const HOUR = 3_600_000;

const history = fc.record({
  /** Samples: at a virtual time, of a series. */
  samples: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 60_000 }), series: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 150 }),
  /** Wall-clock steps: at a virtual time, by an amount (ms; back or forward, small or hours). */
  steps: fc.array(fc.record({
    atMs: fc.integer({ min: 0, max: 60_000 }),
    byMs: fc.oneof(fc.integer({ min: -900, max: 900 }), fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), fc.constantFrom(-HOUR, HOUR, -5_000, 5_000, -900, 900)),
  }), { maxLength: 6 }),
  forwardSteps: fc.constantFrom<'slew' | 'follow'>('slew', 'follow'),
});

type History = typeof history extends fc.Arbitrary<infer H> ? H : never;

/** A history run through detectClockSkew (policy 'correct'; notBeforeUnixNano given, if any): what went in, what came out, the events. */
const run = ({ samples, steps, forwardSteps }: History, notBeforeUnixNano?: bigint) => {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const clock = schedulerClock(scheduler, WALL0);
  const input = new Subject<Routed<Sample>>();
  const out: Routed<Sample>[] = [];
  const events: SkewEvent[] = [];
  // maxPastMs infinite: a stale sample is never moved (old data is no proof of a wrong clock), and these are not old.
  input.pipe(detectClockSkew({ clock, forwardSteps, maxPastMs: Number.POSITIVE_INFINITY, maxFutureMs: 10 * HOUR, notBeforeUnixNano, onSkew: (e) => events.push(e) }))
    .subscribe((r) => out.push(r));
  const sent: Sample[] = [];
  // A step at the same virtual time as a sample goes first (steps are scheduled first).
  for (const st of steps) scheduler.schedule(() => clock.step(st.byMs), st.atMs);
  samples.forEach((x, i) => scheduler.schedule(() => {
    const s: Sample = { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: msToNanos(clock.now()), attributes: { series: x.series } };
    sent.push(s);
    input.next(right(s));
  }, x.atMs));
  scheduler.schedule(() => input.complete(), 60_001);
  scheduler.flush();
  return { sent, out, events };
};

test("policy 'correct', any history of clock steps: each sample once, in place, none dead-lettered, each series never back in time, whatever the steps' sizes", () => {
  fc.assert(
    fc.property(history, (h) => {
      const { steps, forwardSteps } = h;
      const { sent, out, events } = run(h);
      assert.is(out.length, sent.length, 'one out for each in');
      assert.ok(out.every((r) => !isLeft(r)), 'none dead-lettered');
      const got = out.map((r) => (r as { right: Sample }).right);
      assert.equal(got.map((s) => s.value), sent.map((s) => s.value), 'in place');
      // A step of at most stepThresholdMs (1 000) is no step (each is judged alone, so that a daemon's
      // fast slew is no step: a marble); a step back that little can still bring samples of a series
      // into one millisecond (the next sample stamped less than 1 ms after the last one out).
      const smallStepsBack = steps.some((st) => st.byMs < 0 && st.byMs >= -1_000);
      const last = new Map<string, bigint>();
      /** Each series' sample before: its millisecond out, and the virtual time it was sent at. */
      const previous = new Map<string, { ms: bigint; atMs: number }>();
      got.forEach((s, i) => {
        const original = sent[i]!;
        // Without steps back under the threshold, samples of a series sent 2 ms or more apart (trusted
        // time runs at 95 % or more) are in milliseconds of their own: a receiver such as Prometheus
        // keeps milliseconds and refuses a second sample in one (a jump forward under the threshold,
        // then a step back, had the samples re-stamped after it raised onto one time).
        const ms = s.timeUnixNano / 1_000_000n;
        const atMs = h.samples[original.value as number]!.atMs;
        const p = previous.get(seriesKey(s));
        if (!smallStepsBack && p !== undefined && atMs - p.atMs >= 2) {
          assert.ok(ms > p.ms, `series ${seriesKey(s)}: a sample sent ${atMs - p.atMs} ms after the one before is in its millisecond or before it (${ms} after ${p.ms}; steps ${JSON.stringify(steps)})`);
        }
        previous.set(seriesKey(s), { ms, atMs });
        // A re-stamped sample remembers its own stamp; one left alone keeps it.
        assert.is(s.correctedFromUnixNano ?? s.timeUnixNano, original.timeUnixNano, 'correctedFromUnixNano is the original stamp');
        const before = last.get(seriesKey(s));
        assert.ok(before === undefined || s.timeUnixNano >= before, `series ${seriesKey(s)} goes back: ${s.timeUnixNano} after ${before} (steps ${JSON.stringify(steps)})`);
        last.set(seriesKey(s), s.timeUnixNano > (before ?? 0n) ? s.timeUnixNano : before!);
      });
      // (Steps under the threshold at one moment add up to one over it: the detector's events say.)
      if (!events.some((e) => e.kind === 'step') && steps.every((st) => st.byMs >= 0)) {
        assert.ok(got.every((s) => s.correctedFromUnixNano === undefined), 'no step detected, the clock never back: nothing re-stamped');
      }
      if (forwardSteps === 'follow' && steps.every((st) => st.byMs >= 0)) {
        assert.ok(got.every((s) => s.correctedFromUnixNano === undefined), "forward steps only, 'follow': every stamp kept");
      }
    }),
    {
      numRuns: 300,
      // CI drew it: a forward step under the threshold (its samples stamped ahead of trusted time),
      // then a step back 1 ms later, whose sample was re-stamped onto trusted time, before them.
      examples: [
        [{ samples: [{ atMs: 1, series: 0 }, { atMs: 0, series: 0 }], steps: [{ atMs: 1, byMs: -1001 }, { atMs: 0, byMs: 1 }], forwardSteps: 'slew' }],
        // +800 ms (no step), then back an hour a second later, a sample every 250 ms: the ones after
        // the step were raised onto the last stamp made ahead, four in its millisecond.
        [{ samples: [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250].map((atMs) => ({ atMs, series: 0 })), steps: [{ atMs: 200, byMs: 800 }, { atMs: 1200, byMs: -HOUR }], forwardSteps: 'follow' }],
      ],
    },
  );
});

test('started just after an earlier run\'s newest stamp (notBeforeUnixNano, from 2 h behind the clock to 2 h ahead), any history: every sample after it and each series in order', () => {
  fc.assert(
    fc.property(history, fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), (h, floorMs) => {
      const floor = msToNanos(WALL0 + floorMs);
      const { sent, out } = run(h, floor);
      assert.is(out.length, sent.length);
      assert.ok(out.every((r) => !isLeft(r)), 'none dead-lettered');
      const last = new Map<string, bigint>();
      for (const r of out) {
        const s = (r as { right: Sample }).right;
        assert.ok(s.timeUnixNano > floor, `${s.timeUnixNano} not after ${floor} (steps ${JSON.stringify(h.steps)})`);
        const before = last.get(seriesKey(s));
        assert.ok(before === undefined || s.timeUnixNano >= before, `series ${seriesKey(s)} goes back: ${s.timeUnixNano} after ${before}`);
        last.set(seriesKey(s), s.timeUnixNano > (before ?? 0n) ? s.timeUnixNano : before!);
      }
    }),
    { numRuns: 300 },
  );
});

test.run();
