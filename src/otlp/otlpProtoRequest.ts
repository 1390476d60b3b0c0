/**
 * An OTLP ExportMetricsServiceRequest in protobuf — what an OTLP/gRPC or OTLP/HTTP exporter sends
 * — → the object its OTLP/JSON form parses to, which otlpJson.ts's requestSamples reads into
 * samples: a request received over the wire and the same request in a Collector's file become
 * the same samples. Times are decimal strings (exact), other 64-bit integers numbers when a
 * double holds them exactly; enums integers; exemplars and metric metadata are skipped. (The otlp
 * source reads protobuf requests in one pass instead, otlpProtoSamples.ts, and leaves to this path
 * the metrics — metricJson — and the requests it does not take as they are.)
 *
 * The official packages have no request decoder (otlp-transformer serializes requests and decodes
 * responses only); protoReader.ts reads the wire format.
 */
import type { Either } from 'fp-ts/lib/Either.js';
import {
  type Cursor, type Json, decodeWith, double, fields, fixed64, int64Json, keyValue, list, message, repeated, string, varint, varint64, wire, zigzag,
} from './protoReader.js';
import { isAttributeSet } from '../attributeJson.js';

const nanosText = (c: Cursor, w: number): string => (wire(w, 1), fixed64(c, false).toString());
const fixedCount = (c: Cursor, w: number): number | string => (wire(w, 1), int64Json(fixed64(c, false)));
const aDouble = (c: Cursor, w: number): number => (wire(w, 1), double(c));
const attributesInto = (p: Json, c: Cursor, w: number): void => {
  ((p['attributes'] ??= []) as Json[]).push(message(c, w, keyValue));
};

/**
 * A message field met again in the same message: protobuf merges the copies (repeated fields
 * joined, messages merged, other fields the later copy's where it has them), as the Collector's
 * and every protobuf parser reads them — here the later copy alone was kept, a resource's or
 * scope's attributes in the earlier copy lost. No serializer writes a field twice; a request
 * concatenated from two encodings (which protobuf defines as their merge) does.
 */
const mergedInto = (m: Json, key: string, later: Json): void => {
  const earlier = m[key];
  if (!isAttributeSet(earlier)) {
    m[key] = later;
    return;
  }
  for (const [k, v] of Object.entries(later)) {
    const e = earlier[k];
    if (Array.isArray(e) && Array.isArray(v)) earlier[k] = [...e, ...v];
    else if (isAttributeSet(e) && isAttributeSet(v)) mergedInto(earlier, k, v);
    else earlier[k] = v;
  }
};

const numberPoint = (c: Cursor, end: number): Json => {
  const p: Json = {};
  fields(c, end, (f, w) => {
    if (f === 7) attributesInto(p, c, w);
    else if (f === 2) p['startTimeUnixNano'] = nanosText(c, w);
    else if (f === 3) p['timeUnixNano'] = nanosText(c, w);
    else if (f === 4) (p['asDouble'] = aDouble(c, w)), delete p['asInt']; // a oneof: the last member on the wire wins
    else if (f === 6) (p['asInt'] = (wire(w, 1), int64Json(fixed64(c, true)))), delete p['asDouble'];
    else if (f === 8) p['flags'] = (wire(w, 0), varint(c));
  });
  return p;
};

const histogramPoint = (c: Cursor, end: number): Json => {
  const p: Json = {};
  const bucketCounts: (number | string)[] = [];
  const explicitBounds: number[] = [];
  fields(c, end, (f, w) => {
    if (f === 9) attributesInto(p, c, w);
    else if (f === 2) p['startTimeUnixNano'] = nanosText(c, w);
    else if (f === 3) p['timeUnixNano'] = nanosText(c, w);
    else if (f === 4) p['count'] = fixedCount(c, w);
    else if (f === 5) p['sum'] = aDouble(c, w);
    else if (f === 6) repeated(c, w, 1, (cc) => int64Json(fixed64(cc, false)), bucketCounts);
    else if (f === 7) repeated(c, w, 1, double, explicitBounds);
    else if (f === 10) p['flags'] = (wire(w, 0), varint(c));
    else if (f === 11) p['min'] = aDouble(c, w);
    else if (f === 12) p['max'] = aDouble(c, w);
  });
  p['bucketCounts'] = bucketCounts;
  p['explicitBounds'] = explicitBounds;
  return p;
};

const buckets = (c: Cursor, end: number): Json => {
  // The offset only when written: a later copy without one keeps the earlier's (mergedInto); absent reads as 0.
  const b: Json = { bucketCounts: [] };
  fields(c, end, (f, w) => {
    if (f === 1) b['offset'] = (wire(w, 0), zigzag(varint(c)));
    else if (f === 2) repeated(c, w, 0, (cc) => int64Json(varint64(cc, false)), b['bucketCounts'] as (number | string)[]);
  });
  return b;
};

