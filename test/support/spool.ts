/** Shared by the spool suites: a numbered sample, a spool opened or thrown, what a restart would deliver first, the removal of a spool's files, and a bare database of the spool's schema. */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isRight } from 'fp-ts/lib/Either.js';
import Database from 'better-sqlite3';
import { Spool } from '../../src/spool/spool.js';
import { SCHEMA } from '../../src/spool/schema.js';
import type { Sample } from '../../src/sample.js';

/** Sample i of series `series` (i mod 3 by default), its time i ns after 2025-11-25T10:00Z. */
export const mk = (i: number, series = i % 3): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { s: String(series) } });
/** A spool at `path`, or the error thrown. */
export const open = (path: string, lanes = 2, maxBytes?: number) => {
  const r = Spool.open(path, { lanes, ...(maxBytes ? { maxBytes } : {}) });
  if (!isRight(r)) throw r.left;
  return r.right;
};
/** What a restart would deliver first from the spool at `path` (opened, read back, closed). */
export const recoveredValues = (path: string, lanes = 1): unknown[] => {
  const { spool } = open(path, lanes);
  const values = spool.recover().map((s) => s.value);
  spool.close();
  return values;
};
/** Removes the spool at `path` with its write-ahead log, shared memory and owner lock. */
export const removeSpoolFiles = (path: string): void => {
  for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(path + suffix, { force: true });
};

/** An in-memory SQLite database of the spool's schema, no Spool around it (for its parts' own tests). */
export const schemaDatabase = (): Database.Database => {
  const db = new Database(':memory:');
  db.exec(SCHEMA);
  return db;
};

/**
 * Faults the closed spool at `path` as SQLite's quick check sees it while every row still reads:
 * two pages of zeros more in the header's count, in no table and not free. Returns the problem
 * the check says.
 */
export const addNeverUsedPages = (path: string): string => {
  const pageSize = readFileSync(path).readUInt16BE(16);
  appendFileSync(path, Buffer.alloc(2 * pageSize));
  const bytes = readFileSync(path);
  const pages = bytes.readUInt32BE(28) + 2;
  bytes.writeUInt32BE(pages, 28);
  writeFileSync(path, bytes);
  return `integrity check: Page ${pages - 1}: never used; Page ${pages}: never used`;
};
