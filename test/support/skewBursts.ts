/**
 * detectClockSkew driven by hand, for the tests of readings shared within a burst
 * (test/skewReuse.test.ts): a clock a test moves and steps, counting its wall reads, whose bursts
 * end when the test says; samples pushed one by one, what came out and what was reported.
 */
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { Subject } from 'rxjs';
import { detectClockSkew, type SkewOptions } from '../../operators/detectClockSkew.js';
import { allowReadingReuse, type Clock } from '../../src/clock.js';
import type { Routed } from '../../src/routed.js';
import type { Sample } from '../../src/sample.js';
import { sample } from './marbles.js';
import { type Run, WALL0 } from './skewRuns.js';

/** A clock moved by hand, counting its wall reads; its bursts end when `endBurst()` is called. */
export const handClock = (maxUses = 64) => {
  let mono = 0;
  let offset = WALL0;
  let wallReads = 0;
  let ends: (() => void)[] = [];
  const clock: Clock = {
    now: () => {
      wallReads++;
      return mono + offset;
    },
    monotonic: () => mono,
  };
  return {
    clock,
    reusing: () => allowReadingReuse(clock, { maxUses, onBurstEnd: (end) => ends.push(end) }),
    advance: (ms: number) => void (mono += ms),
    step: (ms: number) => void (offset += ms),
    wall: () => mono + offset,
    trueTime: () => mono + WALL0,
    endBurst: () => {
      const due = ends;
      ends = [];
      due.forEach((end) => end());
    },
    get wallReads() {
      return wallReads;
    },
  };
};

/** A gauge stamped at stampMs (the shared test helper, with its value given). */
export const gauge = (stampMs: number, value: number): Sample => sample(stampMs, 'cpu', {}, value);

/** detectClockSkew over `clock`: `push` a sample, `run` what came out and what was reported. */
export const through = (clock: Clock, opts: SkewOptions) => {
  const input = new Subject<Routed<Sample>>();
  const run: Run = { out: [], events: [] };
  input.pipe(detectClockSkew({ ...opts, clock, onSkew: (e) => run.events.push(e) })).subscribe((r) => run.out.push(r));
  return { push: (s: Sample) => input.next(right(s)), run };
};

/** What became of one sample: passed as it was, re-stamped, or a dead letter. */
export const verdicts = (out: readonly Routed<Sample>[], sent: readonly Sample[]): string[] =>
  out.map((r, i) => (isLeft(r) ? `left:${r.left.reason}` : r.right === sent[i] ? 'as-is' : 'corrected'));
