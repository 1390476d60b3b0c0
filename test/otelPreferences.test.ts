/**
 * What ChronoqMetricExporter asks the SDK for — temporality and aggregation per instrument — as the
 * stock OTLPMetricExporter does: from OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, or from
 * the `temporalityPreference` and `aggregationPreference` options given in code.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AggregationTemporality, AggregationType, InstrumentType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { formatConfigError } from '../src/config/errors.js';
import { ChronoqMetricExporter, isInvalidConfigError } from '../src/otel/ChronoqMetricExporter.js';
import { tempDir } from './support/cli.js';

const test = suite('ChronoqMetricExporter: temporality and aggregation');

const TEMPORALITY_VARIABLE = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';

/** Runs `body` with exporter options writing NDJSON into a fresh directory, and puts the temporality variable back as it was. */
const withTemporalityVariable = async (body: (options: { readonly sink: { readonly type: 'ndjson'; readonly path: string }; readonly reorder: { readonly maxDelayMs: 0 }; readonly deadLetter: { readonly path: string } }, dir: string) => Promise<void>): Promise<void> => {
  const saved = process.env[TEMPORALITY_VARIABLE];
  const dir = tempDir();
  try {
    await body({ sink: { type: 'ndjson', path: join(dir, 'out.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'dead.ndjson') } }, dir);
  } finally {
    if (saved === undefined) delete process.env[TEMPORALITY_VARIABLE];
    else process.env[TEMPORALITY_VARIABLE] = saved;
  }
};

test('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: the temporality the stock exporter asks for, per instrument; deltas delivered as deltas; an unknown value refused', () =>
  // Before, chronoq always asked for cumulative: a backend that takes only deltas refused every counter.
  withTemporalityVariable(async (options, dir) => {
    const variable = TEMPORALITY_VARIABLE;
    for (const preference of [undefined, 'cumulative', 'delta', 'LowMemory']) {
      if (preference === undefined) delete process.env[variable];
      else process.env[variable] = preference;
      const stock = new OTLPMetricExporter();
      const ours = new ChronoqMetricExporter(options);
      for (const type of Object.values(InstrumentType)) assert.is(ours.selectAggregationTemporality(type), stock.selectAggregationTemporality(type), `${preference} ${type}`);
      await Promise.all([ours.shutdown(), stock.shutdown()]);
    }
    process.env[variable] = 'delta';
    const exporter = new ChronoqMetricExporter(options);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const requests = provider.getMeter('app').createCounter('requests');
    requests.add(3);
    await provider.forceFlush();
    requests.add(4);
    await provider.forceFlush();
    await provider.shutdown();
    const points = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; value: number; temporality?: string });
    assert.equal(points.filter((p) => p.name === 'requests').map((p) => [p.value, p.temporality]), [[3, 'delta'], [4, 'delta']]);
    process.env[variable] = 'deltas';
    assert.throws(() => new ChronoqMetricExporter(options), (e: unknown) => isInvalidConfigError(e) && e.errors.map(formatConfigError).join() === 'environment OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: expected cumulative, delta or lowmemory, found "deltas"');
  }),
);

test('temporalityPreference and aggregationPreference in code, as the stock exporter takes them: the same choice per instrument, over the environment; exponential histograms delivered; a wrong one refused', () =>
  // Before, the exporter had neither: an application that set them for the stock exporter lost
  // them in the swap (deltas for a delta-only backend; exponential histograms).
  withTemporalityVariable(async (options, dir) => {
    const variable = TEMPORALITY_VARIABLE;
    process.env[variable] = 'deltas'; // not read when the preference is given in code (nor by the stock exporter)
    // AggregationTemporality.DELTA / CUMULATIVE (0, 1) are AggregationTemporalityPreference's DELTA / CUMULATIVE; 2 is its LOWMEMORY.
    for (const [ours, stocks] of [['delta', AggregationTemporality.DELTA], ['lowmemory', 2], [AggregationTemporality.CUMULATIVE, AggregationTemporality.CUMULATIVE], [2, 2], [AggregationTemporality.DELTA, AggregationTemporality.DELTA]] as const) {
      const stock = new OTLPMetricExporter({ temporalityPreference: stocks });
      const exporter = new ChronoqMetricExporter({ ...options, temporalityPreference: ours });
      for (const type of Object.values(InstrumentType)) assert.is(exporter.selectAggregationTemporality(type), stock.selectAggregationTemporality(type), `${ours} ${type}`);
      await Promise.all([exporter.shutdown(), stock.shutdown()]);
    }
    process.env[variable] = 'delta';
    const overEnv = new ChronoqMetricExporter({ ...options, temporalityPreference: 'cumulative' });
    assert.is(overEnv.selectAggregationTemporality(InstrumentType.COUNTER), AggregationTemporality.CUMULATIVE, 'given in code, over the environment');
    await overEnv.shutdown();
    // null, as JavaScript callers write "not given": the environment's, as the stock exporter reads it.
    const nullOption = new ChronoqMetricExporter({ ...options, temporalityPreference: null as unknown as undefined });
    const stockNull = new OTLPMetricExporter({ temporalityPreference: null as unknown as undefined });
    assert.equal([nullOption.selectAggregationTemporality(InstrumentType.COUNTER), stockNull.selectAggregationTemporality(InstrumentType.COUNTER)], [AggregationTemporality.DELTA, AggregationTemporality.DELTA]);
    await Promise.all([nullOption.shutdown(), stockNull.shutdown()]);
    delete process.env[variable];
    const refused = (o: object, message: string) =>
      assert.throws(() => new ChronoqMetricExporter({ ...options, ...o }), (e: unknown) => isInvalidConfigError(e) && e.errors.map(formatConfigError).join() === message);
    refused({ temporalityPreference: 'deltas' }, `config.temporalityPreference: expected 'cumulative', 'delta' or 'lowmemory' (or AggregationTemporalityPreference), found "deltas"`);
    refused({ temporalityPreference: 7 }, `config.temporalityPreference: expected 'cumulative', 'delta' or 'lowmemory' (or AggregationTemporalityPreference), found 7`);
    refused({ aggregationPreference: 'exponential' }, 'config.aggregationPreference: expected a function of the instrument type, found string');
    // Every error at once: the options' own with the preference's.
    refused({ temporalityPreference: 'deltas', batch: { maxSize: 0 } }, `config.batch.maxSize: expected a positive integer, found number 0,config.temporalityPreference: expected 'cumulative', 'delta' or 'lowmemory' (or AggregationTemporalityPreference), found "deltas"`);

    const plain = new ChronoqMetricExporter(options);
    const stock = new OTLPMetricExporter();
    for (const type of Object.values(InstrumentType)) assert.equal(plain.selectAggregation(type), stock.selectAggregation(type), `default ${type}`);
    await Promise.all([plain.shutdown(), stock.shutdown()]);
    const exponential = (type: InstrumentType) => (type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT });
    const exporter = new ChronoqMetricExporter({ ...options, aggregationPreference: exponential });
    const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })] });
    const latency = provider.getMeter('app').createHistogram('latency');
    for (const v of [1, 2, 4, 8]) latency.record(v);
    await provider.shutdown(); // collects once, and delivers
    const points = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; kind: string; value: { count: number } });
    assert.equal(points.filter((p) => p.name === 'latency').map((p) => [p.kind, p.value.count]), [['exponential-histogram', 4]]);
  }),
);

test.run();
