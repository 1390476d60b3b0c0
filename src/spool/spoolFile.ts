/**
 * The spool's SQLite file: opening it, and putting it back at its path (src/fileIdentity.ts tells
 * whether the path still names it).
 * A spool deleted while chronoq runs (a cleanup job on /tmp or /var/tmp, an operator freeing
 * space) goes on working in the deleted file, which its open connection keeps alive — and was
 * gone at exit with everything unsettled in it, while the last log line said those samples "stay
 * in the spool and are delivered first at the next start" (measured: 768 of 768, then an empty
 * spool at the next start). `writeAgainAt` puts the open copy back at the path (VACUUM INTO).
 * Also: a damaged file moved aside and salvaged, and the space of a delivered backlog given back.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { SCHEMA, checkFormat, integrityProblem, markFormat, migrateSchema } from './schema.js';
import { isSpoolFormatError } from '../errors.js';
import type { SpoolFsync, OpenReport } from './spoolTypes.js';
import type { Sample } from '../sample.js';
import { salvageSamples } from './salvage.js';
import { type Either, left, right } from 'fp-ts/lib/Either.js';

/**
 * Whether `e` says the disk (or the user's quota) has no room: SQLite's SQLITE_FULL, and
 * SQLITE_IOERR_SHMSIZE, which is how opening a WAL database fails when its shared-memory index
 * (`-shm`) cannot be given its first 32 KiB. Such a file is not damaged and must not be salvaged.
 */
export const isNoSpace = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_SHMSIZE' || code === 'ENOSPC' || code === 'EDQUOT';
};

/** An empty spool database in memory: what a spool waiting for disk space reads (src/spool/spool.ts). */
export const emptySpoolDb = (): Database.Database => {
  const db = new Database(':memory:');
  db.exec(SCHEMA);
  return db;
};

/** Opens (or creates) the spool database at `path`, WAL, checked; throws when it is damaged. */
export const connectSpool = (path: string, fsync: SpoolFsync | undefined): Database.Database => {
  const db = new Database(path);
  try {
    // Before anything is written: a later chronoq's file is left as it is, for it to deliver.
    const format = checkFormat(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${fsync === undefined || fsync === 'always' ? 'FULL' : 'NORMAL'}`);
    // The write-ahead log is cut back to this at checkpoints; a backlog written in large bursts
    // left it at its largest burst's size.
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    db.exec(SCHEMA);
    migrateSchema(db);
    markFormat(db, format);
    const problem = integrityProblem(db);
    if (problem !== undefined) throw new Error(problem);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
};

/** Free space at which an emptied spool's file is shrunk (shrinkEmpty). */
export const SHRINK_AT_FREE_BYTES = 16 * 1024 * 1024;
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
const freeBytesOf = new WeakMap<Database.Database, Database.Statement>();

/**
 * Gives a delivered backlog's space back to the file system, called when the spool has just been
 * emptied: SQLite keeps the pages it freed for reuse and never shrinks its file, so after an
 * outage had spooled 1 GiB the empty spool kept 1 GiB of disk for good. VACUUM then copies next to
 * nothing (4 ms for an emptied spool of 410 MB). Returns the bytes given back (0: too few free).
 */
export const shrinkEmpty = (db: Database.Database, atFreeBytes = SHRINK_AT_FREE_BYTES): number => {
  // Called at every settle that empties the spool (in a steady stream, most of them): a prepared
  // statement, not db.pragma(), which prepares one each call (11 µs for the two).
  let freeBytes = freeBytesOf.get(db);
  if (freeBytes === undefined) freeBytesOf.set(db, (freeBytes = db.prepare('SELECT freelist_count * page_size FROM pragma_freelist_count(), pragma_page_size()').pluck()));
  const free = Number(freeBytes.get());
  if (free < atFreeBytes) return 0;
  try {
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return free;
  } catch {
    return 0; // the space stays in use, as before; tried again when the spool is next emptied
  }
};

/**
 * Copies the write-ahead log's commits into the database file (PASSIVE: without waiting on
 * readers), when it can. On a full disk (SQLITE_FULL, the file cannot grow) the commits
 * stay in the log — a process kill loses none of them — and the next call tries again. Called from
 * the spool's interval timer, where the error was thrown: an uncaught exception that ended `chronoq
 * run` with `fsync: interval` when its disk filled (the writes that fail then are reported by append).
 */
export const checkpointWal = (db: Database.Database): void => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // tried again at the next call
  }
};

/**
 * Writes the whole of `db` (a spool whose file was deleted under it) as a new file at `path`, and
 * connects to it; Left why it could not. Refuses when another file is there now: that is someone
 * else's, and is left as it is.
 */
export const putBackAt = (db: Database.Database, path: string, fsync: SpoolFsync | undefined): Either<Error, Database.Database> => {
  if (existsSync(path)) return left(new Error(`another file is at ${path} now; it was left as it is`));
  try {
    db.prepare('VACUUM INTO ?').run(path);
    return right(connectSpool(path, fsync));
  } catch (e) {
    return left(e as Error);
  }
};

/**
 * The spool database at `path`; a damaged one is moved aside and salvaged (salvageSpoolFile).
 * Throws when it cannot be opened at all — and, without touching it, when the disk has no room
 * (isNoSpace): before, that was taken for damage, and a good spool was moved aside — or when it
 * is of a later format (SpoolFormatError).
 */
export const openSpoolDb = (path: string, fsync: SpoolFsync | undefined, nowMs: number): { db: Database.Database; damage?: NonNullable<OpenReport['damage']>; recovered: Sample[] } => {
  try {
    return { db: connectSpool(path, fsync), recovered: [] };
  } catch (e) {
    if (isNoSpace(e) || isSpoolFormatError(e)) throw e;
    return salvageSpoolFile(path, fsync, nowMs, (e as Error).message);
  }
};

/** A damaged file: moved aside (named by `nowMs`), its samples recovered from the raw bytes, a fresh file started. */
export const salvageSpoolFile = (path: string, fsync: SpoolFsync | undefined, nowMs: number, why: string): { db: Database.Database; damage: NonNullable<OpenReport['damage']>; recovered: Sample[] } => {
  const movedTo = `${path}.damaged-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  const recovered = [movedTo, `${movedTo}-wal`].filter((f) => existsSync(f)).flatMap((f) => salvageSamples(f));
  return { db: connectSpool(path, fsync), damage: { message: why, salvagedSamples: recovered.length, movedTo }, recovered };
};
