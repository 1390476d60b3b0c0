/**
 * The reorder buffer's storage: samples in slots of parallel typed arrays (no object per buffered
 * sample, so no garbage per sample) and a binary min-heap of slot numbers ordered by (time, arrival).
 * Times are doubles relative to the first time stored — exact within 2⁵³ ns (104 days) of it,
 * monotonic beyond, where equal doubles fall back to the exact int64 halves (see timeKey.ts).
 * Slots are recycled; `isLive(slot, seq)` tells whether a slot still holds the sample that was
 * given that sequence number (the max-wait FIFO keeps (slot, seq) pairs).
 */
import type { TimeKey } from './timeKey.js';

const TWO_32 = 4294967296;
const EXACT = 2 ** 53;

export const createReorderBuffer = <I, R>() => {
  let cap = 1024;
  let keys = new Float64Array(cap);
  let seqs = new Float64Array(cap);
  let deadlines = new Float64Array(cap);
  let his = new Int32Array(cap);
  let los = new Uint32Array(cap);
  let heap = new Int32Array(cap);
  let free = new Int32Array(cap);
  const items: (I | undefined)[] = new Array<I | undefined>(cap);
  const tags: (R | undefined)[] = new Array<R | undefined>(cap);
  let size = 0;
  let freeTop = 0;
  let nextSlot = 0;
  let baseHi = 0;
  let baseLo = 0;
  let based = false;

  const grow = (): void => {
    const n = cap * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    keys = f64(keys);
    seqs = f64(seqs);
    deadlines = f64(deadlines);
    const h = new Int32Array(n); h.set(his); his = h;
    const l = new Uint32Array(n); l.set(los); los = l;
    const hp = new Int32Array(n); hp.set(heap); heap = hp;
    const fr = new Int32Array(n); fr.set(free); free = fr;
    cap = n;
  };
  /** a before b: time, then (beyond exact doubles) the exact halves, then arrival. */
  const less = (a: number, b: number): boolean => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    if (ka !== kb) return ka < kb;
    if (Math.abs(ka) >= EXACT && (his[a] !== his[b] || los[a] !== los[b])) return his[a]! < his[b]! || (his[a] === his[b] && los[a]! < los[b]!);
    return seqs[a]! < seqs[b]!;
  };

  return {
    get size() {
      return size;
    },
    /** The relative key of a time (for comparisons against watermarks and last-released times). */
    keyOf(t: TimeKey): number {
      if (!based) {
        baseHi = t.hi;
        baseLo = t.lo;
        based = true;
      }
      return (t.hi - baseHi) * TWO_32 + (t.lo - baseLo);
    },
    /** Stores a sample and puts it on the heap; returns its slot. */
    push(item: I, tag: R, t: TimeKey, key: number, seq: number, deadlineMs: number): number {
      let slot: number;
      if (freeTop > 0) slot = free[--freeTop]!;
      else {
        if (nextSlot === cap) grow();
        slot = nextSlot++;
      }
      keys[slot] = key;
      seqs[slot] = seq;
      deadlines[slot] = deadlineMs;
      his[slot] = t.hi;
      los[slot] = t.lo;
      items[slot] = item;
      tags[slot] = tag;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const ps = heap[p]!;
        if (!less(slot, ps)) break;
        heap[i] = ps;
        i = p;
      }
      heap[i] = slot;
      return slot;
    },
    /** The slot of the earliest sample, or -1. */
    top: (): number => (size > 0 ? heap[0]! : -1),
    /** Removes the earliest sample from the heap; its slot stays readable until `free`. */
    pop(): number {
      const top = heap[0]!;
      const last = heap[--size]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && less(heap[r]!, heap[l]!) ? r : l;
        if (!less(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      if (size > 0) heap[i] = last;
      return top;
    },
    /** Recycles a popped slot. */
    release(slot: number): void {
      items[slot] = undefined;
      tags[slot] = undefined;
      seqs[slot] = -1;
      free[freeTop++] = slot;
    },
    /** a at or before b in release order. */
    notAfter: (a: number, b: number): boolean => !less(b, a),
    isLive: (slot: number, seq: number): boolean => seqs[slot] === seq,
    key: (slot: number): number => keys[slot]!,
    hi: (slot: number): number => his[slot]!,
    lo: (slot: number): number => los[slot]!,
    seq: (slot: number): number => seqs[slot]!,
    deadline: (slot: number): number => deadlines[slot]!,
    item: (slot: number): I => items[slot]!,
    tag: (slot: number): R => tags[slot]!,
  };
};
export type ReorderBuffer<I, R> = ReturnType<typeof createReorderBuffer<I, R>>;
