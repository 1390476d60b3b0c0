/**
 * The end-to-end scenarios, shared by the e2e tests and `npm run e2e:report`: a synthetic stream
 * through detectClockSkew → reorderByEventTime → deliverOrdered → otlpGrpcSink into a real
 * collector, with a fault injected on the way; and the same outage through the stock SDK path,
 * exporting to the collector or to chronoq's otlp source in front of it.
 */
import { lastValueFrom, map, tap, toArray, timeout } from 'rxjs';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { isLeft } from 'fp-ts/lib/Either.js';
import { routed } from '../../src/routed.js';
import { detectClockSkew } from '../../operators/detectClockSkew.js';
import { reorderByEventTime } from '../../operators/reorderByEventTime.js';
import { deliverOrdered } from '../../operators/deliverOrdered.js';
import { createCircuitBreaker } from '../../src/breaker.js';
import { otlpGrpcSink } from '../../src/otlp/otlpGrpcSink.js';
import { syntheticSamples } from '../../src/sources/synthetic.js';
import type { Sample } from '../../src/sample.js';
import type { DeadLetter } from '../../src/routed.js';
import { join } from 'node:path';
import { freePort, readReceived, type Collector } from '../support/collector.js';
import { startCli, tempDir, until, writeConfig } from '../support/cli.js';
import { measure, type Measures, type SentSample } from './measure.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ChronoqRun extends Measures {
  readonly deadLetters: DeadLetter<Sample>[];
  readonly retries: number;
  /** Times the sink found the receiver silent and held its calls (its 'answers nothing' warning). */
  readonly silences: number;
}

export interface ChronoqScenario {
  readonly collector: Collector;
  readonly series: number;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Runs alongside the stream (fault injection); awaited before draining ends. */
  readonly fault?: (c: Collector) => Promise<void>;
  /** Changes samples on their way in (e.g. makes one the collector must refuse). */
  readonly transform?: (sample: Sample) => Sample;
  readonly timeoutMs?: number;
  /** The sink's encodeOffThread option. */
  readonly encodeOffThread?: boolean;
}

