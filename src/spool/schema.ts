/**
 * The spool's SQLite schema. Why SQLite (better-sqlite3 12, WAL mode): it is the most tested
 * embedded store there is, its WAL survives a process kill with every committed transaction and
 * detects a torn tail by frame checksums at open, one transaction per burst makes writes cheap,
 * and the file can be inspected with any sqlite3 shell. (better-sqlite3 13 needs Node 22.)
 *
 * Samples are stored once per burst and lane, as NDJSON in one row, with per-lane sequence
 * numbers [first_seq, last_seq]; a lane's samples are delivered in sequence order, so "settled"
 * is one watermark per lane (lanes.acked_seq). Rows at or below it are deleted.
 */
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
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_lane_seq ON chunks (lane, first_seq);
CREATE TABLE IF NOT EXISTS lanes (lane INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL);
`;

export interface ChunkRow {
  readonly id: number;
  readonly lane: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly count: number;
  readonly bytes: number;
  readonly oldest_ns: string;
  readonly newest_ns: string;
  readonly payload: string;
}
