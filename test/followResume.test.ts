/**
 * A followed NDJSON file is resumed where an earlier run's samples had settled (its positions
 * file), not read again from its start — and a file rotated or truncated while chronoq was
 * stopped is handled as tail -F would have, had it been running.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ndjsonSamples } from '../src/sources/ndjson.js';
import { openPositionFile } from '../src/sources/positionFile.js';
import { settleRead } from '../src/sources/readPositions.js';
import { tempDir } from './support/cli.js';
import { afterAFirstRun, line, lines, range, run } from './support/followRuns.js';

const test = suite('followed files resumed');

test('rotated while stopped with an empty file created under the name (logrotate `create`), the writer not reopened yet: its late lines to the old file are read, then the new file', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
  const opened = openPositionFile(positions);
  if (isLeft(opened)) throw new Error(opened.left);
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, positions: { file: opened.right } }).subscribe((s) => got.push(s.value as number));
  scheduler.flush();
  appendFileSync(`${path}.1`, line(4)); // the writer, not reopened yet
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  appendFileSync(path, line(5)); // reopened
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  sub.unsubscribe();
  opened.right.close();
  assert.equal(got, [4, 5]);
});

test('resumed after the last line whose sample, and every one before it, settled: delivered lines are not read again, unsettled ones are', () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, `${lines(1, 5)}nope\n${lines(7, 10)}`);
  // First run: 1–8 settle, 9 does not (in memory when the process was killed), 10 does.
  const first = run(path, positions, (v) => v !== 9);
  assert.equal(first.got, [1, 2, 3, 4, 5, 7, 8, 9, 10]);
  assert.equal(first.resumed, [], 'nothing saved yet: from the start, without a word');
  appendFileSync(path, lines(11, 12));
  const second = run(path, positions);
  assert.equal(second.got, [9, 10, 11, 12], 'from the first unsettled line on');
  assert.equal(second.resumed.map((e) => [e.kind, e.saved.line]), [['resumed', 8]]);
  appendFileSync(path, 'bad\n');
  const third = run(path, positions);
  assert.equal(third.got, []);
  assert.equal(third.invalid.map((e) => e.line), [13], 'lines numbered on from where it resumed');
  assert.equal(run(path, positions).invalid, [], 'an invalid line counts as read');
});

test('rotated while stopped (renamed in its directory, a new file under the name): the rest of the old file first, then the new one from its start', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  appendFileSync(path, lines(4, 5)); // written after the run stopped...
  renameSync(path, `${path}.1`); // ...then rotated
  writeFileSync(path, lines(6, 7));
  const after = run(path, positions);
  assert.equal(after.got, [4, 5, 6, 7]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from]), [['rotated', `${path}.1`]]);
  appendFileSync(path, lines(8, 8));
  assert.equal(run(path, positions).got, [8], "the new file's position is saved in turn");
});

test('a first run that read nothing (the file empty: the application just started) and was stopped; the file written and rotated meanwhile: its lines are read, then the new file', () => {
  // Before, a file was on record only once a line of it had settled: the next run knew nothing of
  // it and read the file under the name, the rotated one's lines never.
  const { path, positions } = afterAFirstRun('');
  appendFileSync(path, lines(1, 3));
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(4, 5));
  const after = run(path, positions);
  assert.equal(after.got, [1, 2, 3, 4, 5]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from]), [['rotated', `${path}.1`]]);
});

test('rotated twice while stopped (numbered: name → .1 → .2): the rest of the old file (.2), then .1 whole, then the file under the name; compressed ones are not read', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  const later = (s: number) => new Date(Date.now() + s * 1000);
  appendFileSync(path, lines(4, 5));
  renameSync(path, `${path}.1`);
  utimesSync(`${path}.1`, later(1), later(1));
  writeFileSync(path, lines(6, 7));
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  utimesSync(`${path}.1`, later(2), later(2));
  writeFileSync(`${path}.3.gz`, 'compressed');
  writeFileSync(path, lines(8, 9));
  const after = run(path, positions);
  assert.equal(after.got, [4, 5, 6, 7, 8, 9]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from, e.then]), [['rotated', `${path}.2`, [`${path}.1`]]]);
  appendFileSync(path, lines(10, 10));
  assert.equal(run(path, positions).got, [10], 'resumed in the file under the name: nothing read twice');
});

test('an earlier run that was behind (reading a rotated file while it waited for room) when it stopped: a file rotated after that one and before the stop is read too', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  const at = (s: number) => new Date(Date.now() + s * 1000);
  // While the earlier run was still on the first file (its last position there), the file was
  // rotated twice; both rotated files were last written before that run stopped (followedUntilMs).
  appendFileSync(path, lines(4, 5));
  renameSync(path, `${path}.1`);
  utimesSync(`${path}.1`, at(-20), at(-20));
  writeFileSync(path, lines(6, 7));
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  utimesSync(`${path}.1`, at(-10), at(-10));
  writeFileSync(path, lines(8, 9));
  const saved = JSON.parse(readFileSync(positions, 'utf8'));
  for (const p of Object.values(saved.files) as { followedUntilMs: number }[]) p.followedUntilMs = Date.now() - 5_000;
  writeFileSync(positions, JSON.stringify(saved));
  const after = run(path, positions);
  // Before, only files last written after the earlier run stopped were looked for: 6 and 7 were skipped.
  assert.equal(after.got, [4, 5, 6, 7, 8, 9]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from, e.then]), [['rotated', `${path}.2`, [`${path}.1`]]]);
});

test('rotated again while the files rotated before the start are still being read: the file that was under the name is read too', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  appendFileSync(path, lines(4, 5));
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(6, 7));
  const opened = openPositionFile(positions);
  if (isLeft(opened)) throw new Error(opened.left);
  const scheduler = new VirtualTimeScheduler(undefined, 2_000);
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, positions: { file: opened.right } }).subscribe((s) => got.push(s.value as number));
  assert.equal(got, [4, 5], 'the rest of the old file, read at the start');
  renameSync(path, `${path}.2`); // rotated again before the source got to the file under the name
  writeFileSync(path, lines(8, 9));
  scheduler.flush();
  sub.unsubscribe();
  opened.right.close();
  assert.equal(got, [4, 5, 6, 7, 8, 9]);
});

test('copied and truncated in place while stopped (logrotate copytruncate): the rest from the copy (found by its first bytes), then the file from its start', () => {
  const dir = tempDir();
  const path = join(dir, 'app.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, lines(1, 30)); // past the 64 bytes a match by content needs
  run(path, positions);
  appendFileSync(path, lines(31, 32));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(33, 34));
  const after = run(path, positions);
  assert.equal(after.got, [31, 32, 33, 34]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from]), [['rotated', `${path}.1`]]);
});

test("copied and truncated while running: the position is the new content's, and the next run is not misled by the copy", () => {
  const dir = tempDir();
  const path = join(dir, 'app.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, lines(1, 30));
  const opened = openPositionFile(positions);
  if (isLeft(opened)) throw new Error(opened.left);
  const scheduler = new VirtualTimeScheduler(undefined, 2_000);
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, positions: { file: opened.right } }).subscribe((s) => {
    got.push(s.value as number);
    settleRead(s);
  });
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(31, 32));
  scheduler.flush();
  sub.unsubscribe();
  opened.right.close();
  assert.equal(got, range(1, 32));
  const next = run(path, positions);
  assert.equal(next.got, []);
  // Line 2 of the new content (it said 32, counting the old content's 30 lines on).
  assert.equal(next.resumed.map((e) => [e.kind, e.saved.line]), [['resumed', 2]]);
});

test('the old file gone (compressed, deleted) or truncated in place without a copy: read from the start, and said', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  writeFileSync(`${path}.new`, lines(4, 5)); // another file (while the old one exists: another inode)...
  rmSync(path);
  renameSync(`${path}.new`, path); // ...under the name, the old one gone
  const replaced = run(path, positions);
  assert.equal(replaced.got, [4, 5]);
  assert.equal(replaced.resumed.map((e) => [e.kind, e.saved.line]), [['replaced', 3]]);
  writeFileSync(path, lines(6, 6)); // truncated in place and written again, no copy kept
  const truncated = run(path, positions);
  assert.equal(truncated.got, [6]);
  assert.equal(truncated.resumed.map((e) => [e.kind, e.saved.line]), [['truncated', 2]]);
  // A file whose inode was reused (deleted, another created): told apart by its first bytes.
  rmSync(path);
  writeFileSync(path, lines(7, 8));
  const reused = run(path, positions);
  assert.equal(reused.got, [7, 8]);
  assert.equal(reused.resumed.length, 1);
});

test('rotated between the source\'s stop and the positions file\'s close (during a drain), the old file gone since: the file rotated then is read at the next start', () => {
  const dir = tempDir();
  const path = join(dir, 'app.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, lines(1, 3));
  let wallMs = Date.now() - 5_000; // the positions file's clock: the stop 5 s ago
  const opened = openPositionFile(positions, { clock: { now: () => wallMs } });
  if (isLeft(opened)) throw new Error(opened.left);
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, positions: { file: opened.right } }).subscribe((s) => settleRead(s));
  scheduler.flush();
  sub.unsubscribe();
  // Rotated twice (numbered: name → .1 → .2) after the stop, the oldest then deleted (compressed away).
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(4, 5));
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, line(6));
  rmSync(`${path}.2`);
  wallMs = Date.now() + 60_000; // closed a minute after the stop
  opened.right.close();
  assert.equal(run(path, positions).got, [4, 5, 6], 'followed until the stop, not until the close: lines 4 and 5 were never read');
});

test('resumed, then truncated in place and written anew with fewer than 64 bytes that grow, with nothing settled since: the next run reads the new content from its start, not from the old position', () => {
  const { path, positions } = afterAFirstRun(lines(1, 2)); // saved: after line 2, byte 90
  const opened = openPositionFile(positions);
  if (isLeft(opened)) throw new Error(opened.left);
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, positions: { file: opened.right } }).subscribe((s) => got.push(s.value as number));
  scheduler.flush(); // resumed at byte 90: nothing new
  writeFileSync(path, line(3)); // truncated in place, no copy: 45 bytes
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  appendFileSync(path, line(4)); // grown past 64 bytes: its first bytes taken again
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  sub.unsubscribe(); // 3 and 4 never settled (killed with them in memory)
  opened.right.close();
  assert.equal(got, [3, 4]);
  const next = run(path, positions);
  assert.equal(next.got, [3, 4], 'the saved position is still the old content\'s: not taken for the new one\'s byte 90');
  assert.equal(next.resumed.map((e) => e.kind), ['truncated']);
});

test('a followed file that is not there yet is waited for (said once), and read from its start when it appears', () => {
  const path = join(tempDir(), 'later.ndjson');
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const missing: string[] = [];
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, onMissing: (p) => missing.push(p) }).subscribe((s) => got.push(s.value as number));
  scheduler.flush();
  assert.equal([missing, got], [[path], []]);
  writeFileSync(path, lines(1, 2));
  scheduler.maxFrames = 2_000;
  scheduler.flush();
  sub.unsubscribe();
  assert.equal(got, [1, 2]);
  assert.equal(missing, [path], 'said once');
});

test('a followed path that cannot be looked at for another reason than its absence (under a file: ENOTDIR) is not waited for: the open says why', () => {
  const file = join(tempDir(), 'notes.txt');
  writeFileSync(file, 'not a directory\n');
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const missing: string[] = [];
  let error = '';
  ndjsonSamples({ path: join(file, 'app.ndjson'), follow: true, pollMs: 100, scheduler, onMissing: (p) => missing.push(p) }).subscribe({ error: (e: Error) => (error = e.message) });
  scheduler.flush();
  assert.equal(missing, []);
  assert.match(error, /ENOTDIR/);
});

test.run();
