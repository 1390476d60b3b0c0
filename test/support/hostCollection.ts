/**
 * The host source's first collection in virtual time (TestScheduler), for tests of what it reads:
 * connections off (they are read off the event loop), everything else as `opts` says.
 */
import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { hostSamples, type HostSourceOptions } from '../../src/sources/host.js';
import { schedulerClock } from '../../src/clock.js';
import type { Sample } from '../../src/sample.js';

export const firstCollection = (opts: HostSourceOptions): Sample[] => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    hostSamples({ intervalMs: 10_000, clock: schedulerClock(scheduler, Date.UTC(2026, 11, 5)), scheduler, connections: false, ...opts }).pipe(take(500)).subscribe((s) => out.push(s));
  });
  return out.filter((s) => s.timeUnixNano === out[0]!.timeUnixNano);
};
