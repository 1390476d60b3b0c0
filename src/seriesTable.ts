/**
 * Per-series state that can be forgotten: one value per series key, found by the sample's
 * attributes object (samples of a series usually share one: a WeakMap look-up, no key built), and
 * swept of idle series when their number has doubled since the last sweep — O(1) amortised a new
 * series, nothing a sample of a known one. Behind reorderByEventTime's last released times
 * (seriesRecords.ts) and fillStartTimes' starts.
 *
 * Looked up by a key built afresh each time instead, a sample of one of 200 000 series cost
 * ~0.8 µs in the Map alone (764 ns measured: the key's text flattened, hashed and compared).
 */
import { type Sample, memoByAttributes, seriesKey } from './sample.js';

/** A series' value: set `forgotten` when it is swept, so that no memo hands it out again. */
export interface SeriesValue {
  forgotten: boolean;
}

export interface SeriesTableOptions<V extends SeriesValue> {
  /** The value of a series seen for the first time (or again after it was forgotten). */
  readonly make: () => V;
  /**
   * Called at each sweep: what tells an idle value (to forget), or undefined to forget nothing
   * this time. A factory, so that what the test needs (a limit, a set) is worked out once a sweep.
   */
  readonly idleTest: () => ((v: V) => boolean) | undefined;
  /** Hears each value forgotten. */
  readonly onForget?: (v: V) => void;
}

export interface SeriesTable<V extends SeriesValue> {
  /** The series' value; a new one when the series is new or was forgotten. */
  readonly valueOf: (s: Sample) => V;
  /** Values held now. */
  readonly size: () => number;
}

/** Sweeps start at this many series. */
const MIN_SWEEP_AT = 1024;

export const createSeriesTable = <V extends SeriesValue>(opts: SeriesTableOptions<V>): SeriesTable<V> => {
  const { make, idleTest, onForget } = opts;
  const byKey = new Map<string, V>();
  let sweepAt = MIN_SWEEP_AT;

  const sweep = (): void => {
    const idle = idleTest();
    if (idle !== undefined) {
      for (const [series, v] of byKey) {
        if (!idle(v)) continue;
        v.forgotten = true;
        byKey.delete(series);
        onForget?.(v);
      }
    }
    sweepAt = Math.max(MIN_SWEEP_AT, byKey.size * 2);
  };

  const byKeyOf = (s: Sample): V => {
    const series = seriesKey(s);
    let value = byKey.get(series);
    if (value === undefined) {
      if (byKey.size >= sweepAt) sweep();
      value = make();
      byKey.set(series, value);
    }
    return value;
  };

  return { valueOf: memoByAttributes(byKeyOf, (v) => !v.forgotten), size: () => byKey.size };
};
