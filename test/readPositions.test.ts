/**
 * A followed file's read position: the byte-level line reader's offsets, the tickets that commit
 * a position only once every sample before it has settled, and the positions file.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { type LongLine, fileLines } from '../src/sources/fileLines.js';
import { createReadPositions, settleRead, type FileId, type FilePosition } from '../src/sources/readPositions.js';
import { openPositionFile } from '../src/sources/positionFile.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';

const test = suite('read positions');

/** Every line of `bytes` with the offset after it, read through fileLines in chunks. */
const linesOf = (bytes: Buffer, startOffset = 0, maxLineBytes?: number): { lines: [string | LongLine, number][]; partial: string | LongLine; end: number } => {
  const path = join(tempDir(), 'f');
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  const reader = fileLines(fd, startOffset, maxLineBytes);
  const lines: [string | LongLine, number][] = [];
  for (;;) {
    let text: string | LongLine | undefined;
    while ((text = reader.next()) !== undefined) lines.push([text, reader.lineEnd]);
    if (!reader.readChunk()) break;
    // The memory held stays within the bound (and a few reads) however long the line.
    if (maxLineBytes !== undefined) assert.ok(reader.capacity <= 4 * (maxLineBytes + 65_536), `${reader.capacity} bytes held`);
  }
  const partial = reader.takePartial();
  closeSync(fd);
  return { lines, partial, end: reader.lineEnd };
};

test('fileLines: each line with the byte offset after its newline — multi-byte characters, CRLF, bytes that are not UTF-8, a line longer than a read', () => {
  const long = 'x'.repeat(200_000);
  const bytes = Buffer.concat([
    Buffer.from('{"city":"Besançon é"}\n'), // 2-byte characters
    Buffer.from('a\r\n'),
    Buffer.from([0x62, 0xff, 0x0a]), // 'b', a byte that is not UTF-8, newline
    Buffer.from(`${long}\n`),
    Buffer.from('tail'),
  ]);
  const { lines, partial } = linesOf(bytes);
  assert.equal(lines.map(([t]) => (t as string).length), [21, 1, 2, 200_000]);
  assert.is(lines[0]![0], '{"city":"Besançon é"}');
  assert.is(lines[1]![0], 'a');
  assert.is(lines[2]![0], 'b\ufffd');
  // The offsets are the file's: after the 24-byte first line, 3 more, 3 more (not 1 + 3 for U+FFFD + 1), then the long one.
  assert.equal(lines.map(([, end]) => end), [24, 27, 30, 30 + 200_001]);
  assert.is(partial, 'tail');
  assert.is(linesOf(bytes).end, bytes.length, 'after the rest without a newline: the end of the file');
  // Read again from an offset: the same lines after it, the same offsets.
  assert.equal(linesOf(bytes, 27).lines, lines.slice(2));
});

test('fileLines: a line longer than maxLineBytes comes out as its length and first bytes, read past without being held, the offsets still the file\'s', () => {
  const huge = Buffer.alloc(3_000_000, 0x41); // 3 MB without a newline: 'AAAA…'
  const bytes = Buffer.concat([Buffer.from('a\n'), huge, Buffer.from('\nb\n'), Buffer.from('x'.repeat(5_000)), Buffer.from('\nc\n'), huge]);
  const { lines, partial, end } = linesOf(bytes, 0, 4_096);
  assert.equal(lines, [
    ['a', 2],
    [{ bytes: 3_000_000, start: 'A'.repeat(1_000) }, 3_000_003],
    ['b', 3_000_005],
    [{ bytes: 5_000, start: 'x'.repeat(1_000) }, 3_005_006], // a long line that arrived whole in one read
    ['c', 3_005_008],
  ]);
  assert.equal(partial, { bytes: 3_000_000, start: 'A'.repeat(1_000) }, 'the end of the file, too long, without a newline');
  assert.is(end, bytes.length, 'read up to the end of the file, not a byte past it (no newline to count)');
  // Read again from an offset after a long line: the same lines after it.
  assert.equal(linesOf(bytes, 3_000_003, 4_096).lines, lines.slice(2));
  // Lines within the bound are untouched by it.
  assert.equal(linesOf(Buffer.from('x'.repeat(4_096) + '\n'), 0, 4_096).lines, [['x'.repeat(4_096), 4_097]]);
  // A line not ended yet (the writer's newline still to come) at the bound is held whole; one byte more is long.
  assert.is(linesOf(Buffer.from('x'.repeat(4_096)), 0, 4_096).partial, 'x'.repeat(4_096));
  assert.equal(linesOf(Buffer.from('x'.repeat(4_097)), 0, 4_096).partial, { bytes: 4_097, start: 'x'.repeat(1_000) });
});

