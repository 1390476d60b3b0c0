/**
 * The operators' event hooks (onSkew, onLate, onOverflow, onRetry, onBatch, onDelivered,
 * onDeadLetter, onInvalid) are the user's code, called from inside an operator while it handles
 * a sample or settles a batch. A hook that throws must not take that work down with it: before
 * this, a throwing onLate lost the sample it was told about, and a throwing onDelivered left its
 * lane busy for ever, so deliverOrdered never sent another batch nor completed.
 *
 * So a hook runs as `safeHook` makes it: what it throws is caught, the operator goes on as if the
 * hook had returned, and the error is reported the way RxJS reports errors nobody can handle
 * (`config.onUnhandledError` from 'rxjs' when set, else thrown asynchronously, which Node reports
 * as an uncaught exception), in a microtask, so the user's handler never runs inside the operator.
 *
 * The policy predicates (retryBackoff's shouldRetry, the breaker's isFailure) get the same treatment
 * through `safePredicate`, with the answer on the safe side: a throwing isFailure left a half-open
 * breaker's probe out for ever (every later attempt refused), a throwing shouldRetry left the
 * attempt neither retried nor failed.
 */
import { config } from 'rxjs';

/** Reports `error`, thrown by a hook, as RxJS reports an unhandled error. */
export const reportHookError = (error: unknown): void => {
  queueMicrotask(() => {
    const handler = config.onUnhandledError;
    if (handler) handler(error);
    else throw error;
  });
};

/**
 * `hook`, wrapped so that what it throws is reported (reportHookError) instead of thrown; undefined
 * stays undefined, so the caller's `hook?.(e)` still skips building events nobody listens to.
 */
export function safeHook<E>(hook: (e: E) => void): (e: E) => void;
export function safeHook<E>(hook: ((e: E) => void) | undefined): ((e: E) => void) | undefined;
export function safeHook<E>(hook: ((e: E) => void) | undefined): ((e: E) => void) | undefined {
  if (hook === undefined) return undefined;
  return (e) => {
    try {
      hook(e);
    } catch (error) {
      reportHookError(error);
    }
  };
}

/**
 * `predicate`, wrapped so that when it throws, the error is reported (reportHookError) and
 * `fallback` is the answer.
 */
export const safePredicate = <A>(predicate: (a: A) => boolean, fallback: boolean): ((a: A) => boolean) => (a) => {
  try {
    return predicate(a);
  } catch (error) {
    reportHookError(error);
    return fallback;
  }
};
