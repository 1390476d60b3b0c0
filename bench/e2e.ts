/**
 * Whole-pipeline throughput into a real collector (nop exporter): samples/s from an in-memory
 * source through detectClockSkew → reorderByEventTime → deliverOrdered → otlpGrpcSink, against the
 * raw OTLPMetricExporter exporting the identical pre-built batches to the same collector in the
 * same run (same number of requests in flight). Prints both and the ratio. Not a test.
 *   npx tsx bench/e2e.ts [--quick]
 */
import { Observable, lastValueFrom, toArray } from 'rxjs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import { routed } from '../src/routed.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { toResourceMetrics } from '../src/otlp/toResourceMetrics.js';
import { findCollector, startCollector } from '../test/support/collector.js';
import { workload } from './workload.js';
import type { Sample } from '../src/sample.js';

const quick = process.argv.includes('--quick');
const total = quick ? 60_000 : 400_000;
const batchSize = 1_000;
const inFlight = 4;
const resource = { 'service.name': 'bench' };

/**
 * An in-memory source that emits `chunk` samples at a time, yielding to the event loop
 * (setImmediate) between chunks as a live stream would, so pipeline work overlaps the requests in
 * flight. A plain loop: built from bufferCount + concatMap + from, the source's own plumbing cost
 * ~100 ns a sample, which is no part of chronoq.
 */
const inMemorySource = (items: readonly Sample[], chunk: number) =>
  new Observable<Sample>((subscriber) => {
    let next = 0;
    let handle: ReturnType<typeof setImmediate> | undefined;
    const step = (): void => {
      const end = Math.min(next + chunk, items.length);
      while (next < end && !subscriber.closed) subscriber.next(items[next++]!);
      if (next < items.length) handle = setImmediate(step);
      else subscriber.complete();
    };
    handle = setImmediate(step);
    return () => clearImmediate(handle);
  });

const found = findCollector();
if (!('path' in found)) throw new Error(found.missing);
const collector = await startCollector(found.path, { exporter: 'nop' });
try {
  const samples = workload({ total, series: 100, hz: 10, disorderMs: 0, seed: 7 }).map((a) => a.sample);
  const batches = Array.from({ length: Math.ceil(total / batchSize) }, (_, i) => samples.slice(i * batchSize, (i + 1) * batchSize));

  const raw = async (): Promise<number> => {
    const exporter = new OTLPMetricExporter({ url: collector.endpoint });
    const prebuilt = batches.map((b) => toResourceMetrics(b, resource)[0]!);
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < prebuilt.length) {
        const rm = prebuilt[next++]!;
        await new Promise<void>((resolve, reject) => exporter.export(rm, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error))));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const ms = performance.now() - t0;
    await exporter.shutdown();
    return (total / ms) * 1000;
  };

  const chronoq = async (): Promise<number> => {
    const sink = otlpGrpcSink({ endpoint: collector.endpoint, resource });
    const t0 = performance.now();
    const out = await lastValueFrom(
      inMemorySource(samples, 2_000).pipe(
        routed(),
        detectClockSkew({ stampedLocally: false, maxPastMs: 10 * 365 * 86_400_000 }),
        reorderByEventTime({ maxDelayMs: 0 }),
        deliverOrdered(sink.send, { lanes: inFlight, batch: { maxSize: batchSize, maxDelayMs: 50 }, maxQueued: total }),
        toArray(),
      ),
    );
    const ms = performance.now() - t0;
    sink.shutdown();
    const delivered = out.reduce((n, r) => n + (r._tag === 'Right' ? r.right.samples.length : 0), 0);
    if (delivered !== total) throw new Error(`chronoq delivered ${delivered} of ${total}`);
    return (total / ms) * 1000;
  };

  await raw();
  await chronoq(); // warm-up of both paths
  // Alternating pairs; the machine's speed drifts by ±20 % within minutes, so each pair is
  // compared in itself and the medians are reported.
  const pairs = quick ? 3 : 7;
  const rawRates: number[] = [];
  const chronoqRates: number[] = [];
  for (let i = 0; i < pairs; i++) {
    rawRates.push(await raw());
    chronoqRates.push(await chronoq());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = rawRates.map((r, i) => chronoqRates[i]! / r);
  const kps = (x: number) => `${(x / 1000).toFixed(1)} k samples/s`;
  console.log(`\nwhole pipeline into a real collector (nop exporter), ${total} samples, batches of ${batchSize}, ${inFlight} in flight, median of ${pairs} alternating pairs`);
  console.log(`  raw OTLPMetricExporter (pre-built batches)   ${kps(median(rawRates))}`);
  console.log(`  chronoq pipeline                             ${kps(median(chronoqRates))}`);
  console.log(`  ratio chronoq / raw                          ${median(ratios).toFixed(2)}  (pairs: ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
} finally {
  await collector.stop();
}
