import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AggregationType, MeterProvider, MetricReader, PeriodicExportingMetricReader, type ResourceMetrics, DataPointType } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { isLeft } from 'fp-ts/lib/Either.js';
import { fromResourceMetrics, hrTimeToNanos } from '../src/otel/fromResourceMetrics.js';
import { ChronoqMetricExporter, isInvalidConfigError } from '../src/otel/ChronoqMetricExporter.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { toResourceMetrics } from '../src/otel/../otlp/toResourceMetrics.js';
import { tempDir, until } from './support/cli.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { DiagLogLevel, ValueType, diag } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { createBatchPacker, createBatchUnpacker } from '../src/otlp/batchColumns.js';
import { parseSampleLine, toJsonLine } from '../src/sampleJson.js';
import { type ExponentialHistogramValue, type Sample, validateSample } from '../src/sample.js';
import { freePort } from './support/collector.js';

const test = suite('OpenTelemetry SDK bridge');

/** A reader the test collects by hand. */
class ManualReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

const appProvider = () => {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'app' }), readers: [reader] });
  const meter = provider.getMeter('app-scope', '1.2.3');
  meter.createObservableGauge('queue.depth', { unit: '{item}' }).addCallback((r) => r.observe(7, { queue: 'orders' }));
  meter.createCounter('requests', { description: 'served' }).add(5, { route: '/' });
  meter.createUpDownCounter('connections').add(-2);
  meter.createHistogram('latency', { unit: 'ms' }).record(42, { route: '/' });
  return { provider, reader };
};

test('fromResourceMetrics keeps times, resource, scope, units, temporality, monotonicity and histograms', async () => {
  const { provider, reader } = appProvider();
  const { resourceMetrics } = await reader.collect();
  const { samples, unsupported } = fromResourceMetrics(resourceMetrics);
  assert.equal(unsupported, []);
  const by = (n: string) => samples.find((s) => s.name === n)!;
  const gaugePoint = resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'queue.depth')!.dataPoints[0]!;
  assert.is(by('queue.depth').timeUnixNano, hrTimeToNanos(gaugePoint.endTime));
  assert.equal([by('queue.depth').kind, by('queue.depth').value, by('queue.depth').unit], ['gauge', 7, '{item}']);
  assert.equal(by('queue.depth').resource?.['service.name'], 'app');
  assert.equal(by('queue.depth').scope, { name: 'app-scope', version: '1.2.3' });
  assert.equal([by('requests').kind, by('requests').monotonic, by('requests').temporality, by('requests').description], ['sum', true, 'cumulative', 'served']);
  assert.equal([by('connections').monotonic, by('connections').value], [false, -2]);
  assert.equal((by('latency').value as { count: number; sum: number }).count, 1);
  // and back: the same metric types, scope and times
  const [rm] = toResourceMetrics(samples);
  const metrics = rm!.scopeMetrics.find((s) => s.scope.name === 'app-scope')!.metrics;
  assert.is(metrics.find((m) => m.descriptor.name === 'latency')!.dataPointType, DataPointType.HISTOGRAM);
  const updown = metrics.find((m) => m.descriptor.name === 'connections')!;
  assert.ok(updown.dataPointType === DataPointType.SUM && !updown.isMonotonic);
  assert.equal(metrics.find((m) => m.descriptor.name === 'queue.depth')!.dataPoints[0]!.endTime, gaugePoint.endTime);
  // The next collection's samples of a series share the first one's attributes and resource
  // objects (per-series look-ups downstream are memoised by them).
  const next = fromResourceMetrics((await reader.collect()).resourceMetrics).samples;
  const again = (n: string) => next.find((s) => s.name === n)!;
  assert.is(again('queue.depth').attributes, by('queue.depth').attributes);
  assert.is(again('requests').resource, by('requests').resource);
  assert.is.not(again('requests').attributes, by('queue.depth').attributes);
  await provider.shutdown();
});

