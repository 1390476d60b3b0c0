/**
 * A circuit breaker shared by every lane of a delivery: closed → open after failureThreshold
 * consecutive failures; open → half-open on a timer; half-open lets exactly one probe through;
 * the probe's success closes it (and resets the wait), its failure re-opens it with the wait
 * doubled up to maxHalfOpenAfterMs. Guard an attempt with the `circuitBreaker` operator.
 * `halfOpenNow()` ends an open wait early when there is news that the endpoint is back (the OTLP
 * sink's `reachable$`: its connection is up again), so recovery does not wait out a wait that has
 * doubled to a minute. A failure whose receiver asked for a delay (RetryInfo: `retryAfterMs`)
 * keeps it open at least that long, early news included: its half-open woke every waiting lane,
 * and the probe went before the delay the receiver had asked for (a rate-limited receiver asking
 * for 30 s was probed at 5, 15 and 35 s).
 */
import { type Observable, type SchedulerLike, type Subscription, Subject, asyncScheduler } from 'rxjs';
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import { BrokenCircuitError, isRetryable, retryAfterMsOf } from './errors.js';
import { safePredicate } from './hooks.js';
import { timerMs } from './clock.js';
import { numberOption } from './options.js';

const OP = 'createCircuitBreaker';

export type BreakerState = 'closed' | 'open' | 'half-open';
/** What says an endpoint is back: its connection came up, or it answered after a silence. */
export type ReachableNews = 'connected' | 'answered';

export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly atMs: number;
}

export interface CircuitBreakerOptions {
  readonly failureThreshold?: number;
  readonly halfOpenAfterMs?: number;
  readonly maxHalfOpenAfterMs?: number;
  /** Which errors say the endpoint is unhealthy. Default: retryable errors. One that throws is reported and counts as a failure. */
  readonly isFailure?: (e: unknown) => boolean;
  readonly scheduler?: SchedulerLike;
}

/** Leave to make one attempt; settle it exactly once. */
export interface BreakerPermit {
  succeeded(): void;
  failed(error: unknown): void;
  /** The attempt was abandoned (unsubscribed) before it settled: it says nothing about health. */
  cancelled(): void;
}

export interface CircuitBreaker {
  readonly state: BreakerState;
  readonly state$: Observable<BreakerTransition>;
  /** A permit, or the BrokenCircuitError to fail the attempt with (used by `circuitBreaker`). */
  acquire(): Either<BrokenCircuitError, BreakerPermit>;
  /**
   * Open → half-open at once, as if the wait were over (the next attempt is the probe): for a
   * sign the endpoint is back. `'connected'` (the default), the sink's connection came up again:
   * nothing within halfOpenAfterMs of the last early half-open, so that a connection that comes
   * up and fails again and again (a load balancer with no healthy backend) does not earn a probe
   * each time. `'answered'`, the receiver answered a request after a silence (a hung collector
   * resumed): that limit does not hold it back — a connection that had come up just before, while
   * the receiver still hung, held the answer back for the whole wait (a minute at most).
   * Otherwise (closed, half-open) nothing.
   */
  halfOpenNow(news?: ReachableNews): void;
  /** Cancels the half-open timer and completes state$. */
  dispose(): void;
}

export const createCircuitBreaker = (opts: CircuitBreakerOptions = {}): CircuitBreaker => {
  const failureThreshold = Math.max(1, numberOption(OP, 'failureThreshold', opts.failureThreshold, 5));
  const initialWaitMs = numberOption(OP, 'halfOpenAfterMs', opts.halfOpenAfterMs, 5_000);
  const maxWaitMs = Math.max(initialWaitMs, numberOption(OP, 'maxHalfOpenAfterMs', opts.maxHalfOpenAfterMs, 60_000));
  const isFailure = opts.isFailure === undefined ? isRetryable : safePredicate(opts.isFailure, true);
  const scheduler = opts.scheduler ?? asyncScheduler;
  const transitions = new Subject<BreakerTransition>();

  let state: BreakerState = 'closed';
  let failures = 0;
  let waitMs = initialWaitMs;
  let halfOpenAtMs = 0;
  let probeOut = false;
  let timer: Subscription | undefined;
  let earlyAtMs = -Infinity;

  const moveTo = (to: BreakerState): void => {
    const from = state;
    if (from === to) return;
    state = to;
    transitions.next({ from, to, atMs: scheduler.now() });
  };
  /** Until when (scheduler time, ms) the receiver asked not to be sent to. */
  let askedUntilMs = -Infinity;
  const open = (error: unknown): void => {
    probeOut = false;
    const now = scheduler.now();
    askedUntilMs = now + (retryAfterMsOf(error) ?? 0);
    const forMs = Math.max(waitMs, askedUntilMs - now);
    halfOpenAtMs = now + forMs;
    timer?.unsubscribe();
    timer = scheduler.schedule(() => {
      timer = undefined;
      moveTo('half-open');
    }, timerMs(forMs));
    moveTo('open');
  };
  const close = (): void => {
    probeOut = false;
    failures = 0;
    waitMs = initialWaitMs;
    moveTo('closed');
  };

  const permit = (isProbe: boolean): BreakerPermit => {
    let settled = false;
    const settle = (f: () => void) => () => {
      if (settled) return;
      settled = true;
      f();
    };
    return {
      succeeded: settle(() => (isProbe || state === 'closed' ? close() : undefined)),
      failed: (error) =>
        settle(() => {
          if (!isFailure(error)) {
            // The endpoint answered: a permanent rejection is not a sign of ill health.
            if (isProbe) close();
            return;
          }
          if (isProbe) {
            waitMs = Math.min(maxWaitMs, waitMs * 2);
            return open(error);
          }
          if (state === 'closed' && ++failures >= failureThreshold) open(error);
        })(),
      cancelled: settle(() => {
        if (isProbe) probeOut = false;
      }),
    };
  };

  return {
    get state() {
      return state;
    },
    state$: transitions.asObservable(),
    acquire() {
      if (state === 'open' && scheduler.now() >= halfOpenAtMs) {
        // Due: do not let a same-instant race with the timer turn an attempt away.
        timer?.unsubscribe();
        timer = undefined;
        moveTo('half-open');
      }
      if (state === 'closed') return right(permit(false));
      if (state === 'half-open' && !probeOut) {
        probeOut = true;
        return right(permit(true));
      }
      const untilProbeMs = state === 'open' ? Math.max(0, halfOpenAtMs - scheduler.now()) : Math.min(waitMs, 1_000);
      return left(new BrokenCircuitError(untilProbeMs));
    },
    halfOpenNow(news: ReachableNews = 'connected') {
      if (state !== 'open' || scheduler.now() < askedUntilMs || (news === 'connected' && scheduler.now() - earlyAtMs < initialWaitMs)) return;
      earlyAtMs = scheduler.now();
      timer?.unsubscribe();
      timer = undefined;
      halfOpenAtMs = scheduler.now();
      moveTo('half-open');
    },
    dispose() {
      timer?.unsubscribe();
      timer = undefined;
      transitions.complete();
    },
  };
};
