/**
 * A file read from its start (and a replayed dead-letter file) is read as delivery takes it: the
 * file is the buffer, and no sample of it becomes an `overflow` dead letter against a healthy
 * receiver, whatever its length, its number of series or the reorder window.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLog, runCli, startCli, tempDir, writeConfig } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('chronoq CLI back-pressure');

test('a file longer than delivery.maxQueued is read as delivery takes it — run and replay alike: all delivered, in order, no overflow', async () => {
  // Before, the file was pushed in at once: 20 000 lines against maxQueued 1 000 made ~19 000
  // overflow dead letters, and replaying them did the same again.
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const total = 20_000;
    const t0 = 1_764_064_800_000_000_000n;
    writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${t0 + BigInt(i) * 1_000n}","attributes":{"s":"${i % 10}"}}\n`).join(''));
    const letters = join(dir, 'letters.ndjson');
    const f = new DeadLetterFile(letters);
    for (let i = 0; i < total; i++) f.append({ reason: 'retries-exhausted', item: { name: 'r', kind: 'gauge', value: i, timeUnixNano: t0 + BigInt(i) * 1_000n, attributes: { s: String(i % 10) } }, detail: 'x', atUnixMs: 0 });
    f.close();
    const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}',
      'batch: {maxSize: 100, maxDelayMs: 10}', 'delivery: {maxQueued: 1000, lanes: 2}', ''].join('\n'));
    const run = await runCli(['run', cfg, '--quiet']);
    assert.is(run.code, 0, run.stderr);
    const replay = await runCli(['replay', letters, '--config', cfg]);
    assert.is(replay.code, 0, replay.stderr);
    assert.match(replay.stderr, /replayed 20000 samples .*: 20000 delivered, 0 dead-lettered/);
    assert.not.ok(existsSync(join(dir, 'dead.ndjson')), 'no dead letters');
    for (const name of ['m', 'r']) {
      const points = server.received.flatMap((r) => r.points).filter((p) => p.name === name);
      assert.is(points.length, total, name);
      const last = new Map<bigint, bigint>(); // series (from the time: sample i is series i % 10) → last time
      for (const p of points) {
        const series = ((p.timeUnixNano - t0) / 1_000n) % 10n;
        assert.ok((last.get(series) ?? -1n) < p.timeUnixNano, `${name}: series ${series} in order`);
        last.set(series, p.timeUnixNano);
      }
      assert.is(new Set(points.map((p) => p.timeUnixNano)).size, total, `${name}: each once`);
    }
  } finally {
    await server.stop();
  }
});

test('a reorder window holding more samples than delivery.maxQueued allows: all delivered, none overflows, and the run says why reading waits and what makes it faster', async () => {
  // 300 series, a time step of 1 ms: a window of 30 ms holds ~9 000 samples, against maxQueued
  // 1 000. Before, reading was paced by the queue alone, the reorder buffer released its samples
  // in runs beyond it, and most of the file became overflow dead letters.
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const series = 300;
    const total = 15_000;
    const t0 = 1_764_064_800_000_000_000n;
    const timeOf = (i: number) => t0 + BigInt(Math.floor(i / series)) * 1_000_000n + BigInt(i % series); // series in the ns
    writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${timeOf(i)}","attributes":{"s":"${i % series}"}}\n`).join(''));
    const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 30}',
      'batch: {maxSize: 100, maxDelayMs: 10}', 'delivery: {maxQueued: 1000, lanes: 2}', ''].join('\n'));
    const run = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(run.code, 0, run.stderr);
    const log = jsonLog(run.stderr);
    assert.equal(log.at(-1)!.deadLetters, { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 });
    assert.is(log.at(-1)!.delivered, total);
    assert.not.ok(existsSync(join(dir, 'dead.ndjson')), 'no dead letters');
    const waits = log.filter((l) => /reading waits for the reorder buffer/.test(String(l.message)));
    assert.is(waits.length, 1, 'said once');
    assert.match(String(waits[0]!.message), /raise delivery\.maxQueued or lower reorder\.maxDelayMs/);
    const points = server.received.flatMap((r) => r.points);
    assert.is(points.length, total);
    assert.is(new Set(points.map((p) => p.timeUnixNano)).size, total, 'each once');
    const last = new Map<bigint, bigint>();
    for (const p of points) {
      const s = (p.timeUnixNano - t0) % 1_000_000n;
      assert.ok((last.get(s) ?? -1n) < p.timeUnixNano, `series ${s} in order`);
      last.set(s, p.timeUnixNano);
    }
  } finally {
    await server.stop();
  }
});

test('a reorder window wider than half of maxQueued but within it is read at the pace of delivery, not held back to the max-wait', async () => {
  // 10 series a second of event time with maxDelayMs 60 000: the window holds ~610 samples, more
  // than the queue gate (500) and less than maxQueued (1 000). A gate on everything outstanding at
  // the queue gate's 500 held reading until samples had waited their 60 s (a followed log at
  // 30 000 lines/s with maxDelayMs 2 000 was read at 25 000/s, falling behind for good).
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const total = 20_000;
    const t0 = 1_764_064_800_000_000_000n;
    writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${t0 + BigInt(Math.floor(i / 10)) * 1_000_000_000n + BigInt(i % 10)}","attributes":{"s":"${i % 10}"}}\n`).join(''));
    const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 60000}',
      'batch: {maxSize: 100, maxDelayMs: 10}', 'delivery: {maxQueued: 1000, lanes: 2}', ''].join('\n'));
    const run = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(run.code, 0, `not held for a minute: ${run.stderr}`);
    const log = jsonLog(run.stderr);
    assert.is(log.at(-1)!.delivered, total);
    assert.not.ok(log.some((l) => /reading waits for the reorder buffer/.test(l.message)), run.stderr);
    assert.is(server.received.flatMap((r) => r.points).length, total);
  } finally {
    await server.stop();
  }
});

test('standard input (path: -) is read as delivery takes it, its lines bounded by maxLineBytes: a JSON array on one line is one invalid line; a byte order mark, CRLF and a last line without a newline are fine', async () => {
  // Before, stdin went through readline, whose lines had no bound: the array was held whole.
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const total = 20_000;
    const t0 = 1_764_064_800_000_000_000n;
    const line = (i: number) => `{"name":"m","value":${i},"timeUnixNano":"${t0 + BigInt(i) * 1_000n}","attributes":{"s":"${i % 10}"}}`;
    const cfg = writeConfig(dir, ['sources: [{type: ndjson, path: "-", maxLineBytes: 2000}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}',
      'batch: {maxSize: 100, maxDelayMs: 10}', 'delivery: {maxQueued: 1000, lanes: 2}', ''].join('\n'));
    const { child, result } = startCli(['run', cfg, '--log-format', 'json'], {}, { stdin: true });
    const array = `[${Array.from({ length: 100 }, (_, i) => line(i)).join(',')}]`;
    const text = `\uFEFF${Array.from({ length: total / 2 }, (_, i) => line(i)).join('\r\n')}\r\n${array}\n${Array.from({ length: total / 2 }, (_, i) => line(total / 2 + i)).join('\n')}`;
    for (let at = 0; at < text.length; at += 100_000) child.stdin!.write(text.slice(at, at + 100_000));
    child.stdin!.end();
    const r = await result;
    assert.is(r.code, 0, r.stderr);
    const log = jsonLog(r.stderr);
    assert.equal(log.at(-1)!.deadLetters, { invalid: 1, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 });
    assert.is(log.at(-1)!.delivered, total);
    const letter = JSON.parse(readFileSync(join(dir, 'dead.ndjson'), 'utf8')) as { detail: string };
    assert.is(letter.detail, `- line ${total / 2 + 1}: a line of ${array.length} bytes, longer than maxLineBytes 2000: not read (is the file NDJSON, one sample a line?)`);
    const points = server.received.flatMap((p) => p.points);
    assert.is(points.length, total);
    assert.is(new Set(points.map((p) => p.timeUnixNano)).size, total, 'each once');
  } finally {
    await server.stop();
  }
});

test.run();
