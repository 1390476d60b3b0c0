/**
 * `chronoq run` following an NDJSON file, stopped and started again: the next run goes on where
 * the last one's samples had settled. Before, every start read the file from its first line
 * again: the whole file sent once more at every restart (duplicates, which Prometheus behind a
 * Collector refuses as out of order), and a spool holding an outage's samples sent them twice.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLog, sleep, startCli, tempDir, until, writeConfig, type CliResult } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq run resumes a followed file');
const T0 = 1_764_064_800_000_000_000n;
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"name":"m","value":${from + i},"timeUnixNano":"${T0 + BigInt(from + i) * 1_000_000n}","attributes":{"a":"b"}}\n`).join('');

const config = (dir: string, sink: string, spool: boolean): string =>
  writeConfig(dir, [
    `sources: [{type: ndjson, path: ${join(dir, 'in.ndjson')}, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}}]`,
    'skew: {maxPastMs: 1e12}', 'reorder: {maxDelayMs: 20}', 'batch: {maxDelayMs: 20}',
    'delivery: {shutdownDeadlineMs: 1000, retry: {initialDelayMs: 50, maxDelayMs: 200}}',
    sink, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ...(spool ? [`spool: {path: ${join(dir, 'spool.db')}}`] : []), '',
  ].join('\n'));

/**
 * Values in the NDJSON sink's file, in the order written: whole lines only — read while the run
 * appends a batch, the file can end in part of a line (a CI run failed parsing one).
 */
const written = (dir: string): number[] => {
  const out = join(dir, 'out.ndjson');
  const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l).value as number);
};

/** Runs until it says it is running and `ready` holds, then `afterMs` more, then stops it with `signal`. */
const runUntil = async (cfg: string, ready: () => boolean, signal: NodeJS.Signals = 'SIGINT', afterMs = 300, watch?: (stderrSoFar: () => string) => void): Promise<CliResult> => {
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  try {
    watch?.(stderrSoFar);
    // From when it runs, not from the spawn: a slow start (CI) met the signal before the run handled it.
    await until('the run to start', () => stderrSoFar().includes('chronoq running'), 30_000);
    await until('the run got that far', ready);
    await sleep(afterMs);
  } catch (e) {
    // The run follows its file for ever: stopped here, not left running after the failed test.
    child.kill('SIGKILL');
    throw e;
  }
  child.kill(signal);
  return result;
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('without a spool: the second run sends only the lines appended since (each value once), and says where it resumed', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), lines(1, 200));
  const cfg = config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, false);
  await runUntil(cfg, () => written(dir).length >= 200);
  appendFileSync(join(dir, 'in.ndjson'), lines(201, 250));
  const second = await runUntil(cfg, () => written(dir).length >= 250);
  assert.equal(written(dir), range(1, 250), 'every value once, in order');
  assert.ok(jsonLog(second.stderr).some((l) => /^source 0 \(ndjson .*in\.ndjson\) resumed after line 200 \(byte \d+\)/.test(l.message)), second.stderr);
  // Rotated while stopped (renamed, a new file under the name): the rest of the old one, then the new one, said so.
  appendFileSync(join(dir, 'in.ndjson'), lines(251, 255));
  renameSync(join(dir, 'in.ndjson'), join(dir, 'in.ndjson.1'));
  writeFileSync(join(dir, 'in.ndjson'), lines(256, 260));
  const third = await runUntil(cfg, () => written(dir).length >= 260);
  assert.equal(written(dir), range(1, 260));
  const rotated = /^source 0 \(ndjson .*in\.ndjson\) was rotated while chronoq was stopped: reading on in .*in\.ndjson\.1 after line 250 \(byte \d+\), then the file under the name$/;
  assert.ok(jsonLog(third.stderr).some((l) => rotated.test(l.message)), third.stderr);
});

test("the config's pollMs is how often the followed file is looked at: with a minute's, a line appended after the first read waits for the next look (another poll would have read it)", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), lines(1, 3));
  const everyMinute = readFileSync(config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, false), 'utf8').replace('pollMs: 50,', 'pollMs: 60000,');
  const { child, result, stderrSoFar } = startCli(['run', writeConfig(dir, everyMinute, 'minute.yaml')]);
  try {
    await until('the first read delivered', () => stderrSoFar().includes('chronoq running') && written(dir).length === 3, 30_000);
    appendFileSync(join(dir, 'in.ndjson'), lines(4, 5));
    await sleep(1_500); // six polls at the default 250 ms
  } finally {
    child.kill('SIGINT');
  }
  const done = await result;
  assert.equal(written(dir), [1, 2, 3], done.stderr);
  assert.match(done.stderr, /done: 3 in, 3 delivered/);
});

