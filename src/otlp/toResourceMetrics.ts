/**
 * Samples → OpenTelemetry SDK `ResourceMetrics`, hand-built so that every data point keeps its
 * sample's time exactly: endTime is `timeUnixNano`, startTime is `startTimeUnixNano ?? timeUnixNano`
 * (as HrTime, which the official serializer writes back as the same nanoseconds).
 * Grouped by resource, scope, then metric (name, kind, unit, temporality, monotonic). gauge →
 * GAUGE, sum → SUM (monotonic, cumulative unless the sample says otherwise), histogram →
 * HISTOGRAM, exponential-histogram → EXPONENTIAL_HISTOGRAM; a metric is INT when every value in
 * the batch is a safe integer and no sample says valueType 'double', else DOUBLE. A time OTLP
 * cannot carry (outside 0 ≤ t < 2⁶⁴ ns) throws TimeOutOfRangeError instead of being wrapped into
 * another time.
 */
import { ValueType, type HrTime, type Attributes as OtelAttributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics, type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { type Attributes, type ExponentialHistogramValue, type HistogramValue, type Sample, canonicalAttributes, sameScope } from '../sample.js';
import { secondsNanosInto, secondsNanosOf } from '../timeKey.js';
import { TimeOutOfRangeError } from '../errors.js';
import { VERSION } from '../version.js';

export interface InstrumentationScopeInfo {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  /** Written by the official serializer (its scope writer takes them; the JS SDK's meters have none). */
  readonly attributes?: Attributes;
}

export const CHRONOQ_SCOPE: InstrumentationScopeInfo = { name: 'chronoq', version: VERSION };
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
  return { startTime: start === undefined ? endTime : wireHrTimeInto(start, [0, 0]), endTime, attributes: s.attributes as OtelAttributes, value: s.value };
};

/**
 * One literal, min and max always present (undefined when the sample has none): the serializer
 * leaves out an undefined one, so a histogram with only a max keeps it (OTLP has each on its own;
 * `{ hasMinMax: false }` without them lost it). Not a conditional spread: 95 ns a point against
 * 203 (Node 20).
 */
const histogramPoint = (h: HistogramValue) => ({
  buckets: { boundaries: [...h.boundaries], counts: [...h.counts] },
  sum: h.sum,
  count: h.count,
  min: h.min,
  max: h.max,
  hasMinMax: h.min !== undefined && h.max !== undefined,
});

/** The SDK's ExponentialHistogram value (the serializer leaves out an absent sum, min or max). */
const exponentialPoint = (h: ExponentialHistogramValue) => ({
  scale: h.scale,
  zeroCount: h.zeroCount,
  positive: { offset: h.positive.offset, bucketCounts: [...h.positive.bucketCounts] },
  negative: { offset: h.negative.offset, bucketCounts: [...h.negative.bucketCounts] },
  count: h.count,
  sum: h.sum,
  min: h.min,
  max: h.max,
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
  /** A histogram of either kind: doubles whatever its values, each point's value in the SDK's shape. */
  const distribution = <V, R>(toSdkValue: (v: V) => R) => ({
    descriptor: { ...descriptor, valueType: ValueType.DOUBLE },
    aggregationTemporality,
    dataPoints: points.map((p) => ({ ...p, value: toSdkValue(p.value as V) })),
  });
  switch (first.kind) {
    case 'gauge':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: points as DataPoint<number>[] };
    case 'sum':
      return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: first.monotonic ?? true, dataPoints: points as DataPoint<number>[] };
    case 'histogram':
      return { ...distribution(histogramPoint), dataPointType: DataPointType.HISTOGRAM };
    case 'exponential-histogram':
      return { ...distribution(exponentialPoint), dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM };
  }
};

/** A resource's scopes and a scope's metrics, in first-seen order, by key. */
interface ScopeGroup {
  readonly scope: InstrumentationScopeInfo;
  readonly metrics: MetricGroup[];
  readonly metricByKey: Map<string, MetricGroup>;
}
interface ResourceGroup {
  readonly resource: Attributes;
  readonly schemaUrl: string | undefined;
  readonly scopes: ScopeGroup[];
  readonly scopeByKey: Map<string, ScopeGroup>;
}

