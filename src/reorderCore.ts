/**
 * The reorder buffer behind reorderByEventTime, without RxJS: samples enter with `add` and leave
 * through `emit` in ascending (time, arrival) order, when the watermark passes them, when the
 * operator's max-wait timer asks (`releaseThrough`), on overflow, or on `releaseAll`.
 *
 * Storage: every accepted sample gets the next sequence number (its arrival order) and a place in
 * a ring indexed by it (item, its series' "last released" record, max-wait deadline);
 * the ring spans from the oldest sample still buffered to the newest, so the max-wait timer reads
 * arrivals in order without a queue of its own. The release order is a binary min-heap of
 * (key, seq) stored inline in two Float64Arrays. The hot path (add → release to the watermark)
 * stays inside this one closure so V8 inlines it: split into separate heap and ring objects the
 * same work cost twice as much (bench/reorder). No object is allocated per sample.
 *
 * Time keys are doubles relative to the first time seen — exact within 2⁵³ ns (104 days) of it;
 * beyond, where doubles round, equal keys fall back to comparing the exact bigint times.
 */
import type { Sample } from './sample.js';
import type { Routed } from './routed.js';
import { type TimeKey, relativeNanos, timeKey } from './timeKey.js';

/**
 * Last released time of one series (or of the whole stream, under order 'global'): its key and
 * its exact time, undefined until one is released. The time, not the sample: a record outlives
 * its series' samples (one per series ever seen), and holding the last sample kept its value and
 * attributes alive with it (~350 of ~550 bytes a series).
 */
export interface Released {
  key: number;
  timeUnixNano: bigint | undefined;
  /** Set when its series was forgotten (src/seriesRecords.ts; never read here). */
  forgotten: boolean;
}
export const newReleased = (): Released => ({ key: 0, timeUnixNano: undefined, forgotten: false });

export interface ReorderCoreOptions {
  readonly maxDelayNs: bigint;
  readonly maxBuffered: number;
  readonly emit: (item: Routed<Sample>) => void;
  /** The max-wait deadline of a sample buffered now (read only for samples that are buffered). */
  readonly deadlineMs: () => number;
  readonly onOverflow: (sample: Sample) => void;
}

const EXACT = 2 ** 53;
const timeAt = (item: Routed<Sample> | undefined): bigint => (item as { right: Sample }).right.timeUnixNano;

