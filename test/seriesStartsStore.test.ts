/**
 * The spool's store of fillStartTimes' series states (src/spool/seriesStarts.ts) on its own, over
 * SQLite databases made here: rows it cannot trust are not taken, a write that fails keeps what
 * changed for the next (the newest state of a series winning), keeping them all settles what was
 * pending, and the store follows the spool into a new file.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type Database from 'better-sqlite3';
import { seriesStartsStore } from '../src/spool/seriesStarts.js';
import type { SeriesStartChanges, SeriesStartState } from '../operators/fillStartTimes.js';
import { schemaDatabase } from './support/spool.js';

const test = suite('the series starts store');

const closed = (): Database.Database => {
  const db = schemaDatabase();
  db.close();
  return db;
};
const state = (series: string, lastValue: SeriesStartState['lastValue'], lastTime = 200n): SeriesStartState => ({ series, start: 100n, lastTime, lastValue });
const rows = (db: Database.Database) => db.prepare('SELECT series, last_ns, last_value FROM series_starts ORDER BY series').all();

/** A store over `current()`, fed the changes pushed with `change`. */
const storeOver = (current: () => Database.Database) => {
  const store = seriesStartsStore(current);
  let next: SeriesStartChanges = { kept: [], forgotten: [] };
  store.follow(() => {
    const c = next;
    next = { kept: [], forgotten: [] };
    return c;
  });
  return { store, change: (kept: SeriesStartState[], forgotten: string[] = []) => void (next = { kept, forgotten }) };
};

test('take: a number, or a histogram with its count; a row of anything else, or with a time that is not decimal, is not a state', () => {
  const db = schemaDatabase();
  const put = db.prepare('INSERT INTO series_starts (series, start_ns, last_ns, last_value) VALUES (?, ?, ?, ?)');
  put.run('n', '100', '200', '7');
  put.run('h', '100', '200', JSON.stringify({ boundaries: [1], counts: [1, 2], sum: 3, count: 3 }));
  put.run('object', '100', '200', '{"x":1}');
  put.run('text', '100', '200', '"7"');
  put.run('time', '1e3', '200', '7');
  put.run('broken', '100', '200', '{');
  assert.equal(seriesStartsStore(() => db).take().map((s) => s.series).sort(), ['h', 'n']);
});

test('a write that fails keeps the changes for the next; the newest state of a series is written, and one forgotten meanwhile is dropped', () => {
  const db = schemaDatabase();
  let current = db;
  const { store, change } = storeOver(() => current);
  change([state('a', 1), state('b', 1)]);
  assert.ok(store.writeChanges());
  current = closed(); // a full disk, say
  change([state('a', 2, 300n), state('c', 1)]);
  assert.not.ok(store.writeChanges());
  change([state('a', 3, 400n)], ['b']);
  current = db;
  assert.ok(store.writeChanges());
  assert.equal(rows(db), [{ series: 'a', last_ns: '400', last_value: '3' }, { series: 'c', last_ns: '200', last_value: '1' }]);
});

test('keep writes them all in place of what was there, and settles what a failed write left pending', () => {
  const db = schemaDatabase();
  let current = db;
  const { store, change } = storeOver(() => current);
  current = closed();
  change([state('old', 1)]);
  assert.not.ok(store.writeChanges());
  current = db;
  change([state('x', 9)]); // changed since the last write, and left out of the states kept (forgotten)
  assert.ok(store.keep([state('a', 5)]));
  assert.ok(store.writeChanges(), 'nothing pending');
  assert.equal(rows(db), [{ series: 'a', last_ns: '200', last_value: '5' }], '"old" and "x", left out of the states kept, are not written again');
});

test('the store follows the database the spool goes on in (its file put back): statements of the closed one are not used', () => {
  let current = schemaDatabase();
  const { store, change } = storeOver(() => current);
  change([state('a', 1)]);
  assert.ok(store.writeChanges());
  current.close();
  current = schemaDatabase();
  change([state('b', 2)]);
  assert.ok(store.writeChanges());
  assert.equal(rows(current), [{ series: 'b', last_ns: '200', last_value: '2' }]);
});

test.run();
