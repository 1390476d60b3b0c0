/**
 * An OTLP/gRPC or OTLP/HTTP protobuf request → its samples in one pass, for the requests SDKs and
 * Collectors send nearly always: gauges, sums and histograms whose points, attributes, resource and
 * scope a sample holds as they are. The general path (otlpProtoRequest.ts decoding to the OTLP/JSON
 * object, then otlpJson.ts's requestSamples) built that object first — a decimal string per time,
 * then parsed back; an object per attribute — and cost ~0.9 µs a point of an SDK's export, this
 * path ~0.23 µs (`npm run bench:otlp-read`).
 *
 * Anything else — a summary, an exponential histogram, a staleness marker, a map or bytes attribute
 * (or an array of anything but scalars), an integer no double holds exactly, a point a sample
 * cannot be, malformed bytes — and this gives undefined, and the request goes the general path
 * whole, which refuses and explains: the two give the same samples, field for field
 * (test/otlpProtoSamples.property.test.ts), and the rules stay in one place. Attributes:
 * protoAttributes.ts.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Attributes, HistogramValue, Sample } from '../sample.js';
import { type MetricHead, type PointBase, pointSample, textOf } from '../otlpPointSample.js';
import { type Cursor, cursorOf, double, fields, fixed64, isMalformed, message, need, repeated, string, varint, wire } from './protoReader.js';
import { attributeFields, attributesAt, fieldsWithTags, general, isGeneralPath, safe } from './protoAttributes.js';

const TEMPORALITY: Readonly<Record<number, 'delta' | 'cumulative'>> = { 1: 'delta', 2: 'cumulative' };

/**
 * A point's time or start time (fixed64 nanoseconds), the bigint of the one before it when its
 * bytes are the same: the points of an SDK's export share one time and one start time, and a bigint
 * made for each of them was two allocations a point of 1 000.
 */
const lastNanos = () => {
  let lo = -1;
  let hi = -1;
  let value = 0n;
  return (c: Cursor, w: number): bigint => {
    wire(w, 1);
    const at = need(c, 8);
    const nextLo = c.view.getUint32(at, true);
    const nextHi = c.view.getUint32(at + 4, true);
    if (nextLo !== lo || nextHi !== hi) {
      lo = nextLo;
      hi = nextHi;
      value = c.view.getBigUint64(at, true);
    }
    return value;
  };
};
const timeNanos = lastNanos();
const startNanos = lastNanos();

/** What a point's walk found besides its value. */
interface PointFields {
  time: bigint | undefined;
  start: bigint | undefined;
  readonly attributes: ReturnType<typeof attributeFields>;
}
const pointFields = (): PointFields => ({ time: undefined, start: undefined, attributes: attributeFields() });
/** A field every point type has (times, flags, attributes at `attributesField`); false when it is another. */
const commonField = (p: PointFields, attributesField: number, flagsField: number, c: Cursor, f: number, w: number, end: number, tagAt: number): boolean => {
  if (f === attributesField) p.attributes.add(c, w, tagAt, end);
  else if (f === 2) p.start = startNanos(c, w);
  else if (f === 3) p.time = timeNanos(c, w);
  else if (f === flagsField) (wire(w, 0), (varint(c) & 1) === 1 && general()); // a staleness marker
  else return false;
  return true;
};
/** The sample of a point: its time, start and attributes, `head`'s metric, `base`'s resource and scope. */
const sampleOf = (c: Cursor, p: PointFields, head: MetricHead, value: Sample['value'], valueType: Sample['valueType'], base: PointBase): Sample => {
  if (p.time === undefined) return general();
  const s = pointSample(head, value, valueType, { time: p.time, start: p.start, attributes: attributesAt(c, p.attributes.at, p.attributes.spans) }, base);
  return isLeft(s) ? general() : s.right;
};

