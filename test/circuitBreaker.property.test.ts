/**
 * Properties of the circuit breaker shared by concurrent attempts (src/breaker.ts through the
 * circuitBreaker operator), over generated schedules in virtual time: attempts that start, overlap
 * and settle (success, a retryable failure with or without the receiver's retryAfterMs, a permanent
 * rejection, or cancelled), and news that the endpoint is back (halfOpenNow). What happened is
 * logged in order and replayed through a model of DESIGN.md's rules: no attempt reaches the
 * endpoint while open; half-open lets exactly one probe through; closed → open on the
 * failureThreshold-th consecutive failure; the open wait is halfOpenAfterMs, doubled by each failed
 * probe up to maxHalfOpenAfterMs, reset by a close, and never shorter than what the receiver asked;
 * every transition is one the rules call for, at the time they call for it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Observable, VirtualTimeScheduler } from 'rxjs';
import { circuitBreaker } from '../operators/circuitBreaker.js';
import { createCircuitBreaker, type BreakerState, type ReachableNews } from '../src/breaker.js';
import { ExportError, isBrokenCircuitError } from '../src/errors.js';

const test = suite('circuit breaker properties');

type Outcome = 'ok' | 'fail' | 'permanent' | 'cancel';
interface Attempt { atMs: number; durMs: number; outcome: Outcome; askMs?: number }
interface News { atMs: number; news: ReachableNews }
type Entry =
  | { t: number; type: 'start'; i: number }
  | { t: number; type: 'settle'; i: number; outcome: Outcome; askMs?: number }
  | { t: number; type: 'broken'; retryAfterMs: number }
  | { t: number; type: 'news'; news: ReachableNews }
  | { t: number; type: 'transition'; from: BreakerState; to: BreakerState };

const attemptArb = fc.record({
  atMs: fc.integer({ min: 0, max: 200 }),
  durMs: fc.integer({ min: 0, max: 20 }),
  outcome: fc.constantFrom<Outcome>('ok', 'fail', 'fail', 'fail', 'permanent', 'cancel'),
  askMs: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});
const newsArb = fc.record({ atMs: fc.integer({ min: 0, max: 200 }), news: fc.constantFrom<ReachableNews>('connected', 'answered') });
const paramsArb = fc.record({ failureThreshold: fc.integer({ min: 1, max: 4 }), halfOpenAfterMs: fc.integer({ min: 1, max: 30 }), extraMaxMs: fc.integer({ min: 0, max: 80 }) });

/** Runs the schedule against a real breaker; returns the log in the order things happened. */
const run = (p: { failureThreshold: number; halfOpenAfterMs: number; extraMaxMs: number }, attempts: readonly Attempt[], news: readonly News[]): Entry[] => {
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  const breaker = createCircuitBreaker({ failureThreshold: p.failureThreshold, halfOpenAfterMs: p.halfOpenAfterMs, maxHalfOpenAfterMs: p.halfOpenAfterMs + p.extraMaxMs, scheduler });
  const log: Entry[] = [];
  const now = () => scheduler.now();
  breaker.state$.subscribe(({ from, to, atMs }) => log.push({ t: atMs, type: 'transition', from, to }));
  attempts.forEach((a, i) => {
    let started = false;
    const endpoint = new Observable<number>((subscriber) => {
      started = true;
      log.push({ t: now(), type: 'start', i });
      if (a.outcome === 'cancel') return undefined;
      const settle = scheduler.schedule(() => {
        log.push({ t: now(), type: 'settle', i, outcome: a.outcome, ...(a.askMs !== undefined ? { askMs: a.askMs } : {}) });
        if (a.outcome === 'ok') return subscriber.complete();
        const retryable = a.outcome === 'fail';
        subscriber.error(new ExportError(retryable ? '14 UNAVAILABLE' : '3 INVALID_ARGUMENT', { retryable, code: retryable ? 14 : 3, ...(retryable && a.askMs !== undefined ? { retryAfterMs: a.askMs } : {}) }));
      }, a.durMs);
      return () => settle.unsubscribe();
    });
    scheduler.schedule(() => {
      const sub = endpoint.pipe(circuitBreaker(breaker)).subscribe({
        error: (e: unknown) => (isBrokenCircuitError(e) ? log.push({ t: now(), type: 'broken', retryAfterMs: e.retryAfterMs }) : undefined),
      });
      if (a.outcome === 'cancel')
        scheduler.schedule(() => {
          if (started) log.push({ t: now(), type: 'settle', i, outcome: 'cancel' });
          sub.unsubscribe();
        }, a.durMs);
    }, a.atMs);
  });
  for (const n of news)
    scheduler.schedule(() => {
      log.push({ t: now(), type: 'news', news: n.news });
      breaker.halfOpenNow(n.news);
    }, n.atMs);
  scheduler.flush();
  breaker.dispose();
  return log;
};

