/**
 * A pipeline whose sources differ in who stamped their samples: a host source (this process's
 * clock) beside a followed NDJSON file or an OTLP listener (stamped elsewhere). A wall-clock step
 * is corrected in the host source's samples and never in the others'. Before, one source stamped
 * elsewhere made the whole stream count as stamped elsewhere: with `chronoq run`, a host source
 * beside an NDJSON file and the clock stepped back an hour, 243 of 653 samples were dead letters
 * `late` and 27 `invalid` (counters whose start came after their time).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isRight, right } from 'fp-ts/lib/Either.js';
import { Subject, VirtualTimeScheduler, from, lastValueFrom, toArray } from 'rxjs';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import { localStamps } from '../src/localStamps.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { jsonLog, sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';
import { exportCall } from './support/otlpReceiver.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';

const test = suite('sources stamped here and elsewhere in one pipeline');

const WALL0 = Date.UTC(2026, 11, 5, 10, 0, 0);
const HOUR = 3_600_000;
const FIXTURE = fileURLToPath(new URL('./fixtures/stepWallClock.mjs', import.meta.url));

/** `chronoq run` of `source` (a YAML flow line) into the console sink, its wall clock stepped back an hour when `step` says (STEP_FROM, STEP_AT_MS: test/fixtures/stepWallClock.mjs). */
const runStepped = (dir: string, source: string, step: Record<string, string>) => {
  const cfg = writeConfig(dir, [
    'sources:',
    source,
    'sink: {type: console}',
    'reorder: {maxDelayMs: 100}',
    'skew: {maxPastMs: 86400000}',
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    '',
  ].join('\n'));
  return startCli(['run', cfg, '--log-format', 'json'], { NODE_OPTIONS: `--import ${FIXTURE}`, STEP_MS: String(-HOUR), ...step });
};
/** Stops the run (SIGINT): its output lines, after asserting it exited 0 with no dead letter. */
const stoppedWithoutDeadLetters = async (cli: ReturnType<typeof startCli>): Promise<{ name: string; value: number; timeUnixNano: string; correctedFromUnixNano?: string }[]> => {
  cli.child.kill('SIGINT');
  const r = await cli.result;
  assert.is(r.code, 0, r.stderr);
  const done = jsonLog(r.stderr).find((l) => l.samplesIn !== undefined)!;
  assert.equal(done.deadLetters, { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 }, r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
};

test('detectClockSkew with a test of each sample: after a step back, the samples it calls local are re-stamped, the others keep their stamps', () => {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const clock = schedulerClock(scheduler, WALL0);
  const input = new Subject<Routed<Sample>>();
  const out: Sample[] = [];
  input.pipe(detectClockSkew({ clock, stampedLocally: (s) => s.attributes['from'] === 'host', maxPastMs: 2 * HOUR })).subscribe((r) => (isRight(r) ? out.push(r.right) : undefined));
  const at = (ms: number, from: string, value: number) => scheduler.schedule(() => input.next(right({ name: 'm', kind: 'gauge', value, timeUnixNano: msToNanos(clock.now()), attributes: { from } })), ms);
  at(1_000, 'host', 1);
  at(1_000, 'file', 2);
  scheduler.schedule(() => clock.step(-HOUR), 1_500);
  at(2_000, 'host', 3);
  at(2_000, 'file', 4);
  scheduler.flush();
  const byValue = new Map(out.map((s) => [s.value, s]));
  assert.is(byValue.get(3)!.correctedFromUnixNano, msToNanos(WALL0 + 2_000 - HOUR), 'the host sample after the step is re-stamped');
  assert.ok(byValue.get(3)!.timeUnixNano > byValue.get(1)!.timeUnixNano, 'and its series goes on in order');
  assert.is(byValue.get(4)!.correctedFromUnixNano, undefined, 'the file sample keeps its stamp');
  assert.is(byValue.get(4)!.timeUnixNano, msToNanos(WALL0 + 2_000 - HOUR));
});

test('localStamps: a flag when the sources agree (pushed samples count as stamped here), else a test that knows the samples of the local sources', async () => {
  assert.is(localStamps(undefined, 2, false).test, true);
  assert.is(localStamps(false, 2, true).test, false);
  assert.is(localStamps([true, true], 2, true).test, true);
  assert.is(localStamps([false, false], 2, false).test, false);
  const mixed = localStamps([true, false], 2, false);
  assert.type(mixed.test, 'function');
  const a: Sample = { name: 'a', kind: 'gauge', value: 1, timeUnixNano: 1n, attributes: {} };
  const b: Sample = { ...a, name: 'b' };
  await lastValueFrom(mixed.mark(from([a]), 0).pipe(toArray()));
  await lastValueFrom(mixed.mark(from([b]), 1).pipe(toArray()));
  const isLocal = mixed.test as (s: Sample) => boolean;
  assert.equal([isLocal(a), isLocal(b)], [true, false]);
  const pushedBeside = localStamps([false, false], 2, true);
  assert.type(pushedBeside.test, 'function', 'pushed samples beside sources stamped elsewhere');
  const pushed: Sample = { ...a, name: 'pushed' };
  await lastValueFrom(pushedBeside.mark(from([pushed]), 'pushed').pipe(toArray()));
  await lastValueFrom(pushedBeside.mark(from([a]), 0).pipe(toArray()));
  const isLocalBeside = pushedBeside.test as (s: Sample) => boolean;
  assert.equal([isLocalBeside(pushed), isLocalBeside(a)], [true, false], 'the pushed ones are stamped here');
  // A list shorter than the sources: the sources it leaves out count as stamped here (the default).
  const short = localStamps([false], 2, false);
  assert.type(short.test, 'function');
  await lastValueFrom(short.mark(from([b]), 1).pipe(toArray()));
  assert.is((short.test as (s: Sample) => boolean)(b), true, 'source 1, not in the list');
});

test('chronoq run, a host source beside a followed NDJSON file, the wall clock stepped back an hour: nothing late, nothing invalid, the host samples re-stamped, the file\'s kept', async () => {
  const dir = tempDir();
  const file = join(dir, 'samples.ndjson');
  writeFileSync(file, `${JSON.stringify({ name: 'from.file', value: 1, time: new Date(Date.now() - 60_000).toISOString() })}\n`);
  const cli = runStepped(dir, [
    '  - {type: host, intervalMs: 200, network: false, disk: false, filesystem: false, connections: false, paging: false, processes: false, perCore: false}',
    `  - {type: ndjson, path: ${file}, follow: true, positionFile: ${join(dir, 'positions.json')}}`,
  ].join('\n'), { STEP_FROM: 'first-output', STEP_AT_MS: '1000' });
  let out = 0;
  cli.child.stdout?.on('data', (d: Buffer) => (out += d.length));
  try {
    await until('the first delivered sample', () => out > 0, 30_000);
    await sleep(1_500);
    // A line the file gets after the step, stamped by its writer (an hour before the stepped clock's now: its own clock is right).
    writeFileSync(file, `${JSON.stringify({ name: 'from.file', value: 2, time: new Date(Date.now() - 1_000).toISOString() })}\n`, { flag: 'a' });
    await sleep(2_000);
    const lines = await stoppedWithoutDeadLetters(cli);
    assert.ok(lines.some((l) => l.name.startsWith('system.') && l.correctedFromUnixNano !== undefined), 'host samples after the step are re-stamped');
    const fromFile = lines.filter((l) => l.name === 'from.file');
    assert.equal(fromFile.map((l) => [l.value, l.correctedFromUnixNano]), [[1, undefined], [2, undefined]], 'the file\'s samples keep their stamps');
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

/**
 * A writer on the machine whose clock chronoq's run steps (1.5 s after its first log line): it
 * stamps a point every 100 ms for 5 s from that line, an hour back from 3 s on — later than
 * chronoq's step, which it sees after chronoq wrote the line, so no point is stamped by the
 * stepped clock before chronoq's own clock stepped. It begins once the log says `ready`. What it
 * wrote, in order.
 */
const writeThroughAStep = async (cli: ReturnType<typeof startCli>, ready: RegExp, write: (point: Sample) => Promise<void>): Promise<{ value: number; stepped: boolean }[]> => {
  await until('its first log line', () => cli.stderrSoFar().length > 0, 30_000);
  const firstLogAt = Date.now();
  await until(`its log saying ${ready.source}`, () => ready.test(cli.stderrSoFar()), 30_000);
  const written: { value: number; stepped: boolean }[] = [];
  for (let value = 1; Date.now() - firstLogAt < 5_000; value++) {
    const stepped = Date.now() - firstLogAt >= 3_000;
    await write({ name: 'app.gauge', kind: 'gauge', value, timeUnixNano: msToNanos(Date.now() - (stepped ? HOUR : 0)), attributes: { app: 'a' } });
    written.push({ value, stepped });
    await sleep(100);
  }
  assert.ok(written.filter((p) => p.stepped).length >= 5 && written.filter((p) => !p.stepped).length >= 5, JSON.stringify(written));
  await sleep(500);
  return written;
};
/** The run's points of app.gauge: every one written, once, in order, the series forward, and those the stepped clock stamped (only they) re-stamped. */
const assertCorrected = (lines: Awaited<ReturnType<typeof stoppedWithoutDeadLetters>>, written: { value: number; stepped: boolean }[]): void => {
  const points = lines.filter((l) => l.name === 'app.gauge');
  assert.equal(points.map((p) => p.value), written.map((p) => p.value), 'every point once, in order');
  for (let i = 1; i < points.length; i++) assert.ok(BigInt(points[i]!.timeUnixNano) > BigInt(points[i - 1]!.timeUnixNano), `the series goes forward at point ${points[i]!.value}`);
  assert.equal(points.map((p) => p.correctedFromUnixNano !== undefined), written.map((p) => p.stepped), 'the points stamped by the stepped clock, and only they, re-stamped');
};

test('chronoq run as a local OTLP agent (an otlp source with stampedLocally: true), the machine\'s clock stepped back an hour: the application\'s points stamped after the step are re-stamped, nothing late', async () => {
  const port = await freePort();
  const cli = runStepped(tempDir(), `  - {type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${port}"}}, stampedLocally: true}`, { STEP_FROM: 'first-log', STEP_AT_MS: '1500' });
  try {
    const written = await writeThroughAStep(cli, /listening for OTLP\/gRPC/, async (point) => {
      const answer = await exportCall(`127.0.0.1:${port}`, encodeBatch([point], { 'service.name': 'app' }));
      assert.is(answer.error, undefined, `point ${String(point.value)}`);
    });
    assertCorrected(await stoppedWithoutDeadLetters(cli), written);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

test('a followed NDJSON file written by a process on this machine (stampedLocally: true), the clock stepped back an hour: its lines stamped after the step are re-stamped, nothing late (without it, 20 of 50 were dead letters late)', async () => {
  const dir = tempDir();
  const file = join(dir, 'app.ndjson');
  writeFileSync(file, '');
  const cli = runStepped(dir, `  - {type: ndjson, path: ${file}, follow: true, pollMs: 20, positionFile: ${join(dir, 'positions.json')}, stampedLocally: true}`, { STEP_FROM: 'first-log', STEP_AT_MS: '1500' });
  try {
    const written = await writeThroughAStep(cli, /chronoq running/, async (point) => writeFileSync(file, `${JSON.stringify({ name: point.name, value: point.value, timeUnixNano: String(point.timeUnixNano), attributes: point.attributes })}\n`, { flag: 'a' }));
    assertCorrected(await stoppedWithoutDeadLetters(cli), written);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

test.run();
