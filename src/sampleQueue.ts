/**
 * The FIFO of samples waiting in one delivery lane (deliverOrdered), with the arrival times of
 * those that can become the oldest of a batch.
 *
 * A ring: a power-of-two array of samples and a Float64Array of arrival times, indexed from
 * `head`. It doubles when full. It shrinks only when the most it held over the last
 * SHRINK_CHECK_TAKES takes would fit in a quarter of it (a backlog drained after an outage), so a
 * lane whose backlog swings back and forth keeps its ring and allocates nothing but the batches
 * it hands out. (The array queue it replaces sliced off taken samples and then grew again: ~75
 * bytes of garbage a sample.)
 *
 * Only the oldest waiting sample's arrival is ever read (a batch goes when it has waited
 * maxDelayMs). When every take is `take(batchSize)`, the samples that can become oldest are the
 * one arriving at an empty queue and every batchSize-th after it: a take either removes exactly
 * batchSize or empties the queue. So the clock is read for those only, not for every sample
 * (reading it was a third of deliverOrdered's cost a sample). A caller that also takes other
 * counts (overflow taking the single oldest) passes batchSize 1: every arrival is recorded. (Were
 * an oldest arrival ever missing, its batch would go at once: early, never stuck.)
 */
import type { Sample } from './sample.js';

/** The smallest ring; it never shrinks below this. */
const MIN_CAPACITY = 1024;
/** Takes between two looks at whether the ring is far larger than what it held. */
const SHRINK_CHECK_TAKES = 64;

export interface SampleQueue {
  readonly length: number;
  /** Slots in the ring (memory held), for tests and inspection. */
  readonly capacity: number;
  /** Appends `s`; reads `clock.now()` when `s` can become the oldest of a batch. */
  push(s: Sample, clock: { now(): number }): void;
  /** The oldest sample's arrival, NaN if it was not recorded, undefined when empty. */
  oldestArrivalMs(): number | undefined;
  oldest(): Sample | undefined;
  /** The oldest min(n, length) samples; n is batchSize or the whole length unless batchSize is 1. */
  take(n: number): Sample[];
  drainAll(): Sample[];
}

export const createSampleQueue = (batchSize = 1): SampleQueue => {
  let capacity = MIN_CAPACITY;
  let mask = capacity - 1;
  let items: (Sample | undefined)[] = new Array<Sample | undefined>(capacity).fill(undefined);
  let arrivedMs = new Float64Array(capacity);
  let head = 0;
  let count = 0;
  /** The most samples held since the last shrink check, and the takes since it. */
  let peak = 0;
  let takes = 0;

  /** Moves the `count` queued samples, in order, into a ring of `to` slots starting at 0. */
  const resize = (to: number): void => {
    const nextItems = new Array<Sample | undefined>(to).fill(undefined);
    const nextArrived = new Float64Array(to);
    for (let i = 0; i < count; i++) {
      const at = (head + i) & mask;
      nextItems[i] = items[at];
      nextArrived[i] = arrivedMs[at]!;
    }
    items = nextItems;
    arrivedMs = nextArrived;
    capacity = to;
    mask = to - 1;
    head = 0;
  };

  const take = (n: number): Sample[] => {
    const k = Math.max(0, Math.min(n, count));
    const out = new Array<Sample>(k);
    for (let i = 0; i < k; i++) {
      const at = (head + i) & mask;
      out[i] = items[at]!;
      items[at] = undefined; // let go of the sample once it is handed out
    }
    head = (head + k) & mask;
    count -= k;
    if (++takes >= SHRINK_CHECK_TAKES) {
      let to = capacity;
      while (to > MIN_CAPACITY && peak * 4 <= to) to /= 2;
      if (to < capacity) resize(to);
      peak = count;
      takes = 0;
    }
    return out;
  };

  return {
    get length() {
      return count;
    },
    get capacity() {
      return capacity;
    },
    push(s, clock) {
      if (count === capacity) resize(capacity * 2);
      const at = (head + count) & mask;
      arrivedMs[at] = count % batchSize === 0 ? clock.now() : NaN;
      items[at] = s;
      if (++count > peak) peak = count;
    },
    oldestArrivalMs: () => (count === 0 ? undefined : arrivedMs[head]),
    oldest: () => (count === 0 ? undefined : items[head]),
    take,
    drainAll: () => take(count),
  };
};
