/**
 * A file read from its start, standard input and a replayed dead-letter file are read as delivery
 * takes them: the input is the buffer, and none of it becomes an `overflow` dead letter against a
 * healthy receiver, whatever its length, its number of series or the reorder window.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLog, runCli, startCli, tempDir, writeConfig } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { startFakeOtlpServer, type ReceivedPoint } from './support/fakeOtlpServer.js';

const test = suite('chronoq CLI back-pressure');

const T0 = 1_764_064_800_000_000_000n;
const NO_DEAD_LETTERS = { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 };
/** Sample i of series i % series at timeOf(i), as a line. */
const sampleLine = (i: number, series: number, timeOf: (i: number) => bigint): string =>
  `{"name":"m","value":${i},"timeUnixNano":"${timeOf(i)}","attributes":{"s":"${i % series}"}}`;
/** `total` such lines. */
const sampleFile = (total: number, series: number, timeOf: (i: number) => bigint): string =>
  Array.from({ length: total }, (_, i) => `${sampleLine(i, series, timeOf)}\n`).join('');

/**
 * A directory with a config reading `source` into `port`: maxQueued 1 000 (its gate at 500),
 * batches of 100 in 2 lanes, reorder.maxDelayMs (and maxBuffered) as given; dead letters to dead.ndjson.
 */
