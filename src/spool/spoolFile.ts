/**
 * The spool's SQLite file: opening it, and putting it back at its path (src/fileIdentity.ts tells
 * whether the path still names it).
 * A spool deleted while chronoq runs (a cleanup job on /tmp or /var/tmp, an operator freeing
 * space) goes on working in the deleted file, which its open connection keeps alive — and was
 * gone at exit with everything unsettled in it, while the last log line said those samples "stay
 * in the spool and are delivered first at the next start" (measured: 768 of 768, then an empty
 * spool at the next start). `writeAgainAt` puts the open copy back at the path (VACUUM INTO).
 * Also: a damaged file moved aside and salvaged.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { SCHEMA } from './schema.js';
import type { SpoolFsync, OpenReport } from './spool.js';
import type { Sample } from '../sample.js';
import { salvageSamples } from './salvage.js';

/** Opens (or creates) the spool database at `path`, WAL, checked; throws when it is damaged. */
export const connectSpool = (path: string, fsync: SpoolFsync | undefined): Database.Database => {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${fsync === undefined || fsync === 'always' ? 'FULL' : 'NORMAL'}`);
    db.exec(SCHEMA);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
};

/**
 * Writes the whole of `db` (a spool whose file was deleted under it) as a new file at `path`.
 * Refuses when another file is there now: that is someone else's, and is left as it is.
 */
export const writeAgainAt = (db: Database.Database, path: string): void => {
  if (existsSync(path)) throw new Error(`another file is at ${path} now; it was left as it is`);
  db.prepare('VACUUM INTO ?').run(path);
};

/** A damaged file: moved aside (named by `nowMs`), its samples recovered from the raw bytes, a fresh file started. */
export const salvageSpoolFile = (path: string, fsync: SpoolFsync | undefined, nowMs: number, why: string): { db: Database.Database; damage: NonNullable<OpenReport['damage']>; recovered: Sample[] } => {
  const movedTo = `${path}.damaged-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  const recovered = [movedTo, `${movedTo}-wal`].filter((f) => existsSync(f)).flatMap((f) => salvageSamples(f));
  return { db: connectSpool(path, fsync), damage: { message: why, salvagedSamples: recovered.length, movedTo }, recovered };
};
