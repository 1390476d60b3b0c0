/**
 * Trusted time: follows the monotonic clock, never steps, and converges to the wall clock at no
 * more than maxSlewPpm after the wall clock stepped. Used by detectClockSkew.
 */
import type { Clock } from './clock.js';

export interface TrustedTimeOptions {
  /** A change of (wall − monotonic) larger than this is a step. */
  readonly stepThresholdMs: number;
  /** Fastest rate at which trusted time may approach wall time, in parts per million. */
  readonly maxSlewPpm: number;
}

export interface TrustedReading {
  /** Trusted time now, ms since the epoch. */
  readonly trustedMs: number;
  /** Wall time now, ms since the epoch. */
  readonly wallMs: number;
  /** wall − trusted: how wrong the wall clock is believed to be right now. */
  readonly errorMs: number;
  /** True from a detected step until trusted time has caught up with the wall clock. */
  readonly stepping: boolean;
  /** Set on the one reading that detected a step: the size of the step. */
  readonly stepDeltaMs?: number;
}

export interface TrustedTime {
  read(): TrustedReading;
}

export const createTrustedTime = (clock: Clock, opts: TrustedTimeOptions): TrustedTime => {
  let lastMono = clock.monotonic();
  let lastOffset = clock.now() - lastMono;
  let trustedOffset = lastOffset;
  let stepping = false;
  const slewPerMs = opts.maxSlewPpm / 1e6;

  return {
    read() {
      const mono = clock.monotonic();
      const wall = clock.now();
      const offset = wall - mono;
      const delta = offset - lastOffset;
      lastOffset = offset;
      const stepped = Math.abs(delta) > opts.stepThresholdMs;
      if (stepped) stepping = true;
      // Slew towards the wall clock, never faster than maxSlewPpm of elapsed monotonic time.
      const maxAdjust = Math.max(0, mono - lastMono) * slewPerMs;
      lastMono = mono;
      const gap = offset - trustedOffset;
      if (Math.abs(gap) <= maxAdjust) {
        trustedOffset = offset;
        stepping = false;
      } else {
        trustedOffset += Math.sign(gap) * maxAdjust;
      }
      const trustedMs = mono + trustedOffset;
      const reading = { trustedMs, wallMs: wall, errorMs: wall - trustedMs, stepping };
      return stepped ? { ...reading, stepDeltaMs: delta } : reading;
    },
  };
};
