/**
 * ChronoqMetricExporter at its edges: shutdown after a forceFlush that gave up (the stock reader's
 * shutdown is the two), and a data point type it has no sample form for.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AggregationTemporality, DataPointType, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { DiagLogLevel, ValueType, diag } from '@opentelemetry/api';
import { ChronoqMetricExporter, isInvalidConfigError } from '../src/otel/ChronoqMetricExporter.js';
import { fromResourceMetrics } from '../src/otel/fromResourceMetrics.js';
import { ExportResultCode } from '@opentelemetry/core';
import { tempDir } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('ChronoqMetricExporter edges');

test('ChronoqMetricExporter: after a forceFlush that gave up (receiver down), shutdown does not wait a second deadline; without one it drains for the full deadline', async () => {
  const port = await freePort(); // nothing listens here
  const deadlines: (number | undefined)[] = [];
  const make = () => {
    const dir = tempDir();
    const exporter = new ChronoqMetricExporter({
      sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 200 },
      reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'dead.ndjson') },
      delivery: { shutdownDeadlineMs: 1_000, retry: { initialDelayMs: 20, maxDelayMs: 50 } },
    });
    const shutdown = exporter.pipeline.shutdown.bind(exporter.pipeline);
    (exporter.pipeline as { shutdown: typeof shutdown }).shutdown = (ms) => (deadlines.push(ms), shutdown(ms));
    return { exporter, dead: join(dir, 'dead.ndjson') };
  };
  // The stock reader's shutdown: forceFlush (gives up after 1 s without progress), then shutdown.
  const a = make();
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: a.exporter, exportIntervalMillis: 100 })] });
  provider.getMeter('app').createCounter('requests').add(3, { route: '/' });
  await new Promise((r) => setTimeout(r, 250));
  await provider.shutdown();
  assert.equal(deadlines, [0], 'no second wait: the flush already waited a deadline without progress (was 1000)');
  assert.is(a.exporter.pipeline.outstanding, 0, 'nothing left unaccounted');
  assert.ok(readFileSync(a.dead, 'utf8').trim().split('\n').every((l) => (JSON.parse(l) as { reason: string }).reason === 'shutdown'));
  // Shut down without a flush that gave up: the full deadline.
  const b = make();
  await b.exporter.shutdown();
  assert.equal(deadlines, [0, 1_000]);
  // A flush that gave up, then something settled since (here a dead letter `invalid`): progress, so the full deadline again.
  const c = make();
  c.exporter.pipeline.push({ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} });
  await c.exporter.forceFlush();
  c.exporter.pipeline.push({ name: '', kind: 'gauge', value: 2, timeUnixNano: 1_764_064_800_000_000_001n, attributes: {} });
  await c.exporter.shutdown();
  assert.equal(deadlines, [0, 1_000, 1_000]);
});


test('a metric of a data point type chronoq has no sample form for is said through diag once, however many exports carry it; the rest is exported', async () => {
  const dir = tempDir();
  const warnings: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m: string) => void warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const exporter = new ChronoqMetricExporter({ sink: { type: 'ndjson', path: join(dir, 'out.ndjson') }, deadLetter: { path: join(dir, 'dead.ndjson') }, reorder: { maxDelayMs: 0 } });
  try {
    const collection = (t: number): ResourceMetrics => ({
      resource: resourceFromAttributes({ 'service.name': 'app' }),
      scopeMetrics: [{ scope: { name: 'app' }, metrics: [
        { descriptor: { name: 'future.kind', description: '', unit: '', valueType: ValueType.DOUBLE }, dataPointType: 99, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [] },
        { descriptor: { name: 'depth', description: '', unit: '', valueType: ValueType.DOUBLE }, dataPointType: DataPointType.GAUGE, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ startTime: [1_764_064_800, 0], endTime: [1_764_064_800 + t, 0], attributes: {}, value: t }] },
      ] }],
    }) as unknown as ResourceMetrics;
    for (const t of [1, 2]) await new Promise<void>((resolve) => exporter.export(collection(t), () => resolve()));
    await exporter.forceFlush();
    assert.equal(warnings.filter((w) => w.includes('future.kind')).length, 1);
    assert.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value), [1, 2]);
  } finally {
    diag.disable();
    await exporter.shutdown();
  }
});

test("a data point's attributes as the API allows them: one whose value is undefined left out (not a key without a value), arrays kept, anything else as its JSON text", () => {
  const rm = {
    resource: resourceFromAttributes({ 'service.name': 'app' }),
    scopeMetrics: [{ scope: { name: 'app' }, metrics: [{ descriptor: { name: 'depth', description: '', unit: '', valueType: ValueType.DOUBLE }, dataPointType: DataPointType.GAUGE, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ startTime: [1_764_064_800, 0], endTime: [1_764_064_801, 0], attributes: { route: '/', gone: undefined, codes: [200, 404], odd: { a: 1 } }, value: 1 }] }] }],
  } as unknown as ResourceMetrics;
  const [sample] = fromResourceMetrics(rm).samples;
  assert.equal(Object.entries(sample!.attributes), [['route', '/'], ['codes', [200, 404]], ['odd', '{"a":1}']]);
  // A scope with attributes (built elsewhere than the JS SDK, whose scopes have none) keeps them; an empty set is none.
  const scoped = (attributes: Record<string, unknown>) => fromResourceMetrics({ ...rm, scopeMetrics: [{ ...rm.scopeMetrics[0]!, scope: { name: 'app', attributes } }] } as unknown as ResourceMetrics).samples[0]!.scope;
  assert.equal([scoped({ tier: 'web' }), scoped({})], [{ name: 'app', attributes: { tier: 'web' } }, { name: 'app' }]);
});

test('export after shutdown answers FAILED (nothing taken in), and a second shutdown is a no-op', async () => {
  const dir = tempDir();
  const exporter = new ChronoqMetricExporter({ sink: { type: 'ndjson', path: join(dir, 'out.ndjson') }, deadLetter: { path: join(dir, 'dead.ndjson') }, reorder: { maxDelayMs: 0 } });
  await exporter.shutdown();
  const collection = {
    resource: resourceFromAttributes({ 'service.name': 'app' }),
    scopeMetrics: [{ scope: { name: 'app' }, metrics: [{ descriptor: { name: 'depth', description: '', unit: '', valueType: ValueType.DOUBLE }, dataPointType: DataPointType.GAUGE, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPoints: [{ startTime: [1_764_064_800, 0], endTime: [1_764_064_801, 0], attributes: {}, value: 1 }] }] }],
  } as unknown as ResourceMetrics;
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(collection, resolve));
  assert.is(result.code, ExportResultCode.FAILED);
  assert.match(result.error?.message ?? '', 'shut down');
  assert.is(exporter.pipeline.stats.samplesIn, 0, 'nothing taken in');
  await exporter.shutdown();
});

test('isInvalidConfigError: its own, and one of another copy of chronoq (its brand); nothing else', () => {
  let thrown: unknown;
  try {
    new ChronoqMetricExporter({ sink: { type: 'otlp-grcp' } } as never);
  } catch (e) {
    thrown = e;
  }
  assert.ok(isInvalidConfigError(thrown));
  assert.ok(isInvalidConfigError({ [Symbol.for('chronoq.InvalidConfigError')]: true }));
  for (const v of [null, undefined, new Error('invalid chronoq options'), { name: 'InvalidConfigError' }]) assert.not.ok(isInvalidConfigError(v), String(v));
});

test.run();
