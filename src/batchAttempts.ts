/**
 * One batch's attempts in deliverOrdered: `send(batch)` behind the circuit breaker, retried by
 * retryBackoff, with what the lane needs to know when they end — how many attempts were made and
 * when the first began (Delivered's fields), whether any failed with its outcome unknown (the
 * lane then waits fenceMs before its next batch), and the latest retried failure the receiver may
 * have processed all the same (said in a refusal's detail).
 *
 * ```
 * send:      --#          --#        --|
 * attempt$:  --- (wait) ----- (wait) ----|     attempts 3, the same batch object each time
 * ```
 */
import { type Observable, type SchedulerLike, defer, tap } from 'rxjs';
import type { Sample } from './sample.js';
import type { SendBatch } from './delivery.js';
import type { CircuitBreaker } from './breaker.js';
import type { RetryEvent, RetryOptions } from '../operators/retryBackoff.js';
import { type RetriesExhaustedError, isOutcomeUnknown, isAnsweredByReceiver, isRetryable } from './errors.js';
import { circuitBreaker } from '../operators/circuitBreaker.js';
import { retryBackoff } from '../operators/retryBackoff.js';

export interface BatchAttempts {
  /** Cold: each subscription makes the attempts again from the first. deliverOrdered subscribes once. */
  readonly attempt$: Observable<unknown>;
  readonly attempts: number;
  readonly firstAttemptAtMs: number;
  /** An attempt failed with its outcome unknown: the receiver may hold the batch. */
  readonly uncertain: boolean;
  /** The latest retried failure the receiver may have processed all the same. */
  readonly mayHaveLanded: unknown;
}

export interface BatchAttemptsOptions {
  readonly breaker: CircuitBreaker;
  readonly retry: RetryOptions | undefined;
  /** One attempt a batch (guarantee at-most-once). */
  readonly atMostOnce: boolean;
  readonly retryNow$: Observable<unknown>;
  readonly scheduler: SchedulerLike;
  readonly onRetry: (e: RetryEvent) => void;
}

export const batchAttempts = (send: SendBatch, batch: readonly Sample[], opts: BatchAttemptsOptions): BatchAttempts => {
  const state = { attempts: 0, firstAttemptAtMs: 0, uncertain: false, mayHaveLanded: undefined as unknown };
  const attempt$ = defer(() => {
    if (state.attempts++ === 0) state.firstAttemptAtMs = opts.scheduler.now();
    return send(batch);
  }).pipe(
    tap({
      error: (e: unknown) => {
        state.uncertain ||= isOutcomeUnknown(e);
        if (isRetryable(e) && (isOutcomeUnknown(e) || isAnsweredByReceiver(e))) state.mayHaveLanded = e;
      },
    }),
    circuitBreaker(opts.breaker),
    retryBackoff({ ...opts.retry, ...(opts.atMostOnce ? { maxAttempts: 1 } : {}), retryNow$: opts.retryNow$, scheduler: opts.scheduler, onRetry: opts.onRetry }),
  );
  return {
    attempt$,
    get attempts() {
      return state.attempts;
    },
    get firstAttemptAtMs() {
      return state.firstAttemptAtMs;
    },
    get uncertain() {
      return state.uncertain;
    },
    get mayHaveLanded() {
      return state.mayHaveLanded;
    },
  };
};

/** The detail of the letters of a batch whose attempts ran out. */
export const exhaustedDetail = (e: RetriesExhaustedError, atMostOnce: boolean): string => {
  const limit = atMostOnce ? 'guarantee at-most-once: one attempt a batch' : e.limit;
  return `gave up after ${e.attempts} attempt(s) over ${Math.round(e.elapsedMs)} ms${limit === undefined ? '' : ` (${limit})`}: ${String((e.cause as Error)?.message ?? e.cause)}`;
};
