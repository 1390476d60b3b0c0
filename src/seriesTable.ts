/**
 * Per-series state that can be forgotten: one value per series key, found by the sample's
 * attributes object (samples of a series usually share one: a WeakMap look-up, no key built), and
 * swept of idle series when their number has doubled since the last sweep — O(1) amortised a new
 * series, nothing a sample of a known one — and, past `maxSeries`, of the least recently active
 * (a sort every quarter of the cap's new series: O(log n) amortised a new series). Behind
 * reorderByEventTime's last released times (seriesRecords.ts) and fillStartTimes' starts.
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
  /** The value of a series seen for the first time (or again after it was forgotten), given its key (seriesKey). */
  readonly make: (series: string) => V;
  /**
   * Called at each sweep: what tells an idle value (to forget), or undefined to forget nothing
   * this time. A factory, so that what the test needs (a limit, a set) is worked out once a sweep.
   */
  readonly idleTest: () => ((v: V) => boolean) | undefined;
  /** Hears each value forgotten. */
  readonly onForget?: (v: V) => void;
  /**
   * At most this many values (default Infinity). Past it, after the idle ones, the least recently
   * active go — down to three quarters of it — so that series with ever-new attributes (a request
   * id) hold bounded memory: a day of them, the default forgetting, took ~25 MB a second at 40 000
   * samples a second.
   */
  readonly maxSeries?: number;
  /**
   * Called when the cap forgets: how recently a value was active (larger: more recent), or
   * undefined for one that must stay. Default: all alike, first made first forgotten.
   */
  readonly activity?: () => (v: V) => number | undefined;
  /** Hears how many values the cap forgot that were not idle. */
  readonly onCapped?: (forgotten: number) => void;
}

export interface SeriesTable<V extends SeriesValue> {
  /** The series' value; a new one when the series is new or was forgotten. */
  readonly valueOf: (s: Sample) => V;
  /** Values held now. */
  readonly size: () => number;
  /** The values held now, by series key. */
  readonly entries: () => IterableIterator<[string, V]>;
}

/** Sweeps start at this many series. */
const MIN_SWEEP_AT = 1024;

export const createSeriesTable = <V extends SeriesValue>(opts: SeriesTableOptions<V>): SeriesTable<V> => {
  const { make, idleTest, onForget } = opts;
  const maxSeries = Math.max(1, opts.maxSeries ?? Infinity);
  const byKey = new Map<string, V>();
  let sweepAt = Math.min(maxSeries, MIN_SWEEP_AT);

  const forget = (series: string, v: V): void => {
    v.forgotten = true;
    byKey.delete(series);
    onForget?.(v);
  };
  /** The cap: forgets the least recently active down to three quarters of maxSeries. */
  const forgetLeastActive = (): void => {
    const activityOf = opts.activity?.() ?? (() => 0);
    // Each value's activity in the map's order, NaN for one that must stay (a typed array's sort
    // puts NaN last, and NaN is never ≤ the threshold).
    const activities = new Float64Array(byKey.size);
    let i = 0;
    let n = 0;
    for (const v of byKey.values()) {
      const a = activityOf(v);
      activities[i++] = a ?? NaN;
      if (a !== undefined) n++;
    }
    const k = Math.min(n, byKey.size - Math.floor((maxSeries * 3) / 4));
    if (k <= 0) return;
    const threshold = activities.slice().sort()[k - 1]!;
    let forgotten = 0;
    i = 0;
    for (const [series, v] of byKey) {
      if (forgotten === k) break;
      if (activities[i++]! <= threshold) {
        forget(series, v);
        forgotten++;
      }
    }
    opts.onCapped?.(forgotten);
  };
  const sweep = (): void => {
    const idle = idleTest();
    if (idle !== undefined) for (const [series, v] of byKey) if (idle(v)) forget(series, v);
    if (byKey.size >= maxSeries) forgetLeastActive();
    sweepAt = Math.min(maxSeries, Math.max(MIN_SWEEP_AT, byKey.size * 2));
  };

  const byKeyOf = (s: Sample): V => {
    const series = seriesKey(s);
    let value = byKey.get(series);
    if (value === undefined) {
      if (byKey.size >= sweepAt) sweep();
      value = make(series);
      byKey.set(series, value);
    }
    return value;
  };

  return { valueOf: memoByAttributes(byKeyOf, (v) => !v.forgotten), size: () => byKey.size, entries: () => byKey.entries() };
};
