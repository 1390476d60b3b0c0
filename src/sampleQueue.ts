/**
 * The FIFO of samples waiting in one delivery lane (deliverOrdered), with the arrival times of
 * those that can become the oldest of a batch.
 *
 * A chain of fixed segments of SEGMENT slots (an array of samples and a Float64Array of arrival
 * times each): a push writes into the last segment, a take reads from the first, and a segment
 * used up goes to a spare list for the next push. Nothing is ever copied. (The ring this replaced
 * doubled when full and halved when far too large, copying the whole backlog each time: with a
 * backlog of 100 000 a lane, 81–88 ns a sample against 52–54 now.) Spare segments are kept for the
 * most the queue held over the last SHRINK_CHECK_TAKES takes, twice over, so a lane whose
 * backlog swings back and forth allocates nothing but the batches it hands out, and a drained
 * backlog gives its memory back.
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

/** Slots in a segment. */
const SEGMENT = 1024;
/** Takes between two looks at whether the spare segments are far more than the queue needs. */
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

interface Segment {
  readonly items: (Sample | undefined)[];
  readonly arrivedMs: Float64Array;
}

export const createSampleQueue = (batchSize = 1): SampleQueue => {
  /** The segments holding samples, oldest first. */
  const segments: Segment[] = [];
  const spare: Segment[] = [];
  /** The oldest sample's slot in segments[0], and the next free slot of the last segment. */
  let headAt = 0;
  let tailAt = SEGMENT;
  let count = 0;
  /** The most samples held since the last shrink check, and the takes since it. */
  let peak = 0;
  let takes = 0;

  const segment = (): Segment => spare.pop() ?? { items: new Array<Sample | undefined>(SEGMENT).fill(undefined), arrivedMs: new Float64Array(SEGMENT) };
  /** Hands the used-up first segment to the spares. */
  const dropHead = (): void => {
    spare.push(segments[0]!);
    segments.shift();
    headAt = 0;
    if (segments.length === 0) tailAt = SEGMENT;
  };

  const take = (n: number): Sample[] => {
    const k = Math.max(0, Math.min(n, count));
    const out = new Array<Sample>(k);
    let i = 0;
    while (i < k) {
      const { items } = segments[0]!;
      // k ≤ count: in the last segment this stops at or before tailAt.
      const end = Math.min(SEGMENT, headAt + (k - i));
      for (; headAt < end; headAt++) {
        out[i++] = items[headAt]!;
        items[headAt] = undefined; // let go of the sample once it is handed out
      }
      if (headAt === SEGMENT) dropHead();
    }
    count -= k;
    // Empty: the partly used last segment starts over from its first slot.
    if (count === 0 && segments.length > 0) dropHead();
    if (++takes >= SHRINK_CHECK_TAKES) {
      const keep = Math.max(1, 2 * Math.ceil(peak / SEGMENT));
      while (spare.length > 0 && segments.length + spare.length > keep) spare.pop();
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
      return (segments.length + spare.length) * SEGMENT;
    },
    push(s, clock) {
      if (tailAt === SEGMENT) {
        segments.push(segment());
        tailAt = 0;
      }
      const last = segments[segments.length - 1]!;
      last.arrivedMs[tailAt] = count % batchSize === 0 ? clock.now() : NaN;
      last.items[tailAt++] = s;
      if (++count > peak) peak = count;
    },
    oldestArrivalMs: () => (count === 0 ? undefined : segments[0]!.arrivedMs[headAt]),
    oldest: () => (count === 0 ? undefined : segments[0]!.items[headAt]),
    take,
    drainAll: () => take(count),
  };
};
