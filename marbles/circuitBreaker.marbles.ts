import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { circuitBreaker } from '../operators/circuitBreaker.js';
import { createCircuitBreaker, type BreakerTransition, type ReachableNews } from '../src/breaker.js';
import { ExportError, BrokenCircuitError } from '../src/errors.js';
import { testScheduler, pendingActions } from '../test/support/marbles.js';

const test = suite('circuitBreaker');
const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
const badRequest = new ExportError('3 INVALID_ARGUMENT', { retryable: false, code: 3 });

test('closed → open after failureThreshold consecutive failures; open fails fast without subscribing', () => {
  const transitions: BreakerTransition[] = [];
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 5 });
    breaker.state$.subscribe((t) => transitions.push(t));
    const attempt = cold<string>('#', undefined, unavailable);
    const guarded = attempt.pipe(circuitBreaker(breaker));
    expectObservable(guarded, '^').toBe('#', undefined, unavailable);
    expectObservable(guarded, '-^').toBe('-#', undefined, unavailable);
    expectObservable(guarded, '--^').toBe('--#', undefined, new BrokenCircuitError(4));
    expectObservable(guarded, '----^').toBe('----#', undefined, new BrokenCircuitError(2));
    expectSubscriptions(attempt.subscriptions).toBe(['(^!)', '-(^!)']);
  });
  assert.equal(transitions, [
    { from: 'closed', to: 'open', atMs: 1 },
    { from: 'open', to: 'half-open', atMs: 6 },
  ]);
});

test('a success resets the failure count; permanent rejections do not count', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    const fail = cold<string>('#', undefined, unavailable).pipe(circuitBreaker(breaker));
    const ok = cold<string>('(a|)', { a: 'ok' }).pipe(circuitBreaker(breaker));
    const reject = cold<string>('#', undefined, badRequest).pipe(circuitBreaker(breaker));
    expectObservable(fail, '^').toBe('#', undefined, unavailable);
    expectObservable(ok, '-^').toBe('-(a|)', { a: 'ok' });
    expectObservable(fail, '--^').toBe('--#', undefined, unavailable);
    expectObservable(reject, '---^').toBe('---#', undefined, badRequest);
    expectObservable(reject, '----^').toBe('----#', undefined, badRequest);
    // still closed: only one retryable failure since the success
    expectObservable(ok, '-----^').toBe('-----(a|)', { a: 'ok' });
  });
});

test('half-open on a timer; exactly one probe; probe success closes and resets the wait', () => {
  const transitions: BreakerTransition[] = [];
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 4 });
    breaker.state$.subscribe((t) => transitions.push(t));
    const fail = cold<string>('#', undefined, unavailable);
    const slowOk = cold<string>('--(a|)', { a: 'ok' });
    expectObservable(fail.pipe(circuitBreaker(breaker)), '^').toBe('#', undefined, unavailable);
    // t=4 half-open: the first subscriber is the probe, the second is turned away
    expectObservable(slowOk.pipe(circuitBreaker(breaker)), '----^').toBe('------(a|)', { a: 'ok' });
    expectObservable(slowOk.pipe(circuitBreaker(breaker)), '-----^').toBe('-----#', undefined, new BrokenCircuitError(4));
    expectSubscriptions(slowOk.subscriptions).toBe('----^-!');
    // closed again at 6, then a new failure re-opens with the initial wait (4), not a doubled one
    expectObservable(fail.pipe(circuitBreaker(breaker)), '-------^').toBe('-------#', undefined, unavailable);
    expectObservable(fail.pipe(circuitBreaker(breaker)), '--------^').toBe('--------#', undefined, new BrokenCircuitError(3));
  });
  assert.equal(transitions.map((t) => `${t.atMs}:${t.to}`), ['0:open', '4:half-open', '6:closed', '7:open', '11:half-open']);
});

test('probe failure re-opens with the wait doubled, capped at maxHalfOpenAfterMs', () => {
  const transitions: BreakerTransition[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 2, maxHalfOpenAfterMs: 6 });
    breaker.state$.subscribe((t) => transitions.push(t));
    const fail = cold<string>('#', undefined, unavailable).pipe(circuitBreaker(breaker));
    // open at 0 (wait 2) → probe at 2 fails (wait 4) → probe at 6 fails (wait 6, capped) → probe at 12 fails (wait 6)
    for (const at of [0, 2, 6, 12]) expectObservable(fail, `${at}ms ^`).toBe(`${at}ms #`, undefined, unavailable);
    expectObservable(fail, '13ms ^').toBe('13ms #', undefined, new BrokenCircuitError(5));
  });
  assert.equal(transitions.map((t) => `${t.atMs}:${t.to}`), [
    '0:open', '2:half-open', '2:open', '6:half-open', '6:open', '12:half-open', '12:open', '18:half-open',
  ]);
});

test('breaker.state follows the transitions; dispose cancels the half-open timer', () => {
  const scheduler = testScheduler();
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 100, scheduler });
  assert.is(breaker.state, 'closed');
  const acquired = breaker.acquire();
  assert.ok(acquired._tag === 'Right');
  if (acquired._tag === 'Right') acquired.right.failed(unavailable);
  assert.is(breaker.state, 'open');
  assert.ok(pendingActions(scheduler) > 0);
  breaker.dispose();
  assert.is(pendingActions(scheduler), 0);
});

test('an abandoned probe frees the half-open slot', () => {
  const scheduler = testScheduler();
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 1, scheduler });
  const first = breaker.acquire();
  if (first._tag === 'Right') first.right.failed(unavailable);
  scheduler.flush();
  assert.is(breaker.state, 'half-open');
  const probe = breaker.acquire();
  assert.is(probe._tag, 'Right');
  assert.is(breaker.acquire()._tag, 'Left');
  if (probe._tag === 'Right') probe.right.cancelled();
  assert.is(breaker.acquire()._tag, 'Right');
});

