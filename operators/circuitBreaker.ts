import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { CircuitBreaker } from '../src/breaker.js';

/**
 * Guards an attempt observable with a shared circuit breaker. While the breaker is open (or
 * half-open with its one probe taken) subscribing errors at once with BrokenCircuitError
 * { retryAfterMs } without subscribing to the source. Otherwise the attempt runs, and its
 * completion (success) or error (failure, if the breaker's isFailure says so) is recorded.
 *
 * ```
 * failureThreshold 2, halfOpenAfterMs 5; each attempt errors with a retryable e
 * attempt 1: #          attempt 2: #  (open)     attempt 3: B  (BrokenCircuitError, source untouched)
 * state$:    closed ──2 failures──► open ──5 ms──► half-open ──probe ok──► closed
 * ```
 *
 * @example
 * const breaker = createCircuitBreaker({ failureThreshold: 5, halfOpenAfterMs: 5_000 });
 * defer(() => send(batch)).pipe(circuitBreaker(breaker), retryBackoff())
 */
export function circuitBreaker<T>(breaker: CircuitBreaker): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const acquired = breaker.acquire();
      if (isLeft(acquired)) {
        subscriber.error(acquired.left);
        return undefined;
      }
      const permit = acquired.right;
      const inner = source.subscribe({
        next: (v) => subscriber.next(v),
        error: (e: unknown) => {
          permit.failed(e);
          subscriber.error(e);
        },
        complete: () => {
          permit.succeeded();
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        permit.cancelled();
      };
    });
}