export const runChronoq = async (s: ChronoqScenario): Promise<ChronoqRun> => {
  const sink = otlpGrpcSink({ endpoint: s.collector.endpoint, timeoutMs: 2_000, resource: { 'service.name': 'chronoq-e2e' }, encodeOffThread: s.encodeOffThread ?? false });
  const breaker = createCircuitBreaker({ failureThreshold: 3, halfOpenAfterMs: 500, maxHalfOpenAfterMs: 2_000 });
  const sent: SentSample[] = [];
  let retries = 0;
  let silences = 0;
  const count = Math.round((s.series * s.ratePerSecond * s.durationMs) / 1000);
  const quiet = () => undefined;
  diag.setLogger({ error: quiet, warn: (m: string) => void (/answers nothing/.test(m) && silences++), info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const fault = s.fault?.(s.collector) ?? Promise.resolve();
  try {
    const results = await lastValueFrom(
      syntheticSamples({ series: s.series, ratePerSecond: s.ratePerSecond, count, name: 'e2e.gauge', valuePattern: 'sequence' }).pipe(
        map((x) => (s.transform ? s.transform(x) : x)),
        tap((x) => sent.push({ value: x.value as number, timeUnixNano: x.timeUnixNano })),
        routed(),
        detectClockSkew(),
        reorderByEventTime({ maxDelayMs: 20 }),
        deliverOrdered(sink.send, {
          lanes: 2,
          batch: { maxSize: 1_000, maxDelayMs: 100 },
          retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
          breaker,
          onRetry: () => retries++,
        }),
        toArray(),
        timeout(s.timeoutMs ?? 180_000),
      ),
    );
    await fault;
    const deadLetters = results.filter(isLeft).map((r) => r.left);
    const m = measure(sent, readReceived(s.collector.output), new Set(deadLetters.map((d) => d.item.value as number)));
    return { ...m, deadLetters, retries, silences };
  } finally {
    diag.disable();
    breaker.dispose();
    sink.shutdown();
  }
};

export interface StockScenario {
  readonly collector: Collector;
  readonly series: number;
  readonly intervalMs: number;
  readonly durationMs: number;
  readonly fault?: (c: Collector) => Promise<void>;
}

/**
 * The stock path: MeterProvider + PeriodicExportingMetricReader + OTLPMetricExporter with an
 * observable gauge per series, each observation a unique sequence value.
 */
export const runStock = async (s: StockScenario): Promise<Measures> =>
  measure(await stockExport(s, s.collector.endpoint), readReceived(s.collector.output), new Set());

/** The stock path exporting to `url` for the scenario's duration (its fault on the collector meanwhile): what it observed. */
const stockExport = async (s: StockScenario, url: string): Promise<SentSample[]> => {
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-grpc');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const exporter = new OTLPMetricExporter({ url, timeoutMillis: 2_000 });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: s.intervalMs, exportTimeoutMillis: Math.min(2_000, s.intervalMs) });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'stock-e2e' }), readers: [reader] });
  const sent: SentSample[] = [];
  let seq = 0;
  const gauge = provider.getMeter('stock-e2e').createObservableGauge('e2e.gauge');
  gauge.addCallback((result) => {
    for (let i = 0; i < s.series; i++) {
      const value = seq++;
      sent.push({ value });
      result.observe(value, { series: `s${i}` });
    }
  });
  const fault = s.fault?.(s.collector) ?? Promise.resolve();
  await sleep(s.durationMs);
  await fault;
  await provider.forceFlush().catch(() => undefined);
  await provider.shutdown().catch(() => undefined);
  return sent;
};

/** A `chronoq run` started by startGateway, and the port its otlp source listens on. */
export interface Gateway {
  readonly run: ReturnType<typeof startCli>;
  readonly port: number;
}

/**
 * `chronoq run` as an OTLP/gRPC gateway: an otlp source on a free loopback port, a spool and a
 * dead-letter file in a temp directory, delivering to `endpoint` (`sink`: more of the sink's keys;
 * `lines`: more of the config). Resolves once it listens; stopped if it never does.
 */
export const startGateway = async (endpoint: string, o: { readonly sink?: string; readonly lines?: readonly string[] } = {}): Promise<Gateway> => {
  const port = await freePort();
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    `sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${port}"}}}]`,
    `sink: {type: otlp-grpc, endpoint: "${endpoint}"${o.sink ?? ''}}`,
    `spool: {path: ${join(dir, 'spool.db')}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    ...(o.lines ?? []),
    '',
  ].join('\n'))]);
  try {
    await until('chronoq listens', () => /listening for OTLP\/gRPC/.test(run.stderrSoFar()));
  } catch (e) {
    run.child.kill('SIGKILL');
    throw e;
  }
  return { run, port };
};

/**
 * The same stock path exporting to `chronoq run` with an otlp source (and a spool), which delivers
 * to the collector: the application unchanged, chronoq as its local agent. Measured once chronoq
 * has drained (a stop signal, then its done line).
 */
export const runStockThroughChronoq = async (s: StockScenario): Promise<Measures> => {
  const { run, port } = await startGateway(s.collector.endpoint, {
    sink: ', timeoutMs: 2000',
    lines: ['reorder: {maxDelayMs: 200}', 'batch: {maxDelayMs: 100}', 'delivery: {breaker: {halfOpenAfterMs: 500, maxHalfOpenAfterMs: 2000}, shutdownDeadlineMs: 30000}'],
  });
  try {
    const sent = await stockExport(s, `http://127.0.0.1:${port}`);
    run.child.kill('SIGINT');
    const done = await run.result;
    if (!/done: /.test(done.stderr)) throw new Error(`chronoq did not finish: ${done.stderr.slice(-2000)}`);
    return measure(sent, readReceived(s.collector.output), new Set());
  } finally {
    run.child.kill('SIGKILL');
  }
};

/** SIGKILL the collector `atMs` in, start it again on the same port `downMs` later. */
export const killAndRestart = (atMs: number, downMs: number) => async (c: Collector): Promise<void> => {
  await sleep(atMs);
  c.signal('SIGKILL');
  await sleep(downMs);
  await c.restart();
};

/** SIGSTOP the collector `atMs` in, SIGCONT it `stoppedMs` later. */
export const stopAndContinue = (atMs: number, stoppedMs: number) => async (c: Collector): Promise<void> => {
  await sleep(atMs);
  c.signal('SIGSTOP');
  await sleep(stoppedMs);
  c.signal('SIGCONT');
};
