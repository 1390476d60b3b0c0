/**
 * The spool stage's backlog held in memory (src/spool/heldBacklog.ts): bounded, in sequence order
 * per lane, and still in order after the taken samples' slots are given back (past 4 096 taken in
 * a lane), which the stage's tests do not reach.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHeldBacklog } from '../src/spool/heldBacklog.js';
import type { Sample } from '../src/sample.js';

const test = suite('heldBacklog');
const sampleOf = (v: number): Sample => ({ name: 'm', kind: 'gauge', value: v, timeUnixNano: BigInt(v + 1), attributes: {} });

test('up to maxHeld in all lanes; each lane taken in sequence order; Infinity when a lane holds none', () => {
  const held = createHeldBacklog(3);
  assert.ok(held.hold(0, 10, sampleOf(10)));
  assert.ok(held.hold(1, 5, sampleOf(5)));
  assert.ok(held.hold(0, 12, sampleOf(12)));
  assert.not.ok(held.hold(1, 6, sampleOf(6)), 'full');
  assert.equal([held.firstSeq(0), held.firstSeq(1), held.firstSeq(2)], [10, 5, Infinity]);
  assert.is(held.take(0).value, 10);
  assert.ok(held.hold(1, 6, sampleOf(6)), 'room again once one is taken');
  assert.equal([held.firstSeq(0), held.take(0).value, held.firstSeq(0)], [12, 12, Infinity]);
});

test('a long backlog taken while more is held: sequence numbers and samples stay together past the slots given back', () => {
  const held = createHeldBacklog(100_000);
  let next = 0;
  let taken = 0;
  // Hold 10 000, then take two for each one held: the lane's arrays are compacted on the way.
  for (; next < 10_000; next++) held.hold(0, next, sampleOf(next));
  while (taken < next) {
    for (let k = 0; k < 2 && taken < next; k++) {
      assert.is(held.firstSeq(0), taken);
      assert.is(held.take(0).value, taken);
      taken++;
    }
    if (next < 15_000) held.hold(0, next, sampleOf(next++));
  }
  assert.is(held.firstSeq(0), Infinity);
  assert.is(taken, 15_000);
});

test.run();
