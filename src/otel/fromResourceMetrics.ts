/**
 * OpenTelemetry SDK `ResourceMetrics` → Samples, keeping everything chronoq needs to export them
 * again unchanged: the data point's endTime (its collection time) and startTime exactly, the
 * resource (its schema URL too), the scope (schema URL and any attributes too), attributes (arrays too), unit, description, histograms,
 * sums with their temporality and monotonicity, and the instrument's value type: encoded again, a
 * batch of them is the stock exporter's request byte for byte (test/otel.test.ts). A data point
 * type without a Sample form (none the SDK makes today) is returned apart, by metric name.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type DataPoint, type ResourceMetrics, type MetricData } from '@opentelemetry/sdk-metrics';
import type { AttrValue, Attributes, Sample } from '../sample.js';
import { createAttributeInterner } from '../internAttributes.js';

export const hrTimeToNanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/** The samples of a series share one attributes object from export to export (internAttributes.ts). */
const intern = createAttributeInterner();

/** An SDK attribute value as a Sample's: primitives and arrays as they are; anything else (the API allows none) as JSON text. */
const attrValue = (v: unknown): AttrValue =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : Array.isArray(v) ? (v as AttrValue) : JSON.stringify(v);

const plain = (a: Record<string, unknown>): Attributes =>
  intern(Object.fromEntries(Object.entries(a).flatMap(([k, v]) => (v === undefined ? [] : [[k, attrValue(v)]]))));

export interface Converted {
  readonly samples: Sample[];
  /** Metrics without a Sample form, by name. */
  readonly unsupported: string[];
}

/** What every data point gives its sample: its times, exactly, and its attributes. */
const pointOf = (p: DataPoint<unknown>): Pick<Sample, 'timeUnixNano' | 'startTimeUnixNano' | 'attributes'> => ({
  timeUnixNano: hrTimeToNanos(p.endTime),
  startTimeUnixNano: hrTimeToNanos(p.startTime),
  attributes: plain(p.attributes),
});

const convertMetric = (m: MetricData, base: Pick<Sample, 'resource' | 'resourceSchemaUrl' | 'scope'>): Sample[] | undefined => {
  const common = {
    name: m.descriptor.name,
    ...(m.descriptor.unit ? { unit: m.descriptor.unit } : {}),
    ...(m.descriptor.description ? { description: m.descriptor.description } : {}),
    ...base,
    temporality: m.aggregationTemporality === AggregationTemporality.DELTA ? ('delta' as const) : ('cumulative' as const),
  };
  // A double instrument's whole numbers are sent as doubles, as the stock exporter sends them.
  const valueType = m.descriptor.valueType === ValueType.INT ? ('int' as const) : ('double' as const);
  switch (m.dataPointType) {
    case DataPointType.GAUGE:
      return m.dataPoints.map((p) => ({ ...common, kind: 'gauge', valueType, value: p.value, ...pointOf(p) }));
    case DataPointType.SUM:
      return m.dataPoints.map((p) => ({ ...common, kind: 'sum', monotonic: m.isMonotonic, valueType, value: p.value, ...pointOf(p) }));
    case DataPointType.HISTOGRAM:
      return m.dataPoints.map((p) => ({
        ...common,
        kind: 'histogram',
        value: {
          boundaries: p.value.buckets.boundaries, counts: p.value.buckets.counts, count: p.value.count,
          ...(p.value.sum !== undefined ? { sum: p.value.sum } : {}),
          ...(p.value.min !== undefined && p.value.max !== undefined ? { min: p.value.min, max: p.value.max } : {}),
        },
        ...pointOf(p),
      }));
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return m.dataPoints.map((p) => ({
        ...common,
        kind: 'exponential-histogram',
        value: {
          scale: p.value.scale, zeroCount: p.value.zeroCount, count: p.value.count,
          positive: { offset: p.value.positive.offset, bucketCounts: p.value.positive.bucketCounts },
          negative: { offset: p.value.negative.offset, bucketCounts: p.value.negative.bucketCounts },
          ...(p.value.sum !== undefined ? { sum: p.value.sum } : {}),
          ...(p.value.min !== undefined ? { min: p.value.min } : {}),
          ...(p.value.max !== undefined ? { max: p.value.max } : {}),
        },
        ...pointOf(p),
      }));
    default:
      return undefined;
  }
};

export const fromResourceMetrics = (rm: ResourceMetrics): Converted => {
  const resource = plain(rm.resource.attributes as Record<string, unknown>);
  const resourceSchemaUrl = rm.resource.schemaUrl ? { resourceSchemaUrl: rm.resource.schemaUrl } : {};
  const samples: Sample[] = [];
  const unsupported: string[] = [];
  for (const sm of rm.scopeMetrics) {
    // The JS SDK's scopes have no attributes; a ResourceMetrics built elsewhere may give some.
    const scopeAttributes = (sm.scope as { attributes?: Record<string, unknown> }).attributes;
    const scope = {
      name: sm.scope.name,
      ...(sm.scope.version ? { version: sm.scope.version } : {}),
      ...(sm.scope.schemaUrl ? { schemaUrl: sm.scope.schemaUrl } : {}),
      ...(scopeAttributes !== undefined && Object.keys(scopeAttributes).length > 0 ? { attributes: plain(scopeAttributes) } : {}),
    };
    for (const m of sm.metrics) {
      const converted = convertMetric(m, { resource, ...resourceSchemaUrl, scope });
      if (converted === undefined) unsupported.push(m.descriptor.name);
      else samples.push(...converted);
    }
  }
  return { samples, unsupported };
};