const sample = (n: number): Sample => ({ name: 'q', kind: 'gauge', value: n, timeUnixNano: BigInt(n), attributes: {} });
const FILE: FileId = { dev: '1', ino: '2', fingerprint: 'ab', fingerprintBytes: 2 };
const at = (line: number): FilePosition => ({ file: FILE, offset: line * 10, line });
/** A position as the positions file holds it. */
const WALL_MS = 1_764_064_800_000;
const clock = { now: () => WALL_MS };
const flat = (line: number) => ({ ...FILE, offset: line * 10, line, followedUntilMs: WALL_MS });

test('tickets: past a thousand settled in order (where the queue drops what it has passed), every one still commits', () => {
  const committed: number[] = [];
  const r = createReadPositions((p) => committed.push(p.line));
  const s = Array.from({ length: 3_000 }, (_, i) => r.read(FILE, (i + 1) * 10, i + 1, sample(i + 1))!);
  s.forEach(settleRead);
  assert.equal([committed.length, committed.at(-1), r.outstanding], [3_000, 3_000, 0]);
});

test('tickets: the position commits only past lines whose samples, and all before them, have settled — in any order; copies keep the ticket', () => {
  const committed: number[] = [];
  const r = createReadPositions((p) => committed.push(p.line));
  const s = [1, 2, 3, 4].map((n) => r.read(FILE, n * 10, n, sample(n))!);
  r.read(FILE, 50, 5); // a blank or invalid line: nothing to wait for, but behind 1–4
  assert.is(r.outstanding, 5);
  settleRead(s[1]!);
  settleRead(s[3]!);
  assert.equal(committed, [], 'line 1 is still on its way');
  settleRead({ ...s[0]! }); // a re-stamped copy (detectClockSkew) settles the same line
  assert.equal(committed, [2]);
  settleRead(s[0]!); // settled twice: no effect
  settleRead(s[2]!);
  assert.equal(committed, [2, 5], 'lines 3–5 at once');
  assert.is(r.outstanding, 0);
  r.read(FILE, 60, 6);
  assert.equal(committed, [2, 5, 6], 'a line without a sample, nothing outstanding: committed at once');
  settleRead(sample(7)); // a sample of no tracked file
  assert.equal(committed, [2, 5, 6]);
});

test('tickets: a line of several samples (an OTLP/JSON request) counts as read only once all of them have settled, the last one or not', () => {
  const committed: number[] = [];
  const r = createReadPositions((p) => committed.push(p.line));
  const [a, b, c] = [0, 1, 2].map((i) => r.read(FILE, 10, 1, sample(i), i < 2)!);
  const d = r.read(FILE, 20, 2, sample(3))!;
  settleRead(c!);
  settleRead(a!);
  assert.equal(committed, [], 'one of line 1 is on its way');
  settleRead(d);
  settleRead(b!);
  assert.equal(committed, [2]);
});

test('positions file: written within the interval and at close, atomically (temporary file renamed), read back by the next open; a damaged one is an error that says what to do', () => {
  const path = join(tempDir(), 'positions.json');
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  let flushes = 0;
  const f = openPositionFile(path, { scheduler, clock, intervalMs: 1_000, beforeWrite: () => flushes++ });
  assert.ok(isRight(f));
  if (isLeft(f)) return;
  assert.is(f.right.saved('/a'), undefined, 'no file yet: nothing saved');
  f.right.following('/a');
  f.right.update('/a', at(3));
  f.right.update('/a', at(4));
  assert.not.ok(existsSync(path), 'not before the interval');
  scheduler.flush();
  assert.is(scheduler.now(), 1_000);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')), { version: 1, files: { '/a': flat(4) } });
  assert.is(flushes, 1, 'the dead letters flushed before the write');
  assert.not.ok(existsSync(`${path}.${process.pid}.tmp`));
  f.right.following('/b');
  f.right.update('/b', at(7));
  f.right.close();
  const again = openPositionFile(path);
  assert.ok(isRight(again));
  if (isRight(again)) assert.equal([again.right.saved('/a'), again.right.saved('/b')], [{ ...at(4), followedUntilMs: WALL_MS }, { ...at(7), followedUntilMs: WALL_MS }]);

  writeFileSync(path, '{"version":1,"files":{"/a":{"dev":1}}}');
  const damaged = openPositionFile(path);
  assert.ok(isLeft(damaged));
  if (isLeft(damaged)) assert.match(damaged.left, /positions\.json is damaged \(the entry for \/a is not \{dev, ino, fingerprint, fingerprintBytes, offset, line\}\); delete it to read the followed files from their start again/);
});

