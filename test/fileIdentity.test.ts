/**
 * What a path names (src/fileIdentity.ts): the same file is the same device and inode, a named
 * pipe is told apart before anything opens it (an open would block the whole process), an open
 * file's path follows a rename, and a file that is not what it should be is said in words.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, openSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileIdentity, fileStamp, isNamedPipe, isSqliteFile, nonNdjsonFile, nonSqliteFile, pathOfOpenFile, sameFile } from '../src/fileIdentity.js';
import { tempDir } from './support/cli.js';

const test = suite('file identity');

test('the same file: the same device and inode (an inode number alone recurs on another device)', () => {
  assert.ok(sameFile({ dev: 1, ino: 5 }, { dev: 1, ino: 5 }));
  assert.not.ok(sameFile({ dev: 1, ino: 5 }, { dev: 2, ino: 5 }));
  assert.not.ok(sameFile({ dev: 1, ino: 5 }, undefined));
  const dir = tempDir();
  writeFileSync(join(dir, 'a'), 'x');
  assert.ok(sameFile(fileIdentity(join(dir, 'a')), fileIdentity(join(dir, 'a'))));
  assert.is(fileIdentity(join(dir, 'a', 'under-a-file')), undefined, 'a path through a file: nothing there, not a throw');
  assert.is(fileStamp(join(dir, 'none')), '');
  // A file rewritten in place (the same inode) changes its stamp by its size or its time alone:
  // another length at the same mtime (a copy that kept it), the same length at a later one.
  const a = join(dir, 'a');
  const at = new Date(Date.UTC(2026, 0, 1));
  utimesSync(a, at, at);
  const first = fileStamp(a);
  writeFileSync(a, 'xy');
  utimesSync(a, at, at);
  const longer = fileStamp(a);
  writeFileSync(a, 'zw');
  utimesSync(a, at, new Date(at.getTime() + 1_000));
  assert.equal(new Set([first, longer, fileStamp(a)]).size, 3);
});

test('a named pipe is told apart before it is opened; a file is not one', () => {
  const dir = tempDir();
  const fifo = join(dir, 'pipe');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  writeFileSync(join(dir, 'file'), 'x');
  assert.equal([isNamedPipe(fifo), isNamedPipe(join(dir, 'file')), isNamedPipe(join(dir, 'none'))], [true, false, false]);
});

test("an open file's path: its name while it names it; after a rename, where it is now; deleted, the name it was opened by", () => {
  const dir = tempDir();
  const path = join(dir, 'dead.ndjson');
  writeFileSync(path, '');
  const fd = openSync(path, 'r');
  try {
    assert.is(pathOfOpenFile(fd, path), path);
    // Its name as given, through a link to its directory too (not the path the link resolves to).
    symlinkSync(dir, join(dir, 'link'));
    assert.is(pathOfOpenFile(fd, join(dir, 'link', 'dead.ndjson')), join(dir, 'link', 'dead.ndjson'));
    renameSync(path, join(dir, 'dead.ndjson.1'));
    writeFileSync(path, 'another file under the name');
    assert.is(pathOfOpenFile(fd, path), join(dir, 'dead.ndjson.1'));
    rmSync(join(dir, 'dead.ndjson.1'));
    assert.is(pathOfOpenFile(fd, path), path);
  } finally {
    closeSync(fd);
  }
});

test('a file that is not an SQLite database, or not NDJSON, is said with its size and first characters; an empty one, a directory or NDJSON is not', () => {
  const dir = tempDir();
  const file = (name: string, content: string | Buffer): string => (writeFileSync(join(dir, name), content), join(dir, name));
  const notes = file('notes.db', 'hello\u0001\u0002world, plain text');
  assert.is(nonSqliteFile(notes), 'a file of 24 bytes that is not an SQLite database (it begins "hello world, plain text")');
  assert.is(nonSqliteFile(file('binary.db', Buffer.from([0, 1, 2, 3]))), 'a file of 4 bytes that is not an SQLite database');
  assert.is(nonSqliteFile(file('empty.db', '')), undefined);
  assert.is(nonSqliteFile(dir), undefined, 'a directory: opening it says why');
  const sqlite = file('real.db', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(84)]));
  assert.equal([nonSqliteFile(sqlite), isSqliteFile(sqlite), isSqliteFile(file('almost.db', 'SQLite format 3 '))], [undefined, true, false]);
  assert.is(nonNdjsonFile(file('s.ndjson', '\uFEFF  {"name":"m"}\n')), undefined, 'after a byte order mark and blank space, a JSON object');
  assert.is(nonNdjsonFile(file('a.json', '[{"name":"m"}]')), 'a file of 14 bytes that is not NDJSON (JSON objects, one a line) (it begins "[{"name":"m"}]")');
});

test.run();
