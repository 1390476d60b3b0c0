/**
 * The positions file refuses what it cannot trust (src/sources/positionFile.ts): an entry missing
 * a field or holding one of the wrong type, a file of another version, one that cannot be read.
 * Each is an error that says what to do — never positions made up, which would skip lines or read
 * them all again without a word.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPositionFile } from '../src/sources/positionFile.js';
import { tempDir } from './support/cli.js';

const test = suite('positions file: what it refuses');

const ENTRY = { dev: '2049', ino: '1835', fingerprint: 'ab', fingerprintBytes: 1024, offset: 80, line: 8, followedUntilMs: 1_764_064_800_000 };
const refusal = (text: string): string => {
  const path = join(tempDir(), 'positions.json');
  writeFileSync(path, text);
  const opened = openPositionFile(path);
  return opened._tag === 'Left' ? opened.left.replace(path, 'P') : 'opened';
};
const withEntry = (entry: Record<string, unknown>, version = 1): string => JSON.stringify({ version, files: { '/a': entry } });

test('a whole entry is taken; one missing a field, or with a field of the wrong type, is damage', () => {
  assert.is(refusal(withEntry(ENTRY)), 'opened');
  const { followedUntilMs: _, ...withoutTime } = ENTRY;
  assert.is(refusal(withEntry(withoutTime)), 'opened', 'followedUntilMs is optional (an older chronoq wrote none)');
  const damaged = 'P is damaged (the entry for /a is not {dev, ino, fingerprint, fingerprintBytes, offset, line}); delete it to read the followed files from their start again';
  assert.is(refusal(withEntry({ ...ENTRY, ino: 1835 })), damaged);
  assert.is(refusal(withEntry({ ...ENTRY, followedUntilMs: 'yesterday' })), damaged);
  assert.is(refusal(withEntry({ ...ENTRY, offset: 1.5 })), damaged);
});

test('another version, or a file that cannot be read, is refused too (not read as no positions: every file from its start again)', () => {
  assert.is(refusal(withEntry(ENTRY, 2)), 'P is damaged (not a chronoq positions file (version 1)); delete it to read the followed files from their start again');
  const dir = join(tempDir(), 'positions.json');
  mkdirSync(dir);
  const opened = openPositionFile(dir);
  assert.equal(opened._tag === 'Left' ? opened.left : 'opened', `cannot read ${dir}: EISDIR`);
  assert.is(openPositionFile(join(tempDir(), 'none.json'))._tag, 'Right', 'none yet: no positions');
});

test.run();