/** Replays the log through the rules; throws (an assertion) at the first entry they do not allow. */
const check = (p: { failureThreshold: number; halfOpenAfterMs: number; extraMaxMs: number }, log: readonly Entry[]): void => {
  const h = p.halfOpenAfterMs;
  const maxWait = h + p.extraMaxMs;
  let state: BreakerState = 'closed';
  let failures = 0;
  let waitMs = h;
  let halfOpenAtMs = NaN;
  let askedUntilMs = -Infinity;
  let earlyAtMs = -Infinity;
  let probe: number | undefined;
  /** The transition the entry before called for, which must come next. */
  let expected: { from: BreakerState; to: BreakerState } | undefined;
  const open = (t: number, askMs = 0): void => {
    askedUntilMs = t + askMs;
    halfOpenAtMs = t + Math.max(waitMs, askMs);
    expected = { from: state, to: 'open' };
  };
  const close = (): void => {
    failures = 0;
    waitMs = h;
    expected = { from: 'half-open', to: 'closed' };
  };
  log.forEach((e, k) => {
    const where = `entry ${k}: ${JSON.stringify(e)}`;
    if (expected !== undefined) {
      assert.ok(e.type === 'transition' && e.from === expected.from && e.to === expected.to, `${where}: expected ${expected.from} → ${expected.to}`);
    }
    if (state === 'open' && e.t > halfOpenAtMs) assert.unreachable(`${where}: still open past ${halfOpenAtMs}`);
    switch (e.type) {
      case 'transition':
        if (expected === undefined) {
          // Only the wait's end moves open → half-open unannounced (the timer, or an attempt when due).
          assert.ok(state === 'open' && e.from === 'open' && e.to === 'half-open' && e.t === halfOpenAtMs, `${where}: not called for (state ${state}, half-open due at ${halfOpenAtMs})`);
        }
        expected = undefined;
        state = e.to;
        return;
      case 'start':
        assert.ok(state !== 'open', `${where}: reached the endpoint while open`);
        if (state === 'half-open') {
          assert.is(probe, undefined, `${where}: a second probe while half-open`);
          probe = e.i;
        }
        return;
      case 'broken':
        if (state === 'open') assert.is(e.retryAfterMs, halfOpenAtMs - e.t, `${where}: retryAfterMs is the time left until half-open`);
        else assert.ok(state === 'half-open' && probe !== undefined, `${where}: turned away while ${state}${probe === undefined ? ' with no probe out' : ''}`);
        return;
      case 'news':
        if (state === 'open' && e.t >= askedUntilMs && (e.news === 'answered' || e.t - earlyAtMs >= h)) {
          earlyAtMs = e.t;
          halfOpenAtMs = e.t;
          expected = { from: 'open', to: 'half-open' };
        }
        return;
      case 'settle':
        if (e.i === probe) {
          probe = undefined;
          if (e.outcome === 'ok' || e.outcome === 'permanent') close();
          else if (e.outcome === 'fail') {
            waitMs = Math.min(maxWait, waitMs * 2);
            open(e.t, e.askMs);
          }
          return;
        }
        if (state !== 'closed') return; // an attempt from before the breaker opened says nothing now
        if (e.outcome === 'ok') failures = 0;
        else if (e.outcome === 'fail' && ++failures >= p.failureThreshold) open(e.t, e.askMs);
    }
  });
  assert.is(expected, undefined, 'a transition called for at the end never came');
  assert.ok((state as BreakerState) !== 'open', `still open at the end (half-open was due at ${halfOpenAtMs})`);
};

test('no attempt while open, one probe while half-open, and every transition the rules call for, when they call for it', () => {
  fc.assert(
    fc.property(paramsArb, fc.array(attemptArb, { maxLength: 40 }), fc.array(newsArb, { maxLength: 6 }), (p, attempts, news) => {
      check(p, run(p, attempts, news));
    }),
    { numRuns: 3_000 },
  );
});

test('the checker catches a breaker that breaks the rules (a log with a second probe)', () => {
  const p = { failureThreshold: 1, halfOpenAfterMs: 5, extraMaxMs: 0 };
  const log = run(p, [{ atMs: 0, durMs: 0, outcome: 'fail' }, { atMs: 5, durMs: 3, outcome: 'ok' }], []);
  check(p, log);
  const probeAt = log.findIndex((e) => e.type === 'start' && e.i === 1);
  const tampered = [...log.slice(0, probeAt + 1), { t: 6, type: 'start' as const, i: 2 }, ...log.slice(probeAt + 1)];
  // uvu's throws passes its own assertion errors on, so the checker's is caught here.
  let caught: unknown;
  try {
    check(p, tampered);
  } catch (e) {
    caught = e;
  }
  assert.match(String((caught as Error | undefined)?.message), /a second probe while half-open/);
});

test.run();
