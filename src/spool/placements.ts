/**
 * Where each sample of a spool was written (its lane and sequence number), and which sequence
 * numbers were settled out of order: deliverOrdered's lanes settle their batches as they end, so
 * a lane's settled numbers can run ahead of the lowest unsettled one. The spool's watermark per
 * lane (`acked_seq`) only moves over an unbroken run of settled numbers: what lies past a gap
 * stays in the file until the gap is settled, and comes back after a crash.
 *
 * A sample is known by its object, so the samples handed to delivery, or read back, are the ones
 * to settle; one dropped unsettled — left in the file, to be read back as a new object — must be
 * forgotten (the spool stage does). A Map, not a WeakMap, which would forget such samples by
 * itself: with the ~100 000 samples a gateway's delivery holds, a WeakMap's set and delete cost
 * ~0.8 µs a sample against ~0.15 for a Map, a tenth of a durable gateway's time in a profile.
 */
import type { Sample } from '../sample.js';

export interface Placed {
  readonly lane: number;
  readonly seq: number;
}

export interface Placements {
  /** Records where a sample was written (or read back from). */
  place(s: Sample, lane: number, seq: number): void;
  placeOf(s: Sample): Placed | undefined;
  /** Marks the known samples among these settled (unknown ones are ignored); returns the lanes they were in. */
  settle(samples: readonly Sample[]): ReadonlySet<number>;
  /** The lane's new watermark: `acked` moved over every settled number that follows it, which are forgotten. */
  advance(lane: number, acked: number): number;
  /** Drops the placement of samples let go of unsettled (they stay in the file). */
  forget(samples: Iterable<Sample>): void;
  /** Samples placed and neither settled nor forgotten. */
  size(): number;
  /** Forgets every sample (the spool is closed). */
  clear(): void;
}

export const createPlacements = (): Placements => {
  const placed = new Map<Sample, Placed>();
  /** Settled sequence numbers above a lane's watermark. */
  const early = new Map<number, Set<number>>();
  return {
    place: (s, lane, seq) => void placed.set(s, { lane, seq }),
    placeOf: (s) => placed.get(s),
    settle: (samples) => {
      const lanes = new Set<number>();
      for (const s of samples) {
        const p = placed.get(s);
        if (!p) continue;
        placed.delete(s);
        let set = early.get(p.lane);
        if (!set) early.set(p.lane, (set = new Set()));
        set.add(p.seq);
        lanes.add(p.lane);
      }
      return lanes;
    },
    advance: (lane, acked) => {
      const set = early.get(lane);
      if (set === undefined) return acked;
      while (set.has(acked + 1)) set.delete(++acked);
      return acked;
    },
    forget: (samples) => {
      for (const s of samples) placed.delete(s);
    },
    size: () => placed.size,
    clear: () => {
      placed.clear();
      early.clear();
    },
  };
};
