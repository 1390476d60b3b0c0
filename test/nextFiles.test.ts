/**
 * What a followed file source goes on to at a rotation (src/sources/nextFiles.ts), driven by hand:
 * the file under the name once written; a name whose directory was replaced by a file is no file
 * yet (nothing said); a name that is not a regular file is said, in its own words, once; and the
 * files queued are closed once, however often close is called.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createNextFiles } from '../src/sources/nextFiles.js';
import { createHeadWatch } from '../src/sources/inPlaceTruncation.js';
import { tempDir } from './support/cli.js';

const test = suite('next files of a followed file');

/** A followed file `dir/app.log` with a line, opened as the source reads it; what onUnreadable was told. */
const followed = () => {
  const dir = join(tempDir(), 'logs');
  mkdirSync(dir);
  const path = join(dir, 'app.log');
  writeFileSync(path, '{"a":1}\n');
  const fd = openSync(path, 'r');
  const said: { path: string; error?: string }[] = [];
  const next = createNextFiles({ path, source: path, initial: [], onUnreadable: (e) => said.push(e) });
  return { dir, path, fd, said, next, done: () => (next.close(), closeSync(fd)) };
};

test('the file under the name is gone on to once written; before, the file read is kept', () => {
  const f = followed();
  assert.not.ok(f.next.rotatedTo(f.fd), 'the same file under the name');
  renameSync(f.path, `${f.path}.1`);
  writeFileSync(f.path, '');
  assert.not.ok(f.next.rotatedTo(f.fd), 'a new file, still empty: the writer may write to the old one');
  writeFileSync(f.path, '{"b":2}\n');
  assert.ok(f.next.rotatedTo(f.fd));
  const taken = f.next.shift();
  assert.is(taken.head.toString(), '{"b":2}\n');
  closeSync(taken.fd);
  assert.equal(f.said, []);
  f.done();
});

test("a name whose directory is now a file (ENOTDIR) is no file yet, as a missing one: the file read is kept, nothing said", () => {
  const f = followed();
  renameSync(f.dir, `${f.dir}.old`);
  writeFileSync(f.dir, 'a file where the directory was');
  assert.not.ok(f.next.rotatedTo(f.fd));
  assert.equal(f.said, []);
  f.done();
});

test('a named pipe or a directory under the name: said once, in its words, while it stays so; a file there again: said it is readable', () => {
  for (const [kind, make] of [['a named pipe', (p: string) => assert.is(spawnSync('mkfifo', [p]).status, 0, 'mkfifo')], ['a directory', (p: string) => mkdirSync(p)]] as const) {
    const f = followed();
    renameSync(f.path, `${f.path}.1`);
    make(f.path);
    for (let i = 0; i < 3; i++) assert.not.ok(f.next.rotatedTo(f.fd));
    renameSync(f.path, `${f.path}.other`);
    writeFileSync(f.path, '{"c":3}\n');
    assert.ok(f.next.rotatedTo(f.fd));
    assert.equal(f.said.map((e) => e.error), [`it is ${kind}`, undefined], kind);
    f.done();
  }
});

test('close closes the files queued once: called again, it closes nothing more', () => {
  const f = followed();
  renameSync(f.path, `${f.path}.1`);
  writeFileSync(f.path, '{"b":2}\n');
  assert.ok(f.next.rotatedTo(f.fd));
  f.next.close();
  f.next.close();
  // Had a descriptor been closed twice, this one (given the number it had) would be closed too.
  const reused = openSync(f.path, 'r');
  f.next.close();
  closeSync(reused);
  closeSync(f.fd);
});

test("a file's head as reading goes: grown, the same file; written over from its start, another; its first bytes zeros (truncated in place under a writer that goes on at its offset), the same", () => {
  const path = join(tempDir(), 'app.log');
  writeFileSync(path, '{"a":1}\n');
  const fd = openSync(path, 'r');
  const watch = createHeadWatch();
  assert.ok(watch.same(fd));
  writeFileSync(path, '{"a":1}\n{"b":2}\n');
  assert.ok(watch.same(fd), 'grown');
  writeFileSync(path, Buffer.concat([Buffer.alloc(16), Buffer.from('{"c":3}\n')]));
  assert.ok(watch.same(fd), 'zeros where the old head was');
  writeFileSync(path, Buffer.concat([Buffer.alloc(1), Buffer.from('{"d":4}{"e":5}{"f":6}\n')]));
  assert.not.ok(watch.same(fd), 'one zero, then other bytes: not the zeros of a hole');
  closeSync(fd);
});

test.run();
