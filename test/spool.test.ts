/** The spool on its own: crash safety, read-back order, bounds, foreign files, giving space back (damaged files: spoolDamaged.test.ts; inspect: spoolInspect.test.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { statSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { connectSpool } from '../src/spool/spoolFile.js';
import type { SpoolFsync } from '../src/spool/spoolTypes.js';
import { tempDir } from './support/cli.js';
import type { Sample } from '../src/sample.js';
import { mk, open, recoveredValues } from './support/spool.js';

const test = suite('spool');

test('what was appended survives a crash (a second open without closing) and comes back per lane in order', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path);
  spool.append([0, 1, 2, 3, 4].map((i) => mk(i)));
  spool.append([5, 6, 7].map((i) => mk(i)));
  spool.abandon(); // never closed: as after kill -9
  const { spool: after, report } = open(path);
  assert.is(report.pending, 8);
  const rec = after.recover();
  assert.equal(rec.map((s) => s.value).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  for (const lane of [0, 1]) {
    const mine = rec.filter((s) => after.laneOf(s) === lane).map((s) => s.value as number);
    assert.equal(mine, [...mine].sort((a, b) => a - b), 'per lane in original order');
  }
  assert.is(rec[0]!.timeUnixNano, 1_764_064_800_000_000_000n + BigInt(rec[0]!.value as number), 'timestamps exact');
  after.settle(rec);
  assert.is(after.inspect().waiting, 0, 'what was read back settles: each sample read back at its own place');
  spool.close();
  after.close();
});

test("settling and reading back are range scans on (lane, last_seq), not scans of the lane's whole backlog; an older spool file is migrated and reads back whole", () => {
  // On the index (lane, first_seq) every settle scanned all of the lane's chunks for last_seq:
  // 35 ms per 1 000 samples settled with 600 000 waiting (3.5 ms with a few), so catching up on a
  // long outage's backlog slowed down the larger it was. Now 2 ms whatever the backlog.
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path);
  spool.append([0, 1, 2, 3, 4, 5].map((i) => mk(i)));
  spool.close();
  // An older spool: its index on first_seq, as files written before this one have.
  const old = new Database(path);
  old.exec('DROP INDEX chunks_lane_last; CREATE INDEX chunks_lane_seq ON chunks (lane, first_seq);');
  old.close();
  const { spool: reopened } = open(path);
  assert.equal(reopened.recover().map((s) => s.value).sort(), [0, 1, 2, 3, 4, 5], 'the older file reads back whole');
  reopened.close();
  const db = new Database(path, { readonly: true });
  const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 3) as { detail: string }[]).map((r) => r.detail).join('; ');
  const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'chunks'").all() as { name: string }[]).map((r) => r.name);
  assert.equal(indexes, ['chunks_lane_last'], 'the first_seq index dropped, the last_seq one made');
  for (const sql of ['DELETE FROM chunks WHERE lane = ? AND last_seq <= ?', 'SELECT COALESCE(SUM(bytes), 0) AS b FROM chunks WHERE lane = ? AND last_seq <= ?', 'SELECT first_seq, lines FROM chunks WHERE lane = ? AND last_seq > ? ORDER BY last_seq']) {
    assert.match(plan(sql), /USING (COVERING )?INDEX chunks_lane_last \(lane=\? AND last_seq[<>]\?\)/, `${sql}: ${plan(sql)}`);
    assert.not.match(plan(sql), /TEMP B-TREE/, `${sql}: no sort`);
  }
  db.close();
});

test('settled samples are not recovered; a lane watermark only passes a contiguous run; bytes are freed', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const xs = [0, 1, 2, 3, 4, 5].map((i) => mk(i));
  spool.append(xs.slice(0, 3));
  spool.append(xs.slice(3));
  const full = spool.inspect().bytes;
  spool.settle([xs[0]!, xs[1]!, xs[2]!]);
  assert.ok(spool.inspect().bytes < full, 'the settled chunk is deleted');
  spool.settle([xs[4]!]); // out of order: seq 4 before 3
  assert.is(spool.inspect().lanes[0]!.ackedSeq, 2);
  spool.abandon(); // so that a restart's view can be taken while this one goes on
  assert.equal(recoveredValues(path), [3, 4, 5], 'the early settle is not persisted: 4 comes back (a duplicate, never a loss)');
  spool.settle([xs[3]!]);
  assert.is(spool.inspect().lanes[0]!.ackedSeq, 4);
  assert.equal(recoveredValues(path), [5]);
  spool.close();
});

test('bounded by bytes: a full spool refuses, reports, and accepts again once settled', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1, 600);
  const a = [0, 1, 2, 3].map((i) => mk(i));
  assert.equal(spool.append(a), []);
  // Room for a share of maxBytes more (what a source is let read on by while delivery is stalled): a tenth, not half.
  assert.ok(spool.usedBytes > 300 && spool.usedBytes <= 540, String(spool.usedBytes));
  assert.equal([spool.hasRoomFor(0.1), spool.hasRoomFor(0.5)], [true, false]);
  const refused = spool.append([4, 5, 6, 7, 8, 9].map((i) => mk(i)));
  assert.is(refused.length, 6);
  spool.settle(a);
  assert.equal(spool.append([mk(10)]), []);
  spool.close();
});

test('bounded across the lanes of one append: each lane is counted on top of those written before it, never more than maxBytes', () => {
  const probe = open(join(tempDir(), 'probe.db'), 2).spool;
  // Two series in different lanes, three samples each; each lane's chunk measured on a spool without a bound.
  const other = [1, 2, 3, 4, 5, 6, 7, 8].find((s) => probe.laneOf(mk(0, s)) !== probe.laneOf(mk(0, 0)));
  assert.ok(other !== undefined, 'a series in the other lane');
  const series = [0, other];
  const samples = [0, 1, 2, 3, 4, 5].map((i) => mk(i, series[i % 2]));
  const chunkBytes = series.map((s) => {
    const before = probe.usedBytes;
    probe.append(samples.filter((x) => x.attributes['s'] === String(s)));
    return probe.usedBytes - before;
  });
  probe.close();
  const maxBytes = Math.max(...chunkBytes) + Math.min(...chunkBytes) - 1; // each alone fits, both do not
  const { spool } = open(join(tempDir(), 'spool.db'), 2, maxBytes);
  const refused = spool.append(samples);
  assert.is(refused.length, 3, "one lane's chunk refused");
  assert.ok(spool.usedBytes <= maxBytes, `${spool.usedBytes} bytes written, maxBytes ${maxBytes}`);
  spool.close();
});

test("a spool path that is another program's SQLite database — also one with a table named as a spool's: refused, and the database is not changed", () => {
  const path = join(tempDir(), 'app.db');
  const other = new Database(path);
  other.exec('CREATE TABLE users (id INTEGER); INSERT INTO users VALUES (7)');
  other.close();
  const before = readFileSync(path);
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(!isRight(r), 'refused');
  if (!isRight(r)) assert.match(r.left.message, /another program's SQLite database \(tables: users\), not a chronoq spool; it was not changed/);
  assert.ok(readFileSync(path).equals(before), 'not changed');
  assert.equal(readdirSync(dirname(path)), ['app.db'], 'nothing moved aside or created');
  // A table named as one of the spool's is not enough: an upload service's chunks were taken for a
  // spool's, found unreadable as one, and the database moved aside as damaged, a spool put in its place.
  for (const [table, schema] of [['chunks', 'id INTEGER PRIMARY KEY, upload_id TEXT, data BLOB'], ['lanes', 'lane TEXT PRIMARY KEY, road TEXT']] as const) {
    const foreign = join(tempDir(), 'app.db');
    const app = new Database(foreign);
    app.exec(`CREATE TABLE ${table} (${schema})`);
    app.close();
    const foreignBefore = readFileSync(foreign);
    const refused = Spool.open(foreign, { lanes: 1 });
    assert.match(isRight(refused) ? 'opened' : refused.left.message, `app.db is another program's SQLite database (tables: ${table}), not a chronoq spool; it was not changed`);
    assert.ok(readFileSync(foreign).equals(foreignBefore), 'not changed');
    assert.equal(readdirSync(dirname(foreign)), ['app.db'], 'nothing moved aside or created');
  }
});

test('fsync: always, the default, commits with SQLite synchronous FULL (each burst durable against power loss); interval with NORMAL', () => {
  const dir = tempDir();
  const synchronous = (fsync: SpoolFsync | undefined, name: string): unknown => {
    const db = connectSpool(join(dir, name), fsync);
    try {
      return db.pragma('synchronous', { simple: true });
    } finally {
      db.close();
    }
  };
  assert.equal([synchronous(undefined, 'a.db'), synchronous('always', 'b.db'), synchronous({ intervalMs: 1_000 }, 'c.db')], [2, 2, 1]);
});

test('fsync interval: a timer checkpoints the WAL every intervalMs (the writes reach the database file at that pace); fsync always arms no such timer', () => {
  const dir = tempDir();
  const opened = (name: string, fsync: SpoolFsync) => {
    const ticks: { ms: number; fn: () => void }[] = [];
    const r = Spool.open(join(dir, name), { lanes: 1, fsync }, { every: (ms, fn) => (ticks.push({ ms, fn }), { cancel: () => undefined }) });
    if (!isRight(r)) throw r.left;
    return { spool: r.right.spool, ticks };
  };
  const always = opened('always.db', 'always');
  assert.not.ok(always.ticks.some((t) => t.ms === 250));
  always.spool.close();
  const { spool, ticks } = opened('interval.db', { intervalMs: 250 });
  const checkpoints = ticks.filter((t) => t.ms === 250);
  assert.is(checkpoints.length, 1, 'one timer at intervalMs');
  spool.append(Array.from({ length: 2_000 }, (_, i) => mk(i)));
  const before = statSync(join(dir, 'interval.db')).size;
  checkpoints[0]!.fn();
  assert.ok(statSync(join(dir, 'interval.db')).size > before, 'the WAL\'s pages written into the database file');
  assert.is(spool.placedCount, 2_000, 'the appended samples are placed');
  spool.close();
  assert.is(spool.placedCount, 0, 'a closed spool holds none of them (those still in delivery at a shutdown)');
});

test('a settle of samples of which some were never placed in this spool (written while it could not be) settles the placed ones all the same', () => {
  const path = join(tempDir(), 'mixed.db');
  const { spool } = open(path, 1);
  const placed = [0, 1, 2].map((i) => mk(i));
  spool.append(placed);
  spool.settle([mk(99), ...placed]);
  assert.is(spool.inspect().waiting, 0);
  spool.close();
});

test('a spool path naming a file that is not SQLite at all (notes, a sample file): refused, not moved aside as damaged with a spool in its place', () => {
  const dir = tempDir();
  const path = join(dir, 'notes.txt');
  writeFileSync(path, 'important notes\n');
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(!isRight(r), 'refused');
  if (!isRight(r)) assert.match(r.left.message, /notes\.txt is not a chronoq spool: a file of 16 bytes that is not an SQLite database \(it begins "important notes"\); it was not changed: choose another spool\.path/);
  assert.is(readFileSync(path, 'utf8'), 'important notes\n');
  assert.equal(readdirSync(dir), ['notes.txt'], 'nothing moved aside or created');
  // An empty file is a spool to be made, as no file is.
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, '');
  const made = Spool.open(empty, { lanes: 1 });
  assert.ok(isRight(made));
  if (isRight(made)) made.right.spool.close();
});

test('a settle that fails (a full disk) changes nothing: its samples are settled with the next settle, and the spool empties', () => {
  // Before, the failed settle had already forgotten its samples and the numbers it moved the lane's
  // watermark over: the watermark stopped at them, and the spool kept every later row of the lane
  // for the rest of the run (a file growing again once the disk had room), all delivered again
  // at the next start.
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const batches = [0, 1, 2].map((b) => Array.from({ length: 4 }, (_, i) => mk(b * 4 + i)));
  for (const b of batches) spool.append(b);
  spool.settle(batches[0]!);
  const other = new Database(path); // a full disk, as SQLite reports it, inside the settle's transaction
  other.exec("CREATE TRIGGER settle_fails BEFORE UPDATE ON lanes BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  assert.throws(() => spool.settle(batches[1]!), /disk is full/);
  assert.is(spool.inspect().waiting, 8, 'nothing settled by it');
  other.exec('DROP TRIGGER settle_fails');
  other.close();
  spool.settle(batches[2]!);
  assert.is(spool.inspect().waiting, 0, 'the failed settle\'s samples settled with the next: the lane caught up');
  assert.is(spool.placedCount, 0);
  spool.close();
  assert.equal(recoveredValues(path), [], 'a restart delivers nothing again');
});

test('an append the disk refuses places nothing: its samples, delivered without the spool, settle nothing the next append writes', () => {
  // Before, the samples were placed inside the transaction that failed, at the sequence numbers the
  // next append then gave to other samples: delivered unwritten, their settle moved the watermark
  // over those numbers, and the next append's rows counted as settled before they were delivered —
  // lost at a crash.
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const [a, b, c] = [0, 1, 2].map((n) => Array.from({ length: 4 }, (_, i) => mk(n * 4 + i)));
  spool.append(a!);
  spool.settle(a!);
  const other = new Database(path);
  other.exec("CREATE TRIGGER append_fails BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  assert.throws(() => spool.append(b!), /disk is full/);
  other.exec('DROP TRIGGER append_fails');
  other.close();
  assert.is(spool.placedCount, 0, 'nothing placed by the append that failed');
  spool.settle(b!); // delivered without the spool (the stage hands such samples on)
  spool.append(c!);
  assert.is(spool.inspect().waiting, 4, 'the next append\'s samples wait for their delivery');
  spool.abandon(); // a crash
  assert.equal(recoveredValues(path), c!.map((x) => x.value), 'and come back after a crash');
});

/** The spool file's bytes on disk, its write-ahead log included. */
const onDisk = (path: string): number => statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
/** 20 000 samples spooled in bursts of 1 000, written through to the file. */
const backlog = (spool: Spool): Sample[] => {
  const xs = Array.from({ length: 20_000 }, (_, i) => mk(i));
  for (let i = 0; i < xs.length; i += 1_000) spool.append(xs.slice(i, i + 1_000));
  spool.checkpoint();
  return xs;
};

