/**
 * The spool's file, opened: its owner lock taken, then the database (a damaged one salvaged).
 *
 * A disk with no room is not a damaged spool and not a reason to stop. Before, chronoq could not
 * start on a full disk — an edge machine whose /var filled, restarted by systemd again and again,
 * sent nothing at all: `cannot take …/spool.db.lock (the spool's owner lock): database or disk is
 * full`, exit 1. And had the lock been taken, the WAL file's shared-memory index failing for lack
 * of room (SQLITE_IOERR_SHMSIZE) would have been taken for damage: the good spool moved aside as
 * `.damaged-…`, its backlog no longer delivered. Such a failure is now a Left that isNoSpace
 * knows, the file left as it is, and Spool.open (waitForSpace) runs without it until it opens —
 * holding the owner lock meanwhile when it could take it.
 */
import type Database from 'better-sqlite3';
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { systemClock } from '../clock.js';
import { isSpoolFormatError } from '../errors.js';
import { type SpoolLock, lockSpool } from './spoolLock.js';
import { isNoSpace, openSpoolDb } from './spoolFile.js';
import type { OpenReport, SpoolOptions } from './spoolTypes.js';

export const bytesIn = (db: Database.Database): number => (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM chunks').get() as { b: number }).b;

/** A disk without room is an error that isNoSpace knows, saying so: SQLite's own words ("disk I/O error") do not. */
const noSpace = (path: string, e: Error): Error =>
  // Marked, so that the log says it once (at the start), not again when the first append fails.
  Object.assign(new Error(`no room on its disk to open spool ${path} (${e.message})`), { code: (e as { code?: unknown }).code, waitingForSpace: true });

/** Takes the spool's owner lock (spoolLock.ts); before anything is read or changed: a spool another process has open is not touched. */
const takeSpoolLock = (path: string, opts: SpoolOptions): Either<Error, SpoolLock> => {
  const locked = lockSpool(path, (opts.clock ?? systemClock).now());
  return isLeft(locked) && isNoSpace(locked.left) ? left(noSpace(path, locked.left)) : locked;
};

/** Opens the spool's file (its lock taken), salvaging a damaged one. */
const openSpoolData = (path: string, opts: SpoolOptions): Either<Error, { db: Database.Database; damage?: OpenReport['damage']; recovered: Sample[] }> => {
  try {
    return right(openSpoolDb(path, opts.fsync, (opts.clock ?? systemClock).now()));
  } catch (e) {
    return left(isNoSpace(e) ? noSpace(path, e as Error) : isSpoolFormatError(e) ? e : new Error(`cannot open spool ${path}: ${(e as Error).message}`));
  }
};

/** A file that could not be opened for lack of room, under waitForSpace: the spool goes on without it until there is room. */
export const waitsForRoom = (opts: SpoolOptions, e: unknown): boolean => opts.waitForSpace === true && isNoSpace(e);

/**
 * The owner lock (taken unless `held`) and the file. Under waitForSpace the lock is kept when only
 * the file could not be opened for lack of room, so that no other chronoq takes the spool meanwhile.
 */
export const openSpoolFile = (path: string, opts: SpoolOptions, held?: SpoolLock): { lock: SpoolLock | undefined; file: Either<Error, { db: Database.Database; damage?: OpenReport['damage']; recovered: Sample[] }> } => {
  const locked = held === undefined ? takeSpoolLock(path, opts) : right(held);
  if (isLeft(locked)) return { lock: undefined, file: locked };
  const file = openSpoolData(path, opts);
  if (isLeft(file) && !waitsForRoom(opts, file.left)) {
    locked.right.release();
    return { lock: undefined, file };
  }
  return { lock: locked.right, file };
};
