/**
 * Looking into an SQLite file before the spool opens it (src/spool/peek.ts): another program's
 * database is told from a spool by its tables' columns — one of the spool's two tables is enough
 * (a spool of an older format, or cut down) — and the look leaves the file as it was, not even
 * held open.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { foreignTables, notASpool } from '../src/spool/peek.js';
import { tempDir } from './support/cli.js';
import { openFiles } from './support/openFiles.js';

const test = suite('spool: looking into an SQLite file');

const database = (sql: string): string => {
  const path = join(tempDir(), 'some.db');
  const db = new Database(path);
  db.exec(sql);
  db.close();
  return path;
};

test("a database with a spool's lanes table (by its columns) alone, or its chunks table alone, is a spool's; one with neither is another program's", () => {
  assert.is(foreignTables(database('CREATE TABLE lanes (lane INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL)')), undefined);
  assert.is(foreignTables(database('CREATE TABLE chunks (lane INTEGER, first_seq INTEGER, last_seq INTEGER, lines TEXT)')), undefined);
  const other = database('CREATE TABLE lanes (lane TEXT, road TEXT); CREATE TABLE users (id INTEGER)');
  assert.equal(foreignTables(other), ['lanes', 'users']);
  assert.match(notASpool(other) ?? '', /some\.db is another program's SQLite database \(tables: lanes, users\), not a chronoq spool/);
});

test('the look lets go of the file: another program\'s database is not held open after it', () => {
  const path = database('CREATE TABLE users (id INTEGER)');
  assert.equal(foreignTables(path), ['users']);
  assert.ok(notASpool(path) !== undefined, 'refused');
  assert.equal(openFiles().filter((f) => f.startsWith(path)), []);
});

test.run();
