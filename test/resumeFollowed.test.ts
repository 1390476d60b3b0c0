/**
 * Where a followed file is taken up at a start (src/sources/resumeFollowed.ts), on files made
 * here: the saved position is used only for the very file it was saved for — the same device and
 * inode, long enough, the same first bytes — and an old file is looked for among others only by
 * its first bytes and a size that reaches the position. Each doubt reads from the start:
 * duplicates, never lines skipped.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync, readdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileIdOf, resumeFollowed } from '../src/sources/resumeFollowed.js';
import type { SavedFilePosition } from '../src/sources/positionFile.js';
import { tempDir } from './support/cli.js';

const test = suite('resumeFollowed');

/** 3 000 bytes of NDJSON lines, each holding `tail`: two files of one tail begin with the same bytes, of two tails not. */
const content = (tail = 'a'): string => Array.from({ length: 60 }, (_, i) => `{"n":${String(i).padStart(4, '0')},"x":"${tail.repeat(30)}"}`.padEnd(49, ' ')).join('\n').slice(0, 2_999) + '\n';
/** The followed file, and the position an earlier run saved for it at `offset`. */
const followed = (offset = 2_000, text = content()) => {
  const dir = tempDir();
  const source = join(dir, 'app.ndjson');
  writeFileSync(source, text);
  const fd = openSync(source, 'r');
  const saved: SavedFilePosition = { file: fileIdOf(fd), offset, line: 40 };
  closeSync(fd);
  return { dir, source, saved };
};
/** resumeFollowed over the file now at the path (its fds closed after). */
const resume = (source: string, saved: SavedFilePosition) => {
  const fd = openSync(source, 'r');
  const r = resumeFollowed(source, fd, saved);
  for (const f of new Set([r.fd, ...r.next, fd])) closeSync(f);
  return { kind: r.event.kind, offset: r.offset, from: r.event.from, then: r.event.then.map((p) => p.slice(p.lastIndexOf('/') + 1)) };
};

test('the same file, untouched: resumed at its position', () => {
  const { source, saved } = followed();
  assert.equal(resume(source, saved), { kind: 'resumed', offset: 2_000, from: undefined, then: [] });
});

test('the saved inode number on another device is another file: read from its start', () => {
  const { source, saved } = followed();
  assert.equal(resume(source, { ...saved, file: { ...saved.file, dev: `${saved.file.dev}7` } }).kind, 'replaced');
});

test('truncated in place to less than the position, its first bytes the same: truncated, read from its start (not resumed past its end)', () => {
  const { source, saved } = followed();
  truncateSync(source, 1_500);
  assert.equal(resume(source, saved), { kind: 'truncated', offset: 0, from: undefined, then: [] });
});

test('a new file under the name beginning with the same bytes is not the old one found again: replaced, read from its start', () => {
  const { dir, source, saved } = followed();
  writeFileSync(join(dir, 'new'), content() + content());
  renameSync(join(dir, 'new'), source);
  assert.equal(resume(source, saved).kind, 'replaced');
});

test('a copy of the old file shorter than the position is not it (its lines after the position are not there): replaced', () => {
  const { dir, source, saved } = followed();
  writeFileSync(join(dir, 'app.ndjson.bak'), content().slice(0, 1_500));
  writeFileSync(join(dir, 'new'), content('b'));
  renameSync(join(dir, 'new'), source);
  assert.equal(resume(source, saved).kind, 'replaced');
});

test('without the time it was followed until (an older positions file), no rotated file is guessed at: only the file under the name', () => {
  const { dir, source, saved } = followed();
  writeFileSync(join(dir, 'app.ndjson.1'), content('c'));
  writeFileSync(join(dir, 'new'), content('b'));
  renameSync(join(dir, 'new'), source);
  assert.equal(resume(source, saved), { kind: 'replaced', offset: 0, from: undefined, then: [] });
  assert.equal(resume(source, { ...saved, followedUntilMs: 0 }).then, ['app.ndjson.1'], 'with it, the rotation written since is read first');
});

test('candidates looked at and not taken are closed (no descriptor left open per look)', () => {
  if (process.platform !== 'linux') return;
  const { dir, source, saved } = followed();
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `other-${i}`), content(String.fromCharCode(100 + i)));
  writeFileSync(join(dir, 'new'), content('b'));
  renameSync(join(dir, 'new'), source);
  const open = (): number => readdirSync('/proc/self/fd').length;
  const before = open();
  assert.is(resume(source, saved).kind, 'replaced');
  assert.is(open(), before);
});

test.run();
