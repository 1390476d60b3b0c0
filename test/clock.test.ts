/** The system clock's time since boot (what detectClockSkew credits as sleep) runs with its monotonic clock. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../src/clock.js';

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

test.run();
