/** A damaged spool file: cut off, faulted by SQLite's quick check, a write-ahead log cut mid-commit — opened, salvaged, kept and said. */
import { suite } from 'uvu';
import type { DeadLetter } from '../src/routed.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { appendFileSync, existsSync, statSync, truncateSync } from 'node:fs';
import { isRight } from 'fp-ts/lib/Either.js';
import Database from 'better-sqlite3';
import { NEVER } from 'rxjs';
import { Spool } from '../src/spool/spool.js';
import { inspectSpoolFile } from '../src/spool/inspectSpool.js';
import { openSpool } from '../src/cli/openSpool.js';
import { resolveConfig } from '../src/config/resolve.js';
import { systemClock } from '../src/clock.js';
import { tempDir } from './support/cli.js';
import type { Sample } from '../src/sample.js';
import { addNeverUsedPages, mk, open } from './support/spool.js';

const test = suite('spool damaged');

/**
 * A spool of 2 000 samples in 50 bursts, checkpointed, then `more` in its write-ahead log only
 * (killed then; closed when there are none), its file cut to 60 %: opened again. `killed` is the
 * first spool's object, still to be closed.
 */
const cutOff = (more: readonly Sample[] = []) => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  for (let b = 0; b < 50; b++) spool.append(Array.from({ length: 40 }, (_, i) => mk(b * 40 + i)));
  spool.checkpoint();
  if (more.length === 0) spool.close();
  else (spool.append(more), spool.abandon()); // kill -9
  truncateSync(path, Math.floor(statSync(path).size * 0.6));
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(isRight(r), 'never throws, never refuses to start');
  return { ...r.right, killed: spool };
};

test('a spool whose file was cut off opens, recovers what is readable, keeps the damaged file and reports it', () => {
  const { spool: repaired, report } = cutOff();
  assert.ok(report.damage, 'the damage is reported');
  assert.ok(existsSync(report.damage!.movedTo), 'the damaged file is kept');
  assert.is(repaired.placedCount, 0, 'the salvaged samples written again, not held as objects (they are read back)');
  const rec = repaired.recover();
  assert.is(report.damage!.salvagedSamples, rec.length);
  assert.ok(rec.length > 500 && rec.length < 2000, `salvaged ${rec.length} of 2000`);
  const values = rec.map((s) => s.value as number);
  assert.equal(values, [...values].sort((a, b) => a - b), 'recovered in order');
  assert.equal(new Set(values).size, values.length, 'no repeats');
  repaired.close();
});

test("a spool whose file SQLite's quick check faults while every row reads (pages never used): inspect says so on one line with what run would salvage; run salvages every sample", () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  spool.append(Array.from({ length: 40 }, (_, i) => mk(i)));
  spool.close();
  const problem = addNeverUsedPages(path);
  const seen = inspectSpoolFile(path);
  assert.ok(isRight(seen));
  if (!isRight(seen)) return;
  assert.equal([seen.right.waiting, seen.right.damage, seen.right.salvageable, seen.right.seriesStartsKept], [40, problem, 40, undefined]);
  const { spool: repaired, report } = open(path, 1);
  assert.equal([report.damage?.message, report.damage?.salvagedSamples], [problem, 40]);
  assert.equal(repaired.recover().map((s) => s.value), Array.from({ length: 40 }, (_, i) => i));
  repaired.close();
});

test("chronoq run's start with a damaged spool: an error line saying what was damaged, how many samples were recovered and where the file was kept", async () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  for (let b = 0; b < 50; b++) spool.append(Array.from({ length: 40 }, (_, i) => mk(b * 40 + i)));
  spool.checkpoint();
  spool.close();
  truncateSync(path, Math.floor(statSync(path).size * 0.6));
  const lines: string[] = [];
  const config = { ...resolveConfig({ spool: { path }, delivery: { lanes: 1 } }), sources: [] };
  const letters: DeadLetter<unknown>[] = [];
  const opened = await openSpool(config, (level, message) => void lines.push(`${level} ${message}`), systemClock, (d) => void letters.push(d), NEVER);
  assert.ok(typeof opened === 'object');
  const damaged = lines.find((l) => l.includes('was damaged'));
  assert.match(damaged ?? lines.join('\n'), /^error spool .*spool\.db was damaged \(.+\); \d+ samples recovered, the damaged file kept as .*spool\.db\.damaged/);
  // And a dead letter, for the record a replay or an inspect reads: what was damaged, where it was kept.
  assert.equal(letters.map((l) => [l.reason, (l.item as { spool?: string }).spool]), [['invalid', path]]);
  assert.is(`error ${letters[0]!.detail}`, damaged);
  if (typeof opened === 'object') opened.close();
});

test('a damaged spool killed with commits in its write-ahead log only: the log is moved aside with the file, and its samples are recovered too', () => {
  const { spool: repaired, report, killed } = cutOff(Array.from({ length: 10 }, (_, i) => mk(2_000 + i)));
  assert.ok(report.damage && existsSync(`${report.damage.movedTo}-wal`), 'the log kept beside the damaged file');
  const values = repaired.recover().map((s) => s.value as number);
  assert.equal(values.filter((v) => v >= 2_000), Array.from({ length: 10 }, (_, i) => 2_000 + i), 'what only the log held is recovered');
  repaired.close();
  killed.close();
});

test('a torn write-ahead-log tail (crash mid-commit) is detected and reported; every committed burst is recovered', () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  const { spool } = open(path, 1);
  for (let b = 0; b < 5; b++) spool.append(Array.from({ length: 10 }, (_, i) => mk(b * 10 + i)));
  // no close: the WAL holds the commits, as after kill -9; then a partial frame at its end
  spool.abandon();
  appendFileSync(`${path}-wal`, Buffer.alloc(100, 7));
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(isRight(r));
  if (!isRight(r)) return;
  assert.is(r.right.report.tornWalBytes, 100);
  assert.is(r.right.spool.recover().length, 50);
  r.right.spool.close();
  spool.close();
});

test('a line of a chunk that no longer reads as a sample (damage inside a row): it is skipped, and the lines after it in the row are read back', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  spool.append([0, 1, 2, 3].map((i) => mk(i)));
  spool.close();
  const db = new Database(path);
  const row = db.prepare('SELECT id, lines FROM chunks').get() as { id: number; lines: string };
  const lines = row.lines.split('\n');
  lines[1] = '{"name":'; // cut short
  db.prepare('UPDATE chunks SET lines = ? WHERE id = ?').run(lines.join('\n'), row.id);
  db.close();
  const { spool: again } = open(path, 1);
  assert.equal(again.recover().map((x) => x.value), [0, 2, 3]);
  again.close();
});

test.run();
