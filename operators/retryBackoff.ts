import { Observable, type MonoTypeOperatorFunction, type ObservableInput, type SchedulerLike, type Subscription, asyncScheduler, from } from 'rxjs';
import { RetriesExhaustedError, isBrokenCircuitError, isRetryable, retryAfterMsOf } from '../src/errors.js';
import { safeHook, safePredicate } from '../src/hooks.js';
import { timerMs } from '../src/clock.js';
import { numberOption } from '../src/options.js';

export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

export interface RetryEvent {
  /** The attempt that just failed (1-based); the wait below comes before attempt + 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly multiplier?: number;
  readonly jitter?: Jitter;
  /** Counts every attempt, the first included. Default Infinity. */
  readonly maxAttempts?: number;
  /** No attempt starts later than this after the first. Default Infinity. */
  readonly maxElapsedMs?: number;
  /** Default: isRetryable(e), true when e.retryable === true. One that throws is reported and answers false. */
  readonly shouldRetry?: (e: unknown) => boolean;
  readonly random?: () => number;
  readonly scheduler?: SchedulerLike;
  readonly onRetry?: (e: RetryEvent) => void;
  /**
   * While a retry waits, an emission starts it at once: news that waiting longer is pointless.
   * deliverOrdered passes its breaker's moves out of 'open', so lanes held back by an open
   * breaker try again as soon as it half-opens or closes. Emissions during the subscription
   * itself (a replaying subject) are ignored, and so are those before the delay a receiver asked
   * for (an error's retryAfterMs) has passed.
   */
  readonly retryNow$?: ObservableInput<unknown>;
}

/** The wait before retry n (1-based), per the jitter mode; `previousMs` feeds 'decorrelated'. */
export const backoffDelayMs = (
  n: number,
  previousMs: number,
  o: { initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: Jitter; random: () => number },
): number => {
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** (n - 1));
  switch (o.jitter) {
    case 'none':
      return base;
    case 'full':
      return o.random() * base;
    case 'equal':
      return base / 2 + (o.random() * base) / 2;
    case 'decorrelated':
      return Math.min(o.maxDelayMs, o.initialDelayMs + o.random() * (3 * previousMs - o.initialDelayMs));
  }
};

/**
 * The numeric retry options with their defaults; one that is not a number throws
 * InvalidOptionError (src/options.ts) — here, or in deliverOrdered when it is made.
 */
export const checkRetryOptions = (opts: RetryOptions, operator = 'retryBackoff', prefix = '') => ({
  initialDelayMs: numberOption(operator, `${prefix}initialDelayMs`, opts.initialDelayMs, 500),
  maxDelayMs: numberOption(operator, `${prefix}maxDelayMs`, opts.maxDelayMs, 30_000),
  multiplier: numberOption(operator, `${prefix}multiplier`, opts.multiplier, 2),
  maxAttempts: numberOption(operator, `${prefix}maxAttempts`, opts.maxAttempts, Infinity),
  maxElapsedMs: numberOption(operator, `${prefix}maxElapsedMs`, opts.maxElapsedMs, Infinity),
});

/**
 * Retries a cold attempt observable with exponential backoff: on a retryable error it waits, then
 * resubscribes to the same source, so the same payload, timestamps included, is sent again bit
 * for bit. A non-retryable error passes unchanged; when attempts run out, or the next attempt
 * would start after maxElapsedMs, it errors with RetriesExhaustedError { attempts, elapsedMs,
 * cause }. A BrokenCircuitError costs no attempt: it waits its retryAfterMs (elapsed time counts).
 * An emission of `retryNow$` ends a wait early — not before a receiver's retryAfterMs has passed.
 *
 * ```
 * jitter 'none', initialDelayMs 2, multiplier 2, maxAttempts 3; each attempt fails with a retryable e
 * attempts: a-----b-------c
 *           └2ms┘ └─4ms─┘ ↓
 * result:   ---------------#   RetriesExhaustedError { attempts: 3, elapsedMs: 6, cause: e }
 * ```
 *
 * @example
 * defer(() => send(batch)).pipe(retryBackoff({ initialDelayMs: 500, maxDelayMs: 30_000, maxAttempts: 10 }))
 */
