/**
 * An OTLP/gRPC or OTLP/HTTP protobuf request → its samples in one pass, for the metrics SDKs and
 * Collectors send nearly always: gauges, sums and histograms whose points, attributes, resource and
 * scope a sample holds as they are. The general path (otlpProtoRequest.ts decoding to the OTLP/JSON
 * object, then otlpJson.ts's requestSamples) built that object first — a decimal string per time,
 * then parsed back; an object per attribute — and cost ~0.9 µs a point of an SDK's export, this
 * path ~0.21 µs (`npm run bench:otlp-read`).
 *
 * A metric holding anything else — a summary, an exponential histogram, a staleness marker, a map
 * or bytes attribute (or an array of anything but scalars), an integer no double holds exactly, a
 * point a sample cannot be — is read by the general path's rules alone (its OTLP/JSON object
 * through metricSamples), which refuse and explain, and read summaries and markers as the source's
 * options say; a Collector scraping Go programs sends a summary in every request
 * (go_gc_duration_seconds), which sent the whole request the general path. Malformed bytes, or a
 * resource or scope a sample cannot hold, and the request goes the general path whole. Either way
 * the reading is the general path's, sample for sample and refusal for refusal
 * (test/otlpProtoSamples.property.test.ts), and the rules stay in one place. Points:
 * otlpProtoPoints.ts; attributes: protoAttributes.ts.
 */
import type { Attributes, Sample } from '../sample.js';
import { type PointBase, type PointTally, TEMPORALITY, metricHead, pointBase, scopeOf, textOf } from '../otlpPointSample.js';
import { type OtlpReadOptions, type ReadRequest, metricPoints, metricSamples } from '../otlpJson.js';
import { metricJson } from './otlpProtoRequest.js';
import { type Cursor, cursorOf, fields, isMalformed, message, string, varint, wire } from './protoReader.js';
import { attributeFields, attributesAt, fieldsWithTags, general, isGeneralPath } from './protoAttributes.js';
import { histogramPoint, numberPoint } from './otlpProtoPoints.js';

/**
 * A metric's samples into `out`, one a point; returns how many. Its name, unit and description,
 * and its data's temporality and monotonicity, are read before its points, wherever in the message
 * they are.
 */
const metricInto = (out: Sample[], base: PointBase) => (c: Cursor, end: number): number => {
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
  return message(c, 2, (cc, dataEnd) => {
    const points: number[] = [];
    let temporality = 0;
    let monotonic = false;
    fields(cc, dataEnd, (f, w) => {
      if (f === 1) (w !== 2 && general(), points.push(cc.pos));
      else if (f === 2) temporality = (wire(w, 0), varint(cc));
      else if (f === 3) monotonic = (wire(w, 0), varint(cc) !== 0);
    });
    const head = metricHead(name, kind, unit, description, kind === 'gauge' ? undefined : (TEMPORALITY[temporality] ?? general()), monotonic);
    const point = kind === 'histogram' ? histogramPoint(head, base) : numberPoint(head, base);
    for (const at of points) (cc.pos = at), out.push(message(cc, 2, point));
    cc.pos = dataEnd;
    return points.length;
  });
};

/** What reading a request gathers, as it goes: a ReadRequest's parts. */
interface Reading {
  readonly samples: Sample[];
  readonly refused: string[];
  readonly tally: PointTally;
  points: number;
  readonly opts: OtlpReadOptions;
}

/**
 * A metric's samples into `r`: in one pass, or, when it holds anything else (a summary, a
 * staleness marker, …), by the general path's metricSamples from its OTLP/JSON object — which
 * refuses what a sample cannot hold, each point or the metric, with why, and reads summaries and
 * markers as `r.opts` says. The samples the pass had made of it are taken back first.
 */
const readMetric = (r: Reading, base: PointBase, c: Cursor, at: number): void => {
  const mark = r.samples.length;
  c.pos = at;
  try {
    const n = message(c, 2, metricInto(r.samples, base));
    r.points += n;
    r.tally.taken += n;
  } catch (e) {
    if (!isGeneralPath(e)) throw e;
    r.samples.length = mark;
    c.pos = at;
    const m = message(c, 2, metricJson);
    metricSamples(m, base, r.samples, (reason) => r.refused.push(reason), r.opts, r.tally);
    r.points += metricPoints(m);
  }
};

/** InstrumentationScope: name 1, version 2, attributes 3. ScopeMetrics: scope 1, metrics 2, schema URL 3. */
const scopeMetricsInto = (r: Reading, resource: Attributes, resourceSchemaUrl: string | undefined) => (c: Cursor, end: number): void => {
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
  const base = pointBase(resource, resourceSchemaUrl, scopeOf(name, version, schemaUrl, attributesAt(c, attributes.at, attributes.spans)));
  for (const at of metrics) readMetric(r, base, c, at);
  c.pos = end;
};

/** Resource: attributes 1. ResourceMetrics: resource 1, scope metrics 2, schema URL 3. */
const resourceMetricsInto = (r: Reading) => (c: Cursor, end: number): void => {
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
  for (const at of scopes) (c.pos = at), message(c, 2, scopeMetricsInto(r, resource, textOf(schemaUrl)));
  c.pos = end;
};

/**
 * An ExportMetricsServiceRequest read as the general path (decodeMetricsRequest, then
 * requestSamples and requestPoints) reads it with `opts`; undefined when the request must go that
 * path whole: malformed bytes (it says what is wrong), a resource or scope whose attributes a
 * sample cannot hold (its points are refused together).
 */
export const protoRequestSamples = (bytes: Uint8Array, opts: OtlpReadOptions = {}): ReadRequest | undefined => {
  const r: Reading = { samples: [], refused: [], tally: { taken: 0, skipped: 0 }, points: 0, opts };
  const c = cursorOf(bytes);
  try {
    fields(c, bytes.length, (f, w) => void (f === 1 && message(c, w, resourceMetricsInto(r))));
    return { samples: r.samples, refused: r.refused, pointsTaken: r.tally.taken, pointsSkipped: r.tally.skipped, points: r.points };
  } catch (e) {
    if (isGeneralPath(e) || isMalformed(e)) return undefined;
    throw e;
  }
};