const exponentialPoint = (c: Cursor, end: number): Json => {
  const p: Json = { positive: { bucketCounts: [] }, negative: { bucketCounts: [] } };
  fields(c, end, (f, w) => {
    if (f === 1) attributesInto(p, c, w);
    else if (f === 2) p['startTimeUnixNano'] = nanosText(c, w);
    else if (f === 3) p['timeUnixNano'] = nanosText(c, w);
    else if (f === 4) p['count'] = fixedCount(c, w);
    else if (f === 5) p['sum'] = aDouble(c, w);
    else if (f === 6) p['scale'] = (wire(w, 0), zigzag(varint(c)));
    else if (f === 7) p['zeroCount'] = fixedCount(c, w);
    else if (f === 8) mergedInto(p, 'positive', message(c, w, buckets));
    else if (f === 9) mergedInto(p, 'negative', message(c, w, buckets));
    else if (f === 10) p['flags'] = (wire(w, 0), varint(c));
    else if (f === 12) p['min'] = aDouble(c, w);
    else if (f === 13) p['max'] = aDouble(c, w);
    else if (f === 14) p['zeroThreshold'] = aDouble(c, w);
  });
  return p;
};

/** Gauge, Sum, Histogram, ExponentialHistogram, Summary: data points (1), temporality (2), monotonic (3). */
const data = (point: (c: Cursor, end: number) => Json) => (c: Cursor, end: number): Json => {
  const d: Json = { dataPoints: [] };
  fields(c, end, (f, w) => {
    if (f === 1) (d['dataPoints'] as Json[]).push(message(c, w, point));
    else if (f === 2) d['aggregationTemporality'] = (wire(w, 0), varint(c));
    else if (f === 3) d['isMonotonic'] = (wire(w, 0), varint(c) !== 0);
  });
  return d;
};
const valueAtQuantile = (c: Cursor, end: number): Json => {
  const q: Json = {};
  fields(c, end, (f, w) => {
    if (f === 1) q['quantile'] = aDouble(c, w);
    else if (f === 2) q['value'] = aDouble(c, w);
  });
  return q;
};
/** A summary's point: sent on as gauges with the source's `summaries: gauges` (otlpSummaries.ts), refused otherwise. */
const summaryPoint = (c: Cursor, end: number): Json => {
  const p: Json = { quantileValues: [] };
  fields(c, end, (f, w) => {
    if (f === 7) attributesInto(p, c, w);
    else if (f === 2) p['startTimeUnixNano'] = nanosText(c, w);
    else if (f === 3) p['timeUnixNano'] = nanosText(c, w);
    else if (f === 4) p['count'] = fixedCount(c, w);
    else if (f === 5) p['sum'] = aDouble(c, w);
    else if (f === 6) (p['quantileValues'] as Json[]).push(message(c, w, valueAtQuantile));
    else if (f === 8) p['flags'] = (wire(w, 0), varint(c));
  });
  return p;
};
const METRIC_DATA: Readonly<Record<number, readonly [string, (c: Cursor, end: number) => Json]>> = {
  5: ['gauge', data(numberPoint)],
  7: ['sum', data(numberPoint)],
  9: ['histogram', data(histogramPoint)],
  10: ['exponentialHistogram', data(exponentialPoint)],
  11: ['summary', data(summaryPoint)],
};

/** A Metric → its OTLP/JSON object (the one-pass reader, otlpProtoSamples.ts, leaves such a metric to requestSamples' metricSamples). */
export const metricJson = (c: Cursor, end: number): Json => {
  const m: Json = {};
  fields(c, end, (f, w) => {
    if (f === 1) m['name'] = string(c, w);
    else if (f === 2) m['description'] = string(c, w);
    else if (f === 3) m['unit'] = string(c, w);
    else if (METRIC_DATA[f] !== undefined) {
      // A oneof: another member met replaces the one before (the same one again is merged).
      const [key, read] = METRIC_DATA[f];
      for (const [other] of Object.values(METRIC_DATA)) if (other !== key) delete m[other];
      mergedInto(m, key, message(c, w, read));
    }
  });
  return m;
};

const scope = (c: Cursor, end: number): Json => {
  const s: Json = {};
  fields(c, end, (f, w) => {
    if (f === 1) s['name'] = string(c, w);
    else if (f === 2) s['version'] = string(c, w);
    else if (f === 3) attributesInto(s, c, w);
  });
  return s;
};
const scopeMetrics = (c: Cursor, end: number): Json => {
  const sm: Json = { metrics: [] };
  fields(c, end, (f, w) => {
    if (f === 1) mergedInto(sm, 'scope', message(c, w, scope));
    else if (f === 2) (sm['metrics'] as Json[]).push(message(c, w, metricJson));
    else if (f === 3) sm['schemaUrl'] = string(c, w);
  });
  return sm;
};
const resource = (c: Cursor, end: number): Json => ({ attributes: list(c, end, 1, keyValue) });
const resourceMetrics = (c: Cursor, end: number): Json => {
  const rm: Json = { scopeMetrics: [] };
  fields(c, end, (f, w) => {
    if (f === 1) mergedInto(rm, 'resource', message(c, w, resource));
    else if (f === 2) (rm['scopeMetrics'] as Json[]).push(message(c, w, scopeMetrics));
    else if (f === 3) rm['schemaUrl'] = string(c, w);
  });
  return rm;
};

/** ExportMetricsServiceRequest bytes → its OTLP/JSON object, or what is malformed. */
export const decodeMetricsRequest = (bytes: Uint8Array): Either<string, Json> =>
  decodeWith(bytes, (c, end) => ({ resourceMetrics: list(c, end, 1, resourceMetrics) }));
