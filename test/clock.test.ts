/** The system clock's time since boot (what detectClockSkew credits as sleep) runs with its monotonic clock; the unref'd scheduler of the library's pipelines. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { interval, lastValueFrom, take, timer, toArray } from 'rxjs';
import { clockNowNanos, platformTimers, steadyScheduler, systemClock, unrefScheduler } from '../src/clock.js';
import { msToNanos, nanosToMs } from '../src/sample.js';

const test = suite('clock');

test('systemClock.sinceBootMs on Linux: defined, and sinceBoot − monotonic stays put while the machine is awake (it grows only by sleep)', async () => {
  if (process.platform !== 'linux') return void assert.is(systemClock.sinceBootMs, undefined, 'only Linux has CLOCK_BOOTTIME behind os.uptime()');
  const since = systemClock.sinceBootMs!;
  const gap0 = since() - systemClock.monotonic();
  await new Promise((r) => setTimeout(r, 300));
  const gap1 = since() - systemClock.monotonic();
  // os.uptime() has 10 ms resolution; a clock derived from the wall clock would move with NTP and steps.
  assert.ok(Math.abs(gap1 - gap0) < 30, `moved by ${gap1 - gap0} ms`);
  assert.ok(since() > 0);
});

test('unrefScheduler: timer and interval run on it, a cancelled action does not run, and its timers do not keep the process alive', async () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const release = platformTimers.holdOpen(); // the test waits on them: nothing else would keep it alive
  const before = timeouts();
  assert.equal(await lastValueFrom(interval(5, unrefScheduler).pipe(take(3), toArray())), [0, 1, 2]);
  let ran = false;
  const action = unrefScheduler.schedule(() => void (ran = true), 10);
  assert.is(timeouts(), before, 'an armed timer of it is not one the process waits for');
  action.unsubscribe();
  const keep = platformTimers.holdOpen();
  assert.is(timeouts(), before + 1, 'holdOpen is');
  keep();
  assert.is(await lastValueFrom(timer(20, unrefScheduler)), 0);
  assert.is(ran, false, 'cancelled before it was due');
  assert.ok(Math.abs(unrefScheduler.now() - steadyScheduler.now()) < 5, 'steadyScheduler\'s time');
  release();
});

test('msToNanos keeps a fraction of a millisecond (to the nanosecond), as clockNowNanos does of a clock that has one; nanosToMs goes back', () => {
  assert.is(msToNanos(1_764_064_800_000), 1_764_064_800_000_000_000n);
  assert.is(msToNanos(1.5), 1_500_000n);
  assert.is(msToNanos(2.000001), 2_000_001n);
  assert.is(clockNowNanos({ now: () => 1_764_064_800_000.25, monotonic: () => 0 }), 1_764_064_800_000_250_000n);
  assert.is(nanosToMs(1_500_000n), 1.5);
  assert.is(nanosToMs(1_764_064_800_000_000_000n), 1_764_064_800_000);
});

test.run();
