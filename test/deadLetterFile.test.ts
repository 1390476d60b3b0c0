/**
 * The dead-letter file may be deleted (after a replay) or moved away (logrotate) while chronoq
 * writes it: later letters go to a new file at its path. Before, they went on into the open
 * descriptor of the deleted file and were gone with the process.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { rotatedDeadLetterFiles, rotatedFilesNote } from '../src/deadletter/rotatedFiles.js';
import { deadLetterFileLog } from '../src/telemetry/pipelineLog.js';
import type { DeadLetter } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { startCli, tempDir, until, writeConfig } from './support/cli.js';
import { openFiles } from './support/openFiles.js';

const test = suite('dead-letter file');
const letter = (i: number): DeadLetter<Sample> => ({
  reason: 'rejected', detail: `letter ${i}`, atUnixMs: 1_764_064_800_000 + i,
  item: { name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} },
});
const details = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { detail: string }).detail);

test('deleted while open: the next letters start a new file at the path (mode 0600)', () => {
  const path = join(tempDir(), 'dead.ndjson');
  const f = new DeadLetterFile(path);
  f.append(letter(0));
  f.flush();
  rmSync(path);
  f.append(letter(1));
  f.append(letter(2));
  f.flush();
  assert.ok(existsSync(path), 'a new file');
  assert.equal(details(path), ['letter 1', 'letter 2']);
  assert.is(statSync(path).mode & 0o777, 0o600);
  f.close();
});

test('a file already there, readable by others (made by hand, or by a tool that copied it), is appended to and made 0600: dead letters carry the samples and their attributes', () => {
  const path = join(tempDir(), 'dead.ndjson');
  writeFileSync(path, '', { mode: 0o644 });
  const f = new DeadLetterFile(path);
  f.append(letter(0));
  f.flush();
  f.close();
  assert.equal(details(path), ['letter 0']);
  assert.is(statSync(path).mode & 0o777, 0o600);
});

test('moved away while open (logrotate): earlier letters stay in the moved file, later ones go to the path', () => {
  const path = join(tempDir(), 'dead.ndjson');
  const f = new DeadLetterFile(path);
  f.append(letter(0));
  f.flush();
  renameSync(path, `${path}.moved`);
  f.append(letter(1));
  f.flush();
  assert.equal(details(`${path}.moved`), ['letter 0']);
  assert.equal(details(path), ['letter 1']);
  f.close();
});

test('its directory removed while open: the next letters go to onWriteError (the log), not into the deleted file', () => {
  const dir = tempDir();
  const path = join(dir, 'sub', 'dead.ndjson');
  mkdirSync(join(dir, 'sub'));
  const failed: string[] = [];
  const f = new DeadLetterFile(path, { onWriteError: (_e, lines) => failed.push(...lines) });
  f.append(letter(0));
  f.flush();
  rmSync(join(dir, 'sub'), { recursive: true });
  f.append(letter(1));
  f.flush();
  assert.is(failed.length, 1);
  assert.match(failed[0]!, /"detail":"letter 1"/);
  assert.is(f.failed, 1);
  f.close();
});

test('with the command\'s log: a failure is said once (again when its error changes), each letter on its line, and a line when the file is written again; it was said before every write that failed', () => {
  const dir = tempDir();
  const path = join(dir, 'sub', 'dead.ndjson');
  mkdirSync(join(dir, 'sub'));
  const said: string[] = [];
  const log = (level: string, message: string) => said.push(`${level} ${message.replace(path, 'PATH').replace(/"atUnixMs".*/, '')}`);
  const f = new DeadLetterFile(path, deadLetterFileLog({ path, maxBytes: 1e6, maxFiles: 5, fsync: false }, log));
  const write = (i: number) => (f.append(letter(i)), f.flush());
  write(0);
  rmSync(join(dir, 'sub'), { recursive: true });
  write(1);
  write(2);
  writeFileSync(join(dir, 'sub'), 'a file where the directory was'); // another error: ENOTDIR
  write(3);
  rmSync(join(dir, 'sub'));
  mkdirSync(join(dir, 'sub'));
  write(4);
  write(5);
  const headline = (code: string) => new RegExp(`^error cannot write dead letters to PATH: ${code}: .*; they follow in this log, one a line, until it can be written again$`);
  assert.is(said.length, 6, said.join('\n'));
  assert.match(said[0]!, headline('ENOENT'));
  assert.match(said[1]!, /^error dead letter: \{"reason":"rejected",.*"detail":"letter 1",$/);
  assert.match(said[2]!, /"detail":"letter 2"/);
  assert.match(said[3]!, headline('ENOTDIR'));
  assert.match(said[4]!, /"detail":"letter 3"/);
  assert.is(said[5], 'info the dead-letter file PATH is written again (3 dead letter(s) went to this log meanwhile)');
  assert.equal(details(path), ['letter 4', 'letter 5']);
  assert.is(f.failed, 3);
  f.close();
});

test('a rotation that fails (the oldest, PATH.2, is a directory it cannot remove): the letters are written, onRotateError is told once, and rotation works again once it can; it threw out of the write', () => {
  const path = join(tempDir(), 'dead.ndjson');
  mkdirSync(`${path}.2`);
  writeFileSync(join(`${path}.2`, 'x'), 'in the way');
  const rotateErrors: string[] = [];
  const f = new DeadLetterFile(path, { maxBytes: 100, maxFiles: 2, onRotateError: (e) => rotateErrors.push((e as NodeJS.ErrnoException).code ?? String(e)) });
  for (let i = 0; i < 3; i++) {
    f.append(letter(i));
    f.flush();
  }
  assert.equal(details(path), ['letter 0', 'letter 1', 'letter 2'], 'every letter written, past maxBytes');
  assert.is(rotateErrors.length, 1, `told once: ${rotateErrors.join(', ')}`);
  rmSync(`${path}.2`, { recursive: true });
  f.append(letter(3));
  f.flush();
  assert.equal(details(`${path}.1`), ['letter 0', 'letter 1', 'letter 2'], 'rotated once it could');
  assert.equal(details(path), ['letter 3']);
  // Failing again after it worked: told again (once).
  mkdirSync(`${path}.2`);
  writeFileSync(join(`${path}.2`, 'x'), 'in the way again');
  for (let i = 4; i < 7; i++) {
    f.append(letter(i));
    f.flush();
  }
  assert.is(rotateErrors.length, 2, `told again once: ${rotateErrors.join(', ')}`);
  f.close();
});

test('rotated before the write that needs it, not after the one that filled the file: the newest letters are always at PATH, where the log and `chronoq replay PATH` look', () => {
  const path = join(tempDir(), 'dead.ndjson');
  const f = new DeadLetterFile(path, { maxBytes: 100, maxFiles: 3 });
  f.append(letter(0));
  f.flush();
  assert.ok(statSync(path).size >= 100, 'one letter fills it');
  // It was renamed to PATH.1 here, leaving no file at PATH until the next letter.
  assert.equal(details(path), ['letter 0'], 'still at PATH after the write that filled it');
  assert.not.ok(existsSync(`${path}.1`));
  f.append(letter(1));
  f.flush();
  assert.equal([details(`${path}.1`), details(path)], [['letter 0'], ['letter 1']]);
  f.close();
  // A new run (a new file object) with a full file at PATH: rotated at its first letter.
  const again = new DeadLetterFile(path, { maxBytes: 100, maxFiles: 3 });
  again.append(letter(2));
  again.flush();
  assert.equal([details(`${path}.2`), details(`${path}.1`), details(path)], [['letter 0'], ['letter 1'], ['letter 2']]);
  again.close();
});

test('rotated when the file has reached maxBytes exactly (not only past it), keeping 5 rotated files unless maxFiles says otherwise', () => {
  const dir = tempDir();
  const probe = join(dir, 'probe.ndjson');
  const one = new DeadLetterFile(probe);
  one.append(letter(0));
  one.close();
  const lineBytes = statSync(probe).size; // every letter(i) for i < 10 is as long
  const path = join(dir, 'dead.ndjson');
  const under = new DeadLetterFile(path, { maxBytes: lineBytes + 1 });
  under.append(letter(0));
  under.flush();
  under.append(letter(1));
  under.close();
  assert.not.ok(existsSync(`${path}.1`), 'a byte under maxBytes: not rotated');
  rmSync(path);
  const f = new DeadLetterFile(path, { maxBytes: lineBytes });
  for (let i = 0; i < 8; i++) {
    f.append(letter(i));
    f.flush();
  }
  f.close();
  assert.equal(details(path), ['letter 7'], 'each letter filled the file to maxBytes exactly: the next one rotated it');
  assert.equal([1, 2, 3, 4, 5].map((n) => details(`${path}.${n}`)), [['letter 6'], ['letter 5'], ['letter 4'], ['letter 3'], ['letter 2']]);
  assert.not.ok(existsSync(`${path}.6`), 'the default maxFiles, 5');
  // The oldest removed is told with its letters and bytes; an empty file (maxBytes 0) is not rotated before its first letter.
  const removed: { letters: number; bytes: number }[] = [];
  const small = join(dir, 'small.ndjson');
  const g = new DeadLetterFile(small, { maxBytes: 0, maxFiles: 1, onRemove: (e) => void removed.push({ letters: e.letters, bytes: e.bytes }) });
  g.append(letter(0));
  g.flush();
  assert.not.ok(existsSync(`${small}.1`), 'an empty file is not rotated');
  for (let i = 1; i < 3; i++) {
    g.append(letter(i));
    g.flush();
  }
  g.close();
  assert.equal(removed, [{ letters: 1, bytes: lineBytes }]);
});

test('closed, it holds its file open no more', () => {
  const path = join(tempDir(), 'dead.ndjson');
  const opened = () => openFiles().filter((target) => target === path).length;
  const f = new DeadLetterFile(path);
  f.append(letter(0));
  f.flush();
  assert.is(opened(), 1, 'open while it writes');
  f.close();
  assert.is(opened(), 0);
});

test('rotated files are found with a gap among them (a process killed part way through a rotation), newest first', () => {
  const dir = tempDir();
  const path = join(dir, 'dead.ndjson');
  for (const n of [2, 3, 10]) writeFileSync(`${path}.${n}`, '');
  writeFileSync(`${path}.replay`, '');
  writeFileSync(`${path}.01`, '');
  assert.equal(rotatedDeadLetterFiles(path), [`${path}.2`, `${path}.3`, `${path}.10`]);
  assert.equal(rotatedDeadLetterFiles(join(dir, 'gone', 'dead.ndjson')), []);
});

test('the note on rotated files names the command for one file, counts two or more, and quotes a path with a space or a quote', () => {
  assert.is(rotatedFilesNote('/d/dead.ndjson', ['/d/dead.ndjson.1'], false), 'older dead letters are in /d/dead.ndjson.1; to replay it: chronoq replay /d/dead.ndjson.1');
  assert.is(rotatedFilesNote('/my d/x', ['/my d/x.1'], true), "older dead letters are in /my d/x.1; every file, oldest first: cat '/my d/x.1' '/my d/x' | chronoq replay -");
  assert.is(rotatedFilesNote('/d/x', ['/d/x.1', '/d/x.2'], false), 'older dead letters are in 2 rotated files, /d/x.2 (oldest) to /d/x.1; every file, oldest first: cat /d/x.2 /d/x.1 | chronoq replay -');
  assert.is(rotatedFilesNote("/it's/x", ["/it's/x.1"], false), `older dead letters are in /it's/x.1; to replay it: chronoq replay '/it'\\''s/x.1'`);
});

test('chronoq run: a dead-letter file deleted while it runs (replayed, then removed) is started again for the next letters', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const dl = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  writeFileSync(input, 'not a sample 1\n');
  // Its own position file: the default (chronoq-positions.json in the working directory) was left in the repository.
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}}]`, `sink: {type: ndjson, path: ${out}}`,
    `deadLetter: {path: ${dl}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const { child, result } = startCli(['run', cfg, '--log-format', 'json']);
  try {
    await until('the first dead letter', () => existsSync(dl) && readFileSync(dl, 'utf8').includes('not a sample 1'));
    rmSync(dl);
    appendFileSync(input, 'not a sample 2\n');
    await until('the letter written after the delete', () => existsSync(dl) && readFileSync(dl, 'utf8').includes('not a sample 2'));
    child.kill('SIGTERM');
    const r = await result;
    assert.is(r.code, 0, r.stderr);
    assert.is(readFileSync(dl, 'utf8').trim().split('\n').length, 1, 'the new file holds the letter written after the delete');
  } finally {
    child.kill('SIGKILL');
  }
});

test.run();
