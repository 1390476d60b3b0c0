/**
 * reorderByEventTime arms its max-wait timer only while it holds samples, and a timer due releases
 * what is due. A timer armed again and again — with nothing buffered, or at a deadline it did not
 * release — runs for ever: under TestScheduler every marble of the operator hangs (its run never
 * ends), and in a process a timer every tick keeps it busy and alive. Its own file, with a
 * scheduler that counts, so that such a fault fails here at once instead.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { right } from 'fp-ts/lib/Either.js';
import { NEVER, type SchedulerLike, concat, of } from 'rxjs';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { pendingActions, sample, testScheduler } from './support/marbles.js';

const test = suite('reorderByEventTime: no timer while idle');
const R = (t: number) => right(sample(t));

test('once everything buffered is released, no timer is left armed', () => {
  const virtual = testScheduler();
  let armed = 0;
  // Fails, rather than runs for ever, should a timer be armed again and again.
  const scheduler: SchedulerLike = {
    now: () => virtual.now(),
    schedule: (...args: Parameters<SchedulerLike['schedule']>) => {
      if (++armed > 100) throw new Error('a timer armed again and again');
      return virtual.schedule(...args);
    },
  };
  const out: Routed<Sample>[] = [];
  const sub = concat(of(R(5), R(3)), NEVER).pipe(reorderByEventTime({ maxDelayMs: 5, scheduler })).subscribe((x) => out.push(x));
  virtual.flush();
  assert.is(out.length, 2, 'both released by the max-wait timer');
  assert.is(pendingActions(virtual), 0);
  sub.unsubscribe();
});

test.run();
