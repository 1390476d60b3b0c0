/**
 * createPipeline: a chronoq pipeline an application feeds itself (push, fromObservable), built
 * from the config file's options.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { createPipeline } from '../src/otel/createPipeline.js';
import { ChronoqMetricExporter, isInvalidConfigError } from '../src/otel/ChronoqMetricExporter.js';
import type { PipelineEvent } from '../src/pipeline.js';
import type { HistogramValue } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { parseSampleLine } from '../src/sampleJson.js';
import { freePort } from './support/collector.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { spawn } from 'node:child_process';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

const test = suite('createPipeline');

/** What an application sees: chronoq's diag error lines, and exceptions nothing caught. */
const watchApplication = () => {
  const lines: string[] = [];
  diag.setLogger({ error: (m) => void lines.push(`error ${m}`), warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.ERROR);
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  return { lines, uncaught, stop: () => (process.off('uncaughtException', onUncaught), diag.disable()) };
};

test('createPipeline: push and fromObservable feed one pipeline; the handle reports events and stats', async () => {
  const dir = tempDir();
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } });
  assert.ok(!isLeft(h));
  if (isLeft(h)) return;
  const kinds: string[] = [];
  h.right.events$.subscribe((e) => kinds.push(e.type));
  h.right.push({ name: 'x', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
  const { of } = await import('rxjs');
  h.right.fromObservable(of({ name: 'x', kind: 'gauge' as const, value: 2, timeUnixNano: 1_764_064_801_000_000_000n, attributes: {} }));
  await h.right.flush();
  assert.is(h.right.stats.delivered, 2);
  assert.ok(kinds.includes('delivered'));
  const report = await h.right.shutdown();
  assert.ok(report.drained);
});

