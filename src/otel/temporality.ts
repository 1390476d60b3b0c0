/**
 * Which temporality ChronoqMetricExporter asks the SDK for, per instrument: as the OTLP exporter
 * specification has it for OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, read as the stock
 * OTLPMetricExporter reads it (case-insensitive, default cumulative). Before, chronoq always asked
 * for cumulative: an application configured for a backend that takes only deltas (Dynatrace) had
 * every counter refused there once it swapped exporters. An unknown value is a config error (the
 * stock exporter warns and falls back to cumulative, which such a backend then refuses).
 *
 * | instrument                | cumulative | delta      | lowmemory  |
 * | Counter, Histogram        | cumulative | delta      | delta      |
 * | ObservableCounter, Gauges | cumulative | delta      | cumulative |
 * | UpDownCounters            | cumulative | cumulative | cumulative |
 * (A delta gauge reports only what was recorded since the last collection.)
 */
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import type { ConfigError } from '../config/errors.js';

export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export type TemporalitySelector = (instrumentType: InstrumentType) => AggregationTemporality;

const VARIABLE = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
const PREFERENCES: readonly string[] = ['cumulative', 'delta', 'lowmemory'] satisfies TemporalityPreference[];

export const temporalityPreferenceFromEnv = (env: Readonly<Record<string, string | undefined>>): Either<ConfigError, TemporalityPreference> => {
  const value = (env[VARIABLE] ?? '').trim().toLowerCase() || 'cumulative';
  return PREFERENCES.includes(value)
    ? right(value as TemporalityPreference)
    : left({ path: `environment ${VARIABLE}`, expected: 'cumulative, delta or lowmemory', found: JSON.stringify(env[VARIABLE]) });
};

/**
 * The stock exporter's enum values for its `temporalityPreference` option: AggregationTemporalityPreference
 * (DELTA 0, CUMULATIVE 1, LOWMEMORY 2), or AggregationTemporality (DELTA 0, CUMULATIVE 1), which agree.
 */
const BY_ENUM_VALUE: readonly TemporalityPreference[] = ['delta', 'cumulative', 'lowmemory'];

/**
 * The preference given in code — a name as the variable takes it, or the stock exporter's enum
 * value — else the environment's; given in code, the variable is not read (as the stock exporter
 * does it).
 */
export const temporalityPreferenceOf = (option: unknown, env: Readonly<Record<string, string | undefined>>): Either<ConfigError, TemporalityPreference> => {
  if (option === undefined || option === null) return temporalityPreferenceFromEnv(env);
  const named = typeof option === 'string' ? option.trim().toLowerCase() : typeof option === 'number' ? BY_ENUM_VALUE[option] : undefined;
  return named !== undefined && PREFERENCES.includes(named)
    ? right(named as TemporalityPreference)
    : left({ path: 'config.temporalityPreference', expected: "'cumulative', 'delta' or 'lowmemory' (or AggregationTemporalityPreference)", found: typeof option === 'string' ? JSON.stringify(option) : String(option) });
};

/** Instruments asked for deltas under each preference (every other one: cumulative). */
const DELTA_UNDER: Readonly<Record<TemporalityPreference, readonly InstrumentType[]>> = {
  cumulative: [],
  delta: [InstrumentType.COUNTER, InstrumentType.OBSERVABLE_COUNTER, InstrumentType.HISTOGRAM, InstrumentType.GAUGE, InstrumentType.OBSERVABLE_GAUGE],
  lowmemory: [InstrumentType.COUNTER, InstrumentType.HISTOGRAM],
};

export const temporalitySelector = (preference: TemporalityPreference): TemporalitySelector => (instrumentType) =>
  DELTA_UNDER[preference].includes(instrumentType) ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
