/**
 * The spool's SQLite schema. Why SQLite (better-sqlite3 12, WAL mode): it is the most tested
 * embedded store there is, its WAL survives a process kill with every committed transaction and
 * detects a torn tail by frame checksums at open, one transaction per burst makes writes cheap,
 * and the file can be inspected with any sqlite3 shell. (better-sqlite3 13 needs Node 22.)
 *
 * Samples are stored once per burst and lane, as NDJSON in one row (`lines`), with per-lane
 * sequence numbers [first_seq, last_seq]; a lane's samples are delivered in sequence order, so
 * "settled" is one watermark per lane (lanes.acked_seq). Rows at or below it are deleted. A line
 * names its resource and scope by reference, each written once in shared_objects
 * (sharedObjects.ts); the column was `payload` while lines held them whole, and is renamed at open
 * (migrateSchema), which also makes an older chronoq stop at start ("table chunks has no column
 * named payload", its statements prepared at open) rather than read lines whose resource it cannot
 * find.
 */
import type Database from 'better-sqlite3';
import { SpoolFormatError } from '../errors.js';
import { VERSION } from '../version.js';

/**
 * The spool file's format, kept in SQLite's user_version: 0 in a file from before it was kept
 * (its chunks' column tells its lines: `payload` holding resource and scope whole, `lines` naming
 * them by reference, which migrateSchema makes of the first); 2 lines naming them by reference
 * (1 was never written: it stands for `payload`'s lines). Raised when a change would make an
 * earlier chronoq misread the file; a chronoq refuses a file of a later format at open, before
 * anything in it is changed (checkFormat).
 */
export const SPOOL_FORMAT = 2;

const formatOf = (db: Database.Database): number => Number(db.pragma('user_version', { simple: true }));

/**
 * The file's format; throws SpoolFormatError when it is later than this chronoq reads. `whatToDo`
 * is said after why: a run is told to let the later chronoq deliver its backlog.
 */
export const checkFormat = (db: Database.Database, path: string, whatToDo = 'run the later chronoq until its backlog is delivered, or give this one another spool.path'): number => {
  const format = formatOf(db);
  if (format > SPOOL_FORMAT) throw new SpoolFormatError(path, format, SPOOL_FORMAT, VERSION, whatToDo);
  return format;
};

