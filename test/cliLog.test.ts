/**
 * `--log-format json`: every line chronoq writes to stderr is one JSON object, Node's own
 * warnings included. grpc-js connecting with TLS to an IP address makes Node warn (DEP0123),
 * which Node printed as two raw lines in the middle of the JSON log. And a run whose receiver
 * accepted the connection but never answered the TLS handshake exits after its done line: grpc-js
 * cannot cancel the handshake, and the process stayed up for good. And samples the receiver
 * refuses are said in the log, not only counted in the status line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLog, runCli, startCli, tempDir, writeConfig, runningFor, until } from './support/cli.js';
import { freePort } from './support/collector.js';
import { createTerminalLines } from '../src/cli/log.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { virtualTerminal } from './support/virtualTerminal.js';

const test = suite('CLI log');

test('a TLS endpoint given as an IP address that never answers the handshake: DEP0123 is a JSON log line `node: …`, every stderr line parses, and the run exits after its done line', async () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => (sockets.push(s), s.on('error', () => undefined))); // accepts, never answers TLS
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, ratePerSecond: 10}]', `sink: {type: otlp-grpc, endpoint: "https://127.0.0.1:${port}", timeoutMs: 300}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'delivery: {shutdownDeadlineMs: 100}', ''].join('\n'));
    const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await runningFor(stderrSoFar, 1_500);
    child.kill('SIGTERM');
    const r = await result;
    clearTimeout(guard);
    assert.is(r.code, 0, `exited by itself, not killed 20 s later: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    const parsed = lines.map((l): { level: string; message: string } => {
      try {
        return JSON.parse(l) as { level: string; message: string };
      } catch {
        assert.unreachable(`not a JSON line: ${l}`);
        throw new Error('unreachable');
      }
    });
    // At info, saying what it is: a warning at every TLS run against an address, about nothing to change.
    assert.ok(parsed.some((l) => l.level === 'info' && /^node: DeprecationWarning DEP0123: Setting the TLS ServerName to an IP address.*\(grpc-js gives the endpoint's IP address as the TLS server name; nothing to change/.test(l.message)), r.stderr);
    const done = parsed.findIndex((l) => l.message.startsWith('done: '));
    assert.ok(done >= 0 && parsed.slice(done + 1).some((l) => /^still held open 2000 ms after the end .*: exiting with code 0$/.test(l.message)), r.stderr);
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test('a receiver that refuses every batch (a collector without a metrics pipeline): one error line saying so, with the hint, and where the samples went — not only a count in the status line', async () => {
  const server = await startFakeOtlpServer(() => ({ code: 12, message: 'unknown service opentelemetry.proto.collector.metrics.v1.MetricsService' }));
  try {
    const dir = tempDir();
    const dead = join(dir, 'dead.ndjson');
    const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 2, ratePerSecond: 100, count: 300}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${dead}}`, 'batch: {maxSize: 50, maxDelayMs: 20}', 'reorder: {maxDelayMs: 20}', ''].join('\n'));
    const r = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(r.code, 0, r.stderr);
    const log = jsonLog(r.stderr);
    const refusals = log.filter((l) => / refused /.test(l.message));
    assert.is(refusals.length, 1, r.stderr);
    assert.is(refusals[0]!.level, 'error');
    assert.match(refusals[0]!.message, /refused samples, which are not sent again: the receiver refused the batch: 12 UNIMPLEMENTED: unknown service .*no OTLP metrics service.*; they are dead letters in .*dead\.ndjson/);
    assert.is(log.at(-1)!.deadLetters?.['rejected'], 300);
  } finally {
    await server.stop();
  }
});

test('clock trouble is said: a time in milliseconds where nanoseconds belong, a sample an hour ahead, a source whose clock is 10 min ahead of the others (all silent before, counted only in /metrics)', async () => {
  const dir = tempDir();
  const nowMs = Date.now();
  const line = (o: object) => JSON.stringify(o);
  const lines = [line({ name: 'ms', value: 1, timeUnixNano: String(nowMs) }), line({ name: 'ahead', value: 1, timeUnixNano: `${nowMs + 3_600_000}000000` })];
  for (let i = 0; i < 20; i++) {
    for (const [host, offsetMs] of [['a', 0], ['b', 0], ['c', 0], ['d', 600_000]] as const) lines.push(line({ name: 'x', value: i, timeUnixNano: `${nowMs - 20_000 + i * 1000 + offsetMs}000000`, attributes: { host } }));
  }
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${file}}]`, 'sink: {type: console}', 'skew: {sourceAttribute: host}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['run', cfg, '--log-format', 'json']);
  assert.is(r.code, 0, r.stderr);
  const warnings = jsonLog(r.stderr).filter((l) => l.level === 'warn').map((l) => l.message);
  assert.ok(warnings.some((m) => /^samples older than skew\.maxPastMs, the first 5\d years old: ms at 1970-01-01T.* reads as now in milliseconds/.test(m)), r.stderr);
  assert.ok(warnings.some((m) => /^samples stamped ahead of this machine's clock .*the first (59|60) min ahead: ahead at .*: re-stamped/.test(m)), r.stderr);
  assert.equal(warnings.filter((m) => m.startsWith('the clock of source')), ['the clock of source host=d is 10 min ahead of the other sources\' (their median) and this machine\'s clock: its samples are re-stamped by that much'], r.stderr);
  assert.match(r.stderr, /clock skew: future 1, stale 1, source-offset 1/);
});

test('alerts are checked every second, not at the status line\'s interval: with statusIntervalMs 10 min, the breaker-open alert of 1 s comes within seconds', async () => {
  // Before, the rules were evaluated when a status line was due: this alert came 10 minutes late.
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, ratePerSecond: 20}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'delivery: {shutdownDeadlineMs: 100, retry: {initialDelayMs: 20, maxDelayMs: 50}, breaker: {failureThreshold: 1}}',
    'telemetry: {statusIntervalMs: 600000, alerts: {breakerOpenSeconds: 1}}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  try {
    await until('the breaker-open alert', () => /ALERT breaker-open/.test(stderrSoFar()), 10_000);
  } finally {
    child.kill('SIGTERM');
  }
  const alert = jsonLog((await result).stderr).find((l) => /ALERT breaker-open/.test(l.message));
  assert.is(alert?.level, 'error');
});

test('on a terminal, log lines go above the status line instead of onto its end', () => {
  // Before: "…dead letters: none2026-12-02T19:39:01Z INFO  delivery to … works again".
  let screen = '';
  const terminal = createTerminalLines((s) => void (screen += s));
  terminal.write('first line\n');
  terminal.status.show('in 5/s · queued 0');
  terminal.status.show('in 6/s · queued 1');
  terminal.write('a log line\n');
  terminal.status.end();
  const CLEAR = '\r\x1b[2K';
  assert.is(screen, `first line\n${CLEAR}in 5/s · queued 0${CLEAR}in 6/s · queued 1${CLEAR}a log line\nin 6/s · queued 1\n`);
  // What a terminal shows: each clear takes the line back to nothing.
  const shown = screen.split('\n').map((l) => l.split(CLEAR).at(-1));
  assert.equal(shown, ['first line', 'a log line', 'in 6/s · queued 1', '']);
});

test('on a terminal narrower than the status line, each redraw replaces all of its rows: it cleared the last row only, and left a stale row a second', () => {
  const term = virtualTerminal(40);
  const terminal = createTerminalLines(term.write, () => 40);
  const status = (n: number) => `in ${n}/s · delivered ${n}/s · queued 0 · in flight 0 · retries 0 · breaker closed · dead letters: none`; // 95 columns: 3 rows
  terminal.write('first line\n');
  for (let n = 1; n <= 5; n++) terminal.status.show(status(n));
  terminal.write('a log line\n');
  terminal.status.show(status(6));
  assert.equal(term.screen(), ['first line', 'a log line', ...rowsOf(status(6), 40)]);
  terminal.status.show('short');
  assert.equal(term.screen(), ['first line', 'a log line', 'short'], 'a shorter line clears the rows the longer one took');
  terminal.status.show(status(7));
  terminal.status.end();
  terminal.write('after the end\n');
  assert.equal(term.screen(), ['first line', 'a log line', ...rowsOf(status(7), 40), 'after the end']);
});

test('under --log-format json the status line carries its figures as fields (a log pipeline read them out of the words); the text line is unchanged', async () => {
  const dir = tempDir();
  const base = ['sources: [{type: synthetic, series: 2, ratePerSecond: 50}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'telemetry: {statusIntervalMs: 300}', 'delivery: {shutdownDeadlineMs: 100, retry: {initialDelayMs: 20, maxDelayMs: 50}}', ''];
  const statusOf = async (format: 'json' | 'text', name: string) => {
    const { child, result, stderrSoFar } = startCli(['run', writeConfig(dir, base.join('\n'), name), '--log-format', format]);
    await until('two status lines', () => (stderrSoFar().match(/ · in flight /g) ?? []).length >= 4, 20_000);
    child.kill('SIGINT');
    return (await result).stderr;
  };
  const json = jsonLog(await statusOf('json', 'j.yaml')).filter((l) => / · in flight /.test(l.message)) as unknown as Array<Record<string, unknown> & { message: string }>;
  const last = json.at(-2)!;
  const number = (re: RegExp) => Number(re.exec(last.message)![1]);
  assert.is(last['queued'], number(/ · queued (\d+)/), last.message);
  assert.is(last['inFlightBatches'], number(/ · in flight (\d+)/));
  assert.is(last['retries'], number(/ · retries (\d+)/));
  assert.is(typeof last['inPerSecond'], 'number');
  assert.is(typeof last['inReorder'], 'number');
  assert.ok(['closed', 'open', 'half-open'].includes(last['breaker'] as string));
  assert.equal(Object.keys(last['deadLetters'] as object).sort(), ['invalid', 'late', 'overflow', 'rejected', 'retries-exhausted', 'shutdown', 'skew']);
  const text = (await statusOf('text', 't.yaml')).split('\n').filter((l) => / · in flight /.test(l));
  assert.ok(text.length >= 2);
  for (const l of text) assert.match(l, / · dead letters: [^{]*$/, 'no JSON after a text status line');
});

test('a short job\'s status counts in its rate the samples its source gave as it started: in and delivered match (it said in 286/s · delivered 305/s for 50 samples)', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 5, ratePerSecond: 100, count: 50}]', `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const r = await runCli(['run', cfg, '--log-format', 'json']);
  assert.is(r.code, 0, r.stderr);
  const statuses = (jsonLog(r.stderr) as unknown as Array<{ message: string; inPerSecond?: number; deliveredPerSecond?: number }>).filter((l) => / · in flight /.test(l.message));
  assert.is(statuses.length, 1, r.stderr);
  assert.ok(statuses[0]!.inPerSecond! > 0);
  assert.is(statuses[0]!.inPerSecond, statuses[0]!.deliveredPerSecond, statuses[0]!.message);
});

/** A line as the rows of a terminal `width` wide. */
const rowsOf = (line: string, width: number): string[] => Array.from({ length: Math.ceil(line.length / width) }, (_, i) => line.slice(i * width, (i + 1) * width).trimEnd());

test.run();
