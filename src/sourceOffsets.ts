/**
 * Per-source clock offset estimates for detectClockSkew. A source's offset is how far its clock is
 * ahead of trusted time, estimated as the largest (sample time − arrival time) over a sliding
 * window: the sample that travelled fastest bounds the offset best (minimum-delay estimate).
 * A source is off when its offset differs by more than the threshold, in the same direction, both
 * from the reference — the median of all sources' offsets and this process's own clock (offset 0),
 * which settles the two-source case, where a plain median cannot tell which clock is wrong — and
 * from this process's clock; its offset is the nearer of the two. Arrival minus sample time is
 * also the data's age, so old data looks like a clock behind; a source is judged behind only once
 * another source is known, or it was itself seen in step with this clock (a lone source of old
 * data — a file read from its start — is no evidence; a lone source that sent live data, then
 * data an hour old, had its clock set back), and once its estimate has held steady, within the
 * threshold, for `settleMs` of arrival time (then it stays off while it is behind): a backlog
 * delivered at once (a log shipper flushing its queue after an outage) moves the estimate by every
 * sample's age, a clock behind does not. Before, the first source of a file of minutes-old data
 * was judged against this clock alone and its samples re-stamped minutes forward; a source in step
 * with this clock was "ahead" of others reading a backlog, its samples re-stamped back by the
 * backlog's age; and a flushed backlog was re-stamped to its arrival, as a retry queue that
 * re-stamps would have it.
 * And until the fortieth session a lone source was never judged behind: set back an hour, its
 * samples were dead letters `late` for the hour.
 *
 * Cost: the offsets are kept sorted (with the 0), and a source's entry moves only when its
 * window's maximum changes (in place when it keeps its place), so the median is read, not
 * computed; the window's maximum is kept in a monotonic queue. It was sorted afresh from every
 * source at every sample, and the window's maximum recomputed too: 3 µs a sample with 10 sources,
 * 114 µs with 1 000 (9 000 samples a second at most), 481 µs with 5 000. A source not heard from
 * for FORGET_AFTER_MS of arrival time is forgotten (its offset leaves the median; if it comes
 * back it is estimated afresh), so sources that come and go (a pod name as the source) do not
 * hold memory for ever; the idle are swept when the sources have doubled since the last sweep.
 */

export interface SourceOffsetOptions {
  readonly windowSize: number;
  readonly thresholdMs: number;
  /** How long (arrival time) an estimate must hold within thresholdMs before a source is judged behind (default SETTLE_MS). */
  readonly settleMs?: number;
}

export interface SourceVerdict {
  /**
   * How far the source's clock is off, ms (positive: ahead): its offset from the reference or from
   * this process's clock, whichever is nearer zero; 0 when the two disagree in direction.
   */
  readonly offsetMs: number;
  /** True when |offsetMs| exceeds the threshold. */
  readonly off: boolean;
  /** True when this observation turned the source from fine to off (report once per episode). */
  readonly becameOff: boolean;
}

interface SourceState {
  /**
   * The window's maximum and the values that may become it: a ring of (sequence number, value),
   * values falling from the head, so the head is the maximum (a monotonic queue: each value goes
   * in and out once, where the window's maximum was recomputed over all of it whenever it left,
   * which a source whose arrivals ran later and later made happen at every sample).
   */
  readonly candidateValue: number[];
  readonly candidateSeq: number[];
  candidateHead: number;
  candidateCount: number;
  /** Observations so far (the next one's sequence number). */
  seen: number;
  aheadMs: number;
  /** The estimate when it last moved by more than the threshold, and since when it has held near it. */
  steadyAheadMs: number;
  steadySinceMs: number;
  off: boolean;
  /** Its estimate has held within the threshold of this clock for settleMs: it sends live data. */
  seenInStep: boolean;
  lastArrivalMs: number;
}

/** Observations a source's offset is estimated over, unless detectClockSkew's sourceWindow says otherwise. */
export const DEFAULT_SOURCE_WINDOW = 32;
/** An estimate steady for this long (arrival time) can say a clock is behind. */
export const SETTLE_MS = 10_000;
/** An hour without a sample: the source is forgotten. */
export const FORGET_AFTER_MS = 3_600_000;
const MIN_SWEEP_AT = 1024;

/** Index of the first element of `sorted` not less than `v`. */
const lowerBound = (sorted: readonly number[], v: number): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Of two offsets, the one nearer zero when both point the same way, else 0. */
const nearerZero = (a: number, b: number): number => (a > 0 && b > 0 ? Math.min(a, b) : a < 0 && b < 0 ? Math.max(a, b) : 0);

