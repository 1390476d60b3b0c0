/**
 * The spool file says its format (SQLite's user_version, src/spool/schema.ts SPOOL_FORMAT), so a
 * chronoq that meets a file of a later format — an upgrade rolled back while samples waited in the
 * spool — refuses it untouched, saying why and what to do: before, an older chronoq either stopped
 * with SQLite's own words ("table chunks has no column named payload") or, had the change been to
 * what a line holds, would have read the lines wrong.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Spool } from '../src/spool/spool.js';
import { SPOOL_FORMAT } from '../src/spool/schema.js';
import { inspectSpoolFile } from '../src/spool/inspectSpool.js';
import { isSpoolFormatError } from '../src/errors.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { mk, open, recoveredValues } from './support/spool.js';

const test = suite('spool: its file format');

const formatOf = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return Number(db.pragma('user_version', { simple: true }));
  } finally {
    db.close();
  }
};

/** A spool holding samples 0–9, its file then marked as `format`, as a later chronoq would leave it. */
const spoolOfFormat = (path: string, format: number): void => {
  const { spool } = open(path, 1);
  spool.append(Array.from({ length: 10 }, (_, i) => mk(i, 0)));
  spool.close();
  const db = new Database(path);
  db.pragma(`user_version = ${format}`);
  db.close();
};

test('a new spool is written in this format; a file from before the format was kept (0) is read as before and marked', () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  open(path, 1).spool.close();
  assert.is(formatOf(path), SPOOL_FORMAT);
  assert.ok(SPOOL_FORMAT >= 2, 'lines naming resources by reference are format 2');
  const earlier = join(dir, 'earlier.db');
  spoolOfFormat(earlier, 0);
  assert.equal(recoveredValues(earlier), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.is(formatOf(earlier), SPOOL_FORMAT);
});

test('a spool of a later format is refused, untouched (no salvage, no migration), with what to do', () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  spoolOfFormat(path, SPOOL_FORMAT + 1);
  const bytes = readFileSync(path);
  const opened = Spool.open(path, { lanes: 1 });
  if (opened._tag !== 'Left') throw new Error('opened a spool of a later format');
  assert.ok(isSpoolFormatError(opened.left), String(opened.left));
  assert.match(opened.left.message, new RegExp(`spool ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was written by a later chronoq \\(its format ${SPOOL_FORMAT + 1}; this chronoq, [0-9.]+, reads formats up to ${SPOOL_FORMAT}\\): nothing in it was changed`));
  assert.ok(readFileSync(path).equals(bytes), 'the file is as it was');
  assert.equal(readdirSync(dir).filter((f) => !/^spool\.db(-wal|-shm|\.lock)?$/.test(f)), [], 'nothing moved aside');
  assert.is(formatOf(path), SPOOL_FORMAT + 1);
  // Marked back as this format, it is read whole (nothing lost meanwhile), and its lock was let go.
  const db = new Database(path);
  db.pragma(`user_version = ${SPOOL_FORMAT}`);
  db.close();
  assert.equal(recoveredValues(path), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('inspect and run say so, and change nothing', async () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  spoolOfFormat(path, SPOOL_FORMAT + 1);
  const bytes = readFileSync(path);
  const inspected = inspectSpoolFile(path);
  if (inspected._tag !== 'Left') throw new Error('inspected a spool of a later format');
  assert.match(inspected.left.message, /was written by a later chronoq .*: nothing in it was changed: inspect it with that chronoq/);
  const run = await runCli(['run', writeConfig(dir, [
    'sources: [{type: synthetic, series: 1, ratePerSecond: 10, count: 5}]',
    'sink: {type: console}',
    `spool: {path: ${path}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    '',
  ].join('\n'))]);
  assert.is(run.code, 1, run.stderr);
  assert.match(run.stderr, /was written by a later chronoq \(its format \d+; this chronoq, [0-9.]+, reads formats up to \d+\): nothing in it was changed: run the later chronoq until its backlog is delivered, or give this one another spool\.path/);
  assert.ok(readFileSync(path).equals(bytes), 'the file is as it was');
});

test.run();