const resourceKey = (s: Sample): string =>
  `${s.resource === undefined ? '' : canonicalAttributes(s.resource)}\u0000${s.resourceSchemaUrl ?? ''}`;
const scopeKey = (s: Sample): string =>
  s.scope === undefined ? '' : `${s.scope.name}\u0000${s.scope.version ?? ''}\u0000${s.scope.schemaUrl ?? ''}\u0000${canonicalAttributes(s.scope.attributes)}`;
const metricKey = (s: Sample): string => `${s.name}\u0000${s.kind}\u0000${s.unit ?? ''}\u0000${s.temporality ?? ''}\u0000${s.monotonic ?? ''}`;
const sameMetric = (a: Sample, b: Sample): boolean =>
  a.name === b.name && a.kind === b.kind && a.unit === b.unit && a.temporality === b.temporality && a.monotonic === b.monotonic;

/**
 * toResourceMetrics with the data points made by `point` (the sink's encoder reuses them).
 *
 * One pass over the batch: each sample's data point goes straight into its metric's list. A
 * sample of the same resource object, scope and metric as the sample before it (batches come in
 * runs of those) joins that sample's metric without any key being built; otherwise the keys are
 * looked up, the resource's only when its resource object (or schema URL) differs. Resources equal in content in
 * distinct objects share one group (keyed by canonicalAttributes).
 */
export const buildResourceMetrics = (
  batch: readonly Sample[],
  resource: Attributes,
  scope: InstrumentationScopeInfo,
  point: PointFactory,
): ResourceMetrics[] => {
  const resources: ResourceGroup[] = [];
  const resourceByKey = new Map<string, ResourceGroup>();
  let prev: Sample | undefined;
  let inResource: ResourceGroup | undefined;
  let metric: MetricGroup | undefined;
  for (let i = 0; i < batch.length; i++) {
    const s = batch[i]!;
    const otherResource = prev === undefined || s.resource !== prev.resource || s.resourceSchemaUrl !== prev.resourceSchemaUrl;
    if (otherResource || !sameScope(s.scope, prev!.scope) || !sameMetric(s, prev!)) {
      if (otherResource) {
        const rKey = resourceKey(s);
        inResource = resourceByKey.get(rKey);
        if (inResource === undefined) {
          inResource = { resource: s.resource ?? resource, schemaUrl: s.resourceSchemaUrl, scopes: [], scopeByKey: new Map() };
          resourceByKey.set(rKey, inResource);
          resources.push(inResource);
        }
      }
      const sKey = scopeKey(s);
      let inScope = inResource!.scopeByKey.get(sKey);
      if (inScope === undefined) {
        inScope = { scope: s.scope ?? scope, metrics: [], metricByKey: new Map() };
        inResource!.scopeByKey.set(sKey, inScope);
        inResource!.scopes.push(inScope);
      }
      const mKey = metricKey(s);
      metric = inScope.metricByKey.get(mKey);
      if (metric === undefined) {
        metric = { first: s, points: [], allInts: true };
        inScope.metricByKey.set(mKey, metric);
        inScope.metrics.push(metric);
      }
    }
    metric!.points.push(point(s));
    if (metric!.allInts && (s.valueType === 'double' || !(typeof s.value === 'number' && Number.isSafeInteger(s.value)))) metric!.allInts = false;
    prev = s;
  }
  return resources.map((r) => ({
    resource: resourceFromAttributes({ ...r.resource } as OtelAttributes, r.schemaUrl === undefined ? undefined : { schemaUrl: r.schemaUrl }),
    scopeMetrics: r.scopes.map((sc) => ({ scope: { ...sc.scope }, metrics: sc.metrics.map(toMetric) })),
  }));
};

/** One ResourceMetrics per distinct resource in the batch (a sample's own, else `resource`). */
export const toResourceMetrics = (
  batch: readonly Sample[],
  resource: Attributes = {},
  scope: InstrumentationScopeInfo = CHRONOQ_SCOPE,
): ResourceMetrics[] => buildResourceMetrics(batch, resource, scope, newPoint);
