/**
 * `fsync: always` (src/spool/settleCommit.ts): every append commits with synchronous=FULL — on the
 * disk when append returns — and only a settle's commit goes without the fsync (NORMAL), with
 * synchronous put back to FULL after it, also when the settle fails. Under `fsync: interval`
 * every commit is NORMAL. (A power loss cannot be tested here; what each commit asks SQLite for can.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { isRight } from 'fp-ts/lib/Either.js';
import { Spool, type SpoolFsync } from '../src/spool/spool.js';
import { tempDir } from './support/cli.js';
import { mk } from './support/spool.js';

const test = suite('spool commits: settles without waiting for the disk');

/** A spool whose every transaction records the synchronous level it runs under (1 NORMAL, 2 FULL). */
const recording = (fsync: SpoolFsync | undefined) => {
  const opened = Spool.open(join(tempDir(), 'spool.db'), { lanes: 2, ...(fsync === undefined ? {} : { fsync }) });
  if (!isRight(opened)) throw opened.left;
  const { spool } = opened.right;
  const db = (spool as unknown as { db: Database.Database }).db;
  const levels: number[] = [];
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...a: unknown[]) => unknown) => transaction((...a: unknown[]) => (levels.push(db.pragma('synchronous', { simple: true }) as number), fn(...a)))) as typeof db.transaction;
  return { spool, db, levels };
};

test("fsync: always (and not given: its default) — appends commit FULL, settles NORMAL, and FULL is back after each settle", () => {
  for (const fsync of ['always', undefined] as const) {
    const { spool, db, levels } = recording(fsync);
    const first = [0, 1, 2, 3].map((i) => mk(i));
    spool.append(first);
    spool.settle(first.slice(0, 2));
    spool.append([4, 5].map((i) => mk(i)));
    spool.settle(first.slice(2));
    assert.equal(levels, [2, 1, 2, 1], String(fsync));
    assert.is(db.pragma('synchronous', { simple: true }), 2);
    spool.close();
  }
});

test('a settle that fails puts FULL back all the same', () => {
  const { spool, db } = recording('always');
  const samples = [0, 1].map((i) => mk(i));
  spool.append(samples);
  const sql = (spool as unknown as { sql: { drop: Database.Statement } }).sql;
  const drop = sql.drop;
  sql.drop = { run: () => { throw new Error('disk I/O error'); } } as unknown as Database.Statement;
  assert.throws(() => spool.settle(samples), /disk I\/O error/);
  assert.is(db.pragma('synchronous', { simple: true }), 2);
  sql.drop = drop;
  spool.close();
});

test('fsync: interval — every commit NORMAL, as before', () => {
  const { spool, levels } = recording({ intervalMs: 60_000 });
  const samples = [0, 1].map((i) => mk(i));
  spool.append(samples);
  spool.settle(samples);
  assert.equal(levels, [1, 1]);
  spool.close();
});

test("a committed settle gives each lane's new watermark to the placements: numbers settled past a gap kept until the gap is, then let go", () => {
  const opened = Spool.open(join(tempDir(), 'spool.db'), { lanes: 1 });
  if (!isRight(opened)) throw opened.left;
  const { spool } = opened.right;
  const placed = (spool as unknown as { placed: { settled: (s: unknown, byLane: unknown, acked: ReadonlyMap<number, number>) => void } }).placed;
  const watermarks: [number, number][][] = [];
  const settled = placed.settled.bind(placed);
  placed.settled = (s, byLane, acked) => (watermarks.push([...acked]), settled(s, byLane, acked));
  const samples = [0, 1, 2, 3].map((i) => mk(i));
  spool.append(samples);
  spool.settle(samples.slice(1, 3));
  spool.settle(samples.slice(0, 1));
  assert.equal(watermarks, [[[0, -1]], [[0, 2]]]);
  assert.equal(spool.lanesState(), [{ lane: 0, ackedSeq: 2, nextSeq: 4 }]);
  spool.close();
});

test.run();
