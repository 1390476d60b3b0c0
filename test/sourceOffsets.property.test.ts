/**
 * detectClockSkew's per-source offsets: the incremental median and window maximum give exactly the
 * verdicts of the plain definition (every source's window maximum, the median with this clock's
 * 0, sorted afresh at each sample — what the code did, at O(sources) a sample); and sources idle
 * for an hour are forgotten once there are many.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { FORGET_AFTER_MS, createSourceOffsets } from '../src/sourceOffsets.js';
import { plainOffsets } from './support/plainSourceOffsets.js';

const test = suite('source offsets');

test('the verdicts are the definition\'s, observation by observation', () => {
  const observation = fc.record({ source: fc.integer({ min: 0, max: 6 }), sampleMs: fc.integer({ min: -5_000, max: 5_000 }), transitMs: fc.integer({ min: 0, max: 300 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(observation, { maxLength: 300 }), (windowSize, observations) => {
      const fast = createSourceOffsets({ windowSize, thresholdMs: 1_000 });
      const plain = plainOffsets(windowSize, 1_000);
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
  offsets.observe('steady', t0, t0);
  for (let i = 0; i < 1_023; i++) offsets.observe(`pod-${i}`, t0 + 60_000, t0); // all a minute ahead, then gone
  const half = t0 + FORGET_AFTER_MS / 2;
  offsets.observe('steady', half, half);
  assert.is(offsets.size(), 1_024);
  assert.is(offsets.observe('steady', half + 1, half + 1).offsetMs, -60_000, 'the pods hold the median a minute ahead');
  const later = t0 + FORGET_AFTER_MS + 1;
  const v = offsets.observe('new', later, later);
  assert.is(offsets.size(), 2, 'the pods, idle for over an hour, forgotten; "steady" kept');
  assert.is(v.offsetMs, 0, 'the gone pods no longer pull the median a minute ahead');
  assert.is(offsets.observe('pod-7', later + 2_000, later + 1).offsetMs, 1_999, 'a pod that comes back is estimated afresh');
});

test.run();
