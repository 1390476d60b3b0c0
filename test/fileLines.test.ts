/**
 * The line reader's bookkeeping between reads (src/sources/fileLines.ts), over streamLines: what
 * it says it holds — a long line being skipped counts, or the end of a stream would drop it
 * without a dead letter — and takeLines' stops: closed, no room (asked only while something is
 * held), or nothing left. The offsets are tested over files in test/readPositions.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { type LongLine, fileLines, streamLines, takeLines } from '../src/sources/fileLines.js';
import { tempDir } from './support/cli.js';

const test = suite('fileLines: what is held, and where takeLines stops');

test('a line past maxLineBytes being skipped is held (its bytes count), so the end of a stream still hands it on, as a long line', () => {
  const lines = streamLines(4_096);
  lines.push(Buffer.from(`a\n${'x'.repeat(3_000)}`));
  lines.push(Buffer.from('y'.repeat(3_000)));
  const taken: (string | LongLine)[] = [];
  assert.is(takeLines(lines, (l) => void taken.push(l), () => false), 'empty');
  assert.equal(taken, ['a']);
  assert.is(lines.heldBytes, 6_000, 'the long line read so far, though its bytes are let go');
  assert.equal(lines.takePartial(), { bytes: 6_000, start: 'x'.repeat(1_000) });
  assert.is(lines.heldBytes, 0);
  assert.is(lines.lineEnd, 2 + 6_000);
  // Taken before next() has looked at it: still a long line, not 5 000 characters of text.
  const unlooked = streamLines(4_096);
  unlooked.push(Buffer.from('z'.repeat(5_000)));
  assert.equal(unlooked.takePartial(), { bytes: 5_000, start: 'z'.repeat(1_000) });
  assert.is(unlooked.lineEnd, 5_000);
});

test('takeLines: no room is asked about only while bytes are held (nothing held is "empty", not "wait"); closed takes nothing', () => {
  const lines = streamLines();
  let asked = 0;
  const noRoom = (): boolean => (asked++, false);
  assert.is(takeLines(lines, () => assert.unreachable('nothing to take'), () => false, noRoom), 'empty');
  assert.is(asked, 0);
  lines.push(Buffer.from('a\nb\n'));
  assert.is(takeLines(lines, () => assert.unreachable('no room'), () => false, noRoom), 'wait');
  assert.is(asked, 1);
  assert.is(takeLines(lines, () => assert.unreachable('closed'), () => true, () => true), 'closed');
  const taken: (string | LongLine)[] = [];
  assert.is(takeLines(lines, (l) => void taken.push(l), () => false, () => true), 'empty');
  assert.equal(taken, ['a', 'b']);
});

test('fileLines reads a file chunk after chunk from where it left off: false at its end, until it grows', () => {
  const path = join(tempDir(), 'f');
  writeFileSync(path, 'a\nb\n');
  const fd = openSync(path, 'r');
  try {
    const lines = fileLines(fd);
    assert.ok(lines.readChunk());
    assert.equal([lines.next(), lines.next(), lines.next()], ['a', 'b', undefined]);
    assert.not.ok(lines.readChunk(), 'at the end');
    writeFileSync(path, 'a\nb\nc\n');
    assert.ok(lines.readChunk(), 'grown');
    assert.equal([lines.next(), lines.next(), lines.lineEnd], ['c', undefined, 6]);
    assert.not.ok(lines.readChunk());
  } finally {
    closeSync(fd);
  }
});

test.run();
