/**
 * A second stop signal while `chronoq run` or `chronoq replay` drains stops at once, with every
 * sample accounted for as at the deadline. Before, run ignored it (an impatient user's next step
 * was kill -9, and without a spool the samples in memory went with it), and replay died on the
 * spot without its dead letters or the line saying where it stopped.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { jsonLog, sleep, startCli, tempDir, until, writeConfig, type CliResult } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('stopping at once');
/** A config whose receiver is unreachable and whose drain would last 60 s. */
const unreachable = async (dir: string, extra: string[]) => {
  const port = await freePort(); // nothing listens here
  return writeConfig(dir, [`sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'delivery: {shutdownDeadlineMs: 60000, retry: {initialDelayMs: 50, maxDelayMs: 200}}', 'reorder: {maxDelayMs: 10}', ...extra, ''].join('\n'));
};
/**
 * Starts `args`, sends SIGINT `firstMs` after it started (after a log line matching `started`,
 * when given: a loaded machine can take a second to start node) and again 300 ms later; the run
 * is killed if still there 20 s later (the drain would take 60).
 */
const stopTwice = async (args: string[], firstMs: number, started?: RegExp): Promise<{ r: CliResult; signalledAgain: boolean }> => {
  const { child, result, stderrSoFar } = startCli(args);
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  if (started) await until(`a line matching ${started}`, () => started.test(stderrSoFar()));
  await sleep(firstMs);
  child.kill('SIGINT');
  await sleep(300);
  const signalledAgain = child.exitCode === null && child.kill('SIGINT');
  const r = await result;
  clearTimeout(guard);
  return { r, signalledAgain };
};

for (const spooled of [true, false]) test(`run ${spooled ? 'with' : 'without'} a spool, receiver unreachable: a second Ctrl-C stops the 60 s drain at once; what was read ${spooled ? 'stays in the spool' : 'becomes dead letters `shutdown`'}`, async () => {
  const dir = tempDir();
  const cfg = await unreachable(dir, ['sources: [{type: synthetic, series: 2, ratePerSecond: 100, valuePattern: sequence}]', ...(spooled ? [`spool: {path: ${join(dir, 'spool.db')}}`] : [])]);
  const { r, signalledAgain } = await stopTwice(['run', cfg, '--log-format', 'json'], 1_000, /chronoq running/);
  assert.ok(signalledAgain, 'still draining when signalled again');
  assert.is(r.code, 0, r.stderr);
  const logs = jsonLog(r.stderr);
  assert.ok(logs.some((l) => /SIGINT: draining for at most 60000 ms \(again to stop at once: what is left (stays in the spool|becomes dead letters)/.test(l.message)), r.stderr);
  assert.is(logs.filter((l) => l.message === 'SIGINT again: stopping now instead of draining').length, 1, r.stderr);
  const done = logs.find((l) => l.message.startsWith('done'))!;
  assert.ok(done.samplesIn! > 50);
  if (spooled) {
    assert.ok(logs.some((l) => /^drain cut short: \d+ samples stay in the spool/.test(l.message)), r.stderr);
    assert.is(done.leftInSpool, done.samplesIn, 'every sample read is in the spool');
  } else {
    assert.ok(logs.some((l) => /^drain cut short: \d+ samples written to .* as dead letters \(reason shutdown\)/.test(l.message)), r.stderr);
    assert.is(done.deadLetters!['shutdown'], done.samplesIn, 'every sample read is a dead letter');
    assert.is(readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').length, done.samplesIn);
  }
});

test('replay, receiver unreachable: a second Ctrl-C stops the drain at once; every letter it read is a dead letter `shutdown` again', async () => {
  const dir = tempDir();
  const letters = join(dir, 'letters.ndjson');
  const f = new DeadLetterFile(letters);
  for (let i = 0; i < 5; i++) f.append({ reason: 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} }, detail: 'x', atUnixMs: 0 });
  f.close();
  const cfg = await unreachable(dir, ['skew: {maxPastMs: 1000000000000}']);
  const { r, signalledAgain } = await stopTwice(['replay', letters, '--config', cfg, '--log-format', 'json'], 200, /is failing/);
  assert.ok(signalledAgain, 'still draining when signalled again');
  assert.is(r.code, 1, r.stderr); // dead letters were written
  const messages = jsonLog(r.stderr).map((l) => l.message);
  assert.ok(messages.includes('SIGINT again: stopping now instead of draining'), r.stderr);
  assert.ok(messages.some((m) => /replayed 5 samples .*: 0 delivered, 5 dead-lettered/.test(m)), r.stderr);
  const out = readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string });
  assert.equal(out.map((l) => l.reason), ['shutdown', 'shutdown', 'shutdown', 'shutdown', 'shutdown']);
});

test.run();