test('an attempt unsubscribed from (a timeout, a shutdown) is unsubscribed from its source, and a probe so abandoned frees the slot', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 2 });
    const fail = cold<string>('#', undefined, unavailable).pipe(circuitBreaker(breaker));
    const hung = cold<string>('------a');
    const ok = cold<string>('(a|)');
    expectObservable(fail, '^').toBe('#', undefined, unavailable);
    expectObservable(hung.pipe(circuitBreaker(breaker)), '--^-!').toBe('----');
    expectObservable(ok.pipe(circuitBreaker(breaker)), '-----^').toBe('-----(a|)');
    expectSubscriptions(hung.subscriptions).toBe('--^-!');
  });
});

test('halfOpenNow: an open breaker half-opens at once and lets the probe through; its timer is cancelled; closed or half-open, nothing happens', () => {
  const transitions: BreakerTransition[] = [];
  testScheduler().run(({ cold, expectObservable, flush }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 50 });
    breaker.state$.subscribe((t) => transitions.push(t));
    breaker.halfOpenNow(); // closed: nothing
    const fail = cold<string>('#', undefined, unavailable);
    const ok = cold<string>('(a|)', { a: 'ok' });
    expectObservable(fail.pipe(circuitBreaker(breaker)), '^').toBe('#', undefined, unavailable);
    // open until 50; at 3 the connection is back: half-open now, the next attempt is the probe
    cold('---x').subscribe(() => breaker.halfOpenNow());
    expectObservable(ok.pipe(circuitBreaker(breaker)), '--^').toBe('--#', undefined, new BrokenCircuitError(48));
    expectObservable(ok.pipe(circuitBreaker(breaker)), '----^').toBe('----(a|)', { a: 'ok' });
    flush();
    assert.is(breaker.state, 'closed');
  });
  // the open timer (due at 50) was cancelled: no second half-open
  assert.equal(transitions, [
    { from: 'closed', to: 'open', atMs: 0 },
    { from: 'open', to: 'half-open', atMs: 3 },
    { from: 'half-open', to: 'closed', atMs: 4 },
  ]);
});

/**
 * A breaker (threshold 1, halfOpenAfterMs 10) open at 0, half-opened early by news of a connection
 * at 2, its probe failing at 3 (open, timer at 23); then `later` news at each of its frames.
 */
const earlyHalfOpens = (later: Readonly<Record<string, ReachableNews>>): string[] => {
  const transitions: BreakerTransition[] = [];
  testScheduler().run(({ cold, expectObservable, flush }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 10, maxHalfOpenAfterMs: 100 });
    breaker.state$.subscribe((t) => transitions.push(t));
    const fail = cold<string>('#', undefined, unavailable).pipe(circuitBreaker(breaker));
    expectObservable(fail, '^').toBe('#', undefined, unavailable); // open at 0 (timer: 10)
    cold('--x').subscribe(() => breaker.halfOpenNow()); // 2: half-open now ('connected' by default)
    expectObservable(fail, '---^').toBe('---#', undefined, unavailable); // 3: the probe fails, open (timer: 23)
    for (const [marbles, news] of Object.entries(later)) cold(marbles).subscribe(() => breaker.halfOpenNow(news));
    flush();
  });
  return transitions.map((t) => `${t.to}@${t.atMs}`);
};

test("a failure with the receiver's retryAfterMs (RetryInfo) keeps the breaker open at least that long, halfOpenNow included; it half-opened after halfOpenAfterMs and its probe went before the asked-for delay", () => {
  const transitions: BreakerTransition[] = [];
  const slowDown = new ExportError('8 RESOURCE_EXHAUSTED', { retryable: true, code: 8, retryAfterMs: 30 });
  testScheduler().run(({ cold, expectObservable, flush }) => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 5 });
    breaker.state$.subscribe((t) => transitions.push(t));
    expectObservable(cold<string>('#', undefined, slowDown).pipe(circuitBreaker(breaker)), '^').toBe('#', undefined, slowDown);
    cold('----------x').subscribe(() => breaker.halfOpenNow('answered')); // at 10: too early
    expectObservable(cold<string>('(a|)', { a: 'ok' }).pipe(circuitBreaker(breaker)), '------^').toBe('------#', undefined, new BrokenCircuitError(24));
    // The probe at 30 fails without a delay asked for: open for the doubled wait, 10.
    expectObservable(cold<string>('#', undefined, unavailable).pipe(circuitBreaker(breaker)), '30ms ^').toBe('30ms #', undefined, unavailable);
    flush();
  });
  assert.equal(transitions, [
    { from: 'closed', to: 'open', atMs: 0 },
    { from: 'open', to: 'half-open', atMs: 30 },
    { from: 'half-open', to: 'open', atMs: 30 },
    { from: 'open', to: 'half-open', atMs: 40 },
  ]);
});

test('halfOpenNow at most once per halfOpenAfterMs: a connection that keeps coming up and failing does not earn a probe each time', () => {
  // 5: within 10 of the last early one: nothing; 12: half-open now
  assert.equal(earlyHalfOpens({ '-----x': 'connected', '------------x': 'connected' }), ['open@0', 'half-open@2', 'open@3', 'half-open@12']);
});

test("halfOpenNow('answered') is not held back by that limit: a receiver that answers after a silence is back, although its connection came up (and failed) just before — a hung collector resuming waited out the whole wait", () => {
  // 5: a connection, within 10 of the last early one: nothing; 6: the receiver answered: half-open now
  assert.equal(earlyHalfOpens({ '-----x': 'connected', '------x': 'answered' }), ['open@0', 'half-open@2', 'open@3', 'half-open@6']);
});

test.run();