test('emptied after a backlog, the file gives its space back (SQLite keeps freed pages and never shrinks: an emptied 410 MB spool stayed 410 MB); not while samples wait', () => {
  const path = join(tempDir(), 'spool.db');
  const r = Spool.open(path, { lanes: 1, shrinkAtFreeBytes: 256 * 1024 });
  if (!isRight(r)) throw r.left;
  const spool = r.right.spool;
  const xs = backlog(spool);
  const full = statSync(path).size;
  assert.ok(full > 1_500_000, `the backlog in the file: ${full} bytes`);
  spool.settle(xs.slice(0, 19_000));
  spool.checkpoint();
  assert.is(statSync(path).size, full, 'one sample in 20 still waits: left as it is');
  spool.settle(xs.slice(19_000));
  assert.ok(onDisk(path) < 100_000, `emptied: ${onDisk(path)} bytes on disk (was ${full})`);
  spool.append([mk(20_000)]);
  spool.close();
  assert.equal(recoveredValues(path), [20_000], 'the spool goes on as before');
});

test('a spool emptied by an earlier run (before this, or below the threshold) is shrunk when opened', () => {
  const path = join(tempDir(), 'spool.db');
  const first = Spool.open(path, { lanes: 1, shrinkAtFreeBytes: Infinity });
  if (!isRight(first)) throw first.left;
  first.right.spool.settle(backlog(first.right.spool));
  first.right.spool.close();
  const full = statSync(path).size;
  assert.ok(full > 1_500_000, `kept: ${full} bytes`);
  const again = Spool.open(path, { lanes: 1, shrinkAtFreeBytes: 256 * 1024 });
  if (!isRight(again)) throw again.left;
  assert.ok(onDisk(path) < 100_000, `${onDisk(path)} bytes`);
  again.right.spool.close();
});

test.run();
