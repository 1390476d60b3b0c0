/**
 * Where each sample of a spool was written (its lane and sequence number), and which sequence
 * numbers were settled out of order: deliverOrdered's lanes settle their batches as they end, so
 * a lane's settled numbers can run ahead of the lowest unsettled one. The spool's watermark per
 * lane (`acked_seq`) only moves over an unbroken run of settled numbers: what lies past a gap
 * stays in the file until the gap is settled, and comes back after a crash.
 *
 * A settle changes none of this until its transaction has committed: one that fails (a full disk)
 * leaves its samples known, to be settled again, where it had forgotten them and the numbers it
 * had moved over, and the lane's watermark stopped at them for the rest of the run.
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
  /** The sequence numbers of the known samples among these (unknown ones are ignored), by lane. Changes nothing. */
  seqsByLane(samples: readonly Sample[]): ReadonlyMap<number, ReadonlySet<number>>;
  /** The lane's watermark `acked` would reach over the numbers settled before and `seqs`. Changes nothing. */
  reach(lane: number, acked: number, seqs: ReadonlySet<number>): number;
  /**
   * Once a settle is committed: its samples forgotten, and of their numbers (`byLane`, as
   * seqsByLane gave them) those past the lane's new watermark (`acked`) noted as settled, those
   * noted before that it reached let go of.
   */
  settled(samples: readonly Sample[], byLane: ReadonlyMap<number, ReadonlySet<number>>, acked: ReadonlyMap<number, number>): void;
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
    seqsByLane: (samples) => {
      const byLane = new Map<number, Set<number>>();
      for (const s of samples) {
        const p = placed.get(s);
        if (!p) continue;
        let seqs = byLane.get(p.lane);
        if (!seqs) byLane.set(p.lane, (seqs = new Set()));
        seqs.add(p.seq);
      }
      return byLane;
    },
    reach: (lane, acked, seqs) => {
      const before = early.get(lane);
      while (seqs.has(acked + 1) || before?.has(acked + 1) === true) acked++;
      return acked;
    },
    settled: (samples, byLane, acked) => {
      for (const s of samples) placed.delete(s);
      for (const [lane, seqs] of byLane) {
        const upTo = acked.get(lane)!;
        let set = early.get(lane);
        if (set !== undefined) for (const seq of set) if (seq <= upTo) set.delete(seq);
        for (const seq of seqs) {
          if (seq <= upTo) continue;
          if (set === undefined) early.set(lane, (set = new Set()));
          set.add(seq);
        }
      }
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
