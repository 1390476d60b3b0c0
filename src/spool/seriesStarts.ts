/**
 * fillStartTimes' series states kept in the spool's file between runs (table series_starts): the
 * command writes them when its stream ends and takes them up when it starts again, so that a
 * counter that came without a start time goes on from its start after a restart, instead of
 * starting again from a true reset point, which a receiver turning cumulatives into deltas (the
 * Collector's cumulativetodelta, a backend storing deltas) reads as a reset: no rate across it
 * (cumulativetodelta v0.159.0 tracks a stream by its start time too, internal/tracking/identity.go,
 * and drops a stream's first point whose time is its start, tracker.go; test/e2e/seriesStartsDelta.e2e.ts).
 *
 * Taken once: reading them deletes them, so a run that ends without writing its own (a crash)
 * leaves none to a later one, whose series then start from reset points as before — never from
 * states older than the run in between. An older chronoq ignores the table.
 */
import type Database from 'better-sqlite3';
import type { FillStartTimesOptions, SeriesStartState } from '../../operators/fillStartTimes.js';
import type { HistogramValue, ExponentialHistogramValue } from '../sample.js';

export interface SeriesStartsStore {
  /** The states the last run kept, deleted as they are read (none when it kept none, or could not). */
  take(): SeriesStartState[];
  /** Keeps `states` for the next run, in place of any kept before; false when they could not be written (a full disk). */
  keep(states: readonly SeriesStartState[]): boolean;
}

const DECIMAL = /^\d+$/;

/** A kept value as fillStartTimes had it: a number, or a histogram's counts (anything else: not a state). */
const valueOf = (text: string): number | HistogramValue | ExponentialHistogramValue | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'number' || (typeof v === 'object' && v !== null && typeof (v as { count?: unknown }).count === 'number') ? (v as number | HistogramValue) : undefined;
  } catch {
    return undefined;
  }
};

interface Row {
  readonly series: string;
  readonly start_ns: string;
  readonly last_ns: string;
  readonly last_value: string;
}

/** The store over the spool's database as it is at each call (`db()`: the spool goes on in another file when its own is put back). */
export const seriesStartsStore = (db: () => Database.Database): SeriesStartsStore => ({
  take: () => {
    try {
      const rows = db().transaction(() => {
        const all = db().prepare('SELECT series, start_ns, last_ns, last_value FROM series_starts').all() as Row[];
        db().prepare('DELETE FROM series_starts').run();
        return all;
      })();
      return rows.flatMap((r) => {
        const lastValue = valueOf(r.last_value);
        return DECIMAL.test(r.start_ns) && DECIMAL.test(r.last_ns) && lastValue !== undefined
          ? [{ series: r.series, start: BigInt(r.start_ns), lastTime: BigInt(r.last_ns), lastValue }]
          : [];
      });
    } catch {
      return [];
    }
  },
  keep: (states) => {
    try {
      const insert = db().prepare('INSERT OR REPLACE INTO series_starts (series, start_ns, last_ns, last_value) VALUES (?, ?, ?, ?)');
      db().transaction(() => {
        db().prepare('DELETE FROM series_starts').run();
        for (const s of states) insert.run(s.series, String(s.start), String(s.lastTime), JSON.stringify(s.lastValue));
      })();
      return true;
    } catch {
      return false;
    }
  },
});

/** fillStartTimes' `initial` (taken now) and `onEnd` over a spool's store; nothing without a spool. */
export const keptSeriesStarts = (store: SeriesStartsStore | undefined): Pick<FillStartTimesOptions, 'initial' | 'onEnd'> =>
  store === undefined ? {} : { initial: store.take(), onEnd: (states) => void store.keep(states) };
