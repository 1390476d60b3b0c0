/**
 * `chronoq run` ended by something nobody planned — an uncaught exception (a bug, here thrown by
 * test/fixtures/throwWhenRunning.cjs a second after the start) — while it holds samples the
 * receiver (down) has not taken. At `exit` only synchronous work is left: what it holds becomes
 * dead letters, and a followed file's position is written after them, so a restart neither loses
 * those samples nor reads them again. Before, the samples of a file read without `follow` were
 * gone without a trace, and a followed file's were read again at the next start.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runningFor, startCli, tempDir, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('chronoq run ended unexpectedly');
const crash = { NODE_OPTIONS: `--require ${join(import.meta.dirname, 'fixtures/throwWhenRunning.cjs')}` };
const T0 = 1_764_064_800_000_000_000n;
const samplesFile = (dir: string): string => {
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, Array.from({ length: 100 }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${T0 + BigInt(i) * 1_000_000n}","attributes":{}}\n`).join(''));
  return path;
};
const config = (dir: string, endpoint: string, follow: boolean): string =>
  writeConfig(dir, [
    `sources: [{type: ndjson, path: ${samplesFile(dir)}${follow ? `, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}` : ''}}]`,
    `sink: {type: otlp-grpc, endpoint: '${endpoint}', timeoutMs: 500}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'skew: {maxPastMs: 100000000000}',
    '',
  ].join('\n'));
const shutdownLetters = (dir: string): number[] => {
  const letters = readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string; item: { value: string | number } });
  assert.ok(letters.every((l) => l.reason === 'shutdown' && l.detail === 'not delivered: chronoq exited unexpectedly before they could be sent'), JSON.stringify(letters[0]));
  return letters.map((l) => Number(l.item.value)).sort((a, b) => a - b);
};
const all = Array.from({ length: 100 }, (_, i) => i);

test('an uncaught exception: every sample it held is a dead letter `shutdown`, each once', async () => {
  const dir = tempDir();
  const r = await startCli(['run', config(dir, `http://127.0.0.1:${await freePort()}`, false)], crash).result;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, 'boom (test fixture');
  assert.equal(shutdownLetters(dir), all);
});

test('a followed file: the dead letters are settled in its position, so the next start does not read them again', async () => {
  const dir = tempDir();
  const cfgDown = config(dir, `http://127.0.0.1:${await freePort()}`, true);
  const crashed = await startCli(['run', cfgDown], crash).result;
  assert.is(crashed.code, 1, crashed.stderr);
  assert.equal(shutdownLetters(dir), all);
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const cfgUp = config(dir, `http://127.0.0.1:${server.port}`, true); // the same file contents again
    const next = startCli(['run', cfgUp]);
    await runningFor(next.stderrSoFar, 1_500);
    next.child.kill('SIGINT');
    const r = await next.result;
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /resumed after line 100/, r.stderr);
    assert.is(server.received.flatMap((q) => q.points).length, 0, 'nothing read again (before: all 100 a second time)');
  } finally {
    server.kill();
  }
});

test.run();
