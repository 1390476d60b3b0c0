/**
 * A followed file resumed beside other files that look like it: a backup copy, another file with
 * the same first bytes. The rest is read from the file that was followed (found by its inode
 * first, by its first bytes only when they are enough to tell), and only files named as rotations
 * of it (`app.ndjson.1`, `app.ndjson-20261207`) are read as rotated while chronoq was stopped.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAFirstRun, lines, run } from './support/followRuns.js';

const test = suite('followed files resumed beside copies');

test('rotated while stopped beside an older backup copy (app.ndjson.bak, touched later): the rest comes from the renamed file, and the copy is not read', () => {
  const { path, positions } = afterAFirstRun(lines(1, 3));
  appendFileSync(path, lines(4, 6));
  copyFileSync(path, `${path}.bak`); // a backup while it held 1–6: the same first bytes, fewer lines
  appendFileSync(path, lines(7, 8));
  renameSync(path, `${path}.1`);
  writeFileSync(path, lines(9, 10));
  const later = new Date(Date.now() + 5_000);
  utimesSync(`${path}.bak`, later, later); // written after the rotation: not a rotation all the same
  const after = run(path, positions);
  assert.equal(after.got, [4, 5, 6, 7, 8, 9, 10]);
  assert.equal(after.resumed.map((e) => [e.kind, e.from, e.then]), [['rotated', `${path}.1`, []]]);
});

test('a followed file shorter than 64 bytes is not looked for by its content: another file starting with the same bytes is not taken for it', () => {
  const { path, positions } = afterAFirstRun(lines(1, 1)); // 45 bytes
  const dir = join(path, '..');
  writeFileSync(join(dir, 'other.ndjson'), lines(1, 5)); // another file whose first line is the same
  writeFileSync(`${path}.new`, lines(6, 7));
  rmSync(path);
  renameSync(`${path}.new`, path); // replaced: the old file gone
  const after = run(path, positions);
  assert.equal(after.got, [6, 7]);
  assert.equal(after.resumed.map((e) => e.kind), ['replaced']);
});

test.run();
