/**
 * Trusted time: follows the monotonic clock, never steps back, and converges to the wall clock at
 * no more than maxSlewPpm after the wall clock stepped. Used by detectClockSkew, which may move it
 * on (raiseTo) past samples that went out stamped ahead of it.
 *
 * Except for sleep: the monotonic clock stops while the machine is suspended and the wall clock
 * does not, so waking up looks like a forward step by the time slept. Taken for one, trusted time
 * stayed behind by all of it and slewed back at 5 %: after a night's sleep of 8 h, every locally
 * stamped sample was re-stamped into the past for the next 160 h. With a clock that counts time
 * since boot including sleep (`sinceBootMs`, systemClock on Linux), the part of a forward jump
 * spent asleep is credited at once, and only the rest is a step.
 */
import type { Clock } from './clock.js';

export interface TrustedTimeOptions {
  /** A change of (wall − monotonic) larger than this is a step. */
  readonly stepThresholdMs: number;
  /** Fastest rate at which trusted time may approach wall time, in parts per million. */
  readonly maxSlewPpm: number;
  /**
   * A step forward: 'slew' (default) approaches the new wall time at maxSlewPpm as after any step;
   * 'follow' takes it at once. Time going forward keeps every series in order, and a forward step
   * is mostly the wall clock set right — a virtual machine resumed after a pause (its monotonic
   * clock stood still, measured here: +7.9 s), a machine without a battery-backed clock synced
   * late by NTP (days) — after which slewing stamped samples behind by all of it, for 20 times as
   * long (a day's step: 20 days), and a receiver refuses samples that old.
   */
  readonly forwardSteps?: 'slew' | 'follow';
  /**
   * Wall time, ms, that trusted time starts no earlier than: the newest time an earlier run
   * stamped (a pipeline's spool keeps it); a wall clock behind it at start is caught up with as
   * after a step (readings are `stepping` until then). One more than stepThresholdMs behind it
   * was set back while nothing watched it — a machine without a battery-backed clock
   * booted after a power cut with the time it saved at its last shutdown, a virtual machine
   * restored from a snapshot — and is a step back like one made while running: the first reading
   * reports it (stepDeltaMs = wall − notBeforeMs), trusted time starts from notBeforeMs and slews
   * towards the wall clock. Without it, a restart took the wall clock's time at once, and every
   * series went back by the step at the receiver.
   */
  readonly notBeforeMs?: number;
}

export interface TrustedReading {
  /** Trusted time now, ms since the epoch. */
  readonly trustedMs: number;
  /** Wall time now, ms since the epoch. */
  readonly wallMs: number;
  /** wall − trusted: how wrong the wall clock is believed to be right now. */
  readonly errorMs: number;
  /** True from a detected step (or the wall clock going back by less) until trusted time has caught up with the wall clock. */
  readonly stepping: boolean;
  /** Stepping only because the wall clock went back by less than stepThresholdMs: no step was reported. */
  readonly belowThreshold: boolean;
  /** Set on the one reading that detected a step: the size of the step. */
  readonly stepDeltaMs?: number;
}

export interface TrustedTime {
  /** Reads both clocks. Returns one object, rewritten by every call: use it before the next. */
  read(): TrustedReading;
  /**
   * Moves trusted time on to `ms` now, if it is behind it (never back), and rewrites the last
   * reading to say so: samples stamped ahead of trusted time went out as stamped, and the samples
   * a step makes wrong, re-stamped onto trusted time, must come after them (detectClockSkew).
   */
  raiseTo(ms: number): void;
}

/** A forward jump of the wall clock larger than this is checked for sleep. */
const SLEEP_CHECK_MS = 100;

