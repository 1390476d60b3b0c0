/**
 * Where detectClockSkew puts the samples it re-stamps onto a time they arrived at (future ones, and
 * ones moved by their source's offset; not a step's, which keep trusted time's pace), per series:
 * no earlier than the millisecond after the last such sample of the series. Samples re-stamped at
 * one moment all landed in a few milliseconds — a device's backlog read at once from a clock an
 * hour ahead, each sample put onto the trusted time it arrived at (or, under `sourceAttribute`,
 * moved by an offset that followed each newer sample of the burst) — and a receiver that keeps one
 * sample a series a millisecond kept a few: through the Collector into Prometheus, 3 of 20, none
 * refused, all counted delivered. Now each comes at least 1 ms after the one before it in time: a
 * sample stamped after its series' last re-stamped one, re-stamped into that one's millisecond or
 * before it, goes into the next, up to a limit (trusted time + maxFutureMs). One stamped before it
 * (the source's own disorder) keeps its re-stamped time, for reorderByEventTime to sort as before;
 * one stamped the same (a repeat) goes out at that one's time (until the forty-third session it kept
 * its own, and went out before the first of its stamp when that one had been pushed on).
 *
 * Only re-stamped samples are looked up (a sample kept as stamped costs nothing here). A series
 * whose last re-stamped sample is FORGET_AFTER_MS behind the newest re-stamped time is forgotten at
 * the table's next sweep, and past MAX_SERIES the least recently re-stamped go (createSeriesTable).
 */
import type { Sample } from './sample.js';
import { createSeriesTable } from './seriesTable.js';

const FORGET_AFTER_MS = 60_000;
const MAX_SERIES = 65_536;

interface LastCorrected {
  forgotten: boolean;
  /** The stamp of the series' latest re-stamped sample (by stamp), and the time, ms, it went out at. */
  stamp: bigint;
  lastMs: number;
}

export interface CorrectedSeries {
  /**
   * The time `s`, re-stamped to `ms`, goes out at: `ms`, or the millisecond after its series' latest
   * re-stamped sample when it was stamped after that one — unless that is past `untilMs`: a series
   * re-stamped faster than a sample a millisecond is not pushed further ahead: its samples then
   * share the last one's millisecond, as before, and none goes before it. A sample stamped the same
   * as that one goes out at its time.
   */
  place(s: Sample, ms: number, untilMs: number): number;
}

export const createCorrectedSeries = (): CorrectedSeries => {
  let newestMs = Number.NEGATIVE_INFINITY;
  const table = createSeriesTable<LastCorrected>({
    make: () => ({ forgotten: false, stamp: -1n, lastMs: Number.NEGATIVE_INFINITY }),
    idleTest: () => {
      const limit = newestMs - FORGET_AFTER_MS;
      return (v) => v.lastMs < limit;
    },
    maxSeries: MAX_SERIES,
    activity: () => (v) => v.lastMs,
  });
  return {
    place(s, ms, untilMs) {
      const last = table.valueOf(s);
      if (s.timeUnixNano < last.stamp) return ms;
      // A repeat of the latest stamp (a resend, or two readings of one moment) goes out at the time
      // that stamp went out at: kept at its own re-stamped time, it could go before it (pushed on),
      // and an exact repeat would no longer be one.
      if (s.timeUnixNano === last.stamp) return last.lastMs;
      const next = Math.floor(last.lastMs) + 1;
      // Past the limit it shares the last one's millisecond, never goes before it.
      const placed = ms >= next ? ms : next <= untilMs ? next : Math.max(ms, last.lastMs);
      last.stamp = s.timeUnixNano;
      last.lastMs = placed;
      if (placed > newestMs) newestMs = placed;
      return placed;
    },
  };
};