test("bridged and encoded again, an SDK collection is the stock exporter's request byte for byte: array attributes, scope schema URL, double-valued instruments, exponential histograms", async () => {
  // Before, arrays became JSON text ('["node","app.js"]'), the scope's schema URL was dropped, a
  // double instrument's whole numbers went as integers (asInt 5 where the stock sends asDouble 5),
  // exponential histograms were not exported at all (a diag warning), and a histogram whose sum
  // the SDK left out went with sum 0.
  const reader = new ManualReader();
  const exponential = { type: AggregationType.EXPONENTIAL_HISTOGRAM } as const;
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'app', 'process.command_args': ['node', 'app.js'], 'host.cpus': 2 }),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: exponential }, { instrumentName: 'temperature.spread', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 4 } } },
      { instrumentName: 'queue.change', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0, 10] } } }],
  });
  const meter = provider.getMeter('lib', '1.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
  meter.createCounter('requests', { unit: '{request}', description: 'served' }).add(5, { tags: ['a', 'b'], code: 200 });
  meter.createCounter('bytes', { valueType: ValueType.INT }).add(7);
  meter.createUpDownCounter('connections').add(-3, { pool: 'db' });
  meter.createHistogram('latency', { unit: 'ms' }).record(42, { route: '/' });
  meter.createGauge('temperature').record(21.5);
  const payload = meter.createHistogram('payload.size', { unit: 'By' });
  for (const v of [0, 3, 17, 17, 250, 4096]) payload.record(v, { route: '/' });
  // An up-down counter's histogram: negative values, no sum (the SDK leaves it out).
  const spread = meter.createUpDownCounter('temperature.spread');
  for (const v of [-40, -2, 0, 5, 1e6]) spread.add(v);
  // An explicit-bucket histogram without a sum, likewise (chronoq sent sum 0).
  const change = meter.createUpDownCounter('queue.change');
  for (const v of [-3, 12]) change.add(v);
  provider.getMeter('other').createObservableGauge('queue.depth').addCallback((r) => r.observe(4, { queue: 'orders' }));
  const { resourceMetrics } = await reader.collect();
  const stock = Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
  const { samples, unsupported } = fromResourceMetrics(resourceMetrics);
  assert.equal(unsupported, []);
  assert.equal(samples.filter((s) => s.kind === 'exponential-histogram').map((s) => s.name), ['payload.size', 'temperature.spread']);
  const spreadValue = samples.find((s) => s.name === 'temperature.spread')!.value as ExponentialHistogramValue;
  assert.equal([spreadValue.count, spreadValue.sum, spreadValue.negative.bucketCounts.length > 0, spreadValue.zeroCount], [5, undefined, true, 1]);
  assert.equal(samples.map((s) => validateSample(s)).filter(isLeft), [], 'each is a valid sample (the pipeline validates what it is given)');
  assert.ok(encodeBatch(samples, {}).equals(stock), 'the same bytes');
  // The off-thread encoder's columns carry the same.
  const back = createBatchUnpacker()(createBatchPacker().pack(samples)!);
  assert.ok(encodeBatch(back, {}).equals(stock), 'the same bytes after packing for the worker');
  // And so does a sample written to the spool or a dead-letter file and read back.
  assert.ok(encodeBatch(samples.map((s) => (parseSampleLine(toJsonLine(s)) as { right: Sample }).right), {}).equals(stock), 'the same bytes read back from JSON');
  await provider.shutdown();
});

test('ChronoqMetricExporter: export answers SUCCESS, forceFlush waits for delivery, points keep their collection time', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const exporter = new ChronoqMetricExporter({ sink: { type: 'ndjson', path: out }, reorder: { maxDelayMs: 50 }, deadLetter: { path: join(dir, 'dead.ndjson') } });
  const { provider, reader } = appProvider();
  const collected: ResourceMetrics[] = [];
  for (let i = 0; i < 3; i++) {
    const { resourceMetrics } = await reader.collect();
    collected.push(resourceMetrics);
    const code = await new Promise<number>((resolve) => exporter.export(resourceMetrics, (r) => resolve(r.code)));
    assert.is(code, 0, 'SUCCESS');
  }
  await exporter.forceFlush();
  const want = collected.flatMap((rm) => fromResourceMetrics(rm).samples.map((s) => `${s.name}@${s.timeUnixNano}`)).sort();
  const got = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; timeUnixNano: string }).map((s) => `${s.name}@${s.timeUnixNano}`).sort();
  assert.equal(got, want);
  await exporter.shutdown();
  await provider.shutdown();
});

test('ChronoqMetricExporter with the receiver down: provider.shutdown() through the stock periodic reader resolves, and what waited becomes dead letters', async () => {
  // Before, the reader's shutdown flushed first, our forceFlush waited 30 s and rejected, and the
  // exporter's shutdown never ran: provider.shutdown() rejected and the points were nowhere.
  const dir = tempDir();
  const dead = join(dir, 'dead.ndjson');
  const port = await freePort(); // nothing listens here
  const exporter = new ChronoqMetricExporter({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 200 },
    reorder: { maxDelayMs: 0 }, deadLetter: { path: dead },
    delivery: { shutdownDeadlineMs: 300, retry: { initialDelayMs: 20, maxDelayMs: 50 } },
  });
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 100 })] });
  provider.getMeter('app').createCounter('requests').add(3, { route: '/' });
  await new Promise((r) => setTimeout(r, 350));
  await provider.shutdown(); // rejected before ("flush: N samples still waiting … after 30000 ms")
  const letters = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { name: string } });
  assert.ok(letters.length >= 2, `${letters.length} dead letters`);
  assert.ok(letters.every((l) => l.reason === 'shutdown' && l.item.name === 'requests'));
  assert.ok(exporter.pipeline.outstanding === 0, 'nothing left unaccounted');
});

