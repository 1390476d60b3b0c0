/**
 * Whether a request of an otlp source, taken whole, fits the spool (src/sourceRoom.ts
 * pushSourceFit), against figures a test sets: an empty spool takes any request while delivery
 * goes on; the samples on their way to the spool (the reorder window) count only while delivery is
 * stalled — its breaker open, failing, or a backlog waiting in the spool — for only then do they
 * stay there. The runs that reach these through a pipeline are in test/pushSourceRoom.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pushSourceFit } from '../src/sourceRoom.js';
import { createStats, type PipelineStats } from '../src/stats.js';
import { resolveConfig } from '../src/config/resolve.js';
import type { Spool } from '../src/spool/spool.js';

const test = suite('sourceRoom: a request fits the spool');

/** A spool of 10 000 bytes holding `usedBytes`; the pipeline's figures as `set` makes them. */
const fits = (usedBytes: number, set: (s: PipelineStats) => void, n: number): boolean => {
  const stats = createStats(1_000);
  set(stats);
  const spool = { usedBytes, maxBytes: 10_000 } as unknown as Spool;
  const config = resolveConfig({});
  return pushSourceFit({ stats, config, fullBatches: 100, spool, queueRoom: () => true, outstanding: () => 0, breakerClosed: () => stats.breakerState === 'closed', spoolFailing: () => false })(n);
};

test('an empty spool takes any request while delivery goes on; not while it is stalled', () => {
  assert.ok(fits(0, () => undefined, 1_000_000));
  assert.not.ok(fits(0, (s) => void (s.breakerState = 'open'), 1_000_000), 'breaker open: the request must fit');
  assert.ok(fits(0, (s) => void (s.breakerState = 'open'), 50), 'a small one does: 50 × 200 bytes, the guess before the spool holds any');
  assert.not.ok(fits(0, (s) => void (s.breakerState = 'open'), 51));
});

test('the reorder window counts toward the spool only while delivery is stalled: breaker open, failing, or a backlog in the spool', () => {
  // 10 samples queued (and so in the spool) in 1 000 bytes: 100 bytes a sample; 80 more in the reorder window.
  const flowing = (s: PipelineStats): void => {
    s.samplesIn = 90;
    s.enteredDelivery = 10;
  };
  assert.ok(fits(1_000, flowing, 50), '1 000 + 50 × 100 bytes: the window passes through');
  assert.not.ok(fits(1_000, (s) => (flowing(s), (s.breakerState = 'open')), 50), 'breaker open: 1 000 + (80 + 50) × 100 > 10 000');
  assert.not.ok(fits(1_000, (s) => (flowing(s), (s.deliveryFailing = true)), 50), 'failing');
  assert.not.ok(fits(1_000, (s) => (flowing(s), (s.receiverSilentSinceMs = 0)), 50), 'a silent receiver');
  // 5 more waiting in the spool (a backlog): 1 000 bytes over 15 samples, the window 80 of them.
  const backlog = (s: PipelineStats): void => {
    s.samplesIn = 95;
    s.enteredDelivery = 10;
    s.waitingInSpool = 5;
  };
  assert.not.ok(fits(1_000, backlog, 60), 'a backlog: 1 000 + (80 + 60) × 66.7 > 10 000');
  assert.ok(fits(1_000, backlog, 40), '1 000 + (80 + 40) × 66.7 < 10 000');
});

test.run();
