/** The system clock's time since boot (what detectClockSkew credits as sleep) runs with its monotonic clock; the unref'd scheduler of the library's pipelines and the platform timers; the tests' scheduler clock; ms ↔ ns. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SchedulerAction, type SchedulerLike, interval, lastValueFrom, take, timeout, timer, toArray } from 'rxjs';
import { bootAndProcessStartMs, clockNowNanos, platformTimers, schedulerClock, steadyScheduler, systemClock, unrefScheduler } from '../src/clock.js';
import { msToNanos, nanosToMs } from '../src/sample.js';
import { sleep, until } from './support/cli.js';

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
  // Each tick within 5 s, or the test fails (an interval that stopped after its first tick hung it).
  assert.equal(await lastValueFrom(interval(5, unrefScheduler).pipe(take(3), timeout({ each: 5_000 }), toArray())), [0, 1, 2]);
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

test('unrefScheduler actions: a schedule from the work replaces one still armed, the action closes when its work schedules nothing more, and one unsubscribed in its work does not run again', async () => {
  const release = platformTimers.holdOpen();
  const runs: number[] = [];
  const action = unrefScheduler.schedule(function (this: SchedulerAction<number>, state?: number) {
    runs.push(state!);
    if (state === 0) {
      this.schedule(1, 40);
      this.schedule(2, 5); // replaces the one for 40 ms
    }
  }, 0, 0);
  await until('the rescheduled run', () => runs.length >= 2);
  await sleep(60);
  assert.equal(runs, [0, 2], 'once per schedule that was not replaced');
  assert.ok(action.closed, 'closed after a run that scheduled nothing more');
  const stopped: number[] = [];
  unrefScheduler.schedule(function (this: SchedulerAction<number>, state?: number) {
    stopped.push(state!);
    this.unsubscribe();
    this.schedule(1, 1);
  }, 0, 0);
  await sleep(40);
  assert.equal(stopped, [0], 'a schedule after its own unsubscribe does nothing');
  release();
});

test('platformTimers.every and afterIfAlive do not keep the process alive; cancel stops every', async () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const release = platformTimers.holdOpen();
  const before = timeouts();
  let ticks = 0;
  const every = platformTimers.every(5, () => ticks++);
  platformTimers.afterIfAlive(60_000, () => undefined);
  assert.is(timeouts(), before, 'neither is a timer the process waits for');
  await until('two ticks', () => ticks >= 2);
  every.cancel();
  const seen = ticks;
  await sleep(30);
  assert.is(ticks, seen, 'no tick after cancel');
  release();
});

test('schedulerClock: setWall sets now() whenever it is called; bootAndProcessStartMs subtracts time since boot and the process\'s uptime from the wall clock', () => {
  let t = 100;
  const scheduler: SchedulerLike = { now: () => t, schedule: () => { throw new Error('not used'); } };
  const clock = schedulerClock(scheduler, 1_000);
  t = 350;
  assert.is(clock.now(), 1_250);
  clock.setWall(5_000);
  assert.is(clock.now(), 5_000, 'at this instant, not at the clock\'s origin');
  assert.is(clock.monotonic(), 250);
  const wall = { now: () => 1_764_064_800_000, monotonic: () => 0, sinceBootMs: () => 7_000 };
  const upBefore = process.uptime();
  const r = bootAndProcessStartMs(wall);
  const upAfter = process.uptime();
  assert.is(r.bootMs, 1_764_064_800_000 - 7_000);
  assert.ok(r.processMs >= 1_764_064_800_000 - upAfter * 1000 && r.processMs <= 1_764_064_800_000 - upBefore * 1000, `process start ${r.processMs}`);
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
