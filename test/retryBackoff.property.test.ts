/**
 * Properties of retryBackoff over generated attempt histories in virtual time, against DESIGN.md's
 * rules written out as a model: when each attempt starts, what onRetry reports, and how it ends —
 * the success, the permanent error unchanged, or RetriesExhaustedError with the attempts made and
 * the time elapsed. Each attempt takes its own time and then succeeds, fails retryably (with or
 * without the receiver's retryAfterMs), fails permanently, or is turned away by an open breaker
 * (BrokenCircuitError: no attempt counted, its retryAfterMs waited, elapsed time counting); and
 * `retryNow$` (deliverOrdered's news that its breaker left 'open') ends waits early — never before
 * the receiver's retryAfterMs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Observable, Subject, VirtualTimeScheduler } from 'rxjs';
import { retryBackoff, type Jitter, type RetryEvent } from '../operators/retryBackoff.js';
import { BrokenCircuitError, ExportError, isRetriesExhaustedError } from '../src/errors.js';

const test = suite('retryBackoff properties');

type Outcome = { kind: 'ok' } | { kind: 'fail'; askMs?: number } | { kind: 'permanent' } | { kind: 'broken'; retryAfterMs: number };
interface Options {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: Jitter;
  maxAttempts: number;
  maxElapsedMs: number;
}
type End = { kind: 'complete' } | { kind: 'error'; error: unknown } | { kind: 'exhausted'; attempts: number; elapsedMs: number; cause: unknown };
interface Trace { startsAt: number[]; retries: Omit<RetryEvent, 'error'>[]; end: End; endAt: number }

const outcomeArb: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'ok' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('fail' as const), askMs: fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: undefined }) }, { requiredKeys: ['kind'] }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'permanent' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('broken' as const), retryAfterMs: fc.integer({ min: 0, max: 2_000 }) }) },
);
const optionsArb: fc.Arbitrary<Options> = fc.record({
  initialDelayMs: fc.integer({ min: 1, max: 500 }),
  maxDelayMs: fc.integer({ min: 1, max: 5_000 }),
  multiplier: fc.constantFrom(1, 1.5, 2, 3),
  jitter: fc.constantFrom<Jitter>('none', 'full', 'equal', 'decorrelated'),
  maxAttempts: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Infinity)),
  maxElapsedMs: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(Infinity)),
});
const historyArb = fc.array(fc.record({ durMs: fc.integer({ min: 0, max: 300 }), outcome: outcomeArb }), { minLength: 1, maxLength: 14 });
const randomsArb = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 8 });
/** When retryNow$ emits: never at the very time of another event (which of two same-time actions runs first is not the rule's to say). */
const wakesArb = fc.array(fc.integer({ min: 0, max: 20_000 }).map((ms) => ms + 0.123457), { maxLength: 6 });

const errorOf = (o: Outcome, i: number): unknown =>
  o.kind === 'broken' ? new BrokenCircuitError(o.retryAfterMs)
  : o.kind === 'permanent' ? new ExportError(`3 INVALID_ARGUMENT #${i}`, { retryable: false, code: 3 })
  : new ExportError(`14 UNAVAILABLE #${i}`, { retryable: true, code: 14, ...(o.kind === 'fail' && o.askMs !== undefined ? { retryAfterMs: o.askMs } : {}) });

