/**
 * A disk that fills up: `writeSync` writes what fits, returns the short count without an error,
 * and only the next write fails. Simulated with the shell's file-size limit (`ulimit -f`, in KiB),
 * under which writes past the limit behave the same way (and fail with EFBIG, not ENOSPC).
 * Before, the dead-letter file kept a torn last line and counted the cut-off letters as written —
 * letters lost with no word anywhere — a position file was renamed into place cut off, and the
 * ndjson sink left a torn line that a retry of the batch then followed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir, writeConfig } from './support/cli.js';

const test = suite('files written on a full disk');
const fixture = join(import.meta.dirname, 'fixtures', 'fileSizeLimit.ts');

/** Runs node with `args` (each quoted for the shell) under a file-size limit of `kib` KiB. */
const nodeUnderLimit = (kib: number, args: readonly string[]) =>
  spawnSync('bash', ['-c', `ulimit -f ${kib} && exec "${process.execPath}" ${args.map((a) => `"${a}"`).join(' ')}`], { encoding: 'utf8', timeout: 60_000 });

/** Runs the fixture under a file-size limit of `kib` KiB; its report. */
const underLimit = <R>(kib: number, mode: string, path: string): R => {
  const run = nodeUnderLimit(kib, ['--import', 'tsx', fixture, mode, path]);
  assert.is(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as R;
};

/** The fixture's 100 letters, by detail. */
const ALL_LETTERS = Array.from({ length: 100 }, (_, i) => `letter ${i}`);

/** The dead-letter fixture under an 8 KiB limit: its report, and the letters in the file, which must end with a whole line. */
const deadLettersUnderLimit = (mode: 'dead-letters' | 'dead-letters-one-burst') => {
  const path = join(tempDir(), 'dead.ndjson');
  const r = underLimit<{ written: number; failed: number; reported: string[] }>(8, mode, path);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  return { r, path, inFile: text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { detail: string }).detail) };
};

test('dead letters: a burst that does not fit is reported whole and leaves no torn line; the count says what is in the file', () => {
  const { r, path, inFile } = deadLettersUnderLimit('dead-letters');
  assert.ok(r.failed > 0 && r.written > 0, `some fit, some did not (written ${r.written}, failed ${r.failed})`);
  assert.is(inFile.length, r.written, 'written counts the letters in the file');
  assert.is(r.written + r.failed, 100);
  assert.equal([...inFile, ...r.reported].sort(), [...ALL_LETTERS].sort(), 'every letter is in the file or reported, once');
  assert.ok(statSync(path).size <= 8 * 1024);
});

test('dead letters: one burst larger than a write (a full spool refusing millions at once) goes in pieces, each whole or not at all; joined whole it passed V8\'s longest string and ended the process', () => {
  const { r, inFile } = deadLettersUnderLimit('dead-letters-one-burst');
  assert.ok(r.written > 0 && r.failed > 0, `the pieces that fit are in the file, the rest reported (written ${r.written}, failed ${r.failed})`);
  assert.is(inFile.length, r.written);
  assert.equal(inFile, ALL_LETTERS.slice(0, r.written), 'in order, from the first');
  assert.equal(r.reported, ALL_LETTERS.slice(r.written), 'the rest reported, once, in order');
});

test('the ndjson sink: a batch that does not fit fails whole (to be retried or dead-lettered), leaving no torn line', () => {
  const path = join(tempDir(), 'out.ndjson');
  const r = underLimit<{ sent: number[][]; failed: string[] }>(8, 'ndjson-sink', path);
  assert.ok(r.sent.length > 0 && r.failed.length > 0, `some batches fit, some did not (${r.sent.length} sent, ${r.failed.length} failed)`);
  assert.is(r.sent.length + r.failed.length, 10);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  const values = text.trimEnd().split('\n').map((l) => Number((JSON.parse(l) as { value: number | string }).value));
  assert.equal(values, r.sent.flat(), 'the file holds exactly the batches that succeeded');
});

test('positions: a write that does not fit is an error, with nothing cut off renamed into place and no temporary file left', () => {
  const dir = tempDir();
  const path = join(dir, 'positions.json');
  const r = underLimit<{ errors: string[] }>(4, 'positions', path);
  assert.is(r.errors.length, 1, 'onWriteError, once');
  assert.match(r.errors[0]!, /EFBIG|too large/i);
  assert.not.ok(existsSync(path), 'no position file (before: a cut-off one that the next start could not read)');
  assert.equal(readdirSync(dir), [], 'no temporary file left behind');
});

test('chronoq run whose dead-letter file fills: the letters that did not fit are in its log, one a line, and it exits 1, not 0 (--fail-on-dead-letters: 3 with one letter, all of it written)', () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const dead = join(dir, 'dead.ndjson');
  const run = (lines: number, ...flags: string[]) => {
    writeFileSync(input, Array.from({ length: lines }, (_, i) => `not a sample ${i} ${'x'.repeat(100)}`).join('\n') + '\n');
    const cfg = writeConfig(dir, `sources: [{type: ndjson, path: ${input}}]\nsink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}\ndeadLetter: {path: ${dead}}\n`);
    return nodeUnderLimit(16, [BIN, 'run', cfg, '--quiet', ...flags]);
  };
  const full = run(200);
  assert.is(full.status, 1, full.stderr.split('\n').filter((l) => !l.includes('dead letter: {')).join('\n'));
  const inFile = readFileSync(dead, 'utf8').split('\n').filter((l) => l !== '').length;
  const inLog = full.stderr.split('\n').filter((l) => /dead letter: \{/.test(l)).length;
  assert.ok(inLog > 0, 'what did not fit is in the log');
  assert.is(inFile + inLog, 200, `every letter in the file (${inFile}) or the log (${inLog}), once`);
  assert.match(full.stderr, /cannot write dead letters to .*dead\.ndjson: .*they follow in this log/);
  writeFileSync(dead, '');
  const one = run(1, '--fail-on-dead-letters');
  assert.is(one.status, 3, one.stderr);
});

test.run();