export const createReorderCore = (opts: ReorderCoreOptions) => {
  const { emit, onOverflow, maxBuffered, deadlineMs } = opts;
  const maxDelayNs = opts.maxDelayNs;
  const maxDelayKey = Number(maxDelayNs);
  let cap = 1024;
  let mask = cap - 1;
  let items: (Routed<Sample> | undefined)[] = new Array<Routed<Sample> | undefined>(cap).fill(undefined);
  let tags: (Released | undefined)[] = new Array<Released | undefined>(cap).fill(undefined);
  let deadlines = new Float64Array(cap);
  let heapKeys = new Float64Array(cap);
  let heapSeqs = new Float64Array(cap);
  let size = 0;
  let oldest = 0; // no sample before this sequence number is still buffered
  let next = 0;
  let base: TimeKey | undefined;
  // The largest key seen and the watermark's key, in a Float64Array: a double assigned to a
  // closure variable is a fresh heap number each time (32 bytes of garbage a sample).
  const marks = new Float64Array([-Infinity, -Infinity]);
  const MAX_KEY = 0;
  const WM_KEY = 1;
  let maxUnixNano = 0n;
  // The watermark as a double is exact while it and the largest key are within 2⁵³ ns of the
  // base; beyond, it is compared as a bigint.
  let wmExact = true;
  let wmUnixNano = 0n;
  /** While held (after a stall), the watermark releases nothing; max-wait and overflow still do. */
  let holding = false;

  /** (ka, sa) strictly before (kb, sb): time, exact time where doubles round, then arrival. */
  const before = (ka: number, sa: number, kb: number, sb: number): boolean => {
    if (ka !== kb) return ka < kb;
    if (ka >= EXACT || ka <= -EXACT) {
      const ta = timeAt(items[sa & mask]);
      const tb = timeAt(items[sb & mask]);
      if (ta !== tb) return ta < tb;
    }
    return sa < sb;
  };
  const grow = (): void => {
    const n = cap * 2;
    const nItems = new Array<Routed<Sample> | undefined>(n).fill(undefined);
    const nTags = new Array<Released | undefined>(n).fill(undefined);
    const nDeadlines = new Float64Array(n);
    for (let s = oldest; s < next; s++) {
      nItems[s & (n - 1)] = items[s & mask];
      nTags[s & (n - 1)] = tags[s & mask];
      nDeadlines[s & (n - 1)] = deadlines[s & mask]!;
    }
    items = nItems;
    tags = nTags;
    deadlines = nDeadlines;
    cap = n;
    mask = n - 1;
  };
  const growHeap = (): void => {
    const k = new Float64Array(heapKeys.length * 2);
    const s = new Float64Array(heapKeys.length * 2);
    k.set(heapKeys);
    s.set(heapSeqs);
    heapKeys = k;
    heapSeqs = s;
  };
  /**
   * Pops the earliest sample, records it as its series' last released, emits it; returns its seq.
   * Bottom-up deletion: the hole left at the root goes down to a leaf along the earlier child (one
   * comparison a level instead of two), then the last entry fills it and climbs back up, which for
   * a late-arriving entry is rarely more than a step.
   */
  const releaseTop = (): number => {
    const topKey = heapKeys[0]!;
    const top = heapSeqs[0]!;
    const n = --size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n) {
        const rk = heapKeys[l + 1]!;
        const lk = heapKeys[l]!;
        if (rk < lk || (rk === lk && before(rk, heapSeqs[l + 1]!, lk, heapSeqs[l]!))) c = l + 1;
      }
      heapKeys[i] = heapKeys[c]!;
      heapSeqs[i] = heapSeqs[c]!;
      i = c;
    }
    if (i < n) {
      const key = heapKeys[n]!;
      const seq = heapSeqs[n]!;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pk = heapKeys[p]!;
        if (pk < key || (pk === key && !before(key, seq, pk, heapSeqs[p]!))) break;
        heapKeys[i] = pk;
        heapSeqs[i] = heapSeqs[p]!;
        i = p;
      }
      heapKeys[i] = key;
      heapSeqs[i] = seq;
    }
    const at = top & mask;
    const item = items[at]!;
    const released = tags[at]!;
    released.key = topKey;
    released.timeUnixNano = (item as { right: Sample }).right.timeUnixNano;
    items[at] = undefined;
    tags[at] = undefined;
    emit(item);
    return top;
  };
  /** Releases what the watermark (largest time seen − maxDelay) has reached. */
  const releaseToWatermark = (): void => {
    const wmKey = marks[WM_KEY]!;
    while (size > 0) {
      if (wmExact ? heapKeys[0]! > wmKey : timeAt(items[heapSeqs[0]! & mask]) > wmUnixNano) break;
      releaseTop();
    }
  };
  const skipReleased = (): void => {
    while (oldest < next && items[oldest & mask] === undefined) oldest++;
  };

  return {
    get size() {
      return size;
    },
    /**
     * Offers a sample: false when it is older than the last released one of `released` (late),
     * else buffers it and releases what the watermark has passed and what overflow forces out.
     */
    offer(item: Routed<Sample>, sample: Sample, released: Released): boolean {
      const t = sample.timeUnixNano;
      base ??= timeKey(t);
      const key = relativeNanos(t, base);
      const last = released.timeUnixNano;
      if (last !== undefined && (key < released.key || (key === released.key && Math.abs(key) >= EXACT && t < last))) return false;
      const maxKey = marks[MAX_KEY]!;
      if (key > maxKey || (key === maxKey && Math.abs(key) >= EXACT && t > maxUnixNano)) {
        marks[MAX_KEY] = key;
        maxUnixNano = t;
        marks[WM_KEY] = key - maxDelayKey;
        wmExact = Math.abs(key) < EXACT && Math.abs(marks[WM_KEY]!) < EXACT && maxDelayKey < EXACT;
        if (!wmExact) wmUnixNano = t - maxDelayNs;
      }
      // Nothing buffered and already at the watermark (in-order data, maxDelayMs 0): out at once.
      if (size === 0 && !holding && (wmExact ? key <= marks[WM_KEY]! : t <= wmUnixNano)) {
        released.key = key;
        released.timeUnixNano = t;
        emit(item);
        return true;
      }
      if (next - oldest === cap) {
        skipReleased();
        if (next - oldest === cap) grow();
      }
      const seq = next++;
      const at = seq & mask;
      items[at] = item;
      tags[at] = released;
      deadlines[at] = deadlineMs();
      if (size === heapKeys.length) growHeap();
      // The same climb as at the end of releaseTop, written out again on purpose: shared as one
      // closure called from both places, the 2 s disorder case of bench/reorder ran ~5 % slower.
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pk = heapKeys[p]!;
        if (pk < key || (pk === key && !before(key, seq, pk, heapSeqs[p]!))) break;
        heapKeys[i] = heapKeys[p]!;
        heapSeqs[i] = heapSeqs[p]!;
        i = p;
      }
      heapKeys[i] = key;
      heapSeqs[i] = seq;
      if (!holding) releaseToWatermark();
      if (size > maxBuffered) {
        onOverflow((items[heapSeqs[0]! & mask] as { right: Sample }).right);
        releaseTop();
      }
      return true;
    },
    /** Releases in order up to and including the buffered sample `seq`. */
    releaseThrough(seq: number): void {
      while (size > 0 && releaseTop() !== seq);
    },
    releaseAll(): void {
      holding = false;
      while (size > 0) releaseTop();
    },
    /**
     * Holds the watermark's releases (`true`; `releaseThrough` and overflow release as ever), or
     * ends the hold and releases what the watermark has reached meanwhile (`false`): the operator
     * holds it after a stall (reorderByEventTime's STALLED_MS).
     */
    holdWatermark(on: boolean): void {
      holding = on;
      if (!on) releaseToWatermark();
    },
    /** The watermark (largest time seen − maxDelay) as a key: -Infinity before the first sample. */
    watermarkKey: (): number => marks[WM_KEY]!,
    /** The records of the series with samples still buffered. */
    bufferedRecords(): Set<Released> {
      const out = new Set<Released>();
      for (let s = oldest; s < next; s++) if (items[s & mask] !== undefined) out.add(tags[s & mask]!);
      return out;
    },
    /** The sequence number of the earliest arrival still buffered, or -1. */
    oldestArrival(): number {
      skipReleased();
      return oldest < next ? oldest : -1;
    },
    deadline: (seq: number): number => deadlines[seq & mask]!,
  };
};
export type ReorderCore = ReturnType<typeof createReorderCore>;
