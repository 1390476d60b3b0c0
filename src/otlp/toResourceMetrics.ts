/**
 * Samples → OpenTelemetry SDK `ResourceMetrics`, hand-built so that every data point keeps its
 * sample's time exactly: endTime is `timeUnixNano`, startTime is `startTimeUnixNano ?? timeUnixNano`
 * (as HrTime, which the official serializer writes back as the same nanoseconds).
 * Grouped by resource, then by metric (name, kind, unit). gauge → GAUGE, sum → SUM (monotonic,
 * cumulative), histogram → HISTOGRAM; a metric is INT when every value in the batch is a safe
 * integer, else DOUBLE. A time OTLP cannot carry (outside 0 ≤ t < 2⁶⁴ ns) throws TimeOutOfRangeError
 * instead of being wrapped into another time.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics, type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { type AttrValue, type Attributes, type HistogramValue, type Sample, canonicalAttributes } from '../sample.js';
import { secondsNanosInto, secondsNanosOf } from '../timeKey.js';
import { TimeOutOfRangeError } from '../errors.js';

export interface InstrumentationScopeInfo {
  readonly name: string;
  readonly version?: string;
}

export const CHRONOQ_SCOPE: InstrumentationScopeInfo = { name: 'chronoq', version: '0.1.0' };
/** Exact HrTime of a nanosecond time. */
export const toHrTime = (ns: bigint): HrTime => secondsNanosOf(ns);

/** OTLP carries times as fixed64 nanoseconds: 0 ≤ t < 2⁶⁴. */
const OTLP_TIME_END = 1n << 64n;
/** The last time OTLP carries, as numbers (18 446 744 073 s + 709 551 615 ns). */
const [MAX_SECONDS, MAX_NANOS_AT_MAX_SECONDS] = secondsNanosOf(OTLP_TIME_END - 1n);
/** True when OTLP can carry `t` (a fixed64 of nanoseconds): 0 ≤ t < 2⁶⁴. */
export const isOtlpTime = (t: bigint): boolean => t >= 0n && t < OTLP_TIME_END;
/** True when OTLP can carry the sample's times (wireHrTimeInto would not throw for it). */
export const hasOtlpTimes = (s: Sample): boolean =>
  isOtlpTime(s.timeUnixNano) && (s.startTimeUnixNano === undefined || isOtlpTime(s.startTimeUnixNano));

/**
 * Writes the HrTime of a time OTLP can carry into `hr` and returns it; checked on the numbers, so
 * the in-range path costs two compares.
 */
export const wireHrTimeInto = (t: bigint, hr: HrTime): HrTime => {
  secondsNanosInto(t, hr);
  const [seconds, nanos] = hr;
  if (nanos >= 0 && seconds >= 0 && (seconds < MAX_SECONDS || (seconds === MAX_SECONDS && nanos <= MAX_NANOS_AT_MAX_SECONDS))) return hr;
  throw new TimeOutOfRangeError(t);
};

/** Makes the data point of one sample (its value is replaced for histograms). */
export type PointFactory = (s: Sample) => DataPoint<unknown>;

const newPoint: PointFactory = (s) => {
  const endTime = wireHrTimeInto(s.timeUnixNano, [0, 0]);
  const start = s.startTimeUnixNano;
  // The serializer only reads attributes: the sample's own (frozen-by-contract) object is passed.
  return { startTime: start === undefined ? endTime : wireHrTimeInto(start, [0, 0]), endTime, attributes: s.attributes as Record<string, AttrValue>, value: s.value };
};

const histogramPoint = (h: HistogramValue) => ({
  buckets: { boundaries: [...h.boundaries], counts: [...h.counts] },
  sum: h.sum,
  count: h.count,
  ...(h.min !== undefined && h.max !== undefined ? { min: h.min, max: h.max, hasMinMax: true } : { hasMinMax: false }),
});

/** The data points of one metric, made as its samples are grouped. */
interface MetricGroup {
  readonly first: Sample;
  readonly points: DataPoint<unknown>[];
  allInts: boolean;
}