/** Marks the file as of this format (after SCHEMA and migrateSchema have brought it to it), given the format checkFormat read. */
export const markFormat = (db: Database.Database, was: number): void => {
  if (was !== SPOOL_FORMAT) db.pragma(`user_version = ${SPOOL_FORMAT}`);
};

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lane INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  oldest_ns TEXT NOT NULL,
  newest_ns TEXT NOT NULL,
  lines TEXT NOT NULL
);
-- A lane's chunks are disjoint, increasing ranges of sequence numbers, so last_seq orders them as
-- first_seq does, and settling (last_seq <= acked) and reading back (last_seq > after) are range
-- scans on it. On (lane, first_seq), used before, every settle scanned the lane's whole backlog.
DROP INDEX IF EXISTS chunks_lane_seq;
CREATE INDEX IF NOT EXISTS chunks_lane_last ON chunks (lane, last_seq);
CREATE TABLE IF NOT EXISTS lanes (lane INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL);
-- The resource chunks from from_chunk on were written under (resourceEras.ts).
CREATE TABLE IF NOT EXISTS resource_eras (from_chunk INTEGER PRIMARY KEY, canonical TEXT NOT NULL, json TEXT NOT NULL);
-- Resources and scopes the lines name by reference: text is {"ref":…,"resource"|"scope":{…}}, and
-- last_chunk the newest chunk that names it (sharedObjects.ts).
CREATE TABLE IF NOT EXISTS shared_objects (ref TEXT PRIMARY KEY, text TEXT NOT NULL, last_chunk INTEGER NOT NULL);
-- fillStartTimes' series states: what changed written every second, all of them at a run's end, read at each start (seriesStarts.ts).
CREATE TABLE IF NOT EXISTS series_starts (series TEXT PRIMARY KEY, start_ns TEXT NOT NULL, last_ns TEXT NOT NULL, last_value TEXT NOT NULL);
`;

/**
 * Brings a spool written by an earlier chronoq to this schema (after SCHEMA, which adds what is
 * missing): its chunks' `payload` (lines holding their resource and scope whole, which read back
 * as they are) becomes `lines`.
 */
export const migrateSchema = (db: Database.Database): void => {
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('chunks') as string[]);
  if (columns.includes('payload')) db.exec('ALTER TABLE chunks RENAME COLUMN payload TO lines');
};

export interface ChunkRow {
  readonly id: number;
  readonly lane: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly count: number;
  readonly bytes: number;
  readonly oldest_ns: string;
  readonly newest_ns: string;
  readonly lines: string;
}

export type SpoolStatements = Record<'laneRow' | 'upsert' | 'insert' | 'getAcked' | 'setAcked' | 'freed' | 'drop' | 'after' | 'setNewest' | 'upsertShared' | 'dropShared' | 'sharedText', Database.Statement>;

/** meta's key for the newest sample time ever appended (decimal ns), kept when its rows are settled. */
const NEWEST_KEY = 'newest_ns';

/** The hot paths' statements; every range over a lane's chunks is on the (lane, last_seq) index. */
export const prepareStatements = (db: Database.Database): SpoolStatements => ({
  laneRow: db.prepare('SELECT next_seq FROM lanes WHERE lane = ?'),
  upsert: db.prepare('INSERT INTO lanes (lane, next_seq, acked_seq) VALUES (?, ?, -1) ON CONFLICT(lane) DO UPDATE SET next_seq = excluded.next_seq'),
  insert: db.prepare('INSERT INTO chunks (lane, first_seq, last_seq, count, bytes, oldest_ns, newest_ns, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
  getAcked: db.prepare('SELECT acked_seq FROM lanes WHERE lane = ?'),
  setAcked: db.prepare('UPDATE lanes SET acked_seq = ? WHERE lane = ?'),
  freed: db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM chunks WHERE lane = ? AND last_seq <= ?'),
  drop: db.prepare('DELETE FROM chunks WHERE lane = ? AND last_seq <= ?'),
  after: db.prepare('SELECT id, first_seq, lines FROM chunks WHERE lane = ? AND last_seq > ? ORDER BY last_seq'),
  setNewest: db.prepare(`INSERT INTO meta (key, value) VALUES ('${NEWEST_KEY}', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`),
  upsertShared: db.prepare('INSERT INTO shared_objects (ref, text, last_chunk) VALUES (?, ?, ?) ON CONFLICT(ref) DO UPDATE SET last_chunk = excluded.last_chunk'),
  // Rows that only chunks already settled (deleted) name.
  dropShared: db.prepare('DELETE FROM shared_objects WHERE last_chunk < (SELECT COALESCE(MIN(id), 9007199254740991) FROM chunks)'),
  sharedText: db.prepare('SELECT text FROM shared_objects WHERE ref = ?').pluck(),
});

/**
 * The newest sample time this spool was ever given (Spool.newestUnixNano), undefined for one
 * never given any — or written by a chronoq from before it was kept: its chunks' times are not
 * taken instead, as they may hold samples stamped in the future that skew.policy pass let through.
 */
export const newestAppended = (db: Database.Database): bigint | undefined => {
  const kept = db.prepare(`SELECT value FROM meta WHERE key = '${NEWEST_KEY}'`).pluck().get() as string | undefined;
  return kept !== undefined && /^\d+$/.test(kept) ? BigInt(kept) : undefined;
};

/**
 * What SQLite's quick check finds wrong with the file, on one line (it gives one problem a line,
 * headed `*** in database main ***`), or undefined when nothing: `Page 13: never used`.
 */
export const integrityProblem = (db: Database.Database): string | undefined => {
  const check = String(db.pragma('quick_check', { simple: true }));
  return check === 'ok' ? undefined : `integrity check: ${check.replace(/^\*\*\* in database main \*\*\*\n/, '').replaceAll('\n', '; ')}`;
};