test('positions file: a write that failed (the dead letters could not be flushed, a full disk) is tried again an interval on, with no new position needed', () => {
  const path = join(tempDir(), 'positions.json');
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  const said: string[] = [];
  let full = true;
  const f = openPositionFile(path, {
    scheduler, clock, intervalMs: 1_000,
    beforeWrite: () => {
      if (full) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    },
    onWriteError: (e) => said.push(`error ${(e as Error).message}`),
    onWriteRecovered: () => said.push('recovered'),
  });
  if (isLeft(f)) throw new Error(f.left);
  f.right.following('/a');
  f.right.update('/a', at(3));
  scheduler.maxFrames = 3_000;
  scheduler.flush(); // the write at 1 s and its retries at 2 s and 3 s fail
  assert.equal(said, ['error no space left on device'], 'said once');
  assert.not.ok(existsSync(path));
  full = false; // the disk has room again; the source stays quiet
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  assert.is(scheduler.now(), 4_000, 'the next retry, and none after it');
  assert.equal(said, ['error no space left on device', 'recovered']);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).files['/a'].offset, flat(3).offset);
  full = true;
  f.right.update('/a', at(4));
  f.right.close(); // its write fails
  scheduler.maxFrames = 10_000;
  scheduler.flush();
  assert.is(scheduler.now(), 4_000, 'closed: not tried again');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).files['/a'].offset, flat(3).offset);
});

test('positions file: each file followed until its source stopped reading it (not until the file was closed, later: a file rotated between was unread); an entry of a file not followed now keeps its time', () => {
  const path = join(tempDir(), 'positions.json');
  let now = 1_000;
  const wall = { now: () => now };
  const first = openPositionFile(path, { clock: wall });
  if (isLeft(first)) throw new Error(first.left);
  for (const source of ['/a', '/b']) {
    first.right.following(source);
    first.right.update(source, at(1));
  }
  first.right.close();
  const second = openPositionFile(path, { clock: wall });
  if (isLeft(second)) throw new Error(second.left);
  second.right.following('/a'); // /b is not followed in this run
  now = 5_000;
  second.right.stopped('/a'); // the source stopped...
  now = 9_000;
  second.right.close(); // ...the drain took 4 s more
  const files = JSON.parse(readFileSync(path, 'utf8')).files;
  assert.equal([files['/a'].followedUntilMs, files['/b'].followedUntilMs], [5_000, 1_000]);
});

test('positions file: a stop is written within the interval, as a change is (a kill -9 before the close keeps the time the source stopped)', () => {
  const path = join(tempDir(), 'positions.json');
  const scheduler = new VirtualTimeScheduler();
  let now = 1_000;
  const f = openPositionFile(path, { scheduler, clock: { now: () => now }, intervalMs: 1_000 });
  if (isLeft(f)) throw new Error(f.left);
  f.right.following('/a');
  f.right.update('/a', at(1));
  scheduler.flush();
  const followedUntil = (): number => JSON.parse(readFileSync(path, 'utf8')).files['/a'].followedUntilMs;
  assert.is(followedUntil(), 1_000);
  now = 5_000;
  f.right.stopped('/a');
  scheduler.flush();
  assert.is(followedUntil(), 5_000, 'written before the close');
  f.right.close();
});

test("one positions file shared by two runs (two configs in one directory): each writes its own files' positions and keeps the other's as the file holds them now", () => {
  const path = join(tempDir(), 'positions.json');
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  const open = () => {
    const f = openPositionFile(path, { clock, scheduler });
    if (isLeft(f)) throw new Error(f.left);
    return f.right;
  };
  const a = open();
  const b = open(); // both started before either wrote
  a.following('/a');
  b.following('/b');
  const lines = () => { const files = JSON.parse(readFileSync(path, 'utf8')).files; return [files['/a']?.line, files['/b']?.line]; };
  a.update('/a', at(1));
  scheduler.flush();
  b.update('/b', at(2));
  scheduler.flush();
  assert.equal(lines(), [1, 2], "B read no entry for /a at its start: it must not drop A's");
  a.update('/a', at(3));
  a.close();
  b.update('/b', at(4));
  b.close();
  assert.equal(lines(), [3, 4], "nor set A's back to what it saw before");
});

test('positions file that cannot be written: said once when it starts and once when it ends, not at every write; the position is written once it can be', () => {
  const path = join(tempDir(), 'positions.json');
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  const said: string[] = [];
  const f = openPositionFile(path, { scheduler, clock, onWriteError: (e) => said.push(`error ${(e as NodeJS.ErrnoException).code}`), onWriteRecovered: () => said.push('recovered') });
  if (isLeft(f)) throw new Error(f.left);
  f.right.following('/a');
  mkdirSync(`${path}.${process.pid}.tmp`); // the temporary file cannot be made: EISDIR
  for (const line of [1, 2, 3]) {
    f.right.update('/a', at(line));
    scheduler.flush();
  }
  assert.equal(said, ['error EISDIR']);
  assert.not.ok(existsSync(path));
  rmdirSync(`${path}.${process.pid}.tmp`);
  f.right.update('/a', at(4));
  scheduler.maxFrames = Infinity; // the retries ran up to 10 s; the next is due after it
  scheduler.flush();
  assert.equal(said, ['error EISDIR', 'recovered']);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).files['/a'], flat(4));
});

test.run();
