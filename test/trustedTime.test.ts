/**
 * Trusted time on its own (src/trustedTime.ts), on clocks made by hand: the machine's sleep is
 * followed once, not again at a later step; the time since boot is looked at only when the clock
 * moved by more than a glance, so its jitter does not creep into trusted time; a small step back
 * ends its "below the threshold" state with its slew; a floor raised leaves the reading consistent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createTrustedTime } from '../src/trustedTime.js';

const test = suite('trusted time');
const W = 1_764_064_800_000;
const OPTS = { stepThresholdMs: 1_000, maxSlewPpm: 50_000 };

/** A clock whose wall, monotonic and since-boot readings a test moves. */
const handClock = () => {
  const c = { wall: W, mono: 0, boot: 1_000 };
  return {
    c,
    clock: { now: () => c.wall, monotonic: () => c.mono, sinceBootMs: () => c.boot },
    /** Time passes awake. */
    pass: (ms: number) => void ((c.wall += ms), (c.mono += ms), (c.boot += ms)),
  };
};

test('a sleep is followed once (no step); a wall step after it is a step of its own size, not the sleep again', () => {
  const { c, clock, pass } = handClock();
  const t = createTrustedTime(clock, OPTS);
  assert.is(t.read().trustedMs, W);
  c.wall += 10_000; // asleep for 10 s: wall and since-boot move on, monotonic does not
  c.boot += 10_000;
  const woke = t.read();
  assert.equal([woke.trustedMs, woke.stepDeltaMs], [W + 10_000, undefined]);
  pass(1_000);
  c.wall += 2_000; // then NTP steps the wall clock 2 s forward
  const stepped = t.read();
  assert.is(stepped.stepDeltaMs, 2_000);
  // Trusted time goes on from the 11 s awake and asleep, slewing towards the stepped wall (5 % of the 1 s since): 11.05 s.
  assert.is(stepped.trustedMs, W + 11_050);
});

test("the time since boot's jitter between readings is no sleep: trusted time stays on the wall clock", () => {
  const { c, clock } = handClock();
  const t = createTrustedTime(clock, OPTS);
  let last = t.read();
  for (let i = 0; i < 2_000; i++) {
    c.boot += i % 2 === 0 ? 0.05 : -0.05; // read a little apart from the monotonic clock, each way
    last = t.read();
  }
  assert.ok(Math.abs(last.trustedMs - c.wall) < 0.5, `${last.trustedMs - c.wall} ms off`);
});

test('a step back below the threshold: stepping and below the threshold until the slew has caught up, then neither, at that reading', () => {
  const { c, clock, pass } = handClock();
  const t = createTrustedTime(clock, OPTS);
  t.read();
  c.wall -= 500;
  const back = t.read();
  assert.equal([back.stepping, back.belowThreshold, back.stepDeltaMs], [true, true, undefined]);
  pass(20_000); // 5 % of 20 s: more than the 500 ms to catch up
  const caughtUp = t.read();
  assert.equal([caughtUp.stepping, caughtUp.belowThreshold, caughtUp.trustedMs], [false, false, c.wall]);
});

test('a since-boot reading behind the monotonic clock (its coarse resolution) is no sleep backwards: trusted time is not set back by it', () => {
  const { c, clock, pass } = handClock();
  const t = createTrustedTime(clock, OPTS);
  t.read();
  pass(1_000);
  c.boot -= 10; // since boot read 10 ms short
  c.wall += 500; // and the wall clock 500 ms ahead (no step): slewed towards at 5 % of the 1 s, 50 ms
  assert.is(t.read().trustedMs, W + 1_050);
});

test('a step back caught up exactly by the slew of that reading ends the stepping there', () => {
  const { c, clock, pass } = handClock();
  const t = createTrustedTime(clock, OPTS);
  t.read();
  c.wall -= 500;
  t.read();
  pass(10_000); // 5 % of 10 s: the 500 ms, to the ms
  const caughtUp = t.read();
  assert.equal([caughtUp.stepping, caughtUp.belowThreshold, caughtUp.trustedMs], [false, false, c.wall]);
});

test('raiseTo keeps the last reading consistent: its error is wall minus the raised trusted time', () => {
  const { clock } = handClock();
  const t = createTrustedTime(clock, OPTS);
  const r = t.read();
  t.raiseTo(r.trustedMs + 500);
  assert.equal([r.trustedMs, r.errorMs], [W + 500, -500]);
});

test.run();