test('ChronoqMetricExporter with a spool, the receiver down: the next start delivers the points as the SDK made them — up-down counter below zero, delta, scope and all', async () => {
  // Before, the spool read back a sample without its scope, temporality and monotonicity: the
  // up-down counter came back a monotonic counter, and below zero it did not come back at all.
  const dir = tempDir();
  const spool = { path: join(dir, 'spool.db') };
  const port = await freePort(); // nothing listens here
  const exporter = new ChronoqMetricExporter({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 200 },
    reorder: { maxDelayMs: 0 }, spool, deadLetter: { path: join(dir, 'dead.ndjson') },
    delivery: { shutdownDeadlineMs: 300, retry: { initialDelayMs: 20, maxDelayMs: 50 } },
  });
  const { provider, reader } = appProvider();
  const collected = await reader.collect();
  assert.is(await new Promise((r) => exporter.export(collected.resourceMetrics, (x) => r(x.code))), 0);
  // A delta sum, as an application may push one beside the SDK's cumulative points.
  const requests = fromResourceMetrics(collected.resourceMetrics).samples.find((s) => s.name === 'requests')!;
  exporter.pipeline.push({ ...requests, name: 'requests.delta', temporality: 'delta' });
  await exporter.shutdown();
  await provider.shutdown();

  const out = join(dir, 'out.ndjson');
  const next = createPipeline({ sink: { type: 'ndjson', path: out }, reorder: { maxDelayMs: 0 }, spool, deadLetter: { path: join(dir, 'dead.ndjson') } });
  if (isLeft(next)) return assert.unreachable();
  await next.right.flush();
  await next.right.shutdown();
  const delivered = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; value: unknown; monotonic?: boolean; temporality?: string; scope?: object });
  const byName = new Map(delivered.map((s) => [s.name, s]));
  assert.equal([...byName.keys()].sort(), ['connections', 'latency', 'queue.depth', 'requests', 'requests.delta']);
  assert.equal(byName.get('connections'), { ...byName.get('connections'), value: -2, monotonic: false, temporality: 'cumulative', scope: { name: 'app-scope', version: '1.2.3' } });
  assert.equal(byName.get('requests'), { ...byName.get('requests'), monotonic: true, scope: { name: 'app-scope', version: '1.2.3' } });
  assert.is(byName.get('requests.delta')?.temporality, 'delta');
});

test('ChronoqMetricExporter says delivery trouble and its alerts through diag, as `chronoq run` logs them: failing with the error, the breaker alert, refused samples, working again', async () => {
  // Before, export() answered SUCCESS and nothing was said: an app whose collector was gone (or
  // refused everything) saw no line at all, where the stock exporter at least logs its failures.
  const lines: string[] = [];
  const capture = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  diag.setLogger({ error: capture('error'), warn: capture('warn'), info: capture('info'), debug: () => undefined, verbose: () => undefined }, DiagLogLevel.INFO);
  const port = await freePort(); // nothing listens here yet
  const dir = tempDir();
  const exporter = new ChronoqMetricExporter({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 300 },
    reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'dead.ndjson') },
    delivery: { shutdownDeadlineMs: 300, retry: { initialDelayMs: 20, maxDelayMs: 100 }, breaker: { failureThreshold: 1, halfOpenAfterMs: 200 } },
    telemetry: { alerts: { breakerOpenSeconds: 1 } }, // decoded, and never evaluated, before
  });
  let server: Awaited<ReturnType<typeof startFakeOtlpServer>> | undefined;
  try {
    const { provider, reader } = appProvider();
    const collected = async () => (await reader.collect()).resourceMetrics;
    exporter.export(await collected(), () => undefined);
    await until('the failing line', () => lines.some((l) => /delivery to/.test(l)), 10_000);
    assert.match(lines.find((l) => /delivery to/.test(l))!, new RegExp(`^warn chronoq: delivery to otlp-grpc .*127\\.0\\.0\\.1:${port} is failing: 14 UNAVAILABLE: .*; retrying, the samples wait$`));
    await until('the breaker alert', () => lines.some((l) => /ALERT breaker-open/.test(l)), 10_000);
    assert.match(lines.find((l) => /ALERT/.test(l))!, /^error chronoq: ALERT breaker-open: circuit breaker open for \d+ s \(limit 1 s\)/);
    // The receiver comes up and refuses one sample of each batch: works again, and the refusal is an error line.
    server = await startFakeOtlpServer(() => ({ ok: true, rejected: (p) => p.name === 'connections', message: 'negative gauge not allowed' }), undefined, port);
    await until('the working-again line', () => lines.some((l) => /works again/.test(l)), 10_000);
    assert.ok(lines.some((l) => /^info chronoq: delivery to otlp-grpc .* works again \(after \d+ failed attempts?\)$/.test(l)), lines.join('\n'));
    await until('the alert to be resolved', () => lines.some((l) => /resolved breaker-open/.test(l)), 10_000);
    assert.ok(lines.some((l) => /^info chronoq: resolved breaker-open: /.test(l)));
    await until('the refusal line', () => lines.some((l) => /refused samples/.test(l)), 10_000);
    assert.match(lines.find((l) => /refused samples/.test(l))!, new RegExp(`^error chronoq: otlp-grpc .* refused samples, which are not sent again: .*negative gauge not allowed.*; they are dead letters in ${dir}/dead\\.ndjson`));
    await provider.shutdown();
  } finally {
    await exporter.shutdown();
    server?.kill();
    diag.disable();
  }
});