test('createPipeline: a pushed sample without a resource is a dead letter with the pipeline\'s resource, as it would have been sent (replayed elsewhere it kept no service name)', async () => {
  const dir = tempDir();
  const h = createPipeline({ resource: { 'service.name': 'checkout' }, sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${await freePort()}`, timeoutMs: 300 },
    delivery: { guarantee: 'at-most-once' }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } });
  if (isLeft(h)) throw new Error(JSON.stringify(h.left));
  h.right.push({ name: 'x', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
  h.right.push({ name: 'y', kind: 'gauge', value: 2, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {}, resource: { 'service.name': 'its-own' } });
  // An invalid one is recorded as it came, with no resource added.
  h.right.push({ name: 'z', kind: 'meter' as never, value: 3, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
  await h.right.shutdown();
  const letters = readFileSync(join(dir, 'd.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { name: string; resource?: Record<string, string> } });
  assert.equal(letters.map((l) => [l.reason, l.item.name, l.item.resource?.['service.name']]).sort(), [['invalid', 'z', undefined], ['retries-exhausted', 'x', 'checkout'], ['retries-exhausted', 'y', 'its-own']]);
});

test('createPipeline warns (diag) of a setting that does nothing, as run does: lanes under global order', async () => {
  const dir = tempDir();
  const warned: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m) => void warned.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  try {
    const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { order: 'global' }, delivery: { lanes: 4 }, deadLetter: { path: join(dir, 'd.ndjson') } });
    if (isLeft(h)) return assert.unreachable();
    await h.right.shutdown();
  } finally {
    diag.disable();
  }
  assert.ok(warned.some((m) => m === 'chronoq: delivery.lanes 4 is not used: reorder.order global delivers on one lane, so that the whole stream reaches the receiver in order'), warned.join('\n'));
});

test('dead letters are stamped with the wall clock (the pipeline\'s clock), in whole ms: the operators\' scheduler time is off the wall clock after a step, and fractional', async () => {
  const dir = tempDir();
  // A wall clock 10 minutes ahead of the scheduler's time (as after a step the scheduler does not follow).
  const clock = { now: () => Date.now() + 600_000, monotonic: () => performance.now() };
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } }, { clock });
  if (isLeft(h)) return assert.unreachable();
  const t = BigInt(Date.now()) * 1_000_000n;
  h.right.push({ name: 'x', kind: 'gauge', value: 1, timeUnixNano: t, attributes: {} });
  h.right.push({ name: 'x', kind: 'gauge', value: 0, timeUnixNano: t - 1_000_000_000n, attributes: {} }); // late
  const before = clock.now();
  await h.right.shutdown();
  const letters = readFileSync(join(dir, 'd.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; atUnixMs: number });
  assert.equal(letters.map((l) => l.reason), ['late']);
  const at = letters[0]!.atUnixMs;
  assert.ok(Number.isInteger(at), `atUnixMs ${at} is whole ms`);
  assert.ok(at >= before - 5_000 && at <= clock.now(), `atUnixMs ${at} is the pipeline's wall clock (${before}), not the scheduler's (${Date.now()})`);
});

test('createPipeline: a stream given to fromObservable that errors ends alone, reported (an event, a diag error); it used to be thrown as an uncaught exception, which ended the application', async () => {
  const dir = tempDir();
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } });
  if (isLeft(h)) return assert.unreachable();
  const { lines, uncaught, stop } = watchApplication();
  try {
    const events: PipelineEvent[] = [];
    h.right.events$.subscribe((e) => events.push(e));
    const { concat, of, throwError, timer, map } = await import('rxjs');
    const sample = (value: number) => ({ name: 'x', kind: 'gauge' as const, value, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(value), attributes: {} });
    const failing = h.right.fromObservable(concat(of(sample(1)), throwError(() => new Error('sensor gone'))));
    h.right.fromObservable(timer(50).pipe(map(() => sample(2)))); // another stream goes on
    await new Promise((r) => setTimeout(r, 200));
    await h.right.flush();
    assert.equal(uncaught, [], 'nothing thrown at the application');
    assert.ok(failing.closed);
    assert.is(h.right.stats.delivered, 2, 'the sample before the error and the other stream\'s');
    const failed = events.find((e) => e.type === 'source-failed');
    assert.ok(failed?.type === 'source-failed' && failed.index === 0 && (failed.error as Error).message === 'sensor gone');
    assert.equal(lines, ['error chronoq: the stream given to fromObservable (#1) failed: sensor gone; it has stopped, the other sources go on']);
  } finally {
    stop();
    await h.right.shutdown();
  }
});

test('createPipeline honours a spool in the options: samples are spooled, then settled on delivery; under at-most-once none is opened', async () => {
  const dir = tempDir();
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, spool: { path: join(dir, 'spool.db') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } });
  if (isLeft(h)) throw new Error('options');
  for (let i = 0; i < 5; i++) h.right.push({ name: 'x', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} });
  await h.right.flush();
  await h.right.shutdown();
  const { Spool } = await import('../src/spool/spool.js');
  const reopened = Spool.open(join(dir, 'spool.db'));
  if (reopened._tag !== 'Right') throw reopened.left;
  assert.ok(reopened.right.spool.inspect().lanes.length > 0, 'the spool was written');
  assert.is(reopened.right.spool.inspect().waiting, 0, 'and settled after delivery');
  reopened.right.spool.close();
  // Under at-most-once nothing is kept for a later attempt: the spool is not opened, not made.
  const once = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o2.ndjson') }, delivery: { guarantee: 'at-most-once' }, spool: { path: join(dir, 'unused.db') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd2.ndjson') } });
  if (isLeft(once)) throw new Error('options');
  once.right.push({ name: 'x', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
  await once.right.flush();
  await once.right.shutdown();
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('unused')), []);
  assert.is(readFileSync(join(dir, 'o2.ndjson'), 'utf8').trim().split('\n').length, 1, 'delivered without it');
});

test('createPipeline: a sample pushed once shutdown has begun (during the drain, or after it) is a dead letter shutdown; it vanished, counted and written nowhere', async () => {
  const dir = tempDir();
  const dead = join(dir, 'd.ndjson');
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: dead } });
  if (isLeft(h)) return assert.unreachable();
  const sample = (value: number) => ({ name: 'x', kind: 'gauge' as const, value, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(value), attributes: {} });
  h.right.push(sample(1));
  await h.right.flush();
  const stopping = h.right.shutdown();
  h.right.push(sample(2)); // during the drain
  const report = await stopping;
  h.right.push(sample(3)); // after it
  await new Promise((r) => setTimeout(r, 50)); // the dead-letter file writes at the end of the task
  const { stats } = h.right;
  assert.equal([stats.samplesIn, stats.delivered, stats.deadLetters.shutdown, h.right.outstanding], [3, 1, 2, 0]);
  assert.ok(report.shutdownDeadLetters >= 1);
  const letters = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string; item: { value: number } });
  assert.equal(letters.map((l) => [l.reason, l.item.value]), [['shutdown', 2], ['shutdown', 3]]);
  assert.match(letters[0]!.detail, /pushed after the pipeline began shutting down/);
});

test('createPipeline: dead letters its file cannot take (the directory gone) go to diag as error lines; the write error was thrown from a microtask, which ended the application', async () => {
  const dir = tempDir();
  const letters = join(dir, 'letters');
  mkdirSync(letters);
  const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(letters, 'd.ndjson') } });
  if (isLeft(h)) return assert.unreachable();
  const { lines, uncaught, stop } = watchApplication();
  try {
    rmSync(letters, { recursive: true });
    h.right.push({ name: 'x', kind: 'sum', value: Number.NaN, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} }); // invalid: a dead letter
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(uncaught, [], 'nothing thrown at the application');
    assert.is(h.right.stats.deadLetters.invalid, 1);
    assert.match(lines[0] ?? '', /^error chronoq: cannot write dead letters to .*d\.ndjson: ENOENT.*; they follow in this log, one a line, until it can be written again$/);
    assert.match(lines[1] ?? '', /^error chronoq: dead letter: \{"reason":"invalid",/);
  } finally {
    stop();
    await h.right.shutdown();
  }
});

test('an application that ends without shutting the exporter down exits by itself, its samples delivered first (or, the receiver down, dead-lettered within the deadline); it never exited', async () => {
  const fixture = join(import.meta.dirname, 'fixtures/jobWithoutShutdown.ts');
  /** Runs it (the fake receiver lives in this process: not spawnSync); killed after 20 s. */
  const run = (endpoint: string, deadLetters: string) =>
    new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, endpoint, deadLetters], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (status, signal) => (clearTimeout(killer), resolve({ status, signal, stdout, stderr })));
    });
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const up = await run(`http://127.0.0.1:${server.port}`, join(dir, 'up.ndjson'));
    assert.is(up.signal, null, 'it exited by itself (it was killed at the timeout before)');
    assert.is(up.status, 0, up.stderr);
    assert.match(up.stdout, /work done/);
    assert.ok(server.received.some((r) => r.points.some((p) => p.name === 'jobs.done')), 'delivered before it exited');
    const down = await run(`http://127.0.0.1:${await freePort()}`, join(dir, 'down.ndjson'));
    assert.is(down.signal, null);
    assert.is(down.status, 0, down.stderr);
    const letters = readFileSync(join(dir, 'down.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { name: string } });
    assert.ok(letters.length > 0 && letters.every((l) => l.reason === 'shutdown' && l.item.name === 'jobs.done'), JSON.stringify(letters));
  } finally {
    server.kill();
  }
});

test('an SDK gauge that reports NaN (an average over nothing), or a histogram that recorded Infinity, is delivered as the doubles it has, as the stock exporter sends it — each was an `invalid` dead letter at every collection; a counter reporting NaN is one, said through diag, naming the metric, once and then a line a minute', async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m) => void warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const exporter = new ChronoqMetricExporter({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') } });
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 100 })] });
  try {
    const meter = provider.getMeter('app');
    meter.createObservableGauge('queue.avg_wait').addCallback((r) => r.observe(Number.NaN));
    meter.createObservableGauge('queue.max_wait').addCallback((r) => r.observe(Number.POSITIVE_INFINITY));
    meter.createObservableCounter('jobs.rate').addCallback((r) => r.observe(Number.NaN));
    const latency = meter.createHistogram('job.seconds', { advice: { explicitBucketBoundaries: [1] } });
    latency.record(0.5);
    latency.record(Number.POSITIVE_INFINITY); // (the SDK drops NaN) from then on its sum and max are infinite: every collection's point was a dead letter
    await new Promise((r) => setTimeout(r, 450));
    await provider.shutdown();
    const delivered = readFileSync(join(dir, 'o.ndjson'), 'utf8').trim().split('\n').map((l) => parseSampleLine(l));
    const values = (name: string) => delivered.flatMap((d) => (isRight(d) && d.right.name === name ? [d.right.value] : []));
    assert.ok(values('queue.avg_wait').length >= 2 && values('queue.avg_wait').every((v) => Number.isNaN(v)), `NaN each collection: ${JSON.stringify(values('queue.avg_wait'))}`);
    assert.ok(values('queue.max_wait').length >= 2 && values('queue.max_wait').every((v) => v === Number.POSITIVE_INFINITY));
    const histograms = values('job.seconds') as HistogramValue[];
    assert.ok(histograms.length >= 2, `the histogram each collection: ${histograms.length}`);
    for (const h of histograms) assert.ok(h.count === 2 && h.counts[0] === 1 && h.counts[1] === 1 && h.sum === Number.POSITIVE_INFINITY && h.max === Number.POSITIVE_INFINITY, JSON.stringify(h));
    const letters = readFileSync(join(dir, 'd.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { name: string } });
    assert.ok(letters.length >= 2 && letters.every((l) => l.reason === 'invalid' && l.item.name === 'jobs.rate'), `a letter each collection, the counter's only: ${JSON.stringify(letters)}`);
    assert.equal(warnings.filter((w) => /dead letters/.test(w)), [`chronoq: samples became dead letters (invalid) (the first: jobs.rate): value must be a finite number, got NaN; they are in ${join(dir, 'd.ndjson')}`]);
  } finally {
    diag.disable();
  }
});

test('createPipeline checks the files its options name as `chronoq run` does: a TLS file it cannot read is a config error; it threw ENOENT (out of ChronoqMetricExporter too)', () => {
  const dir = tempDir();
  const options = { sink: { type: 'otlp-grpc' as const, endpoint: 'https://127.0.0.1:4317', tls: { ca: '/nonexistent/ca.pem' } }, deadLetter: { path: join(dir, 'd.ndjson') } };
  const r = createPipeline(options);
  assert.ok(isLeft(r));
  assert.equal(r.left.map((e) => e.path), ['config.sink.tls.ca']);
  try {
    new ChronoqMetricExporter(options);
    assert.unreachable();
  } catch (e) {
    assert.ok(isInvalidConfigError(e), String(e));
    assert.match((e as Error).message, /config\.sink\.tls\.ca: expected a readable file with a PEM certificate, found "\/nonexistent\/ca\.pem" \(ENOENT\)/);
  }
});

test.run();
