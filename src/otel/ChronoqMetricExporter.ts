/**
 * A drop-in PushMetricExporter for applications already on the OpenTelemetry SDK: replace
 * `new OTLPMetricExporter(...)` by `new ChronoqMetricExporter({ sink: { type: 'otlp-grpc', ... } })`.
 * Every collected data point keeps its collection time, goes through chronoq's skew check,
 * reorder buffer and ordered, retried delivery, and `export()` answers SUCCESS once the samples are
 * accepted — never FAILED because the collector is down (then they wait, or become dead letters).
 */
import { type PushMetricExporter, type ResourceMetrics, type AggregationTemporality, type InstrumentType, type AggregationOption, type AggregationSelector, AggregationType } from '@opentelemetry/sdk-metrics';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { isLeft } from 'fp-ts/lib/Either.js';
import { diag } from '@opentelemetry/api';
import { createPipeline, decodeOptions, type PipelineHandle, type PipelineOptions, type HandleDeps } from './createPipeline.js';
import { type TemporalityPreference, type TemporalitySelector, temporalityPreferenceOf, temporalitySelector } from './temporality.js';
import { formatConfigError, type ConfigError } from '../config/errors.js';
import { fromResourceMetrics } from './fromResourceMetrics.js';
import { totalDeadLetters } from '../stats.js';

const INVALID_CONFIG = Symbol.for('chronoq.InvalidConfigError');

/** The exporter's options did not decode; `errors` lists every problem. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError';
  readonly [INVALID_CONFIG] = true;
  constructor(readonly errors: readonly ConfigError[]) {
    super(`invalid chronoq options:\n${errors.map(formatConfigError).join('\n')}`);
  }
}
export const isInvalidConfigError = (e: unknown): e is InvalidConfigError =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[INVALID_CONFIG] === true;

/**
 * The options: the config file's (PipelineOptions), and the two the stock OTLPMetricExporter takes
 * for the SDK, with the same meaning, so an application that sets them keeps them when it swaps.
 */
export type ChronoqMetricExporterOptions = PipelineOptions & {
  /**
   * The temporality asked for per instrument (temporality.ts): 'cumulative' | 'delta' |
   * 'lowmemory', or the stock exporter's AggregationTemporalityPreference; over
   * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
   */
  readonly temporalityPreference?: TemporalityPreference | number;
  /** The aggregation per instrument type, e.g. exponential histograms (default: the SDK's default). */
  readonly aggregationPreference?: AggregationSelector;
};

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });

export class ChronoqMetricExporter implements PushMetricExporter {
  readonly pipeline: PipelineHandle;
  private shutDown = false;
  private readonly warned = new Set<string>();
  /** Samples settled (delivered or dead-lettered) when the last forceFlush gave up; undefined after one that did not. */
  private settledWhenFlushGaveUp: number | undefined;
  private readonly temporality: TemporalitySelector;
  private readonly aggregation: AggregationSelector;

  /**
   * Throws InvalidConfigError for options that do not decode (use createPipeline for an Either),
   * and for a temporality preference (given, or in the environment) that is none of the three.
   */
  constructor(options: ChronoqMetricExporterOptions = {}, deps: HandleDeps = {}) {
    const { temporalityPreference, aggregationPreference, ...pipelineOptions } = options ?? {};
    const preference = temporalityPreferenceOf(temporalityPreference, process.env);
    const aggregationError = aggregationPreference === undefined || typeof aggregationPreference === 'function' ? [] : [{ path: 'config.aggregationPreference', expected: 'a function of the instrument type', found: typeof aggregationPreference }];
    if (isLeft(preference) || aggregationError.length > 0) {
      const decoded = decodeOptions(pipelineOptions);
      throw new InvalidConfigError([...(isLeft(decoded) ? decoded.left : []), ...(isLeft(preference) ? [preference.left] : []), ...aggregationError]);
    }
    this.temporality = temporalitySelector(preference.right);
    this.aggregation = aggregationPreference ?? (() => DEFAULT_AGGREGATION);
    const handle = createPipeline(pipelineOptions, deps);
    if (isLeft(handle)) throw new InvalidConfigError(handle.left);
    this.pipeline = handle.right;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    if (this.shutDown) return resultCallback({ code: ExportResultCode.FAILED, error: new Error('ChronoqMetricExporter is shut down') });
    const { samples, unsupported } = fromResourceMetrics(metrics);
    for (const name of unsupported) {
      if (this.warned.has(name)) continue;
      this.warned.add(name);
      diag.warn(`chronoq: metric ${name} has a data point type chronoq has no sample form for; its points are not exported`);
    }
    for (const s of samples) this.pipeline.push(s);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /**
   * Waits until everything exported so far is delivered or dead-lettered, for at most
   * delivery.shutdownDeadlineMs without progress; then resolves anyway, with a diag warning: the
   * samples are safe in chronoq, and `shutdown` spools or dead-letters what is left. It never
   * rejects: PeriodicExportingMetricReader's shutdown flushes first and stops at a rejection, so
   * with the receiver down `provider.shutdown()` waited 30 s, rejected, and never reached the
   * exporter's shutdown — the app exited with its samples in neither the receiver nor a dead letter.
   */
  async forceFlush(): Promise<void> {
    try {
      await this.pipeline.flush(this.pipeline.config.delivery.shutdownDeadlineMs);
      this.settledWhenFlushGaveUp = undefined;
    } catch (e) {
      this.settledWhenFlushGaveUp = this.settled();
      diag.warn(`chronoq: ${(e as Error).message}; they stay queued (shutdown spools or dead-letters what is left)`);
    }
  }

  /**
   * Drains for at most delivery.shutdownDeadlineMs, then spools or dead-letters the rest — at once
   * when the last forceFlush gave up and nothing was settled since: the stock reader's shutdown
   * is a forceFlush and then this, and with the receiver down the two waited a deadline each
   * (20 s with the defaults) where one deadline without progress says all there is to say.
   */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    const stalled = this.settledWhenFlushGaveUp !== undefined && this.settled() === this.settledWhenFlushGaveUp;
    await this.pipeline.shutdown(stalled ? 0 : this.pipeline.config.delivery.shutdownDeadlineMs);
  }

  private settled(): number {
    return this.pipeline.stats.delivered + totalDeadLetters(this.pipeline.stats);
  }

  /**
   * Cumulative unless `temporalityPreference` or OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
   * says delta or lowmemory (temporality.ts): cumulative suits OTLP receivers and Prometheus, and a
   * resent duplicate of a cumulative point is harmless, where a delta's is counted twice.
   */
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporality(instrumentType);
  }

  /** `aggregationPreference`'s choice (PeriodicExportingMetricReader asks), else the SDK's default. */
  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.aggregation(instrumentType);
  }
}