test('with a spool, the receiver down: what the first run read waits in the spool, and the next run delivers it once — not also read again from the file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), lines(1, 300));
  const down = config(dir, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}", timeoutMs: 300}`, true);
  const first = await runUntil(down, () => true, 'SIGINT', 1_500);
  const done = jsonLog(first.stderr).find((l) => l.message.startsWith('done'))!;
  assert.is(done.leftInSpool, 300, first.stderr);
  appendFileSync(join(dir, 'in.ndjson'), lines(301, 320));
  await runUntil(config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, true), () => written(dir).length >= 320);
  assert.equal(written(dir), range(1, 320));
});

test('kill -9 mid-run, with a spool: the next run loses nothing (what was read and not yet settled is read again)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), lines(1, 2_000));
  const cfg = config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, true);
  await runUntil(cfg, () => written(dir).length >= 2_000, 'SIGKILL');
  appendFileSync(join(dir, 'in.ndjson'), lines(2_001, 2_100));
  await runUntil(cfg, () => new Set(written(dir)).size >= 2_100);
  const values = written(dir);
  assert.equal([...new Set(values)].sort((a, b) => a - b), range(1, 2_100), 'nothing lost');
  // At most the last second's position (the file is written once a second) is read again.
  assert.ok(values.length - 2_100 <= 2_000, `${values.length - 2_100} duplicates`);
});

test('copied and truncated in place while it runs (logrotate copytruncate): every line once, in order, and the log names the copy read from', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, lines(1, 200));
  const cfg = config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, false);
  const r = await runUntil(cfg, () => {
    if (written(dir).length === 200 && !existsSync(`${path}.1`)) {
      appendFileSync(path, lines(201, 220));
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
      appendFileSync(path, lines(221, 240));
    }
    return written(dir).length >= 240;
  });
  assert.equal(written(dir), range(1, 240), 'every value once, in order');
  // After line 200, or 220 when a poll came between the append and the copy.
  const said = `source 0 (ndjson ${path}) was truncated in place (copytruncate): reading on in its copy ${path}.1 after line `;
  assert.ok(jsonLog(r.stderr).some((l) => [200, 220].some((n) => l.message === `${said}${n}, then the file from its start`)), r.stderr);
});

test('renamed, and what is under its name cannot be opened (a symlink loop here; logrotate creating it unreadable: EACCES): said, the old one read on, then the new one once it opens', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, lines(1, 10));
  const cfg = config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, false);
  let step = 0;
  let stderr = (): string => '';
  const r = await runUntil(cfg, () => {
    if (step === 0 && written(dir).length === 10) {
      renameSync(path, `${path}.1`);
      symlinkSync(path, path);
      appendFileSync(`${path}.1`, lines(11, 12));
      step = 1;
    }
    if (step === 1 && written(dir).length === 12 && stderr().includes('cannot be opened')) {
      rmSync(path);
      writeFileSync(path, lines(13, 14));
      step = 2;
    }
    return written(dir).length >= 14;
  }, 'SIGINT', 300, (s) => (stderr = s));
  assert.equal(written(dir), range(1, 14));
  const said = jsonLog(r.stderr).filter((l) => l.message.startsWith(`source 0 (ndjson ${path}): `));
  assert.equal(said.map((l) => l.level), ['warn', 'info'], r.stderr);
  assert.match(said[0]!.message, /a new file is under its name \(rotated\) but cannot be opened \(ELOOP/);
  assert.match(said[1]!.message, /the new file under its name can be read now/);
});

test('stopped with the file not read to its end (the receiver down, the queue full): the warning says the next run reads the rest — no tail command to feed in as well — and it does, each line once', async () => {
  // Before, the warning proposed `tail -n +N file`: fed to chronoq besides the next run, which
  // resumes there anyway, the rest was sent twice.
  const dir = tempDir();
  writeFileSync(join(dir, 'in.ndjson'), lines(1, 20_000));
  // Reading pauses at maxQueued + reorder.maxBuffered samples in the pipeline (src/sourceRoom.ts).
  const down = writeConfig(dir, [
    `sources: [{type: ndjson, path: ${join(dir, 'in.ndjson')}, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}}]`,
    'skew: {maxPastMs: 1e12}', 'reorder: {maxDelayMs: 20, maxBuffered: 1000}', 'delivery: {maxQueued: 500, shutdownDeadlineMs: 300}',
    `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}", timeoutMs: 300}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, '',
  ].join('\n'));
  const first = await runUntil(down, () => true, 'SIGINT', 1_500);
  const stopped = jsonLog(first.stderr).find((l) => /^source 0 \(ndjson .*\) stopped after line/.test(l.message));
  assert.ok(stopped, first.stderr);
  assert.match(stopped.message, /bytes after it were not read yet: the next run reads on from where this one's samples settled \(the position is kept in .*positions\.json\)$/);
  assert.not.match(stopped.message, /tail -n/);
  const read = (stopped as unknown as { linesRead: number }).linesRead;
  assert.ok(read > 0 && read < 20_000, `${read} lines read`);
  await runUntil(config(dir, `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, false), () => written(dir).length >= 20_000 - read);
  assert.equal(written(dir), range(read + 1, 20_000), 'the rest, each line once (what the first run read is in its dead-letter file)');
});

test.run();
