/**
 * How a settle commits under `fsync: always`: with synchronous=NORMAL for its transaction alone.
 *
 * What `always` promises is that samples written to the spool are on the disk when `append`
 * returns (a request the otlp source answers, a burst handed to delivery), and stay there until
 * they are delivered or dead-lettered. A settle only records that: if a power loss takes it back,
 * the samples it settled are in the spool again and are delivered again at the next start — a
 * duplicate, bit-identical, which at-least-once allows — and nothing is lost. A process kill takes
 * back nothing either way (the commit is in the write-ahead log, in the page cache). In WAL mode a
 * NORMAL commit is written without the fsync; the next append's FULL commit syncs the log, and
 * every commit in it before, so the settle reaches the disk with it.
 *
 * Measured: the fsync of each settle's commit was a tenth of a durable otlp gateway's time
 * (bench/gateway.ts, spool ×0.24–0.26 of the Collector with it, ×0.28–0.30 without).
 */
import type Database from 'better-sqlite3';
import type { SpoolFsync } from './spoolTypes.js';
import type { SpoolStatements } from './schema.js';
import type { Placements } from './placements.js';

/**
 * Runs `settle` (a transaction) without waiting for the disk at its commit, then puts synchronous
 * back to FULL. By db.pragma, which prepares the statement each time (~5 µs, once a settle of up to
 * a batch): SQLite sets this pragma when the statement is prepared, so a statement prepared once
 * and run again set nothing (a spool's first settle ran FULL that way).
 */
export const commitSettle = (db: Database.Database, fsync: SpoolFsync | undefined, settle: () => void): void => {
  // fsync: interval — every commit is NORMAL already.
  if (fsync !== undefined && fsync !== 'always') return settle();
  db.pragma('synchronous = NORMAL');
  try {
    settle();
  } finally {
    db.pragma('synchronous = FULL');
  }
};

/**
 * A settle's rows: each lane's watermark moved over its settled numbers (`byLane`, with those
 * settled before) and the rows below it dropped, in one transaction committed as above. Returns
 * the new watermarks and the bytes freed; changes nothing in memory, so that a settle that fails
 * can be made again.
 */
export const settleRows = (db: Database.Database, sql: SpoolStatements, fsync: SpoolFsync | undefined, placed: Placements, byLane: ReadonlyMap<number, ReadonlySet<number>>) => {
  const { getAcked, setAcked, freed, drop } = sql;
  const acked = new Map<number, number>();
  let freedBytes = 0;
  commitSettle(db, fsync, db.transaction(() => {
    for (const [lane, seqs] of byLane) {
      const upTo = placed.reach(lane, (getAcked.get(lane) as { acked_seq: number } | undefined)?.acked_seq ?? -1, seqs);
      setAcked.run(upTo, lane);
      freedBytes += (freed.get(lane, upTo) as { b: number }).b;
      drop.run(lane, upTo);
      acked.set(lane, upTo);
    }
  }));
  return { acked, freedBytes };
};