export const createTrustedTime = (clock: Clock, opts: TrustedTimeOptions): TrustedTime => {
  // Doubles kept in a Float64Array and one reading object rewritten in place: read() runs once
  // a sample, and fresh numbers in closure variables and a fresh reading cost ~150 bytes of
  // garbage a sample (a third of the whole pipeline's).
  const state = new Float64Array(5);
  const LAST_MONO = 0;
  const LAST_OFFSET = 1;
  const TRUSTED_OFFSET = 2;
  /** sinceBoot − monotonic when last looked at: it grows by the time slept. */
  const LAST_SLEPT = 3;
  /** The wall clock when last looked at. */
  const LAST_WALL = 4;
  state[LAST_MONO] = clock.monotonic();
  state[LAST_WALL] = clock.now();
  state[LAST_OFFSET] = state[LAST_WALL] - state[LAST_MONO];
  state[TRUSTED_OFFSET] = state[LAST_OFFSET];
  /** A step back found at start against notBeforeMs, reported by the first reading. */
  let stepAtStartMs = 0;
  const behindMs = (opts.notBeforeMs ?? Number.NEGATIVE_INFINITY) - (state[LAST_MONO] + state[LAST_OFFSET]);
  // Behind by less than the threshold is no step (nothing reported), but trusted time starts at
  // notBeforeMs all the same: while running, reorderByEventTime would make a sample going back by
  // that little a dead letter `late`; after a restart it holds nothing, and the receiver got it.
  if (behindMs > 0) state[TRUSTED_OFFSET] = state[LAST_OFFSET] + behindMs;
  if (behindMs > opts.stepThresholdMs) stepAtStartMs = -behindMs;
  const sinceBoot = clock.sinceBootMs?.bind(clock);
  if (sinceBoot) state[LAST_SLEPT] = sinceBoot() - state[LAST_MONO];
  /**
   * How long the machine slept since the last look, read only when the wall clock jumped forward
   * by more than SLEEP_CHECK_MS (rare: the two clocks otherwise drift by microseconds; and
   * os.uptime() is a system call). What it slept is credited whole, so a wall clock also stepped
   * while it slept is still caught: the jump minus the sleep.
   */
  const sleptSinceLastLook = (mono: number, delta: number): number => {
    if (sinceBoot === undefined || delta <= SLEEP_CHECK_MS) return 0;
    const slept = sinceBoot() - mono;
    const sleptMs = slept - state[LAST_SLEPT]!;
    state[LAST_SLEPT] = slept;
    return Math.max(0, sleptMs);
  };

  const slewPerMs = opts.maxSlewPpm / 1e6;
  const follow = opts.forwardSteps === 'follow';
  const reading: Mutable<TrustedReading> = { trustedMs: 0, wallMs: 0, errorMs: 0, stepping: behindMs > 0, belowThreshold: false, stepDeltaMs: undefined };

  return {
    read() {
      const mono = clock.monotonic();
      const wall = clock.now();
      const offset = wall - mono;
      let delta = offset - state[LAST_OFFSET]! + stepAtStartMs;
      stepAtStartMs = 0;
      state[LAST_OFFSET] = offset;
      const sleptMs = sleptSinceLastLook(mono, delta);
      if (sleptMs > 0) {
        // Time that passed while the monotonic clock stood still: trusted time moves on by it.
        state[TRUSTED_OFFSET] = state[TRUSTED_OFFSET]! + sleptMs;
        delta -= sleptMs;
      }
      // A step: the wall clock moved by more than the threshold since the last look. Not how far it
      // has gone from trusted time: a daemon slewing faster than maxSlewPpm (chrony's default
      // maxslewrate is 8.3 %) would take it past the threshold with no step at all — and a slew
      // never takes a series back. The price: steps under the threshold with a reading between
      // are each no step (but see wentBack below).
      const stepped = Math.abs(delta) > opts.stepThresholdMs;
      // Followed at once to the wall clock, and never back (trusted time only moves on). To the wall
      // clock, not by the step: what trusted time had still to slew in of a smaller change before it
      // (a drift under stepThresholdMs) was left behind, and the samples after the step — which
      // 'follow' keeps as stamped — were re-stamped by it until that was slewed in.
      if (stepped && delta > 0 && follow) state[TRUSTED_OFFSET] = Math.max(state[TRUSTED_OFFSET]!, offset);
      // The wall clock went back since the last look, by less than the threshold (ntpd steps from 128
      // ms): no step is reported, but what it stamps now can be before what it stamped then — a
      // series sampled faster than the step went back (a 500 ms step under samples 250 ms apart,
      // into Prometheus with reorder.maxDelayMs 0: 30 of 562 samples dead letters `late`, one a
      // series) — so its stamps are corrected as after a step until trusted time has caught up.
      // A slew only changes its rate, and a step smaller than the time between two looks leaves
      // the later stamp after the earlier one: neither is back.
      const wentBack = wall < state[LAST_WALL]!;
      state[LAST_WALL] = wall;
      let belowThreshold = !stepped && (reading.stepping ? reading.belowThreshold : wentBack);
      let stepping = reading.stepping || stepped || wentBack;
      // Slew towards the wall clock, never faster than maxSlewPpm of elapsed monotonic time.
      const maxAdjust = Math.max(0, mono - state[LAST_MONO]!) * slewPerMs;
      state[LAST_MONO] = mono;
      const gap = offset - state[TRUSTED_OFFSET]!;
      if (Math.abs(gap) <= maxAdjust) {
        state[TRUSTED_OFFSET] = offset;
        stepping = false;
        belowThreshold = false;
      } else {
        state[TRUSTED_OFFSET] = state[TRUSTED_OFFSET]! + Math.sign(gap) * maxAdjust;
      }
      const trustedMs = mono + state[TRUSTED_OFFSET]!;
      reading.trustedMs = trustedMs;
      reading.wallMs = wall;
      reading.errorMs = wall - trustedMs;
      reading.stepping = stepping;
      reading.belowThreshold = belowThreshold;
      reading.stepDeltaMs = stepped ? delta : undefined;
      return reading;
    },
    raiseTo(ms) {
      const behindMs = ms - (state[LAST_MONO]! + state[TRUSTED_OFFSET]!);
      if (!(behindMs > 0)) return;
      state[TRUSTED_OFFSET] = state[TRUSTED_OFFSET]! + behindMs;
      reading.trustedMs += behindMs;
      reading.errorMs -= behindMs;
    },
  };
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