/** NumberDataPoint: attributes 7, start 2, time 3, asDouble 4, asInt 6, flags 8 (exemplars 5 skipped). */
const numberPoint = (head: MetricHead, base: PointBase) => (c: Cursor, end: number): Sample => {
  const p = pointFields();
  let asDouble: number | undefined;
  let asInt: number | undefined;
  fieldsWithTags(c, end, (f, w, e, tagAt) => {
    if (commonField(p, 7, 8, c, f, w, e, tagAt)) return;
    if (f === 4) asDouble = (wire(w, 1), double(c));
    else if (f === 6) asInt = (wire(w, 1), safe(fixed64(c, true)));
  });
  if (asInt !== undefined) return asDouble !== undefined ? general() : sampleOf(c, p, head, asInt, 'int', base);
  return asDouble === undefined ? general() : sampleOf(c, p, head, asDouble, 'double', base);
};

/** HistogramDataPoint: attributes 9, start 2, time 3, count 4, sum 5, bucket counts 6, bounds 7, flags 10, min 11, max 12. */
const histogramPoint = (head: MetricHead, base: PointBase) => (c: Cursor, end: number): Sample => {
  const p = pointFields();
  const counts: number[] = [];
  const boundaries: number[] = [];
  let count = 0;
  let sum: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  fieldsWithTags(c, end, (f, w, e, tagAt) => {
    if (commonField(p, 9, 10, c, f, w, e, tagAt)) return;
    if (f === 4) count = (wire(w, 1), safe(fixed64(c, false)));
    else if (f === 5) sum = (wire(w, 1), double(c));
    else if (f === 6) repeated(c, w, 1, (cc) => safe(fixed64(cc, false)), counts);
    else if (f === 7) repeated(c, w, 1, double, boundaries);
    else if (f === 11) min = (wire(w, 1), double(c));
    else if (f === 12) max = (wire(w, 1), double(c));
  });
  // The general path's key order: boundaries, counts, count, then sum, min and max when present.
  const value: { -readonly [K in keyof HistogramValue]: HistogramValue[K] } = { boundaries, counts, count };
  if (sum !== undefined) value.sum = sum;
  if (min !== undefined) value.min = min;
  if (max !== undefined) value.max = max;
  return sampleOf(c, p, head, value, undefined, base);
};

/**
 * A metric's samples into `out`. Its name, unit and description, and its data's temporality and
 * monotonicity, are read before its points, wherever in the message they are.
 */
const metricInto = (out: Sample[], base: PointBase) => (c: Cursor, end: number): void => {
  let name = '';
  let description = '';
  let unit = '';
  let dataField = 0;
  let dataAt = -1;
  fields(c, end, (f, w) => {
    if (f === 1) name = string(c, w);
    else if (f === 2) description = string(c, w);
    else if (f === 3) unit = string(c, w);
    else if (f === 5 || f === 7 || f === 9) {
      if (dataField !== 0 || w !== 2) general(); // two data fields: the general path picks one
      dataField = f;
      dataAt = c.pos;
    } else if (f === 10 || f === 11) general(); // exponential histogram, summary
  });
  if (dataField === 0) general();
  const kind = dataField === 5 ? 'gauge' : dataField === 7 ? 'sum' : 'histogram';
  c.pos = dataAt;
  message(c, 2, (cc, dataEnd) => {
    const points: number[] = [];
    let temporality = 0;
    let monotonic = false;
    fields(cc, dataEnd, (f, w) => {
      if (f === 1) (w !== 2 && general(), points.push(cc.pos));
      else if (f === 2) temporality = (wire(w, 0), varint(cc));
      else if (f === 3) monotonic = (wire(w, 0), varint(cc) !== 0);
    });
    const head: { -readonly [K in keyof MetricHead]: MetricHead[K] } = { name, kind };
    const unitText = textOf(unit);
    const descriptionText = textOf(description);
    if (unitText !== undefined) head.unit = unitText;
    if (descriptionText !== undefined) head.description = descriptionText;
    if (kind !== 'gauge') head.temporality = TEMPORALITY[temporality] ?? general();
    if (kind === 'sum') head.monotonic = monotonic;
    const point = kind === 'histogram' ? histogramPoint(head, base) : numberPoint(head, base);
    for (const at of points) (cc.pos = at), out.push(message(cc, 2, point));
    cc.pos = dataEnd;
  });
};

