/**
 * fillStartTimes' series states kept in the spool's file between runs (table series_starts), so
 * that a counter that came without a start time goes on from its start after a restart, instead
 * of starting again from a true reset point, which a receiver turning cumulatives into deltas (the
 * Collector's cumulativetodelta, a backend storing deltas) reads as a reset: no rate across it
 * (cumulativetodelta v0.159.0 tracks a stream by its start time too, internal/tracking/identity.go,
 * and drops a stream's first point whose time is its start, tracker.go; test/e2e/seriesStartsDelta.e2e.ts).
 *
 * Written as the run goes: every SERIES_STARTS_WRITE_MS, what changed since (fillStartTimes'
 * trackChanges), after the samples it follows — so what a killed run leaves is at most that much
 * older than the samples it wrote, never newer — and all of them at the run's end, without those it
 * would have forgotten; read at each start. Before, they were written only at the end and deleted
 * when read, so a run that was killed left none, and its counters came back from reset points
 * (test/cliSeriesStarts.test.ts). An older chronoq ignores the table.
 */
import type Database from 'better-sqlite3';
import type { FillStartTimesOptions, SeriesStartChanges, SeriesStartState } from '../../operators/fillStartTimes.js';
import type { HistogramValue, ExponentialHistogramValue } from '../sample.js';

export interface SeriesStartsStore {
  /** The states kept (none when there are none, or they cannot be read). */
  take(): SeriesStartState[];
  /** Keeps `states` in place of all kept before; false when they could not be written (a full disk). */
  keep(states: readonly SeriesStartState[]): boolean;
  /** From now on `writeChanges` writes what `changes` says changed (fillStartTimes' trackChanges). */
  follow(changes: () => SeriesStartChanges): void;
  /**
   * Writes what changed since the last time this committed, in a transaction of its own (the spool
   * calls it every SERIES_STARTS_WRITE_MS, and at close); false when it could not (a full disk:
   * kept for the next time).
   */
  writeChanges(): boolean;
}

/**
 * How often the spool writes what changed. The samples a state follows were written before it
 * (each burst as it comes), so a state is never newer than what the spool holds, and at most this
 * much older. Written with each append instead, a state a sample, `chronoq run` over 300 000
 * counters of 1 000 series took 12 % longer (~2 µs a row, a row a sample); this way a series
 * costs a row a second at most, whatever its rate.
 */
export const SERIES_STARTS_WRITE_MS = 1_000;

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

const statementsOf = (db: Database.Database) => ({
  db,
  put: db.prepare('INSERT OR REPLACE INTO series_starts (series, start_ns, last_ns, last_value) VALUES (?, ?, ?, ?)'),
  drop: db.prepare('DELETE FROM series_starts WHERE series = ?'),
});

/** The store over the spool's database as it is at each call (`db()`: the spool goes on in another file when its own is put back). */
export const seriesStartsStore = (db: () => Database.Database): SeriesStartsStore => {
  let changes: (() => SeriesStartChanges) | undefined;
  /** What changed and is not committed yet (null: forgotten), kept through a write that failed. */
  const pending = new Map<string, SeriesStartState | null>();
  let sql: ReturnType<typeof statementsOf> | undefined;
  const statements = () => (sql?.db === db() ? sql : (sql = statementsOf(db())));
  const put = (s: SeriesStartState): void => void statements().put.run(s.series, String(s.start), String(s.lastTime), JSON.stringify(s.lastValue));
  return {
    take: () => {
      try {
        return (db().prepare('SELECT series, start_ns, last_ns, last_value FROM series_starts').all() as Row[]).flatMap((r) => {
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
        db().transaction(() => {
          db().prepare('DELETE FROM series_starts').run();
          for (const s of states) put(s);
        })();
        // All of them: what changed meanwhile is in them (and what they leave out, forgotten, is not to be written again).
        changes?.();
        pending.clear();
        return true;
      } catch {
        return false;
      }
    },
    follow: (c) => {
      changes = c;
    },
    writeChanges: () => {
      if (changes !== undefined) {
        const { kept, forgotten } = changes();
        for (const key of forgotten) pending.set(key, null);
        for (const s of kept) pending.set(s.series, s);
      }
      if (pending.size === 0) return true;
      try {
        db().transaction(() => {
          for (const [key, s] of pending) {
            if (s === null) statements().drop.run(key);
            else put(s);
          }
        })();
      } catch {
        return false;
      }
      pending.clear();
      return true;
    },
  };
};

/** fillStartTimes' `initial`, `onEnd` and `trackChanges` over a spool's store; nothing without a spool. */
export const keptSeriesStarts = (store: SeriesStartsStore | undefined): Pick<FillStartTimesOptions, 'initial' | 'onEnd' | 'trackChanges'> =>
  store === undefined ? {} : { initial: store.take(), onEnd: (states) => void store.keep(states), trackChanges: (changes) => store.follow(changes) };