/** The largest of the source's last `windowSize` observations, `ahead` the newest. */
const windowMaximum = (st: SourceState, ahead: number, windowSize: number): number => {
  const { candidateValue: value, candidateSeq: seq } = st;
  // Out of the window now: the head, if it was observed windowSize ago (only the head can be).
  if (st.candidateCount > 0 && seq[st.candidateHead]! <= st.seen - windowSize) {
    st.candidateHead = (st.candidateHead + 1) % windowSize;
    st.candidateCount--;
  }
  // No longer a candidate: any value not above the new one (which outlives it in the window).
  while (st.candidateCount > 0 && value[(st.candidateHead + st.candidateCount - 1) % windowSize]! <= ahead) st.candidateCount--;
  const at = (st.candidateHead + st.candidateCount) % windowSize;
  value[at] = ahead;
  seq[at] = st.seen++;
  st.candidateCount++;
  return value[st.candidateHead]!;
};

export const createSourceOffsets = (opts: SourceOffsetOptions) => {
  // Whole samples, at least one (Infinity: every sample since the source was first heard).
  const windowSize = Math.max(1, Math.floor(opts.windowSize));
  const sources = new Map<string, SourceState>();
  /** Every source's aheadMs and this process's 0, ascending. */
  const sorted: number[] = [0];
  let sweepAt = MIN_SWEEP_AT;
  const remove = (v: number): void => void sorted.splice(lowerBound(sorted, v), 1);
  const insert = (v: number): void => void sorted.splice(lowerBound(sorted, v), 0, v);
  /**
   * remove(from) then insert(to), in place when `to` keeps from's place between its neighbours —
   * as an estimate that moves a little mostly does. Two splices moved half the array each time
   * (with the window's maximum recomputed as well, the operator took 0.50 µs a sample at 1 000
   * sources sending in turn, 0.32 now).
   */
  const move = (from: number, to: number): void => {
    const i = lowerBound(sorted, from);
    if ((i === 0 || sorted[i - 1]! <= to) && (i === sorted.length - 1 || sorted[i + 1]! >= to)) sorted[i] = to;
    else {
      sorted.splice(i, 1);
      insert(to);
    }
  };
  /** The median; of an even count's two middle values, the one nearer this process's clock. */
  const reference = (): number => {
    const mid = sorted.length >> 1;
    if (sorted.length % 2 === 1) return sorted[mid]!;
    const [lo, hi] = [sorted[mid - 1]!, sorted[mid]!];
    return Math.abs(lo) <= Math.abs(hi) ? lo : hi;
  };
  const sweep = (arrivalMs: number): void => {
    for (const [name, st] of sources) {
      if (arrivalMs - st.lastArrivalMs <= FORGET_AFTER_MS) continue;
      sources.delete(name);
      remove(st.aheadMs);
    }
    sweepAt = Math.max(MIN_SWEEP_AT, 2 * sources.size);
  };
  return {
    observe(source: string, sampleMs: number, arrivalMs: number): SourceVerdict {
      let st = sources.get(source);
      const ahead = sampleMs - arrivalMs;
      if (st === undefined) {
        if (sources.size >= sweepAt) sweep(arrivalMs);
        st = { candidateValue: [], candidateSeq: [], candidateHead: 0, candidateCount: 0, seen: 0, aheadMs: ahead, steadyAheadMs: ahead, steadySinceMs: arrivalMs, off: false, seenInStep: false, lastArrivalMs: arrivalMs };
        sources.set(source, st);
        insert(ahead);
      }
      st.lastArrivalMs = arrivalMs;
      const aheadMs = windowMaximum(st, ahead, windowSize);
      if (aheadMs !== st.aheadMs) {
        move(st.aheadMs, aheadMs);
        st.aheadMs = aheadMs;
      }
      if (Math.abs(st.aheadMs - st.steadyAheadMs) > opts.thresholdMs) {
        st.steadyAheadMs = st.aheadMs;
        st.steadySinceMs = arrivalMs;
      }
      const offsetMs = nearerZero(st.aheadMs - reference(), st.aheadMs);
      const steadyLongEnough = arrivalMs - st.steadySinceMs >= (opts.settleMs ?? SETTLE_MS);
      if (steadyLongEnough && Math.abs(st.aheadMs) <= opts.thresholdMs) st.seenInStep = true;
      const settled = (sources.size > 1 || st.seenInStep) && steadyLongEnough;
      // Settling is for becoming off: one found behind stays off while it is, through a jump of
      // its estimate (a delay spike), or its samples would go back uncorrected and be late.
      const off = Math.abs(offsetMs) > opts.thresholdMs && (offsetMs > 0 || settled || st.off);
      const becameOff = off && !st.off;
      st.off = off;
      return { offsetMs, off, becameOff };
    },
    /** Sources held now. */
    size: (): number => sources.size,
  };
};
