import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BehaviorSubject, Subject, config, defer, of, throwError, type Observable } from 'rxjs';
import { retryBackoff, backoffDelayMs, type RetryEvent } from '../operators/retryBackoff.js';
import { ExportError, BrokenCircuitError, RetriesExhaustedError } from '../src/errors.js';
import { testScheduler, pendingActions } from '../test/support/marbles.js';

const test = suite('retryBackoff');
const unavailable = new ExportError('14 UNAVAILABLE: connection refused', { retryable: true, code: 14 });
const badRequest = new ExportError('3 INVALID_ARGUMENT: bad metric', { retryable: false, code: 3 });

/** A cold attempt whose n-th subscription (0-based) does what script[n] says. */
const scripted = (script: (() => Observable<string>)[]) => {
  let n = 0;
  return defer(() => script[Math.min(n++, script.length - 1)]!());
};

test("exact attempt times: 'none' jitter, multiplier 2, maxAttempts 3 → RetriesExhaustedError", () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const attempt = cold<string>('#', undefined, unavailable);
    const result = attempt.pipe(retryBackoff({ initialDelayMs: 2, multiplier: 2, jitter: 'none', maxAttempts: 3 }));
    expectObservable(result).toBe('------#', undefined, new RetriesExhaustedError(3, 6, unavailable, 'maxAttempts 3'));
    expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '--(^!)', '------(^!)']);
  });
});

test('the same payload is resent: a retry resubscribes to the same cold attempt, and success ends it', () => {
  const payload = { timeUnixNano: 1_764_064_800_123_456_789n };
  const seen: unknown[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const attempt = scripted([() => throwError(() => unavailable), () => throwError(() => unavailable), () => cold('-(a|)', { a: 'ok' })]);
    const result = defer(() => {
      seen.push(payload);
      return attempt;
    }).pipe(retryBackoff({ initialDelayMs: 3, jitter: 'none' }));
    // attempts at 0, 3 (wait 3), 9 (wait 6); the third answers after 1 ms
    expectObservable(result).toBe('----------(a|)', { a: 'ok' });
  });
  assert.is(seen.length, 3);
  assert.ok(seen.every((p) => p === payload), 'every attempt sends the same object');
});

test('multiplier and cap: delays 10, 30, 50, 50', () => {
  const events: RetryEvent[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const attempt = cold<string>('#', undefined, unavailable);
    const result = attempt.pipe(retryBackoff({ initialDelayMs: 10, multiplier: 3, maxDelayMs: 50, jitter: 'none', maxAttempts: 5, onRetry: (e) => events.push(e) }));
    expectObservable(result).toBe('140ms #', undefined, new RetriesExhaustedError(5, 140, unavailable, 'maxAttempts 5'));
  });
  assert.equal(events.map((e) => [e.attempt, e.delayMs]), [[1, 10], [2, 30], [3, 50], [4, 50]]);
  assert.ok(events.every((e) => e.error === unavailable));
});

test('the defaults: from 500 ms, doubling, up to 30 s', () => {
  const events: RetryEvent[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const attempt = cold<string>('#', undefined, unavailable);
    const result = attempt.pipe(retryBackoff({ jitter: 'none', maxAttempts: 9, onRetry: (e) => events.push(e) }));
    expectObservable(result).toBe('91500ms #', undefined, new RetriesExhaustedError(9, 91_500, unavailable, 'maxAttempts 9'));
  });
  assert.equal(events.map((e) => e.delayMs), [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
});

test('jitter modes with an injected random', () => {
  const o = { initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, random: () => 0.5 };
  assert.is(backoffDelayMs(3, 0, { ...o, jitter: 'none' }), 400);
  assert.is(backoffDelayMs(3, 0, { ...o, jitter: 'full' }), 200);
  assert.is(backoffDelayMs(3, 0, { ...o, jitter: 'equal' }), 300);
  // decorrelated: min(max, initial + random·(3·previous − initial))
  assert.is(backoffDelayMs(3, 400, { ...o, jitter: 'decorrelated' }), 100 + 0.5 * (1200 - 100));
  assert.is(backoffDelayMs(9, 9_000, { ...o, jitter: 'decorrelated' }), 10_000);
  assert.is(backoffDelayMs(20, 0, { ...o, jitter: 'none' }), 10_000, 'capped');
});

test("'full' jitter (the default) delays in virtual time follow the random sequence", () => {
  for (const jitter of [{ jitter: 'full' as const }, {}]) {
    const randoms = [0.25, 0.5, 1];
    testScheduler().run(({ cold, expectSubscriptions, expectObservable }) => {
      const attempt = cold<string>('#', undefined, unavailable);
      const result = attempt.pipe(retryBackoff({ initialDelayMs: 8, ...jitter, maxAttempts: 4, random: () => randoms.shift()! }));
      // waits 0.25·8 = 2, 0.5·16 = 8, 1·32 = 32
      expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '--(^!)', '----------(^!)', '42ms (^!)']);
      expectObservable(result).toBe('42ms #', undefined, new RetriesExhaustedError(4, 42, unavailable, 'maxAttempts 4'));
    });
  }
});

