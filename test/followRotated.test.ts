/**
 * A followed file rotated while chronoq runs. Truncated in place (logrotate's copytruncate: copied
 * to app.ndjson.1, then truncated, and the writer goes on at its start): before, the source
 * noticed only a file shorter than its read position, and then read it from the start —
 * - the lines written after its last poll and before the copy — in the copy only — were never
 *   read, and nothing said so (at every rotation; many under back-pressure, when reading waits
 *   for delivery during an outage, exactly when the file grows most);
 * - a file written past the old position again before the next poll was read on from that
 *   position, in the middle of the new content: its first lines lost, and a line cut in two.
 * Now the file's first bytes are compared before reading on, and the rest of the old content is
 * read from the copy (found by its first bytes, as a restart finds it) before the new content.
 * Rotated twice or more while reading waited (either way: renamed or copied), the files rotated in
 * between were skipped; they are read now, oldest first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, openSync, closeSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeSync, truncateSync, utimesSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { ndjsonSamples } from '../src/sources/ndjson.js';
import { tempDir } from './support/cli.js';
import { follow, line, lines, range } from './support/followRotations.js';

const test = suite('ndjson follow, rotated while running');

test('lines written after the last poll and before the copy are read from the copy, then the new content from its start; no file is left open', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 3));
  const openFiles = () => (process.platform === 'linux' ? readdirSync('/proc/self/fd').length : 0);
  const openBefore = openFiles();
  const f = follow(path);
  appendFileSync(path, lines(4, 5)); // after the last poll
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(6, 7));
  f.step();
  appendFileSync(path, lines(8, 8));
  f.step();
  f.stop();
  assert.equal(f.got, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(f.truncations, [{ source: path, line: 3, offset: line(1).length * 3, copy: `${path}.1` }]);
  assert.equal(f.invalid, []);
  assert.is(openFiles(), openBefore, 'the file under the name, its copy and the file opened again after it all closed');
});

test('written past the old position again before the next poll: the new content is read from its start, not from the middle', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 3));
  const f = follow(path);
  appendFileSync(path, lines(4, 4));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(10, 19)); // ten lines: far past where reading stood
  f.step();
  f.stop();
  assert.equal(f.got, [1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(f.invalid, [], 'no line cut in two');
});

test('no copy (compressed at once, or none made): the new content from its start, and the truncation said, without a copy', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 3));
  const f = follow(path);
  copyFileSync(path, `${path}.1`);
  rmSync(`${path}.1`); // gzip replaced it
  truncateSync(path, 0);
  appendFileSync(path, lines(10, 15));
  f.step();
  f.stop();
  assert.equal(f.got, [1, 2, 3, 10, 11, 12, 13, 14, 15]);
  assert.equal(f.truncations, [{ source: path, line: 3, offset: line(1).length * 3 }]);
});

test('while reading waits for room (delivery held up by an outage: the file grows most then), the truncation and the lines before it are caught up with once it opens', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 100));
  let room = 50;
  const f = follow(path, () => room);
  assert.is(f.got.length, 50, 'waits with 50 read');
  appendFileSync(path, lines(101, 200));
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(1001, 1300)); // past where reading stood
  f.step();
  room = Infinity;
  f.step();
  f.stop();
  assert.equal(f.got, [...range(1, 200), ...range(1001, 1300)]);
  // Found when the lines read before it (to 100) had been taken, before reading on.
  assert.equal(f.truncations.map((e) => [e.line, e.copy]), [[100, `${path}.1`]]);
});

test('stopped while the rest of the old content is read (from the copy, or from the file renamed away), what was not read is said of that file, not of the one under the name', () => {
  for (const rotation of ['copytruncate', 'rename'] as const) {
    const path = join(tempDir(), 'app.ndjson');
    writeFileSync(path, lines(1, 100));
    const f = follow(path, () => 50);
    if (rotation === 'copytruncate') (copyFileSync(path, `${path}.1`), truncateSync(path, 0));
    else (renameSync(path, `${path}.1`), writeFileSync(path, ''));
    f.step();
    f.stop();
    assert.equal(f.unread, [{ source: `${path}.1`, linesRead: 50, unreadBytes: lines(51, 100).length }], rotation);
  }
});

test('stopped while a file deleted under it is read, what was not read is said of its name (not of "NAME (deleted)", what /proc calls it)', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 100));
  const f = follow(path, () => 50);
  rmSync(path);
  f.step();
  f.stop();
  assert.equal(f.unread, [{ source: path, linesRead: 50, unreadBytes: lines(51, 100).length }]);
});

test('lines already read into memory when the truncation is found (reading waiting for room) come out before the new content, with no copy to read them again from', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 100)); // one chunk: read whole, then taken a line at a time
  let room = 50;
  const f = follow(path, () => room);
  truncateSync(path, 0); // no copy kept
  appendFileSync(path, lines(1001, 1010));
  f.step();
  room = Infinity;
  f.step();
  f.stop();
  assert.equal(f.got, [...range(1, 100), ...range(1001, 1010)]);
});

test('rotated twice or more while reading waits for room (a long outage): what was rotated in between is read too, oldest first, then the file under the name', () => {
  for (const [rotation, writtenAfter] of [['copytruncate', true], ['rename', true], ['copytruncate', false], ['rename', false]] as const) {
    const path = join(tempDir(), 'app.ndjson');
    writeFileSync(path, lines(1, 100));
    let room = 50;
    const f = follow(path, () => room);
    // Each rotated file last written a minute after the one before (their times tell their order).
    const rotate = (k: number): void => {
      const writtenAt = new Date(Date.now() - (10 - k) * 60_000);
      utimesSync(path, writtenAt, writtenAt);
      if (rotation === 'copytruncate') (copyFileSync(path, `${path}.${k}`), utimesSync(`${path}.${k}`, writtenAt, writtenAt), truncateSync(path, 0));
      else (renameSync(path, `${path}.${k}`), writeFileSync(path, ''));
    };
    appendFileSync(path, lines(101, 200));
    rotate(1);
    appendFileSync(path, lines(1001, 1100));
    rotate(2);
    appendFileSync(path, lines(2001, 2100));
    rotate(3);
    // Nothing written under the name since (the writer stopped): the rotated files are read all the same.
    if (writtenAfter) appendFileSync(path, lines(3001, 3050));
    f.step();
    room = Infinity;
    f.step();
    f.stop();
    assert.equal(f.got, [...range(1, 200), ...range(1001, 1100), ...range(2001, 2100), ...(writtenAfter ? range(3001, 3050) : [])], `${rotation}, ${writtenAfter}`);
  }
});

test('the file queued after the one read, truncated in place and written anew while reading waits for room: its first content is read from its copy, then the new', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 10));
  let room = 10;
  const f = follow(path, () => room);
  renameSync(path, `${path}.1`); // rotated twice: B, then C, each written, while A is read
  writeFileSync(path, lines(101, 200));
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(201, 202));
  f.step(); // A done: B is read (and waits for room), C queued with its first bytes
  renameSync(`${path}.2`, `${path}.3`); // copytruncate of C: its copy, then new lines, longer than those seen
  renameSync(`${path}.1`, `${path}.2`);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(301, 303));
  f.step(); // looked at while waiting: not a longer head of the same content, so the first one stays
  room = 1_000;
  f.step();
  f.step();
  f.stop();
  assert.equal(f.got, [...range(1, 10), ...range(101, 200), 201, 202, 301, 302, 303]);
});

test('the file queued after the one read, holding a line\'s first bytes when queued (the writer mid-line) and growing while reading waits, then truncated in place: its grown first bytes tell the new content from the old and find its copy', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 10));
  let room = 10;
  const f = follow(path, () => room);
  renameSync(path, `${path}.1`); // rotated twice: B, then C, while A is read
  writeFileSync(path, lines(101, 200));
  renameSync(`${path}.1`, `${path}.2`);
  renameSync(path, `${path}.1`);
  const head = line(201).slice(0, 40); // C, its writer mid-line: bytes every line starts with
  writeFileSync(path, head);
  f.step(); // A done: B is read (and waits for room), C queued with those bytes
  appendFileSync(path, `${line(201).slice(head.length)}${line(202)}`);
  f.step(); // looked at while waiting: the same content, longer
  renameSync(`${path}.2`, `${path}.3`); // copytruncate of C
  renameSync(`${path}.1`, `${path}.2`);
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  appendFileSync(path, lines(301, 303));
  room = 1_000;
  f.step();
  f.step();
  f.stop();
  assert.equal(f.got, [...range(1, 10), ...range(101, 200), 201, 202, 301, 302, 303]);
});

test('a writer without O_APPEND goes on at its offset after the truncation (the file starts with a hole of zeros): reading goes on where it stood, as before', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 3));
  const f = follow(path);
  const end = line(1).length * 3;
  truncateSync(path, 0);
  const fd = openSync(path, 'r+');
  writeSync(fd, line(4), end); // at the writer's old offset: bytes 0..end read as zeros
  closeSync(fd);
  f.step();
  f.stop();
  assert.equal(f.got, [1, 2, 3, 4]);
  assert.equal(f.truncations, []);
  assert.equal(f.invalid, []);
});

test('appending alone is not a truncation, also while the file is shorter than the bytes compared', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, '{"name":"a","value":1,"timeUnixNano":"1"}\n');
  const f = follow(path);
  for (let v = 2; v < 40; v++) {
    appendFileSync(path, line(v));
    f.step();
  }
  f.stop();
  assert.equal(f.got, range(1, 39));
  assert.equal(f.truncations, []);
});

test('a directory put under the name after a rename is not a file to read: said once, the old one is read on, and the file that comes after it is read (an uncaught EISDIR ended the run)', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 2));
  const said: { path: string; error?: string }[] = [];
  const f = follow(path, undefined, (e) => said.push(e));
  renameSync(path, `${path}.1`);
  mkdirSync(path);
  appendFileSync(`${path}.1`, lines(3, 3));
  f.step(); // threw EISDIR: illegal operation on a directory, read
  f.step();
  assert.equal(f.got, range(1, 3));
  assert.equal(said, [{ path, error: 'it is a directory' }]);
  rmSync(path, { recursive: true });
  writeFileSync(path, lines(4, 5));
  f.step();
  assert.equal(f.got, range(1, 5));
  assert.equal(said.slice(1), [{ path }], 'and that a file is there now');
  f.stop();
});

test('a file under the name that cannot be opened (here a symlink loop, ELOOP; logrotate creating it unreadable: EACCES) is said once, the old one read on; once it opens, that is said and it is read', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 2));
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: number[] = [];
  const said: { path: string; error?: string }[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, onNextFileUnreadable: (e) => said.push(e) }).subscribe((x) => got.push(x.value as number));
  const step = (): void => {
    scheduler.flush();
    scheduler.maxFrames += 1_000;
  };
  step();
  renameSync(path, `${path}.1`);
  symlinkSync(path, path);
  appendFileSync(`${path}.1`, lines(3, 3));
  step();
  step();
  assert.equal(got, range(1, 3), 'the old one read on');
  assert.is(said.length, 1, 'said once, not at every poll');
  assert.match(said[0]!.error!, /ELOOP/);
  rmSync(path);
  writeFileSync(path, lines(4, 4));
  step();
  assert.equal(got, range(1, 4));
  assert.equal(said.slice(1), [{ path }], 'and that it opens now');
  sub.unsubscribe();
});

test.run();
