/**
 * detectClockSkew's per-source offsets: the incremental median and window maximum give exactly the
 * verdicts of the plain definition (every source's window maximum, the median with this clock's
 * 0, sorted afresh at each sample — what the code did, at O(sources) a sample); and sources idle
 * for an hour are forgotten once there are many.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { FORGET_AFTER_MS, SETTLE_MS, createSourceOffsets } from '../src/sourceOffsets.js';
import { plainOffsets } from './support/plainSourceOffsets.js';

const test = suite('source offsets');

test('the verdicts are the definition\'s, observation by observation', () => {
  const observation = fc.record({ source: fc.integer({ min: 0, max: 6 }), sampleMs: fc.integer({ min: -5_000, max: 5_000 }), transitMs: fc.integer({ min: 0, max: 300 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 30, 500), fc.array(observation, { maxLength: 300 }), (windowSize, settleMs, observations) => {
      const fast = createSourceOffsets({ windowSize, thresholdMs: 1_000, settleMs });
      const plain = plainOffsets(windowSize, 1_000, settleMs);
      observations.forEach((o, i) => {
        const arrivalMs = 1_000_000 + i * 10; // arrival time only goes forward
        const sampleMs = arrivalMs + o.sampleMs - o.transitMs;
        assert.equal(fast.observe(`s${o.source}`, sampleMs, arrivalMs), plain(`s${o.source}`, sampleMs, arrivalMs), `observation ${i}`);
      });
    }),
    { numRuns: 300 },
  );
});

test('sources idle for an hour are forgotten at a sweep (1 024 sources, then each time they have doubled); one that comes back starts afresh', () => {
  const offsets = createSourceOffsets({ windowSize: 4, thresholdMs: 1_000 });
  const t0 = 1_000_000;
  offsets.observe('steady', t0 + 120_000, t0); // two minutes ahead of this clock
  for (let i = 0; i < 1_023; i++) offsets.observe(`pod-${i}`, t0 + 60_000, t0); // all a minute ahead, then gone
  const half = t0 + FORGET_AFTER_MS / 2;
  offsets.observe('steady', half + 120_000, half);
  assert.is(offsets.size(), 1_024);
  assert.is(offsets.observe('steady', half + 1 + 120_000, half + 1).offsetMs, 60_000, 'the pods hold the median a minute ahead: steady is one minute off them');
  const later = t0 + FORGET_AFTER_MS + 1;
  const v = offsets.observe('new', later, later);
  assert.is(offsets.size(), 2, 'the pods, idle for over an hour, forgotten; "steady" kept');
  assert.is(v.offsetMs, 0);
  assert.is(offsets.observe('steady', later + 1 + 120_000, later + 1).offsetMs, 120_000, 'the gone pods no longer pull the median a minute ahead');
  assert.is(offsets.observe('pod-7', later + 2_000, later + 1).offsetMs, 1_999, 'a pod that comes back is estimated afresh');
});

test('old data is no clock behind: a lone source of minutes-old samples is not off (it was, against this clock alone), nor the first of several', () => {
  const offsets = createSourceOffsets({ windowSize: 8, thresholdMs: 2_000 });
  const t = 5_000_000;
  const lone = offsets.observe('a', t - 200_000, t); // read from a file written 200 s ago
  assert.equal([lone.off, lone.becameOff], [false, false]);
  for (const host of ['b', 'c']) assert.is(offsets.observe(host, t - 200_000, t + 1).off, false, `${host}: as old as a`);
  assert.is(offsets.observe('a', t - 199_000, t + 2).off, false);
  const behind = createSourceOffsets({ windowSize: 8, thresholdMs: 2_000 });
  behind.observe('a', t - 200_000, t);
  behind.observe('fresh', t + 1, t + 1);
  assert.is(behind.observe('a', t - 199_000, t + 2).off, false, 'not yet: its estimate has not held for SETTLE_MS');
  behind.observe('fresh', t + SETTLE_MS, t + SETTLE_MS);
  assert.equal(behind.observe('a', t + SETTLE_MS - 200_000, t + SETTLE_MS), { offsetMs: -199_002, off: true, becameOff: true }, 'beside a source in step with this clock, steady for 10 s: a is behind');
});

test('a lone source seen in step with this clock, then behind, had its clock set back: behind once that has held for SETTLE_MS; one that flushes a backlog is not', () => {
  const t0 = 5_000_000;
  const stepped = createSourceOffsets({ windowSize: 4, thresholdMs: 2_000 });
  for (let s = 0; s <= 10; s++) assert.is(stepped.observe('app', t0 + s * 1_000 - 30, t0 + s * 1_000).off, false, 'in step, live');
  // Set back an hour at 11 s: in step for 11 s, it sends live data, so an hour's age now is its clock.
  const verdicts = Array.from({ length: 20 }, (_, i) => stepped.observe('app', t0 + (11 + i) * 1_000 - 3_600_000 - 30, t0 + (11 + i) * 1_000));
  // Its window of 4 holds an in-step sample until the 4th, then the estimate holds for SETTLE_MS.
  assert.is(verdicts.findIndex((v) => v.off), 3 + SETTLE_MS / 1_000);
  assert.equal(verdicts.filter((v) => v.becameOff).map((v) => v.offsetMs), [-3_600_030]);
  const flushed = createSourceOffsets({ windowSize: 4, thresholdMs: 2_000 });
  for (let s = 0; s <= 10; s++) flushed.observe('app', t0 + s * 1_000 - 30, t0 + s * 1_000);
  // Away 10 minutes, then its queue flushed in 1.2 s, then live again.
  const at = t0 + 610_000;
  const flush = Array.from({ length: 600 }, (_, i) => flushed.observe('app', at - 600_000 + i * 1_000, at + i * 2));
  const after = Array.from({ length: 20 }, (_, i) => flushed.observe('app', at + 2_000 + i * 1_000 - 30, at + 2_000 + i * 1_000));
  assert.is([...flush, ...after].filter((v) => v.off).length, 0);
  const never = createSourceOffsets({ windowSize: 4, thresholdMs: 2_000 });
  const old = Array.from({ length: 30 }, (_, i) => never.observe('file', t0 + i * 1_000 - 3_600_000, t0 + i * 1_000));
  assert.is(old.filter((v) => v.off).length, 0, 'never seen in step (a file of hour-old data read at its pace): no evidence');
});

test('a backlog flushed at once among live sources (a shipper emptying its queue after an outage) is no clock behind: its samples keep their times (they were re-stamped to their arrival)', () => {
  const offsets = createSourceOffsets({ windowSize: 32, thresholdMs: 2_000 });
  const t0 = 5_000_000;
  const live = (at: number) => ['a', 'b', 'c'].forEach((host) => offsets.observe(host, at - 50, at));
  for (let s = 0; s < 30; s++) live(t0 + s * 1_000);
  const flushAt = t0 + 30_000;
  const verdicts = Array.from({ length: 600 }, (_, i) => offsets.observe('shipper', flushAt - 600_000 + i * 1_000, flushAt + i * 2)); // 10 minutes of samples in 1.2 s
  assert.is(verdicts.filter((v) => v.off).length, 0);
  for (let s = 1; s <= 15; s++) {
    live(flushAt + s * 1_000);
    assert.is(offsets.observe('shipper', flushAt + s * 1_000 - 80, flushAt + s * 1_000).off, false, 'live again');
  }
  // A clock 90 s behind, live, is still found — once its estimate has held for SETTLE_MS.
  const late: boolean[] = [];
  for (let s = 1; s <= 15; s++) late.push(offsets.observe('slow-clock', flushAt + s * 1_000 - 90_000, flushAt + s * 1_000).off);
  assert.equal(late.indexOf(true), SETTLE_MS / 1_000);
  // A delay spike moves its estimate by 3 s: it stays off (its samples went back 90 s uncorrected
  // for the next 10 s, and were late), and is not reported again.
  const t = flushAt + 16_000;
  const spiked = Array.from({ length: 40 }, (_, i) => offsets.observe('slow-clock', t + i * 100 - 90_000 - 3_000, t + i * 100));
  assert.ok(spiked.every((v) => v.off && !v.becameOff));
});

test('a source in step with this clock is not off when the others read a backlog (it was "ahead" by the backlog\'s age); one ahead of both is off by the nearer', () => {
  const offsets = createSourceOffsets({ windowSize: 8, thresholdMs: 2_000 });
  const t = 5_000_000;
  for (const host of ['old-1', 'old-2', 'old-3']) offsets.observe(host, t - 300_000, t);
  assert.equal(offsets.observe('live', t, t), { offsetMs: 0, off: false, becameOff: false });
  assert.equal(offsets.observe('ahead', t + 60_000, t), { offsetMs: 60_000, off: true, becameOff: true }, 'a minute ahead of this clock, six ahead of the backlog: re-stamped by a minute');
});

test('a lone source is judged behind only after it was in step with this clock for SETTLE_MS: one live sample before old data is not enough', () => {
  const t = 5_000_000;
  const run = (liveMs: number) => {
    const offsets = createSourceOffsets({ windowSize: 1, thresholdMs: 2_000 });
    for (let ms = 0; ms <= liveMs; ms += 1_000) offsets.observe('a', t + ms, t + ms); // live: in step with this clock
    const from = t + liveMs + 1;
    offsets.observe('a', from - 200_000, from); // then samples 200 s old, for SETTLE_MS and more
    return offsets.observe('a', from + SETTLE_MS - 200_000, from + SETTLE_MS).off;
  };
  assert.is(run(0), false, 'one live sample: the old data may be a backlog');
  assert.is(run(SETTLE_MS), true, 'live for 10 s, then 200 s behind: its clock was set back');
});

test('a window of 0 observations (or a fraction) is one: the estimate follows the newest', () => {
  for (const windowSize of [0, 0.5]) {
    const offsets = createSourceOffsets({ windowSize, thresholdMs: 1_000 });
    assert.is(offsets.observe('a', 1_005_000, 1_000_000).offsetMs, 5_000, String(windowSize));
    assert.is(offsets.observe('a', 1_000_001, 1_000_001).offsetMs, 0, String(windowSize));
  }
});

test.run();