const setUp = (port: number, source: (dir: string) => string, maxDelayMs: number, maxBuffered?: number) => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [`sources: [${source(dir)}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}"}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', `reorder: {maxDelayMs: ${maxDelayMs}${maxBuffered === undefined ? '' : `, maxBuffered: ${maxBuffered}`}}`,
    'batch: {maxSize: 100, maxDelayMs: 10}', 'delivery: {maxQueued: 1000, lanes: 2}', ''].join('\n'));
  return { dir, cfg, dead: join(dir, 'dead.ndjson') };
};

/** Runs `body` against a receiver that accepts everything, stopped after. */
const withReceiver = async (body: (server: Awaited<ReturnType<typeof startFakeOtlpServer>>) => Promise<void>): Promise<void> => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    await body(server);
  } finally {
    await server.stop();
  }
};

/** `total` points, each time once, each series (seriesOf) in ascending time. */
const assertEachOnceInOrder = (points: readonly ReceivedPoint[], total: number, seriesOf: (t: bigint) => bigint, what = ''): void => {
  assert.is(points.length, total, what);
  assert.is(new Set(points.map((p) => p.timeUnixNano)).size, total, `${what} each once`);
  const last = new Map<bigint, bigint>();
  for (const p of points) {
    const series = seriesOf(p.timeUnixNano);
    assert.ok((last.get(series) ?? -1n) < p.timeUnixNano, `${what} series ${series} in order`);
    last.set(series, p.timeUnixNano);
  }
};

test('a file longer than delivery.maxQueued is read as delivery takes it — run and replay alike: all delivered, in order, no overflow', () =>
  // Before, the file was pushed in at once: 20 000 lines against maxQueued 1 000 made ~19 000
  // overflow dead letters, and replaying them did the same again. (reorder.maxBuffered 2 000:
  // what waits for the queue's room after the reorder buffer, src/holdForRoom.ts, is no more than
  // that, so that here it is the file that waits — at the default 100 000 a file pushed in at
  // once fitted there, and the test passed without the file's gate.)
  withReceiver(async (server) => {
    const total = 20_000;
    const timeOf = (i: number) => T0 + BigInt(i) * 1_000n; // series i % 10
    const { dir, cfg, dead } = setUp(server.port, (d) => `{type: ndjson, path: ${join(d, 'in.ndjson')}}`, 0, 2_000);
    writeFileSync(join(dir, 'in.ndjson'), sampleFile(total, 10, timeOf));
    const letters = join(dir, 'letters.ndjson');
    const f = new DeadLetterFile(letters);
    for (let i = 0; i < total; i++) f.append({ reason: 'retries-exhausted', item: { name: 'r', kind: 'gauge', value: i, timeUnixNano: timeOf(i), attributes: { s: String(i % 10) } }, detail: 'x', atUnixMs: 0 });
    f.close();
    const run = await runCli(['run', cfg, '--quiet']);
    assert.is(run.code, 0, run.stderr);
    const replay = await runCli(['replay', letters, '--config', cfg]);
    assert.is(replay.code, 0, replay.stderr);
    assert.match(replay.stderr, /replayed 20000 samples .*: 20000 delivered, 0 dead-lettered/);
    assert.not.ok(existsSync(dead), 'no dead letters');
    for (const name of ['m', 'r']) assertEachOnceInOrder(server.received.flatMap((r) => r.points).filter((p) => p.name === name), total, (t) => ((t - T0) / 1_000n) % 10n, `${name}:`);
  }));

test('a reorder window holding more samples than delivery.maxQueued: all delivered, in order, none overflows', () =>
  // 300 series, a time step of 1 ms: a window of 30 ms holds ~9 000 samples, against maxQueued
  // 1 000. Before, the reorder buffer's runs of samples went past the queue's room, and most of
  // the file became overflow dead letters (12 800 of 15 000); now they wait for room.
  withReceiver(async (server) => {
    const total = 15_000;
    const { dir, cfg, dead } = setUp(server.port, (d) => `{type: ndjson, path: ${join(d, 'in.ndjson')}}`, 30);
    writeFileSync(join(dir, 'in.ndjson'), sampleFile(total, 300, (i) => T0 + BigInt(Math.floor(i / 300)) * 1_000_000n + BigInt(i % 300))); // the series in the ns
    const run = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(run.code, 0, run.stderr);
    const log = jsonLog(run.stderr);
    assert.equal(log.at(-1)!.deadLetters, NO_DEAD_LETTERS);
    assert.is(log.at(-1)!.delivered, total);
    assert.not.ok(existsSync(dead), 'no dead letters');
    assertEachOnceInOrder(server.received.flatMap((r) => r.points), total, (t) => (t - T0) % 1_000_000n);
  }));

test('a reorder window wider than delivery.maxQueued is read at the pace of delivery, not held back to the max-wait', () =>
  // 10 series a second of event time with maxDelayMs 150 000: the window holds ~1 510 samples,
  // more than the queue gate (500) and than maxQueued (1 000). Gates on everything outstanding at
  // either (both tried) held reading until samples had waited their 150 s (a followed log at
  // 60 000 lines/s with maxDelayMs 2 000 was read at ~45 000/s, falling behind for good).
  withReceiver(async (server) => {
    const total = 20_000;
    const { dir, cfg } = setUp(server.port, (d) => `{type: ndjson, path: ${join(d, 'in.ndjson')}}`, 150_000);
    writeFileSync(join(dir, 'in.ndjson'), sampleFile(total, 10, (i) => T0 + BigInt(Math.floor(i / 10)) * 1_000_000_000n + BigInt(i % 10)));
    const run = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(run.code, 0, `not held for 150 s (runCli kills it after 60): ${run.stderr}`);
    const log = jsonLog(run.stderr);
    assert.is(log.at(-1)!.delivered, total);
    assert.is(server.received.flatMap((r) => r.points).length, total);
  }));

test('standard input (path: -) is read as delivery takes it, its lines bounded by maxLineBytes: a JSON array on one line is one invalid line; a byte order mark, CRLF and a last line without a newline are fine', () =>
  // Before, stdin went through readline, whose lines had no bound: the array was held whole.
  withReceiver(async (server) => {
    const total = 20_000;
    const { cfg, dead } = setUp(server.port, () => '{type: ndjson, path: "-", maxLineBytes: 2000}', 0);
    const line = (i: number) => sampleLine(i, 10, (j) => T0 + BigInt(j) * 1_000n);
    const { child, result } = startCli(['run', cfg, '--log-format', 'json'], {}, { stdin: true });
    const array = `[${Array.from({ length: 100 }, (_, i) => line(i)).join(',')}]`;
    const text = `\uFEFF${Array.from({ length: total / 2 }, (_, i) => line(i)).join('\r\n')}\r\n${array}\n${Array.from({ length: total / 2 }, (_, i) => line(total / 2 + i)).join('\n')}`;
    for (let at = 0; at < text.length; at += 100_000) child.stdin!.write(text.slice(at, at + 100_000));
    child.stdin!.end();
    const r = await result;
    assert.is(r.code, 0, r.stderr);
    const log = jsonLog(r.stderr);
    assert.equal(log.at(-1)!.deadLetters, { ...NO_DEAD_LETTERS, invalid: 1 });
    assert.is(log.at(-1)!.delivered, total);
    const letter = JSON.parse(readFileSync(dead, 'utf8')) as { detail: string };
    assert.is(letter.detail, `- line ${total / 2 + 1}: a line of ${array.length} bytes, longer than maxLineBytes 2000: not read (is the file NDJSON, one sample a line?)`);
    assertEachOnceInOrder(server.received.flatMap((p) => p.points), total, (t) => ((t - T0) / 1_000n) % 10n);
  }));

test.run();
