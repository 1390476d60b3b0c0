/**
 * Time. Nothing outside this file reads the system clock or starts a platform timer: operators
 * take a `SchedulerLike` (for waiting) and a `Clock` (for wall time), so tests run under
 * virtual time and can step the wall clock.
 */
import { performance } from 'node:perf_hooks';
import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { msToNanos } from './sample.js';

export interface Clock {
  /** Wall time, ms since the epoch. Can step (NTP, an operator, a VM resume). */
  now(): number;
  /** Ms since an arbitrary origin. Never steps, never goes backwards. */
  monotonic(): number;
}

/**
 * The process's clocks: `Date.now()` and `performance.now()` (perf_hooks' object, imported once:
 * the global `performance` is a lazy getter, ~6 ns more a read, and detectClockSkew reads both
 * clocks for every sample).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export interface SteppableClock extends Clock {
  /** Steps the wall clock by deltaMs (negative: backwards). The monotonic clock is unaffected. */
  step(deltaMs: number): void;
  /** Sets the wall clock so that `now()` returns wallMs at this instant. */
  setWall(wallMs: number): void;
}

/**
 * A clock driven by a scheduler's `now()`: `monotonic()` is the scheduler's time, `now()` is that
 * plus a wall offset a test can step. Under `TestScheduler.run`, time is virtual.
 */
export const schedulerClock = (scheduler: SchedulerLike = asyncScheduler, wallStartMs = 0): SteppableClock => {
  const origin = scheduler.now();
  let offsetMs = wallStartMs - origin;
  return {
    now: () => scheduler.now() + offsetMs,
    monotonic: () => scheduler.now() - origin,
    step: (deltaMs) => {
      offsetMs += deltaMs;
    },
    setWall: (wallMs) => {
      offsetMs = wallMs - scheduler.now();
    },
  };
};

/** Wall time of `clock` as bigint nanoseconds (sub-ms precision kept). */
export const clockNowNanos = (clock: Clock): bigint => msToNanos(clock.now());

/**
 * Platform timers for the CLI's own housekeeping (status line, shutdown deadline), outside any
 * pipeline: the one place besides the clocks above that touches the platform's time.
 */
export const platformTimers = {
  every: (ms: number, fn: () => void): { cancel(): void } => {
    const handle = setInterval(fn, ms);
    handle.unref?.();
    return { cancel: () => clearInterval(handle) };
  },
};
