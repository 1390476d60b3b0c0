/**
 * forceFlush (ChronoqMetricExporter) and flush (createPipeline) send what is held now: the
 * reorder window and the batch wait are cut short. They waited for both — with the defaults 3 s a
 * call (the stock exporter: ~20 ms), so `provider.forceFlush()` at the end of each invocation of
 * a serverless function, or `provider.shutdown()`, which flushes first, took 3 s; with the windows
 * a user set for a slow source, minutes. Here the windows are ten minutes long: a flush that
 * waited for them fails the test by its guard.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ChronoqMetricExporter } from '../src/otel/ChronoqMetricExporter.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { sample } from './support/marbles.js';
import { tempDir } from './support/cli.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';

const test = suite('flush sends what is held now');
const TEN_MINUTES = 600_000;
const longWindows = (dir: string) => ({
  sink: { type: 'ndjson' as const, path: join(dir, 'out.ndjson') },
  deadLetter: { path: join(dir, 'dead.ndjson') },
  reorder: { maxDelayMs: TEN_MINUTES },
  batch: { maxSize: 1_000, maxDelayMs: TEN_MINUTES },
  delivery: { shutdownDeadlineMs: 5_000 },
});
const written = (dir: string): { name: string; value: number; timeUnixNano: string }[] =>
  readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; value: number; timeUnixNano: string });

/** `p`, or a failure once the guard (far shorter than the windows) has passed. */
const beforeTheWindows = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} waited for the reorder window or the batch wait`)), 20_000).unref())]);

for (const spool of [false, true]) {
  test(`ChronoqMetricExporter${spool ? ' with a spool' : ''}: provider.forceFlush() delivers the collection without waiting out the windows; a later one too`, async () => {
    const dir = tempDir();
    // With a spool the samples go through its next write, after the current synchronous work: the
    // lanes had flushed before they came, and they waited for the batch's maxDelayMs.
    const exporter = new ChronoqMetricExporter({ ...longWindows(dir), ...(spool ? { spool: { path: join(dir, 'spool.db') } } : {}) });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'app' }), readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: TEN_MINUTES })] });
    const requests = provider.getMeter('app').createCounter('requests');
    requests.add(1, { route: '/' });
    await beforeTheWindows(provider.forceFlush(), 'forceFlush');
    assert.equal(written(dir).map((s) => [s.name, s.value]), [['requests', 1]]);
    requests.add(2, { route: '/' });
    await beforeTheWindows(provider.forceFlush(), 'the second forceFlush');
    assert.equal(written(dir).map((s) => [s.name, s.value]), [['requests', 1], ['requests', 3]], 'the next collection, in order, not late');
    await beforeTheWindows(provider.shutdown(), 'shutdown');
  });
}

test('forceFlush waits for a receiver that answers late (300 ms): the collection is delivered when it resolves', async () => {
  const dir = tempDir();
  const server = await startFakeOtlpServer(() => ({ later: new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 300)) }));
  const exporter = new ChronoqMetricExporter({ ...longWindows(dir), sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${server.port}` } });
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: TEN_MINUTES })] });
  try {
    provider.getMeter('app').createCounter('requests').add(1);
    await beforeTheWindows(provider.forceFlush(), 'forceFlush');
    assert.is(exporter.pipeline.stats.delivered, 1, 'delivered before forceFlush resolved');
    assert.equal(server.received.flatMap((r) => r.points.map((p) => p.name)), ['requests']);
  } finally {
    await provider.shutdown();
    server.kill();
  }
});

test('createPipeline: flush() sends what was pushed, in order; a sample pushed after it that is older than one it sent is late', async () => {
  const dir = tempDir();
  const h = createPipeline(longWindows(dir));
  if (isLeft(h)) throw new Error(JSON.stringify(h.left));
  const t0 = Date.now();
  for (const dt of [30, 10, 20]) h.right.push(sample(t0 + dt, 'queue.depth', {}, dt));
  await beforeTheWindows(h.right.flush(), 'flush');
  assert.equal(written(dir).map((s) => s.value), [10, 20, 30], 'released in time order');
  h.right.push(sample(t0 + 5, 'queue.depth', {}, 5));
  h.right.push(sample(t0 + 40, 'queue.depth', {}, 40));
  await beforeTheWindows(h.right.flush(), 'the second flush');
  assert.equal(written(dir).map((s) => s.value), [10, 20, 30, 40]);
  assert.is(h.right.stats.deadLetters.late, 1);
  await h.right.shutdown();
});

test.run();
