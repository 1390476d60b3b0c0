/**
 * The spool's schema helpers on databases made here (src/spool/schema.ts): the format a file says
 * it has, refused when later than this chronoq reads; an earlier file's column brought to this
 * schema; the newest time kept in meta, when it is a time; the quick check said on one line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { SPOOL_FORMAT, checkFormat, markFormat, migrateSchema, newestAppended } from '../src/spool/schema.js';
import { isSpoolFormatError } from '../src/errors.js';
import { schemaDatabase } from './support/spool.js';

const test = suite('spool schema');

test('the format: this one and earlier are read (and marked as this one), a later one is refused before anything changes', () => {
  const db = schemaDatabase();
  assert.is(checkFormat(db, 'spool.db'), 0, 'a new file');
  markFormat(db, 0);
  assert.is(checkFormat(db, 'spool.db'), SPOOL_FORMAT);
  db.pragma(`user_version = ${SPOOL_FORMAT + 1}`);
  let refused: unknown;
  try {
    checkFormat(db, 'spool.db');
  } catch (e) {
    refused = e;
  }
  assert.ok(isSpoolFormatError(refused), String(refused));
});

test("an earlier chronoq's chunks (their lines in `payload`) are renamed to this schema's `lines`; this schema's stay", () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE chunks (id INTEGER PRIMARY KEY, lane INTEGER, payload TEXT)');
  migrateSchema(db);
  migrateSchema(db);
  assert.equal(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('chunks'), ['id', 'lane', 'lines']);
});

test('the newest time appended, as meta keeps it: a decimal time, else none (a value that is not one is not taken, nor thrown)', () => {
  const db = schemaDatabase();
  assert.is(newestAppended(db), undefined);
  const put = db.prepare("INSERT INTO meta (key, value) VALUES ('newest_ns', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  put.run('1764064800123456789');
  assert.is(newestAppended(db), 1_764_064_800_123_456_789n);
  for (const v of ['', 'soon', '-5', '1e18']) {
    put.run(v);
    assert.is(newestAppended(db), undefined, v);
  }
});

test.run();