test("self-metrics on the app's own MeterProvider are delivered but do not count themselves", async () => {
  const dir = tempDir();
  const { provider, reader } = appProvider();
  const exporter = new ChronoqMetricExporter(
    { sink: { type: 'ndjson', path: join(dir, 'out.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'dead.ndjson') } },
    { meter: provider.getMeter('chronoq') },
  );
  let appPoints = 0;
  for (let i = 0; i < 4; i++) {
    const { resourceMetrics } = await reader.collect();
    const names = fromResourceMetrics(resourceMetrics).samples;
    appPoints += names.filter((s) => s.scope?.name !== 'chronoq').length;
    assert.ok(names.some((s) => s.name === 'chronoq.samples.in'), 'self-metrics are on the same provider');
    await new Promise((resolve) => exporter.export(resourceMetrics, resolve));
  }
  await exporter.forceFlush();
  assert.is(exporter.pipeline.stats.samplesIn, appPoints, 'only the application\'s points are counted');
  assert.is(exporter.pipeline.stats.delivered, appPoints);
  // Each delivered batch's latency, on the export latency histogram.
  const latency = fromResourceMetrics((await reader.collect()).resourceMetrics).samples.find((s) => s.name === 'chronoq.export.latency');
  assert.ok(latency !== undefined && (latency.value as { count: number }).count > 0, 'batches timed');
  // Shut down twice (a signal handler and the end of main): one drain, one report.
  const [first, second] = await Promise.all([exporter.pipeline.shutdown(), exporter.pipeline.shutdown()]);
  assert.is(first, second);
  await exporter.shutdown();
  await provider.shutdown();
});

test('options are decoded like the config file: a typo is an error, listed, not a silent default', () => {
  const r = createPipeline({ reorder: { maxDelayMS: 10 } });
  assert.ok(isLeft(r) && /did you mean 'maxDelayMs'/.test(r.left[0]!.suggestion ?? ''));
  try {
    new ChronoqMetricExporter({ sink: { type: 'otlp-grcp' } } as never);
    assert.unreachable();
  } catch (e) {
    assert.ok(isInvalidConfigError(e));
    assert.match((e as Error).message, /config\.sink\.type: expected one of 'otlp-grpc', 'ndjson', 'console', found "otlp-grcp" \(did you mean 'otlp-grpc'\?\)/);
  }
  // What only `chronoq run` acts on is an error too (it was dropped without a word): a config file's sources, a /metrics port.
  const commandOnly = createPipeline({ sources: [{ type: 'host' }, { type: 'ndjson', path: 'in.ndjson' }], telemetry: { prometheus: { port: 9464 } } });
  assert.ok(isLeft(commandOnly));
  assert.equal(commandOnly.left.map((e) => [e.path, e.found]), [['config.sources', '2 sources (host, ndjson)'], ['config.telemetry.prometheus', 'port 9464']]);
  assert.match(commandOnly.left[0]!.expected, /feed it with export\(\), push\(\) or fromObservable\(\)/);
  const one = createPipeline({ sources: [{ type: 'host' }] });
  assert.equal(isLeft(one) && one.left.map((e) => e.found), ['1 source (host)']);
});

test.run();
