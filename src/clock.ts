/**
 * Time. Nothing outside this file reads the system clock or starts a platform timer: operators
 * take a `SchedulerLike` (for waiting) and a `Clock` (for wall time), so tests run under
 * virtual time and can step the wall clock.
 */
import { performance } from 'node:perf_hooks';
import { uptime } from 'node:os';
import { type SchedulerAction, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { msToNanos } from './sample.js';

/**
 * The longest wait a Node timer takes: 2³¹ − 1 ms (24.8 days). A longer one runs after 1 ms, with
 * a TimeoutOverflowWarning — a receiver's RetryInfo of 30 days was a retry after 1 ms.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A wait as a timer can take it: cut to MAX_TIMER_MS (a longer wait still means "not soon"). */
export const timerMs = (ms: number): number => Math.min(ms, MAX_TIMER_MS);

export interface Clock {
  /** Wall time, ms since the epoch. Can step (NTP, an operator, a VM resume). */
  now(): number;
  /** Ms since an arbitrary origin. Never steps, never goes backwards. */
  monotonic(): number;
  /**
   * Ms since boot, counting time the machine was suspended, which `monotonic()` does not (Linux
   * CLOCK_BOOTTIME, 10 ms resolution). Optional: when given, a forward jump of the wall clock that
   * the monotonic clock missed because the machine slept is time that passed, not a clock step.
   */
  sinceBootMs?(): number;
}

/**
 * The process's clocks: `Date.now()` and `performance.now()` (perf_hooks' object, imported once:
 * the global `performance` is a lazy getter, ~6 ns more a read, and detectClockSkew reads both
 * clocks for every sample).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  // Linux only: there os.uptime() is CLOCK_BOOTTIME. Elsewhere it is derived from the wall clock
  // (macOS: now − boot time), so a wall step would look like a suspend.
  ...(process.platform === 'linux' ? { sinceBootMs: () => uptime() * 1000 } : {}),
};

/**
 * The wall times (ms since the epoch, as `clock` reads now) the machine booted and this process
 * started: the start times of counters that count since then (network bytes, CPU time).
 */
export const bootAndProcessStartMs = (clock: Clock): { readonly bootMs: number; readonly processMs: number } => {
  const now = clock.now();
  return { bootMs: now - (clock.sinceBootMs?.() ?? uptime() * 1000), processMs: now - process.uptime() * 1000 };
};

/**
 * asyncScheduler's timers with a clock that does not step: `now()` is the wall time when the
 * process started plus monotonic time since (performance.timeOrigin + performance.now()), so
 * scheduler times read like Unix ms but never jump. asyncScheduler's own `now()` is Date.now(),
 * and every wait computed from it — a batch's maxDelayMs, reorder's max wait, the breaker's
 * half-open wait, retry's elapsed time, the synthetic source's grid — went wrong when the wall
 * clock stepped: after a step back of 1 h, `chronoq run` queued samples and delivered none (its
 * batch timer would have waited the hour). The pipeline's (so the command's and the SDK
 * bridge's) scheduler and the synthetic source's default; an application composing the
 * operators itself should pass it too. The
 * operators' default stays asyncScheduler, which RxJS's TestScheduler.run() runs in virtual time.
 * (Its timers are Node's, which run on the monotonic clock; like it, they do not count time the
 * machine was suspended.)
 */
export const steadyScheduler: SchedulerLike = {
  now: () => performance.timeOrigin + performance.now(),
  schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'],
};

/**
 * One scheduled piece of work of unrefScheduler: a platform timer that does not keep the process
 * alive; `schedule` again from inside the work runs it again (RxJS's interval and timer do).
 */
class UnrefAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private rescheduled = false;

  constructor(private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super(() => this.clear());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.clear();
    this.rescheduled = true;
    this.timer = setTimeout(() => this.run(state), timerMs(Math.max(0, delay)));
    this.timer.unref();
    return this;
  }

  private run(state?: T): void {
    this.timer = undefined;
    this.rescheduled = false;
    try {
      this.work.call(this, state);
    } finally {
      if (!this.rescheduled) this.unsubscribe();
    }
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * steadyScheduler's time with timers that do not keep the process alive: the library's pipelines
 * (createPipeline, ChronoqMetricExporter) run on it. On steadyScheduler a reorder or batch timer was
 * armed whenever samples came, and the SDK's reader feeds one every interval, so an application
 * that had finished its work never exited. The pipeline drains at `beforeExit` instead
 * (createPipeline.ts), holding the process open while it does (platformTimers.holdOpen).
 */
export const unrefScheduler: SchedulerLike = {
  now: steadyScheduler.now,
  schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription => new UnrefAction(work).schedule(state, delay),
};

/** How long one reading of a clock may stand for later ones (detectClockSkew shares readings in a burst). */
export interface ReadingReuse {
  /** Times one reading may be handed out again. */
  readonly maxUses: number;
  /** Calls `end` once the current burst of work is over. */
  readonly onBurstEnd: (end: () => void) => void;
}

/**
 * The system clock's: samples that arrive together in one synchronous burst (a source's chunk, a
 * scrape, a batch from the SDK bridge) may share a reading, at most 64 of them and never past the
 * end of the task (a microtask then ends the burst). Two clock reads a sample were the largest
 * single cost of detectClockSkew.
 */
const SYSTEM_CLOCK_REUSE: ReadingReuse = { maxUses: 64, onBurstEnd: (end) => queueMicrotask(end) };
const reuseByClock = new WeakMap<Clock, ReadingReuse>([[systemClock, SYSTEM_CLOCK_REUSE]]);

/**
 * The reuse `clock` allows: the system clock's above, or what allowReadingReuse set; none for any
 * other clock (a scheduler's clock under TestScheduler advances inside one task, so it is read
 * every time).
 */
export const readingReuseOf = (clock: Clock): ReadingReuse | undefined => reuseByClock.get(clock);

/** Lets readings of `clock` be reused as `reuse` says (for tests that drive bursts by hand). */
export const allowReadingReuse = (clock: Clock, reuse: ReadingReuse): void => {
  reuseByClock.set(clock, reuse);
};

export interface SteppableClock extends Clock {
  /** Steps the wall clock by deltaMs (negative: backwards). The monotonic clock is unaffected. */
  step(deltaMs: number): void;
  /** Sets the wall clock so that `now()` returns wallMs at this instant. */
  setWall(wallMs: number): void;
  /** As if the machine had slept for ms just now: wall time and time since boot move on, monotonic time does not. */
  suspend(ms: number): void;
}

/**
 * A clock driven by a scheduler's `now()`: `monotonic()` is the scheduler's time, `now()` is that
 * plus a wall offset a test can step, `sinceBootMs()` that plus the time `suspend` said the
 * machine slept. Under `TestScheduler.run`, time is virtual.
 */
export const schedulerClock = (scheduler: SchedulerLike = asyncScheduler, wallStartMs = 0): SteppableClock => {
  const origin = scheduler.now();
  let offsetMs = wallStartMs - origin;
  let sleptMs = 0;
  return {
    now: () => scheduler.now() + offsetMs,
    monotonic: () => scheduler.now() - origin,
    sinceBootMs: () => scheduler.now() - origin + sleptMs,
    step: (deltaMs) => {
      offsetMs += deltaMs;
    },
    suspend: (ms) => {
      sleptMs += ms;
      offsetMs += ms;
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
    const handle = setInterval(fn, timerMs(ms));
    handle.unref?.();
    return { cancel: () => clearInterval(handle) };
  },
  /** Runs fn once after ms, if the process is still alive then for another reason (the timer itself never keeps it alive). */
  afterIfAlive: (ms: number, fn: () => void): void => {
    setTimeout(fn, timerMs(ms)).unref();
  },
  /** Keeps the process alive until the returned function is called (a drain on unrefScheduler's timers). */
  holdOpen: (): (() => void) => {
    const handle = setInterval(() => undefined, 1 << 30);
    return () => clearInterval(handle);
  },
};
