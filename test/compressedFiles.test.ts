/**
 * Compressed NDJSON files (src/sources/compressedFiles.ts). A gzip file — logrotate's `compress`,
 * an archive to backfill — was read as lines of its compressed bytes: a dead letter `invalid` for
 * each ("not JSON: Unexpected token"), and none of its samples. It is read through zlib now; a
 * zstd one where this Node can, else refused with the command that reads it; a compressed file
 * cannot be followed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { ndjsonSamples, type InvalidLine } from '../src/sources/ndjson.js';
import { compressionOf } from '../src/sources/compressedFiles.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { loadConfig } from '../src/cli/loadConfig.js';
import { formatConfigError } from '../src/config/errors.js';
import { runCli, stopWhileWaitingForRoom, tempDir, writeConfig } from './support/cli.js';

const test = suite('compressed NDJSON files');

const line = (i: number) => `{"name":"m","value":${i},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(i)}"}`;
const request = (i: number) => JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'r', gauge: { dataPoints: [{ timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), asInt: String(i) }] } }] }] }] });

test('a gzip file is read through zlib — sample lines and OTLP/JSON requests, in two gzip members (files joined by cat), the last line without its end', async () => {
  const path = join(tempDir(), 'app.ndjson.2.gz');
  const first = Array.from({ length: 3000 }, (_, i) => line(i)).join('\n');
  writeFileSync(path, Buffer.concat([gzipSync(`${first}\n`), gzipSync(`${request(3000)}\n${line(3001)}`)]));
  assert.is(compressionOf(path), 'gzip');
  const invalid: InvalidLine[] = [];
  const samples = await lastValueFrom(ndjsonSamples({ path, onInvalid: (l) => invalid.push(l) }).pipe(toArray()));
  assert.equal(invalid, []);
  assert.equal(samples.map((s) => s.value), Array.from({ length: 3002 }, (_, i) => i));
});

test('a damaged gzip file ends the source with zlib\'s error, after the lines it could read', async () => {
  const path = join(tempDir(), 'cut.ndjson.gz');
  const whole = gzipSync(`${Array.from({ length: 2000 }, (_, i) => line(i)).join('\n')}\n`);
  writeFileSync(path, whole.subarray(0, whole.length - 100));
  const got: number[] = [];
  const error = await new Promise<Error>((resolve) => ndjsonSamples({ path }).subscribe({ next: (s) => got.push(s.value as number), error: resolve, complete: () => resolve(new Error('completed')) }));
  assert.match(error.message, /unexpected end of file/);
  assert.ok(got.length > 0 && got.every((v, i) => v === i), `${got.length} read in order first`);
});

test('the config refuses a compressed file followed, and a zstd one this Node cannot read, with what to do', () => {
  const dir = tempDir();
  /** The config's errors, its files checked as `run` checks them. */
  const configErrorsOf = (yaml: string): string[] => {
    const r = loadConfig(writeConfig(dir, `${yaml}deadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), {});
    return isLeft(r) ? r.left.map(formatConfigError) : [];
  };
  const gz = join(dir, 'a.ndjson.gz');
  writeFileSync(gz, gzipSync(`${line(1)}\n`));
  assert.equal(configErrorsOf(`sources: [{type: ndjson, path: ${gz}, follow: true}]\n`), [
    `config.sources[0].path: expected an NDJSON file of samples (plain, or gzip read once), found "${gz}", a gzip-compressed file, which cannot be followed (it grows by compressed blocks, not lines): read it once, without follow`,
  ]);
  assert.equal(configErrorsOf(`sources: [{type: ndjson, path: ${gz}}]\n`), []);
  const zst = join(dir, 'metrics.jsonl.zst');
  writeFileSync(zst, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00]));
  assert.is(compressionOf(zst), 'zstd');
  const zstdHere = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
  assert.equal(configErrorsOf(`sources: [{type: ndjson, path: ${zst}}]\n`), zstdHere ? [] : [
    `config.sources[0].path: expected an NDJSON file of samples (plain, or gzip read once), found "${zst}", a zstd-compressed file, which Node ${process.versions.node} cannot read (22.15 and later can): zstd -dc ${zst} | chronoq run with the source's path: -`,
  ]);
});

test('a file is taken for compressed by all of its magic bytes: one that only begins as gzip or zstd does is read as lines', () => {
  const dir = tempDir();
  for (const [name, head] of [['paren', '(b'], ['unit-sep', '\u001fx'], ['zstd-like', '(\u00b5/x']] as const) {
    const path = join(dir, `${name}.ndjson`);
    writeFileSync(path, `${head}\n${line(1)}\n`, 'latin1');
    assert.is(compressionOf(path), undefined, name);
  }
});

test('chronoq run and chronoq replay read gzip files', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson.gz');
  writeFileSync(input, gzipSync(`${Array.from({ length: 50 }, (_, i) => line(i)).join('\n')}\n`));
  const run = await runCli(['run', '--quiet', writeConfig(dir, `sources: [{type: ndjson, path: ${input}}]\nsink: {type: console}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\nskew: {maxPastMs: infinite}\n`)]);
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout.trim().split('\n').length, 50);
  const letters = join(dir, 'letters.ndjson.gz');
  writeFileSync(letters, gzipSync(`${JSON.stringify({ reason: 'retries-exhausted', item: JSON.parse(line(7)), detail: 'd', atUnixMs: 1 })}\n`));
  const replay = await runCli(['replay', letters, '--config', writeConfig(dir, `sink: {type: console}\ndeadLetter: {path: ${join(dir, 'dead2.ndjson')}}\n`, 'replay.yaml')]);
  assert.is(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /"value":7/);
});

test('stopped before the end of a gzip file (a shutdown while it waits for room): the line it stopped after, and the command that prints the rest through zcat', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson.gz');
  const total = 20_000;
  const lines = Array.from({ length: total }, (_, i) => line(i));
  writeFileSync(input, gzipSync(`${lines.join('\n')}\n`));
  const { stderr, logs, stopped } = await stopWhileWaitingForRoom(dir, input);
  assert.ok(stopped, stderr);
  const read = stopped.linesRead!;
  assert.ok(read >= 500 && read < total, `${read} lines read before the queue was full`);
  // How much is left is not said: the file's compressed bytes are read ahead (all of this one), so
  // those not read from the file said "0 gzip-compressed bytes left" with thousands of lines to go.
  assert.match(stopped.message, new RegExp(`stopped after line ${read}: the rest of it was not read \\(the rest: zcat ${input} \\| tail -n \\+${read + 1}\\)`));
  assert.ok(stopped.unreadBytes! < statSync(input).size, `the log's unreadBytes, ${stopped.unreadBytes}, are the compressed bytes not read from the file`);
  assert.is(logs.find((l) => l.message.startsWith('done'))!.samplesIn, read, 'every line read is accounted for, and no more');
});

test.run();
