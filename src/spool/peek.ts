/**
 * Looking into an SQLite file without changing it: which tables it has, and whether it is some
 * other program's database (so the spool never adds its tables to one, nor moves it aside).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { nonSqliteFile } from '../fileIdentity.js';

export const tableNames = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);

/**
 * The columns the spool's two first tables have had in every format (chunks' lines were `payload`
 * once). A table of the name alone is not one of them: an upload service's `chunks (id, upload_id,
 * data)` was taken for a spool's, found unreadable as one, and its database moved aside as damaged
 * with a spool put in its place.
 */
const SPOOL_COLUMNS: Readonly<Record<'chunks' | 'lanes', readonly string[]>> = {
  chunks: ['lane', 'first_seq', 'last_seq'],
  lanes: ['lane', 'next_seq', 'acked_seq'],
};

/** Whether `db` has a spool's chunks or lanes table, by its columns. */
const hasSpoolTable = (db: Database.Database, names: readonly string[]): boolean =>
  (Object.keys(SPOOL_COLUMNS) as (keyof typeof SPOOL_COLUMNS)[]).some((table) => {
    if (!names.includes(table)) return false;
    const columns = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
    return SPOOL_COLUMNS[table].every((c) => columns.has(c));
  });

/**
 * The tables of a readable SQLite database at `path` that has tables but not a spool's, else
 * undefined (no file, an empty file, a spool, or a file SQLite cannot read: damage, which
 * Spool.open salvages). Read only.
 */
export const foreignTables = (path: string): string[] | undefined => {
  if (!existsSync(path)) return undefined;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const names = tableNames(db);
      return names.length > 0 && !hasSpoolTable(db, names) ? names : undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
};

/** What the file at `path` is when the spool may not open it, and whether it is another program's database. */
const refusedFile = (path: string): { readonly foreign: boolean; readonly what: string } | undefined => {
  const foreign = foreignTables(path);
  if (foreign !== undefined) return { foreign: true, what: `another program's SQLite database (tables: ${foreign.join(', ')})` };
  const other = nonSqliteFile(path);
  return other === undefined ? undefined : { foreign: false, what: other };
};

/**
 * What the file at `path` is, when it is not one the spool may open (as the config check says it):
 * another program's SQLite database, or a file that is not SQLite at all; else undefined.
 */
export const notASpoolFile = (path: string): string | undefined => refusedFile(path)?.what;

/**
 * Why the file at `path` is not one the spool may open, or undefined: another program's SQLite
 * database, or a file that is not SQLite at all (a spool.path naming someone's notes or a sample
 * file was moved aside "as damaged" and a spool put in its place). A spool cut off keeps its
 * first bytes, and is salvaged.
 */
export const notASpool = (path: string): string | undefined => {
  const refused = refusedFile(path);
  if (refused === undefined) return undefined;
  return refused.foreign
    ? `${path} is ${refused.what}, not a chronoq spool; it was not changed: choose another spool.path`
    : `${path} is not a chronoq spool: ${refused.what}; it was not changed: choose another spool.path (a spool whose first bytes were damaged: move it aside, and a new one is made)`;
};