test('retryAfterMs raises the delay to at least that', () => {
  testScheduler().run(({ cold, expectSubscriptions }) => {
    const slowDown = new ExportError('8 RESOURCE_EXHAUSTED', { retryable: true, code: 8, retryAfterMs: 7 });
    const attempt = cold<string>('#', undefined, slowDown);
    attempt.pipe(retryBackoff({ initialDelayMs: 2, jitter: 'none', maxAttempts: 2 })).subscribe({ error: () => undefined });
    expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '-------(^!)']);
  });
});

test('a retryAfterMs that is no delay (Infinity, NaN, below 0) is not taken: the backoff waits as it would without one', () => {
  for (const retryAfterMs of [Infinity, NaN, -5]) {
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const odd = new ExportError('8 RESOURCE_EXHAUSTED', { retryable: true, code: 8, retryAfterMs });
      const attempt = cold<string>('#', undefined, odd);
      attempt.pipe(retryBackoff({ initialDelayMs: 2, jitter: 'none', maxAttempts: 2 })).subscribe({ error: () => undefined });
      // Taken as a delay, Infinity would hold the batch for the longest timer (~24.8 days).
      expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '--(^!)']);
    });
  }
});

test('maxElapsedMs: no attempt starts after it (the error says which limit ended the retries)', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const attempt = cold<string>('#', undefined, unavailable);
    const result = attempt.pipe(retryBackoff({ initialDelayMs: 4, multiplier: 1, jitter: 'none', maxElapsedMs: 10 }));
    expectObservable(result).toBe('--------#', undefined, new RetriesExhaustedError(3, 8, unavailable, 'the next attempt, 4 ms later, would start past maxElapsedMs 10'));
    expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '----(^!)', '--------(^!)']);
  });
});

test('maxElapsedMs to the millisecond: an attempt may start at it, not a millisecond after; onRetry tells only the retries made', () => {
  for (const [maxElapsedMs, starts] of [[12, ['(^!)', '----(^!)', '--------(^!)', '------------(^!)']], [11, ['(^!)', '----(^!)', '--------(^!)']]] as const) {
    const retries: number[] = [];
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const attempt = cold<string>('#', undefined, unavailable);
      attempt.pipe(retryBackoff({ initialDelayMs: 4, multiplier: 1, jitter: 'none', maxElapsedMs, onRetry: (e) => retries.push(e.attempt) }))
        .subscribe({ error: () => undefined });
      expectSubscriptions(attempt.subscriptions).toBe([...starts]);
    });
    assert.equal(retries, starts.slice(1).map((_, i) => i + 1), `maxElapsedMs ${maxElapsedMs}`);
  }
});

test('a non-retryable error passes unchanged, after one attempt', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const attempt = cold<string>('-#', undefined, badRequest);
    expectObservable(attempt.pipe(retryBackoff({ initialDelayMs: 1 }))).toBe('-#', undefined, badRequest);
    expectSubscriptions(attempt.subscriptions).toBe('^!');
  });
});

test('shouldRetry decides; an unbranded error with retryable: true counts (another copy of the library)', () => {
  testScheduler().run(({ cold, expectSubscriptions }) => {
    const foreign = Object.assign(new Error('UNAVAILABLE'), { retryable: true });
    const attempt = cold<string>('#', undefined, foreign);
    attempt.pipe(retryBackoff({ initialDelayMs: 1, jitter: 'none', maxAttempts: 2 })).subscribe({ error: () => undefined });
    expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '-(^!)']);
    const never = cold<string>('#', undefined, unavailable);
    never.pipe(retryBackoff({ shouldRetry: () => false })).subscribe({ error: () => undefined });
    expectSubscriptions(never.subscriptions).toBe('(^!)');
  });
});

