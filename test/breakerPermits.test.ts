/**
 * createCircuitBreaker's permits used directly through `acquire()` (src/breaker.ts), as an
 * operator of an application's own would use them, in virtual time: a permit settles once; a
 * permit cancelled that was not the probe leaves the probe's place taken; while the probe is out
 * the others are told to come back within a second; a probe taken at the instant the wait ends,
 * ahead of the breaker's own timer, is not followed by a half-open from that timer; and
 * maxHalfOpenAfterMs below halfOpenAfterMs does not shorten the wait.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualTimeScheduler } from 'rxjs';
import { type BreakerPermit, type BreakerTransition, type CircuitBreaker, createCircuitBreaker } from '../src/breaker.js';
import { BrokenCircuitError, ExportError } from '../src/errors.js';

const test = suite('circuit breaker permits');
const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });

/** The permit `acquire` gave, or a failure saying it was refused. */
const permitOf = (b: CircuitBreaker): BreakerPermit => {
  const r = b.acquire();
  if (r._tag === 'Left') throw new Error(`refused: ${r.left.message}`);
  return r.right;
};

/** A breaker that opens at its first failure, on a virtual clock; its transitions recorded. */
const setup = (opts: { halfOpenAfterMs?: number; maxHalfOpenAfterMs?: number } = {}) => {
  const scheduler = new VirtualTimeScheduler();
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 5_000, ...opts, scheduler });
  const transitions: BreakerTransition[] = [];
  breaker.state$.subscribe((t) => transitions.push(t));
  return { scheduler, breaker, transitions };
};

test('a permit settles once: a failure told after its success is not counted', () => {
  const { breaker } = setup();
  const p = permitOf(breaker);
  p.succeeded();
  p.failed(unavailable);
  assert.is(breaker.state, 'closed');
});

test('while the probe is out, a cancelled permit that was not the probe leaves its place taken; the others are told to come back within a second', () => {
  const { scheduler, breaker } = setup({ halfOpenAfterMs: 30_000 });
  const earlier = permitOf(breaker); // taken while closed, still out
  permitOf(breaker).failed(unavailable);
  scheduler.flush();
  assert.is(breaker.state, 'half-open');
  permitOf(breaker); // the probe
  earlier.cancelled();
  const refused = breaker.acquire();
  assert.ok(refused._tag === 'Left' && refused.left instanceof BrokenCircuitError, 'one probe at a time');
  assert.is(refused._tag === 'Left' ? refused.left.retryAfterMs : undefined, 1_000, 'the probe answers soon: not the 30 s wait');
});

test("a probe taken at the instant the wait ends, ahead of the breaker's own timer, and answered: the breaker stays closed when that timer's time comes", () => {
  const { scheduler, breaker, transitions } = setup();
  // Scheduled before the failure, so it runs before the breaker's timer at 5 000 ms.
  scheduler.schedule(() => permitOf(breaker).succeeded(), 5_000);
  permitOf(breaker).failed(unavailable);
  scheduler.flush();
  assert.is(breaker.state, 'closed');
  assert.equal(transitions.map((t) => [t.to, t.atMs]), [['open', 0], ['half-open', 5_000], ['closed', 5_000]]);
});

test('maxHalfOpenAfterMs below halfOpenAfterMs does not shorten the wait after a failed probe', () => {
  const { scheduler, breaker, transitions } = setup({ halfOpenAfterMs: 10_000, maxHalfOpenAfterMs: 5_000 });
  permitOf(breaker).failed(unavailable);
  scheduler.schedule(() => permitOf(breaker).failed(unavailable), 10_000);
  scheduler.maxFrames = 40_000;
  scheduler.flush();
  assert.equal(transitions.map((t) => [t.to, t.atMs]), [['open', 0], ['half-open', 10_000], ['open', 10_000], ['half-open', 20_000]]);
});

test.run();