/** InstrumentationScope: name 1, version 2, attributes 3. ScopeMetrics: scope 1, metrics 2, schema URL 3. */
const scopeMetricsInto = (out: Sample[], resource: Attributes, resourceSchemaUrl: string | undefined) => (c: Cursor, end: number): void => {
  let scopeAt = -1;
  let schemaUrl = '';
  const metrics: number[] = [];
  fields(c, end, (f, w) => {
    if (f === 1) (w !== 2 || scopeAt >= 0 ? general() : (scopeAt = c.pos)); // the general path decodes every copy
    else if (f === 2) (w !== 2 && general(), metrics.push(c.pos));
    else if (f === 3) schemaUrl = string(c, w);
  });
  let name = '';
  let version = '';
  const attributes = attributeFields();
  if (scopeAt >= 0) {
    c.pos = scopeAt;
    message(c, 2, (cc, scopeEnd) => fieldsWithTags(cc, scopeEnd, (f, w, e, tagAt) => {
      if (f === 1) name = string(cc, w);
      else if (f === 2) version = string(cc, w);
      else if (f === 3) attributes.add(cc, w, tagAt, e);
    }));
  }
  const scopeAttributes = attributesAt(c, attributes.at, attributes.spans);
  const versionText = textOf(version);
  const schemaUrlText = textOf(schemaUrl);
  const scope = {
    name,
    ...(versionText !== undefined ? { version: versionText } : {}),
    ...(schemaUrlText !== undefined ? { schemaUrl: schemaUrlText } : {}),
    ...(Object.keys(scopeAttributes).length > 0 ? { attributes: scopeAttributes } : {}),
  };
  const base: PointBase = { resource, ...(resourceSchemaUrl !== undefined ? { resourceSchemaUrl } : {}), scope };
  for (const at of metrics) (c.pos = at), message(c, 2, metricInto(out, base));
  c.pos = end;
};

/** Resource: attributes 1. ResourceMetrics: resource 1, scope metrics 2, schema URL 3. */
const resourceMetricsInto = (out: Sample[]) => (c: Cursor, end: number): void => {
  let resourceAt = -1;
  let schemaUrl = '';
  const scopes: number[] = [];
  fields(c, end, (f, w) => {
    if (f === 1) (w !== 2 || resourceAt >= 0 ? general() : (resourceAt = c.pos));
    else if (f === 2) (w !== 2 && general(), scopes.push(c.pos));
    else if (f === 3) schemaUrl = string(c, w);
  });
  const attributes = attributeFields();
  if (resourceAt >= 0) {
    c.pos = resourceAt;
    message(c, 2, (cc, resourceEnd) => fieldsWithTags(cc, resourceEnd, (f, w, e, tagAt) => void (f === 1 && attributes.add(cc, w, tagAt, e))));
  }
  const resource = attributesAt(c, attributes.at, attributes.spans);
  for (const at of scopes) (c.pos = at), message(c, 2, scopeMetricsInto(out, resource, textOf(schemaUrl)));
  c.pos = end;
};

/**
 * An ExportMetricsServiceRequest's samples, when every point of it is one a sample holds as it is;
 * undefined when the request must go the general path (decodeMetricsRequest, requestSamples).
 */
export const protoRequestSamples = (bytes: Uint8Array): Sample[] | undefined => {
  const out: Sample[] = [];
  const c = cursorOf(bytes);
  try {
    fields(c, bytes.length, (f, w) => void (f === 1 && message(c, w, resourceMetricsInto(out))));
    return out;
  } catch (e) {
    if (isGeneralPath(e) || isMalformed(e)) return undefined;
    throw e;
  }
};
