import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createSampleQueue } from '../src/sampleQueue.js';
import type { Sample } from '../src/sample.js';

const test = suite('the delivery lane queue');

const sample = (id: number): Sample => ({ name: 'm', kind: 'gauge', value: id, timeUnixNano: BigInt(id), attributes: {} });

type Op = { push: number } | { take: number } | { drain: true };
// Runs of pushes and takes long enough to grow the ring past 1 024 slots several times, wrap it,
// and let it shrink again (it looks every 64 takes).
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((push) => ({ push })) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 2_500 }).map((take) => ({ take })) },
  { weight: 1, arbitrary: fc.constant({ drain: true as const }) },
);

test('is a FIFO: every sample comes out once, in push order, through growth, wrap-around and shrinking', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
      const q = createSampleQueue();
      const model: Sample[] = [];
      let id = 0;
      let now = 0;
      const clock = { now: () => now };
      for (const o of ops) {
        if ('push' in o) {
          for (let i = 0; i < o.push; i++) {
            const s = sample(id++);
            now++;
            q.push(s, clock);
            model.push(s);
          }
        } else {
          const n = 'take' in o ? o.take : model.length;
          const got = 'take' in o ? q.take(o.take) : q.drainAll();
          const want = model.splice(0, n);
          assert.is(got.length, want.length);
          for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.unreachable(`item ${i} of a take`);
        }
        assert.is(q.length, model.length);
        assert.is(q.oldest(), model[0]);
        // batchSize 1: every arrival is recorded; the sample with id k arrived at now = k + 1.
        assert.is(q.oldestArrivalMs(), model[0] === undefined ? undefined : Number(model[0].timeUnixNano) + 1);
      }
    }),
    { numRuns: 60 },
  );
});

test('with batchSize b, records the arrival of the sample at an empty queue and every b-th after it', () => {
  const q = createSampleQueue(3);
  let now = 100;
  const reads: number[] = [];
  const clock = { now: () => (reads.push(now), now) };
  for (let i = 0; i < 7; i++, now += 10) q.push(sample(i), clock);
  assert.equal(reads, [100, 130, 160]);
  assert.is(q.oldestArrivalMs(), 100);
  q.take(3);
  assert.is(q.oldestArrivalMs(), 130);
  q.take(3);
  assert.is(q.oldestArrivalMs(), 160);
  q.take(3);
  assert.is(q.oldestArrivalMs(), undefined);
  q.push(sample(7), clock); // an empty queue again: recorded
  assert.is(q.oldestArrivalMs(), 170);
});

test('a drained backlog gives its ring back; a backlog that swings keeps its ring', () => {
  const q = createSampleQueue(1_000);
  const clock = { now: () => 0 };
  for (let i = 0; i < 100_000; i++) q.push(sample(i), clock);
  assert.ok(q.capacity >= 100_000);
  assert.is(q.drainAll().length, 100_000);
  // Its emptied segments are kept as spares (counted in its capacity): the ring is looked at every
  // 64 takes, against the most it held since the look before, so a backlog that comes back soon
  // reuses them; given back at the second look (128 takes) after it emptied.
  for (let t = 0; t < 126; t++) q.take(1);
  assert.ok(q.capacity >= 100_000, `capacity ${q.capacity} after 127 takes`);
  q.take(1);
  assert.ok(q.capacity <= 2_048, `capacity ${q.capacity} after 128 takes`);
  const capacities = new Set<number>();
  // A steady backlog swinging between 0 and 2 500 samples, taken 1 000 at a time.
  for (let round = 0; round < 300; round++) {
    for (let i = 0; i < 2_500; i++) q.push(sample(round * 2_500 + i), clock);
    for (let t = 0; t < 3; t++) {
      const got = q.take(1_000);
      assert.is(got[0]!.value, round * 2_500 + t * 1_000);
    }
    if (round >= 100) capacities.add(q.capacity);
  }
  assert.is(q.length, 0);
  // Shrunk to what the swing needs (at most 4 × 2 500 rounded up to a power of two) …
  assert.ok(Math.max(...capacities) <= 16_384, `capacity ${[...capacities].join(', ')}`);
  // … and no longer resized back and forth once it got there.
  assert.is(capacities.size, 1, `capacities ${[...capacities].join(', ')}`);
});

test.run();