test('a shouldRetry that throws answers "no" (src/hooks.ts reports what it threw): the error passes, not retried', async () => {
  const reported: unknown[] = [];
  config.onUnhandledError = (e) => reported.push(e);
  try {
    testScheduler().run(({ cold, expectObservable }) => {
      const attempt = cold<string>('#', undefined, unavailable);
      const throwing = (): boolean => {
        throw new Error("a bug in the application's predicate");
      };
      expectObservable(attempt.pipe(retryBackoff({ shouldRetry: throwing, initialDelayMs: 1, jitter: 'none', maxAttempts: 2 }))).toBe('#', undefined, unavailable);
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reported.map((e) => (e as Error).message), ["a bug in the application's predicate"]);
  } finally {
    config.onUnhandledError = null;
  }
});

test('a BrokenCircuitError waits its retryAfterMs and costs no attempt', () => {
  testScheduler().run(({ expectObservable }) => {
    const attempt = scripted([
      () => throwError(() => unavailable),
      () => throwError(() => new BrokenCircuitError(5)),
      () => throwError(() => new BrokenCircuitError(5)),
      () => throwError(() => unavailable),
    ]);
    // attempt 1 fails at 0, retry after 1 → broken at 1 (wait 5) → broken at 6 (wait 5) → attempt 2 at 11 fails: maxAttempts 2
    const result = attempt.pipe(retryBackoff({ initialDelayMs: 1, jitter: 'none', maxAttempts: 2 }));
    expectObservable(result).toBe('11ms #', undefined, new RetriesExhaustedError(2, 11, unavailable, 'maxAttempts 2'));
  });
});

test('retryNow$ ends a wait early (the breaker half-opened); emissions outside a wait and during the subscription are ignored', () => {
  testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const attempt = scripted([
      () => throwError(() => new BrokenCircuitError(20)),
      () => throwError(() => unavailable),
      () => cold('(a|)', { a: 'ok' }),
    ]);
    // turned away at 0 (wait 20); retryNow$ at 4 → attempt at 4 fails (wait 10); nothing wakes it → ok at 14
    const now$ = hot('----x---------------x');
    const result = attempt.pipe(retryBackoff({ initialDelayMs: 10, jitter: 'none', retryNow$: now$ }));
    expectObservable(result).toBe('14ms (a|)', { a: 'ok' });
    expectSubscriptions(now$.subscriptions).toBe(['^---!', '----^---------!']);
  });
  // A retryNow$ that emits as it is subscribed (a replaying subject) does not turn the wait into a loop.
  testScheduler().run(({ cold, expectObservable }) => {
    const attempt = scripted([() => throwError(() => new BrokenCircuitError(5)), () => cold('(a|)', { a: 'ok' })]);
    const replaying = new BehaviorSubject('x');
    expectObservable(attempt.pipe(retryBackoff({ retryNow$: replaying }))).toBe('5ms (a|)', { a: 'ok' });
  });
  // A retryNow$ that errors wakes nothing more, and its error goes nowhere (it was thrown as an uncaught exception): the wait runs out.
  testScheduler().run(({ cold, expectObservable }) => {
    const attempt = scripted([() => throwError(() => unavailable), () => cold('(a|)', { a: 'ok' })]);
    const failing$ = cold('--#', undefined, new Error('signal source gone'));
    expectObservable(attempt.pipe(retryBackoff({ initialDelayMs: 10, jitter: 'none', retryNow$: failing$ }))).toBe('10ms (a|)', { a: 'ok' });
  });
});

test("retryNow$ does not end a wait before the receiver's retryAfterMs (RetryInfo); after it, it does", () => {
  testScheduler().run(({ cold, hot, expectObservable }) => {
    const slowDown = new ExportError('8 RESOURCE_EXHAUSTED', { retryable: true, code: 8, retryAfterMs: 10 });
    const attempt = scripted([() => throwError(() => slowDown), () => cold('(a|)', { a: 'ok' })]);
    // The wait is max(jittered 30, asked 10) = 30: the wake at 4 is before the 10 asked for
    // (it started the attempt at 4), the one at 12 is after it.
    const now$ = hot('----x-------x');
    expectObservable(attempt.pipe(retryBackoff({ initialDelayMs: 30, jitter: 'none', retryNow$: now$ }))).toBe('12ms (a|)', { a: 'ok' });
  });
});

test('a wait ended early by retryNow$ leaves no timer behind (a pending 30 s timer kept a finished process alive)', () => {
  const scheduler = testScheduler();
  const now$ = new Subject<void>();
  const attempt = scripted([() => throwError(() => unavailable), () => of('ok')]);
  const got: string[] = [];
  attempt.pipe(retryBackoff({ initialDelayMs: 30_000, jitter: 'none', retryNow$: now$, scheduler })).subscribe((v) => got.push(v));
  assert.is(pendingActions(scheduler), 1, 'the wait');
  now$.next();
  assert.equal(got, ['ok']);
  assert.is(pendingActions(scheduler), 0);
});

test('unsubscribed: an attempt in flight is cancelled, and during a wait retryNow$ is let go and starts nothing', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const attempt = cold<string>('-----a');
    expectObservable(attempt.pipe(retryBackoff({})), '^--!').toBe('');
    expectSubscriptions(attempt.subscriptions).toBe('^--!');
  });
  const now$ = new Subject<void>();
  let attempts = 0;
  const sub = defer(() => (attempts++, throwError(() => unavailable))).pipe(retryBackoff({ initialDelayMs: 50, retryNow$: now$, scheduler: testScheduler() })).subscribe({ error: () => undefined });
  assert.ok(now$.observed, 'waiting');
  sub.unsubscribe();
  assert.not.ok(now$.observed);
  now$.next();
  assert.is(attempts, 1);
});

test('unsubscribe cancels the pending retry', () => {
  const scheduler = testScheduler();
  const sub = throwError(() => unavailable).pipe(retryBackoff({ initialDelayMs: 50, scheduler })).subscribe({ error: () => undefined });
  assert.ok(pendingActions(scheduler) > 0);
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test.run();
