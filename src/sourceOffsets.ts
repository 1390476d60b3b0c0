/**
 * Per-source clock offset estimates for detectClockSkew. A source's offset is how far its clock is
 * ahead of trusted time, estimated as the largest (sample time − arrival time) over a sliding
 * window: the sample that travelled fastest bounds the offset best (minimum-delay estimate).
 * A source is off when its offset differs from the reference by more than the threshold; the
 * reference is the median of all sources' offsets and this process's own clock (offset 0), which
 * settles the two-source case, where a plain median cannot tell which clock is wrong.
 */

export interface SourceOffsetOptions {
  readonly windowSize: number;
  readonly thresholdMs: number;
}

export interface SourceVerdict {
  /** Offset relative to the reference, ms (positive: the source's clock is ahead). */
  readonly offsetMs: number;
  /** True when |offsetMs| exceeds the threshold. */
  readonly off: boolean;
  /** True when this observation turned the source from fine to off (report once per episode). */
  readonly becameOff: boolean;
}

interface SourceState {
  readonly window: number[];
  next: number;
  aheadMs: number;
  off: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid]!;
  const [lo, hi] = [sorted[mid - 1]!, sorted[mid]!];
  // Even count: of the two middle values, the one nearer this process's clock.
  return Math.abs(lo) <= Math.abs(hi) ? lo : hi;
};

export const createSourceOffsets = (opts: SourceOffsetOptions) => {
  const sources = new Map<string, SourceState>();
  return {
    observe(source: string, sampleMs: number, arrivalMs: number): SourceVerdict {
      let st = sources.get(source);
      if (st === undefined) {
        st = { window: [], next: 0, aheadMs: -Infinity, off: false };
        sources.set(source, st);
      }
      const ahead = sampleMs - arrivalMs;
      if (st.window.length < opts.windowSize) st.window.push(ahead);
      else st.window[st.next] = ahead;
      st.next = (st.next + 1) % opts.windowSize;
      st.aheadMs = Math.max(...st.window);
      const reference = median([0, ...[...sources.values()].map((s) => s.aheadMs)]);
      const offsetMs = st.aheadMs - reference;
      const off = Math.abs(offsetMs) > opts.thresholdMs;
      const becameOff = off && !st.off;
      st.off = off;
      return { offsetMs, off, becameOff };
    },
  };
};