const toMetric = ({ first, points, allInts }: MetricGroup): MetricData => {
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

/**
 * Groups items by `key`, in first-seen order, each group made by `open` from its first item and
 * filled by `add`. An item that `sameGroup` says belongs with the item before it joins that
 * item's group without computing its key: batches come in runs of the same resource, scope and
 * metric, and building a key string per sample cost more than the rest of the conversion.
 */
const groupInto = <T, G>(
  items: readonly T[],
  key: (t: T) => string,
  sameGroup: (a: T, b: T) => boolean,
  open: (first: T) => G,
  add: (group: G, item: T) => void,
): G[] => {
  const byKey = new Map<string, G>();
  const groups: G[] = [];
  let prev: T | undefined;
  let group: G | undefined;
  for (const item of items) {
    if (prev === undefined || group === undefined || !sameGroup(item, prev)) {
      const k = key(item);
      group = byKey.get(k);
      if (group === undefined) {
        group = open(item);
        byKey.set(k, group);
        groups.push(group);
      }
    }
    add(group, item);
    prev = item;
  }
  return groups;
};

/**
 * groupInto with the items themselves as each group. When every item belongs with the first (one
 * resource, one scope: the usual batch), the items are the one group and nothing is copied.
 */
const groupBy = <T>(items: readonly T[], key: (t: T) => string, sameGroup: (a: T, b: T) => boolean): (readonly T[])[] => {
  const first = items[0];
  if (first === undefined) return [];
  let i = 1;
  while (i < items.length && sameGroup(items[i]!, first)) i++;
  if (i === items.length) return [items];
  return groupInto(items, key, sameGroup, (): T[] => [], (g, item) => g.push(item));
};

/**
 * The metrics of one scope's samples: each sample's data point goes straight into its metric's
 * list, so no per-metric list of samples is built first.
 */
const toMetrics = (samples: readonly Sample[], point: PointFactory): MetricData[] =>
  groupInto(
    samples,
    metricKey,
    sameMetric,
    (first): MetricGroup => ({ first, points: [], allInts: true }),
    (group, s) => {
      group.points.push(point(s));
      if (group.allInts && !(typeof s.value === 'number' && Number.isSafeInteger(s.value))) group.allInts = false;
    },
  ).map(toMetric);

const resourceKey = (s: Sample): string => (s.resource === undefined ? '' : canonicalAttributes(s.resource));
const sameResource = (a: Sample, b: Sample): boolean => a.resource === b.resource;
const scopeKey = (s: Sample): string => (s.scope === undefined ? '' : `${s.scope.name}\u0000${s.scope.version ?? ''}`);
const sameScope = ({ scope: a }: Sample, { scope: b }: Sample): boolean =>
  a === b || (a !== undefined && b !== undefined && a.name === b.name && a.version === b.version);
const metricKey = (s: Sample): string => `${s.name}\u0000${s.kind}\u0000${s.unit ?? ''}\u0000${s.temporality ?? ''}\u0000${s.monotonic ?? ''}`;
const sameMetric = (a: Sample, b: Sample): boolean =>
  a.name === b.name && a.kind === b.kind && a.unit === b.unit && a.temporality === b.temporality && a.monotonic === b.monotonic;

/** toResourceMetrics with the data points made by `point` (the sink's encoder reuses them). */
export const buildResourceMetrics = (
  batch: readonly Sample[],
  resource: Attributes,
  scope: InstrumentationScopeInfo,
  point: PointFactory,
): ResourceMetrics[] =>
  groupBy(batch, resourceKey, sameResource).map((samples) => ({
    resource: resourceFromAttributes({ ...(samples[0]!.resource ?? resource) }),
    scopeMetrics: groupBy(samples, scopeKey, sameScope).map((inScope) => ({
      scope: { ...(inScope[0]!.scope ?? scope) },
      metrics: toMetrics(inScope, point),
    })),
  }));

/** One ResourceMetrics per distinct resource in the batch (a sample's own, else `resource`). */
export const toResourceMetrics = (
  batch: readonly Sample[],
  resource: Attributes = {},
  scope: InstrumentationScopeInfo = CHRONOQ_SCOPE,
): ResourceMetrics[] => buildResourceMetrics(batch, resource, scope, newPoint);