export function retryBackoff<T>(opts: RetryOptions = {}): MonoTypeOperatorFunction<T> {
  const { initialDelayMs, maxDelayMs, multiplier, maxAttempts, maxElapsedMs } = checkRetryOptions(opts);
  const o = { initialDelayMs, maxDelayMs, multiplier, jitter: opts.jitter ?? 'full', random: opts.random ?? Math.random };
  // A shouldRetry that throws is reported and answers "no": the error passes on (src/hooks.ts).
  const shouldRetry = opts.shouldRetry === undefined ? isRetryable : safePredicate(opts.shouldRetry, false);
  const scheduler = opts.scheduler ?? asyncScheduler;
  const onRetry = safeHook(opts.onRetry);

  return (source) =>
    new Observable<T>((subscriber) => {
      const startMs = scheduler.now();
      let attempts = 0;
      let previousMs = o.initialDelayMs;
      let inner: Subscription | undefined;
      let timer: Subscription | undefined;
      let wake: Subscription | undefined;
      let lastError: unknown;

      const exhausted = (cause: unknown, limit: string): void =>
        subscriber.error(new RetriesExhaustedError(attempts, scheduler.now() - startMs, cause, limit));
      const pastElapsed = (delayMs: number): string => `the next attempt, ${Math.round(delayMs)} ms later, would start past maxElapsedMs ${maxElapsedMs}`;
      /** `askedMs`: the receiver's RetryInfo; `retryNow$` does not end the wait before it. */
      const wait = (delayMs: number, askedMs = 0): void => {
        if (scheduler.now() - startMs + delayMs > maxElapsedMs) return exhausted(lastError, pastElapsed(delayMs));
        const notBeforeMs = scheduler.now() + askedMs;
        let waiting = true;
        const resume = (): void => {
          if (!waiting) return;
          waiting = false;
          timer?.unsubscribe();
          timer = undefined;
          wake?.unsubscribe();
          wake = undefined;
          subscribe();
        };
        timer = scheduler.schedule(resume, timerMs(delayMs));
        if (opts.retryNow$ !== undefined) {
          let subscribing = true;
          // One that errors only stops waking waits early: the timer still runs (without an error
          // callback RxJS threw it as an uncaught exception).
          const sub = from(opts.retryNow$).subscribe({ next: () => (subscribing || scheduler.now() < notBeforeMs ? undefined : resume()), error: () => undefined });
          subscribing = false;
          if (waiting) wake = sub;
          else sub.unsubscribe();
        }
      };
      const onError = (e: unknown): void => {
        if (isBrokenCircuitError(e)) {
          // No attempt was made; keep the last real failure as the cause if we give up now.
          if (lastError === undefined) lastError = e;
          return wait(Math.max(0, e.retryAfterMs));
        }
        attempts++;
        lastError = e;
        if (!shouldRetry(e)) return subscriber.error(e);
        if (attempts >= maxAttempts) return exhausted(e, `maxAttempts ${maxAttempts}`);
        const jittered = backoffDelayMs(attempts, previousMs, o);
        previousMs = jittered;
        const askedMs = retryAfterMsOf(e) ?? 0;
        const delayMs = timerMs(Math.max(jittered, askedMs));
        if (scheduler.now() - startMs + delayMs > maxElapsedMs) return exhausted(e, pastElapsed(delayMs));
        onRetry?.({ attempt: attempts, delayMs, error: e });
        wait(delayMs, askedMs);
      };
      const subscribe = (): void => {
        inner = source.subscribe({
          next: (v) => subscriber.next(v),
          // What a user's function throws here (random) ends the attempt with it, as in RxJS's own operators.
          error: (e: unknown) => {
            try {
              onError(e);
            } catch (thrown) {
              subscriber.error(thrown);
            }
          },
          complete: () => subscriber.complete(),
        });
      };
      subscribe();
      return () => {
        inner?.unsubscribe();
        timer?.unsubscribe();
        wake?.unsubscribe();
      };
    });
}
