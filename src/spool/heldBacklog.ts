/**
 * The spool stage's backlog kept in memory as well as in the file: samples it wrote and could not
 * hand on yet, as they were, so that they are handed on from here rather than read back from the
 * file — a read-back costs a query and a parse a sample (~2 µs here, with its garbage). Bounded:
 * up to `maxHeld` samples in all; past that, what the stage writes waits in the file only.
 *
 * A lane's held samples are in sequence order with gaps where the bound was reached: its backlog
 * is then parts in the file and parts held, and the stage hands on each part from where it is —
 * the next sequence number from memory when it is held, else read back up to the first held one.
 *
 * ```
 * lane's backlog:  seq 11 12 13 | 14 15 16 | 17 18 | 19 20
 * from:            file         | memory   | file  | memory
 * ```
 */
import type { Sample } from '../sample.js';

interface LaneHeld {
  samples: Sample[];
  seqs: number[];
  head: number;
}

export interface HeldBacklog {
  /** Holds `s`, the lane's sample `seq` (after any it holds), when there is room. */
  hold(lane: number, seq: number, s: Sample): boolean;
  /** The sequence number of the lane's first held sample; Infinity when it holds none. */
  firstSeq(lane: number): number;
  /** Takes the lane's first held sample (firstSeq says which). */
  take(lane: number): Sample;
}

/** Taken samples' slots are given back once this many are taken and they are half of the array. */
const COMPACT_AT = 4_096;

export const createHeldBacklog = (maxHeld: number): HeldBacklog => {
  const lanes = new Map<number, LaneHeld>();
  let size = 0;
  return {
    hold(lane, seq, s) {
      if (size >= maxHeld) return false;
      let l = lanes.get(lane);
      if (l === undefined) lanes.set(lane, (l = { samples: [], seqs: [], head: 0 }));
      l.samples.push(s);
      l.seqs.push(seq);
      size++;
      return true;
    },
    firstSeq(lane) {
      const l = lanes.get(lane);
      return l === undefined || l.head >= l.seqs.length ? Infinity : l.seqs[l.head]!;
    },
    take(lane) {
      const l = lanes.get(lane)!;
      const s = l.samples[l.head]!;
      l.samples[l.head++] = undefined as unknown as Sample; // let it go
      size--;
      if (l.head === l.seqs.length) lanes.delete(lane);
      else if (l.head >= COMPACT_AT && l.head * 2 >= l.seqs.length) {
        l.samples.splice(0, l.head);
        l.seqs.splice(0, l.head);
        l.head = 0;
      }
      return s;
    },
  };
};
