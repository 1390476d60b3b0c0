/**
 * One process per spool. Two chronoq processes on one spool file (a second `chronoq run` in the
 * same directory, a rolling update whose new pod mounts the volume while the old one drains)
 * each read back and deliver the other's samples, and neither can settle the other's sequence
 * numbers: measured, 6 210 duplicates at the receiver in 20 s, a "database is locked" error
 * every few milliseconds from both, and 18 788 samples the receiver already had still waiting in
 * the spool after both had stopped, to be sent a third time by the next start.
 *
 * So a spool is owned: `lockSpool` holds a write lock on a small SQLite file beside it
 * (`<spool>.lock`, an open BEGIN IMMEDIATE) for as long as the spool is open. It is an operating
 * system file lock, taken through SQLite as the spool's own are, so it goes with the process that
 * holds it — a `kill -9` leaves no stale lock behind — and it holds between two connections of
 * one process as between processes. The file also records who owns it (pid, host, since), for the
 * message the next one gets and for `chronoq inspect`.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import { isNoSpace } from './spoolFile.js';

export interface SpoolOwner {
  readonly pid: number;
  readonly host: string;
  readonly sinceUnixMs: number;
}

/** The spool is open in another process (or another Spool of this one). */
export class SpoolInUseError extends Error {
  override readonly name = 'SpoolInUseError';
  constructor(readonly path: string, readonly owner: SpoolOwner | undefined) {
    const who = owner === undefined ? 'another chronoq' : `another chronoq (${describeOwner(owner)})`;
    super(`spool ${path} is in use by ${who}: two processes on one spool would each deliver the other's samples again and neither could settle them; stop the other one or give this one its own spool.path`);
  }
}
export const isSpoolInUseError = (e: unknown): e is SpoolInUseError => e instanceof Error && e.name === 'SpoolInUseError';

export const describeOwner = (o: SpoolOwner): string => `pid ${o.pid} on ${o.host}, since ${new Date(o.sinceUnixMs).toISOString()}`;

export interface SpoolLock {
  /** Lets the spool go (idempotent): the next process may take it. */
  release(): void;
}

export const lockPathOf = (spoolPath: string): string => `${spoolPath}.lock`;

const OWNER_TABLE = 'CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since_ms INTEGER NOT NULL)';

const readOwner = (db: Database.Database): SpoolOwner | undefined => {
  const row = db.prepare('SELECT pid, host, since_ms FROM owner WHERE id = 1').get() as { pid: number; host: string; since_ms: number } | undefined;
  return row === undefined ? undefined : { pid: row.pid, host: row.host, sinceUnixMs: row.since_ms };
};

const isBusy = (e: unknown): boolean => (e as { code?: unknown })?.code === 'SQLITE_BUSY';

/** Takes the spool at `spoolPath` for this process, or says who has it. `nowMs` stamps `since`. */
export const lockSpool = (spoolPath: string, nowMs: number): Either<Error, SpoolLock> => {
  let db: Database.Database;
  try {
    db = new Database(lockPathOf(spoolPath), { timeout: 0 });
  } catch (e) {
    return left(Object.assign(new Error(`cannot open ${lockPathOf(spoolPath)} (the spool's owner lock): ${(e as Error).message}`), { code: (e as { code?: unknown }).code }));
  }
  try {
    try {
      db.exec(OWNER_TABLE);
      db.exec('BEGIN IMMEDIATE');
      db.prepare('INSERT OR REPLACE INTO owner (id, pid, host, since_ms) VALUES (1, ?, ?, ?)').run(process.pid, hostname(), Math.round(nowMs));
      db.exec('COMMIT');
    } catch (e) {
      // A full disk: the record (only for messages) cannot be written, but the lock, which writes
      // nothing, can still be held in a lock file an earlier run left. Before, a full disk kept
      // chronoq from starting at all.
      if (!isNoSpace(e)) throw e;
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    // Held from here on: the write lock of a transaction that stays open (it writes nothing).
    db.exec('BEGIN IMMEDIATE');
  } catch (e) {
    const owner = isBusy(e) ? safely(() => readOwner(db)) : undefined;
    db.close();
    return left(isBusy(e) ? new SpoolInUseError(spoolPath, owner) : Object.assign(new Error(`cannot take ${lockPathOf(spoolPath)} (the spool's owner lock): ${(e as Error).message}`), { code: (e as { code?: unknown }).code }));
  }
  return right({
    release: () => {
      if (!db.open) return;
      safely(() => db.exec('ROLLBACK'));
      db.close();
    },
  });
};

/**
 * The owner lock of a spool whose files were deleted while it was open (spool.ts, keepAtPath):
 * when its lock file went too, the lock is taken again at the path (`held` let go); else `held`.
 */
export const relockIfGone = (spoolPath: string, held: SpoolLock | undefined, nowMs: number): SpoolLock | undefined => {
  if (existsSync(lockPathOf(spoolPath))) return held;
  held?.release();
  const relocked = lockSpool(spoolPath, nowMs);
  return relocked._tag === 'Right' ? relocked.right : held;
};

/**
 * Who holds the spool at `spoolPath` now, if anyone (read only: for `chronoq inspect`). A record
 * left by a process that was killed is not an owner: only a lock still held is.
 */
export const spoolOwner = (spoolPath: string): SpoolOwner | undefined => {
  const path = lockPathOf(spoolPath);
  if (!existsSync(path)) return undefined;
  const db = safely(() => new Database(path, { timeout: 0, fileMustExist: true }));
  if (db === undefined) return undefined;
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return undefined; // free: nobody holds it
  } catch (e) {
    return isBusy(e) ? safely(() => readOwner(db)) : undefined;
  } finally {
    db.close();
  }
};

const safely = <A>(f: () => A): A | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};
