/**
 * deliverOrdered's lanes: each with its queue and the state of its one batch in flight.
 *
 * A lane is made at its first sample, not up front: `lanes: 1e6` (a lane per series, for a
 * library user with many series) allocated a million lanes at subscribe, and `lanes: 2 ** 32`
 * failed there ("Invalid array length"). The table keeps the lanes made so far in index order —
 * what the drain, a flush and an abort walk, so their batches go lane by lane as before — and
 * finds a lane by its index in one array read (holey, or a dictionary when the indices are many
 * and sparse).
 */
import type { Subscription } from 'rxjs';
import type { Sample } from './sample.js';
import { createSampleQueue, type SampleQueue } from './sampleQueue.js';

export interface Lane {
  readonly index: number;
  readonly queue: SampleQueue;
  current?: readonly Sample[];
  /**
   * Ends the batch in flight as cut short (an abort): its parts taken so far delivered, its samples
   * refused so far dead letters; returns the rest.
   */
  cutShort?: () => readonly Sample[];
  busy: boolean;
  pumping: boolean;
  /** Samples at the head of the queue that go without waiting (flushNow$). */
  flushing: number;
  inFlight?: Subscription;
  timer?: Subscription;
  fence?: Subscription;
}

export interface LaneTable {
  /** The lanes made so far, in index order. */
  readonly lanes: readonly Lane[];
  /** The lane of this index, made now if it has none yet. */
  at(index: number): Lane;
}

/** `queueBatchSize`: the queues' batch size (createSampleQueue). */
export const createLaneTable = (queueBatchSize: number): LaneTable => {
  const lanes: Lane[] = [];
  const byIndex: Lane[] = [];
  const make = (index: number): Lane => {
    const lane: Lane = { index, queue: createSampleQueue(queueBatchSize), busy: false, pumping: false, flushing: 0 };
    // Binary search for its place: lanes are made in the order their series first come.
    let lo = 0;
    let hi = lanes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lanes[mid]!.index < index) lo = mid + 1;
      else hi = mid;
    }
    lanes.splice(lo, 0, lane);
    byIndex[index] = lane;
    return lane;
  };
  return { lanes, at: (index) => byIndex[index] ?? make(index) };
};

/** The lane whose queue holds the oldest sample (event time), or `start` when none is older ('dead-letter-oldest'). */
export const laneWithOldest = (lanes: readonly Lane[], start: Lane): Lane => {
  let found = start;
  for (const l of lanes) {
    const o = l.queue.oldest();
    const v = found.queue.oldest();
    if (o !== undefined && (v === undefined || o.timeUnixNano < v.timeUnixNano)) found = l;
  }
  return found;
};
