/**
 * An application on the OpenTelemetry SDK (observable gauges, a counter, a histogram) exporting
 * every 500 ms through ChronoqMetricExporter, while the collector is killed for 10 s and
 * restarted: every collected point arrives, with its collection time, in order. The stock
 * OTLPMetricExporter, in the same run against the same collector, loses the outage's points.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ExportResult } from '@opentelemetry/core';
import { ChronoqMetricExporter } from '../../src/otel/ChronoqMetricExporter.js';
import { fromResourceMetrics } from '../../src/otel/fromResourceMetrics.js';
import { startCollector, readReceived } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { tempDir } from '../support/cli.js';
import { killAndRestart, sleep } from './scenarios.js';

const test = suite('e2e: OpenTelemetry SDK app → ChronoqMetricExporter → real collector');
const binary = collectorOrSkip('e2e OpenTelemetry bridge');
const it = binary === undefined ? test.skip : test;

/** Records every point the SDK collected and handed to the exporter, as "service|name|attrs@time". */
class Recording implements PushMetricExporter {
  readonly points: string[] = [];
  constructor(private readonly inner: PushMetricExporter) {}
  export(m: ResourceMetrics, cb: (r: ExportResult) => void) {
    for (const s of fromResourceMetrics(m).samples) this.points.push(key(String(s.resource?.['service.name']), s.name, JSON.stringify(s.attributes), s.timeUnixNano));
    this.inner.export(m, cb);
  }
  forceFlush() {
    return this.inner.forceFlush();
  }
  shutdown() {
    return this.inner.shutdown();
  }
}
const key = (service: string, name: string, attrs: string, t: bigint) => `${service}|${name}|${attrs}@${t}`;

const app = (service: string, exporter: PushMetricExporter) => {
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 500, exportTimeoutMillis: 500 })] });
  const meter = provider.getMeter('app');
  let depth = 0;
  meter.createObservableGauge('queue.depth').addCallback((r) => r.observe(depth++ % 50, { queue: 'orders' }));
  meter.createObservableGauge('cpu').addCallback((r) => r.observe(Math.random()));
  const counter = meter.createCounter('requests');
  const histogram = meter.createHistogram('latency', { unit: 'ms' });
  return { provider, tick: () => (counter.add(1, { route: '/' }), histogram.record(Math.random() * 100, { route: '/' })) };
};

it('every collected point arrives with its collection time, in order; the stock exporter loses the outage', async () => {
  const c = await startCollector(binary!);
  try {
    const dir = tempDir();
    const chronoq = new Recording(new ChronoqMetricExporter({
      sink: { type: 'otlp-grpc', endpoint: c.endpoint, timeoutMs: 1_000 },
      reorder: { maxDelayMs: 200 },
      delivery: { retry: { initialDelayMs: 100, maxDelayMs: 1_000 }, breaker: { failureThreshold: 3, halfOpenAfterMs: 500, maxHalfOpenAfterMs: 1_000 } },
      deadLetter: { path: join(dir, 'dead.ndjson') },
    }));
    const stock = new Recording(new OTLPMetricExporter({ url: c.endpoint, timeoutMillis: 1_000 }));
    const a = app('with-chronoq', chronoq);
    const b = app('with-stock', stock);
    const ticker = setInterval(() => (a.tick(), b.tick()), 50);
    await killAndRestart(2_000, 10_000)(c);
    await sleep(4_000);
    clearInterval(ticker);
    await a.provider.forceFlush();
    await a.provider.shutdown();
    await b.provider.shutdown().catch(() => undefined);
    await sleep(500);

    const received = readReceived(c.output);
    const arrived = new Set<string>();
    const lastBySeries = new Map<string, bigint>();
    let inversions = 0;
    for (const p of received) {
      // received series: name|resource|attrs — rebuild the same key shape as Recording
      const [name, resource, attrs] = p.series.split('|') as [string, string, string];
      const service = (JSON.parse(resource) as [string, string][]).find(([k]) => k === 'service.name')?.[1] ?? '';
      const attrObj = Object.fromEntries(JSON.parse(attrs) as [string, unknown][]);
      const k = key(service, name, JSON.stringify(attrObj), p.timeUnixNano);
      if (arrived.has(k)) continue;
      arrived.add(k);
      const prev = lastBySeries.get(p.series);
      if (prev !== undefined && p.timeUnixNano < prev) inversions++;
      if (prev === undefined || p.timeUnixNano > prev) lastBySeries.set(p.series, p.timeUnixNano);
    }
    const norm = (k: string) => { const [head, t] = k.split('@'); const [svc, name, attrs] = head!.split('|'); const o = JSON.parse(attrs!) as Record<string, unknown>; return key(svc!, name!, JSON.stringify(Object.fromEntries(Object.entries(o).sort())), BigInt(t!)); };
    const arrivedNorm = new Set([...arrived].map(norm));
    const lostChronoq = chronoq.points.map(norm).filter((k) => !arrivedNorm.has(k));
    const lostStock = stock.points.map(norm).filter((k) => !arrivedNorm.has(k));
    console.log(`\nSDK app, 10 s outage: ChronoqMetricExporter collected ${chronoq.points.length}, lost ${lostChronoq.length}; stock OTLPMetricExporter collected ${stock.points.length}, lost ${lostStock.length}; inversions ${inversions}`);
    assert.ok(chronoq.points.length > 100);
    assert.equal(lostChronoq, [], 'every point collected through chronoq arrived with its collection time');
    assert.is(inversions, 0);
    assert.ok(lostStock.length > 0, 'the stock exporter lost the outage');
  } finally {
    await c.stop();
  }
});

test.run();
