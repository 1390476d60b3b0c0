/**
 * detectClockSkew run in virtual time, for its marble spec (marbles/detectClockSkew.marbles.ts) and
 * the cases of its per-source offsets (test/skewSourceOffsets.test.ts): a source stamped by a
 * scheduler-driven clock a test can step, what came out and what was reported.
 */
import { isRight, right } from 'fp-ts/lib/Either.js';
import { interval, map, take, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { detectClockSkew, type SkewEvent, type SkewOptions } from '../../operators/detectClockSkew.js';
import { schedulerClock, type SteppableClock } from '../../src/clock.js';
import type { Routed } from '../../src/routed.js';
import { type Sample, msToNanos } from '../../src/sample.js';
import { sample } from './marbles.js';

/** The wall clock's time when a test's virtual time is 0. */
export const WALL0 = Date.UTC(2026, 10, 25, 10, 0, 0);
export const HOUR = 3_600_000;

export interface Run {
  out: Routed<Sample>[];
  events: SkewEvent[];
}

/** A source stamped by `clock` at emission every `periodMs`, `count` samples, through detectClockSkew. */
export const everyMs = (
  scheduler: TestScheduler,
  periodMs: number,
  count: number,
  opts: SkewOptions,
  during: (clock: SteppableClock) => void,
  attrs: (i: number) => Record<string, string> = () => ({}),
): Run => {
  const run: Run = { out: [], events: [] };
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    during(clock);
    const src: Observable<Routed<Sample>> = interval(periodMs).pipe(
      take(count),
      map((i) => right({ ...sample(0, 'cpu', attrs(i)), timeUnixNano: msToNanos(clock.now()), value: i })),
    );
    src.pipe(detectClockSkew({ ...opts, clock, onSkew: (e) => run.events.push(e) })).subscribe((r) => run.out.push(r));
  });
  return run;
};

/** A 1 Hz source stamped by `clock` at emission, through detectClockSkew, for `seconds` seconds. */
export const oneHertz = (scheduler: TestScheduler, seconds: number, opts: SkewOptions, during: (clock: SteppableClock) => void, attrs?: (i: number) => Record<string, string>): Run =>
  everyMs(scheduler, 1000, seconds, opts, during, attrs);

export const rights = (out: Routed<Sample>[]): Sample[] => out.filter(isRight).map((r) => r.right);
export const nonDecreasing = (xs: Sample[]): boolean => xs.every((s, i) => i === 0 || s.timeUnixNano >= xs[i - 1]!.timeUnixNano);

