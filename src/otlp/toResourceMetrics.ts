/**
 * Samples → OpenTelemetry SDK `ResourceMetrics`, hand-built so that every data point keeps its
 * sample's time exactly: endTime is `timeUnixNano`, startTime is `startTimeUnixNano ?? timeUnixNano`
 * (as HrTime, which the official serializer writes back as the same nanoseconds).
 * Grouped by resource, then by metric (name, kind, unit). gauge → GAUGE, sum → SUM (monotonic,
 * cumulative), histogram → HISTOGRAM; a metric is INT when every value in the batch is a safe
 * integer, else DOUBLE.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics, type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { type AttrValue, type Attributes, type HistogramValue, type Sample, canonicalAttributes } from '../sample.js';
import { splitSecondsNanos } from '../timeKey.js';

export interface InstrumentationScopeInfo {
  readonly name: string;
  readonly version?: string;
}

export const CHRONOQ_SCOPE: InstrumentationScopeInfo = { name: 'chronoq', version: '0.1.0' };
const NS_PER_S = 1_000_000_000n;

/** Exact HrTime of a nanosecond time (number arithmetic for 0 ≤ t < 2⁶³, bigint otherwise). */
export const toHrTime = (ns: bigint): HrTime => (ns >= 0n ? splitSecondsNanos(ns) : [Number(ns / NS_PER_S), Number(ns % NS_PER_S)]);

const histogramPoint = (h: HistogramValue) => ({
  buckets: { boundaries: [...h.boundaries], counts: [...h.counts] },
  sum: h.sum,
  count: h.count,
  ...(h.min !== undefined && h.max !== undefined ? { min: h.min, max: h.max, hasMinMax: true } : { hasMinMax: false }),
});

const toMetric = (samples: readonly Sample[]): MetricData => {
  const first = samples[0]!;
  const points = samples.map((s) => {
    const endTime = toHrTime(s.timeUnixNano);
    const startTime = s.startTimeUnixNano === undefined ? endTime : toHrTime(s.startTimeUnixNano);
    // The serializer only reads attributes: the sample's own (frozen-by-contract) object is passed.
    return { startTime, endTime, attributes: s.attributes as Record<string, AttrValue>, value: s.value };
  });
  const allInts = samples.every((s) => typeof s.value === 'number' && Number.isSafeInteger(s.value));
  const descriptor = {
    name: first.name,
    description: first.description ?? '',
    unit: first.unit ?? '',
    valueType: allInts ? ValueType.INT : ValueType.DOUBLE,
  };
  const aggregationTemporality = first.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  switch (first.kind) {
    case 'gauge':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: points as DataPoint<number>[] };
    case 'sum':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: first.monotonic ?? true, dataPoints: points as DataPoint<number>[] };
    case 'histogram':
      return {
        descriptor: { ...descriptor, valueType: ValueType.DOUBLE },
        aggregationTemporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: points.map((p) => ({ ...p, value: histogramPoint(p.value as HistogramValue) })),
      };
  }
};

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [item]);
    else g.push(item);
  }
  return groups;
};

/** One ResourceMetrics per distinct resource in the batch (a sample's own, else `resource`). */
export const toResourceMetrics = (
  batch: readonly Sample[],
  resource: Attributes = {},
  scope: InstrumentationScopeInfo = CHRONOQ_SCOPE,
): ResourceMetrics[] => {
  const byResource = groupBy(batch, (s) => (s.resource === undefined ? '' : canonicalAttributes(s.resource)));
  return [...byResource.values()].map((samples) => {
    const byScope = groupBy(samples, (s) => (s.scope === undefined ? '' : `${s.scope.name}\u0000${s.scope.version ?? ''}`));
    return {
      resource: resourceFromAttributes({ ...(samples[0]!.resource ?? resource) }),
      scopeMetrics: [...byScope.values()].map((inScope) => {
        const byMetric = groupBy(inScope, (s) => `${s.name}\u0000${s.kind}\u0000${s.unit ?? ''}\u0000${s.temporality ?? ''}\u0000${s.monotonic ?? ''}`);
        return { scope: { ...(inScope[0]!.scope ?? scope) }, metrics: [...byMetric.values()].map(toMetric) };
      }),
    };
  });
};
