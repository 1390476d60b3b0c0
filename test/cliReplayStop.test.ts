/** `chronoq replay` stopped part-way, spawned as a user runs it: the receiver down and Ctrl-C (once, twice), a file read as delivery takes it stopped early, its output's reader gone. Split from cliReplay.test.ts. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readerLeavesAfter, startCli, tempDir, writeConfig, runningFor } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq replay stopped');

/**
 * `total` dead letters (cpu, value i, attributes(i)) replayed toward a receiver that is not there,
 * stopped with Ctrl-C half a second after it says delivery is failing (`signals` 2: again once it
 * drains); `delivery` adds to the config's delivery section.
 */
const replayStoppedWhileFailing = async (total: number, attributes: (i: number) => Record<string, string>, delivery = '', shutdownDeadlineMs = 300, signals = 1) => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'replay-dead.ndjson');
  const f = new DeadLetterFile(dlPath);
  for (let i = 0; i < total; i++) f.append({ reason: 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: attributes(i) }, detail: 'x', atUnixMs: 0 });
  f.close();
  const port = await freePort(); // nothing listens here
  const cfg = writeConfig(dir, [`sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`, `deadLetter: {path: ${out}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}',
    `delivery: {${delivery}shutdownDeadlineMs: ${shutdownDeadlineMs}, retry: {initialDelayMs: 50, maxDelayMs: 200}}`, ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['replay', dlPath, '--config', cfg]);
  await runningFor(stderrSoFar, 500, /is failing/);
  child.kill('SIGINT');
  if (signals > 1) {
    await runningFor(stderrSoFar, 0, /SIGINT: draining/);
    child.kill('SIGINT');
    // Ended by the second signal, or not at all: not left to drain for its deadline.
    const cut = setTimeout(() => child.kill('SIGKILL'), 30_000);
    void result.finally(() => clearTimeout(cut));
  }
  return { r: await result, out, dlPath, port };
};

test('replay with the receiver down says so, and Ctrl-C ends it with every sample accounted for', async () => {
  const { r, out, port } = await replayStoppedWhileFailing(3, () => ({}));
  // Before: not a line while it waited, and Ctrl-C killed it without a summary.
  assert.match(r.stderr, new RegExp(`delivery to otlp-grpc 127\\.0\\.0\\.1:${port} is failing: .*UNAVAILABLE.*; retrying, the samples wait; Ctrl-C stops`));
  assert.is(r.stderr.match(/is failing/g)!.length, 1, 'one line for the outage, not one per retry');
  assert.not.match(r.stderr, /Resolution note:\s*;/, "grpc-js's empty resolution note is left out");
  assert.match(r.stderr, /SIGINT: draining/);
  assert.match(r.stderr, /replayed 3 samples .*: 0 delivered, 3 dead-lettered \(→ .*replay-dead\.ndjson\)/);
  assert.is(r.code, 1);
  const letters = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { resource?: Record<string, unknown> } });
  assert.equal(letters.map((l) => l.reason), ['shutdown', 'shutdown', 'shutdown']);
  // Letters that carried no resource are written again with the one they would have gone with: this config's.
  assert.equal(letters.map((l) => l.item.resource?.['service.name']), ['chronoq', 'chronoq', 'chronoq']);
});

test('replay stopped twice while it drains to a receiver that is down: the second Ctrl-C stops at once, what is left dead letters `shutdown` (not after the hour-long deadline)', async () => {
  const { r, out } = await replayStoppedWhileFailing(3, () => ({}), '', 3_600_000, 2);
  assert.match(r.stderr, /SIGINT again: stopping now instead of draining/);
  assert.match(r.stderr, /replayed 3 samples .*: 0 delivered, 3 dead-lettered/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { reason: string }).reason), ['shutdown', 'shutdown', 'shutdown']);
});

test('replay reads its file as delivery takes it: stopped early, it dead-letters what it read and names the lines it did not', async () => {
  // Before, the whole file was read into memory first (past 512 MiB it could not be), and Ctrl-C
  // left the samples not yet handed to delivery unaccounted for: "replayed 30000 samples: 0
  // delivered, 1 500 dead-lettered", the other 28 500 never mentioned.
  const total = 30_000;
  const { r, out, dlPath } = await replayStoppedWhileFailing(total, (i) => ({ s: String(i % 5) }), 'maxQueued: 1000, ');
  const stopped = /replay stopped after line (\d+) of .*dead\.ndjson: the (\d+) bytes after it were not replayed \(the rest: tail -n \+(\d+) /.exec(r.stderr);
  assert.ok(stopped, r.stderr);
  const read = Number(stopped![1]);
  assert.is(Number(stopped![3]), read + 1);
  assert.ok(read < total / 2, `read ${read} of ${total} lines: no further than delivery had room`);
  assert.match(r.stderr, new RegExp(`replayed ${read} samples .*: 0 delivered, ${read} dead-lettered`));
  const letters = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { value: number } });
  assert.is(letters.length, read);
  assert.ok(letters.every((l) => l.reason === 'shutdown'));
  assert.equal(letters.map((l) => l.item.value).sort((a, b) => a - b), Array.from({ length: read }, (_, i) => i), 'the first lines, each once');
  // And the rest really is the rest: tail -n +N gives lines N… of the file.
  assert.is(readFileSync(dlPath, 'utf8').split('\n').slice(read).filter(Boolean).length, total - read);
});

test('replay into a console sink whose reader goes away stops reading: what it read and could not write is dead letters, the rest is named with tail -n +N', async () => {
  const dir = tempDir();
  const letters = join(dir, 'letters.ndjson');
  const total = 20_000;
  const f = new DeadLetterFile(letters);
  for (let i = 0; i < total; i++) f.append({ reason: 'late', item: { name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i) * 1_000_000n, attributes: { s: String(i % 3) } }, detail: 'x', atUnixMs: 0 });
  f.close();
  const out = join(dir, 'out-dead.ndjson');
  const cfg = writeConfig(dir, ['sink: {type: console}', `deadLetter: {path: ${out}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', 'batch: {maxSize: 100, maxDelayMs: 50}', 'delivery: {maxQueued: 1000}', ''].join('\n'));
  const { child, result } = startCli(['replay', letters, '--config', cfg]);
  readerLeavesAfter(child, 3);
  const r = await result;
  assert.is(r.code, 1, r.stderr);
  const stopped = /replay stopped after line (\d+) .*tail -n \+(\d+) /.exec(r.stderr);
  assert.ok(stopped, r.stderr);
  const read = Number(stopped![1]);
  assert.ok(read < total, `stopped early: read ${read} of ${total}`);
  const summary = /replayed (\d+) samples .*: (\d+) delivered, (\d+) dead-lettered/.exec(r.stderr);
  assert.ok(summary, r.stderr);
  assert.is(Number(summary![1]), read);
  assert.is(Number(summary![2]) + Number(summary![3]), read, 'every letter read: written or a dead letter');
  const dead = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { reason: string });
  assert.is(dead.length, Number(summary![3]));
  assert.ok(dead.every((l) => l.reason === 'rejected'));
});

test.run();
