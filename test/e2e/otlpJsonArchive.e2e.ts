/**
 * A Collector's archive sent on through chronoq: an application on the OpenTelemetry SDK exports
 * through the stock OTLPMetricExporter to collector A, whose file exporter writes OTLP/JSON lines;
 * `chronoq run` reads that file with an NDJSON source and sends it to collector B. B receives
 * every data point A did — resource, scope, metric, attributes, times to the nanosecond, values,
 * buckets, temporality — each series in order. Before, each of those lines was one dead letter
 * `invalid` ("a sample needs timeUnixNano").
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { runCli, tempDir, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: a Collector file exporter archive → chronoq run → real collector');
const binary = collectorOrSkip('e2e OTLP/JSON archive');
const it = binary === undefined ? test.skip : test;

type Json = Record<string, unknown>;
const sortedAttrs = (a: unknown) => [...((a as Json[] | undefined) ?? [])].sort((x, y) => String(x['key']).localeCompare(String(y['key'])));

/** Every data point of a file exporter's output as one text holding all it says, with its series and time, in file order. */
const pointsOf = (file: string): { text: string; series: string; time: bigint }[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((line) =>
    ((JSON.parse(line) as Json)['resourceMetrics'] as Json[]).flatMap((rm) =>
      ((rm['scopeMetrics'] as Json[] | undefined) ?? []).flatMap((sm) =>
        ((sm['metrics'] as Json[] | undefined) ?? []).flatMap((m) => {
          const type = ['gauge', 'sum', 'histogram', 'exponentialHistogram'].find((k) => m[k] !== undefined)!;
          const { dataPoints, ...data } = m[type] as Json;
          return (dataPoints as Json[]).map((p) => {
            const series = JSON.stringify([sortedAttrs((rm['resource'] as Json)['attributes']), sm['scope'], sm['schemaUrl'], m['name'], m['unit'], m['description'], type, data, sortedAttrs(p['attributes'])]);
            return { text: JSON.stringify([series, { ...p, attributes: undefined }]), series, time: BigInt(p['timeUnixNano'] as string) };
          });
        }))));

it("every point of collector A's archive reaches collector B, exactly, each series in order", async () => {
  const a = await startCollector(binary!);
  const b = await startCollector(binary!);
  try {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'i-1' }),
      // Counters and histograms as deltas, up-down counters cumulative: both temporalities in the archive.
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: a.endpoint, temporalityPreference: AggregationTemporality.DELTA }), exportIntervalMillis: 150 })],
      views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('shop', '2.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
    let depth = 0;
    meter.createObservableGauge('queue.depth', { unit: '{item}' }).addCallback((r) => (r.observe(depth++ % 7, { queue: 'orders' }), r.observe(0.5, { queue: 'refunds' })));
    const requests = meter.createCounter('requests', { valueType: ValueType.INT });
    const inUse = meter.createUpDownCounter('connections.in_use');
    const latency = meter.createHistogram('latency', { unit: 'ms' });
    const size = meter.createHistogram('payload.size', { unit: 'By' });
    for (let i = 0; i < 12; i++) {
      requests.add(1 + (i % 3), { route: i % 2 ? '/a' : '/b', ok: i % 5 !== 0 });
      inUse.add(i % 2 ? 1 : -1, { pool: 'db' });
      latency.record(i * 3.7, { route: '/a' });
      size.record(2 ** (i % 9), { direction: 'in' });
      await sleep(100);
    }
    await provider.shutdown();
    await sleep(500);
    const archived = pointsOf(a.output);
    assert.ok(archived.length > 40, `${archived.length} points archived`);

    const dir = tempDir();
    const cfg = writeConfig(dir, [
      `sources: [{type: ndjson, path: ${a.output}}]`,
      `sink: {type: otlp-grpc, endpoint: "${b.endpoint}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`done: ${archived.length} in, ${archived.length} delivered, 0 dead-lettered`));
    await sleep(500);
    const received = pointsOf(b.output);
    console.log(`OTLP/JSON archive of the stock SDK exporter: ${archived.length} points in collector A's file, ${received.length} at collector B through chronoq`);
    assert.equal(received.map((p) => p.text).sort(), archived.map((p) => p.text).sort());
    const last = new Map<string, bigint>();
    for (const p of received) {
      assert.ok((last.get(p.series) ?? 0n) <= p.time, `in order: ${p.series}`);
      last.set(p.series, p.time);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test.run();
