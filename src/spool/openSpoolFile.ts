/**
 * The spool's file, opened: its owner lock taken, then the database (a damaged one salvaged).
 *
 * A disk with no room is not a damaged spool and not a reason to stop. Before, chronoq could not
 * start on a full disk — an edge machine whose /var filled, restarted by systemd again and again,
 * sent nothing at all: `cannot take …/spool.db.lock (the spool's owner lock): database or disk is
 * full`, exit 1. And had the lock been taken, the WAL file's shared-memory index failing for lack
 * of room (SQLITE_IOERR_SHMSIZE) would have been taken for damage: the good spool moved aside as
 * `.damaged-…`, its backlog no longer delivered. Such a failure is now a Left that isNoSpace
 * knows, the file left as it is, and Spool.open (waitForSpace) runs without it until it opens.
 */
import type Database from 'better-sqlite3';
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { systemClock } from '../clock.js';
import { type SpoolLock, lockSpool } from './spoolLock.js';
import { isNoSpace, openSpoolDb } from './spoolFile.js';
import type { OpenReport, SpoolOptions } from './spoolTypes.js';

export const bytesIn = (db: Database.Database): number => (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM chunks').get() as { b: number }).b;

/**
 * Takes the spool's lock and opens its file (salvaging a damaged one). A disk without room for
 * either is a Left that isNoSpace knows, saying so: SQLite's own words ("disk I/O error") do not.
 */
export const openSpoolFile = (path: string, opts: SpoolOptions): Either<Error, { db: Database.Database; lock: SpoolLock; damage?: OpenReport['damage']; recovered: Sample[] }> => {
  const nowMs = (opts.clock ?? systemClock).now();
  // Marked, so that the log says it once (at the start), not again when the first append fails.
  const noSpace = (e: Error): Error => Object.assign(new Error(`no room on its disk to open spool ${path} (${e.message})`), { code: (e as { code?: unknown }).code, waitingForSpace: true });
  // Before anything is read or changed: a spool another process has open is not touched.
  const locked = lockSpool(path, nowMs);
  if (isLeft(locked)) return isNoSpace(locked.left) ? left(noSpace(locked.left)) : locked;
  try {
    return right({ ...openSpoolDb(path, opts.fsync, nowMs), lock: locked.right });
  } catch (e) {
    locked.right.release();
    return left(isNoSpace(e) ? noSpace(e as Error) : new Error(`cannot open spool ${path}: ${(e as Error).message}`));
  }
};