/** Runs the history through retryBackoff; the subscription after the last one in the history succeeds. */
const actual = (opts: Options, history: readonly { durMs: number; outcome: Outcome }[], randoms: readonly number[], wakes: readonly number[]): Trace => {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const retryNow$ = new Subject<void>();
  for (const w of wakes) scheduler.schedule(() => retryNow$.next(), w);
  const errors = history.map((h, i) => errorOf(h.outcome, i));
  let n = 0;
  let r = 0;
  const trace: Trace = { startsAt: [], retries: [], end: { kind: 'complete' }, endAt: NaN };
  const attempt = new Observable<never>((subscriber) => {
    const i = n++;
    trace.startsAt.push(scheduler.now());
    const h = history[i] ?? { durMs: 0, outcome: { kind: 'ok' as const } };
    return scheduler.schedule(() => (h.outcome.kind === 'ok' ? subscriber.complete() : subscriber.error(errors[i])), h.durMs);
  });
  attempt
    .pipe(retryBackoff({ ...opts, scheduler, retryNow$, random: () => randoms[r++ % randoms.length]!, onRetry: ({ attempt: a, delayMs }) => trace.retries.push({ attempt: a, delayMs }) }))
    .subscribe({
      complete: () => ((trace.end = { kind: 'complete' }), (trace.endAt = scheduler.now())),
      error: (e: unknown) => {
        trace.endAt = scheduler.now();
        trace.end = isRetriesExhaustedError(e) ? { kind: 'exhausted', attempts: e.attempts, elapsedMs: e.elapsedMs, cause: e.cause } : { kind: 'error', error: e };
      },
    });
  scheduler.flush();
  return { ...trace, end: trace.end.kind === 'error' ? { kind: 'error', error: errors.indexOf(trace.end.error) } : trace.end.kind === 'exhausted' ? { ...trace.end, cause: errors.indexOf(trace.end.cause) } : trace.end };
};

/** DESIGN.md's rules, step by step. Errors are named by their index in the history. */
const model = (o: Options, history: readonly { durMs: number; outcome: Outcome }[], randoms: readonly number[], wakes: readonly number[]): Trace => {
  /** A wait of delayMs from t ends then, or at the first wake within it that is not before askedMs. */
  const waited = (t: number, delayMs: number, askedMs: number): number => Math.min(t + delayMs, ...wakes.filter((w) => w > t && w >= t + askedMs));
  let r = 0;
  const random = () => randoms[r++ % randoms.length]!;
  const trace: Trace = { startsAt: [], retries: [], end: { kind: 'complete' }, endAt: NaN };
  let t = 0;
  let attempts = 0;
  let previousMs = o.initialDelayMs;
  let lastError: number | undefined;
  const end = (e: End, at: number): Trace => ({ ...trace, end: e, endAt: at });
  for (let i = 0; ; i++) {
    trace.startsAt.push(t);
    const h = history[i] ?? { durMs: 0, outcome: { kind: 'ok' as const } };
    t += h.durMs;
    const out = h.outcome;
    if (out.kind === 'ok') return end({ kind: 'complete' }, t);
    if (out.kind === 'broken') {
      lastError ??= i;
      if (t + out.retryAfterMs > o.maxElapsedMs) return end({ kind: 'exhausted', attempts, elapsedMs: t, cause: lastError }, t);
      t = waited(t, out.retryAfterMs, 0);
      continue;
    }
    attempts++;
    lastError = i;
    if (out.kind === 'permanent') return end({ kind: 'error', error: i }, t);
    if (attempts >= o.maxAttempts) return end({ kind: 'exhausted', attempts, elapsedMs: t, cause: i }, t);
    const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** (attempts - 1));
    const jittered =
      o.jitter === 'none' ? base
      : o.jitter === 'full' ? random() * base
      : o.jitter === 'equal' ? base / 2 + (random() * base) / 2
      : Math.min(o.maxDelayMs, o.initialDelayMs + random() * (3 * previousMs - o.initialDelayMs));
    previousMs = jittered;
    const delayMs = Math.max(jittered, out.askMs ?? 0);
    if (t + delayMs > o.maxElapsedMs) return end({ kind: 'exhausted', attempts, elapsedMs: t, cause: i }, t);
    trace.retries.push({ attempt: attempts, delayMs });
    t = waited(t, delayMs, out.askMs ?? 0);
  }
};

test('attempt times, onRetry events and the ending follow the rules, for every jitter mode, with waits woken early', () => {
  fc.assert(
    fc.property(optionsArb, historyArb, randomsArb, wakesArb, (opts, history, randoms, wakes) => {
      assert.equal(actual(opts, history, randoms, wakes), model(opts, history, randoms, wakes));
    }),
    { numRuns: 3_000 },
  );
});

test.run();
