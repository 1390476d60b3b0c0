/**
 * OTLP/JSON lines → Samples: a line that is an ExportMetricsServiceRequest, as the Collector's file
 * exporter writes them (and the OpenTelemetry file exporter specification: one request a line,
 * lowerCamelCase keys, 64-bit integers as decimal strings, enums as integers). An NDJSON source
 * read such a line as one sample and refused it ("a sample needs timeUnixNano"): a Collector's
 * archive of an outage could not be sent on in order with its times.
 *
 * Every data point becomes a sample with its time and start time exactly, its attributes, the
 * resource (its schema URL too) and scope (name, version, schema URL, attributes) it came with, unit,
 * description, temporality, monotonicity and int or double. What a sample cannot hold is refused
 * with the reason, rather than sent changed — a point alone (flagged as having no recorded value,
 * unless `staleMarkers: 'skip'` skips such markers; a map or bytes attribute; a non-zero zero
 * threshold; an integer past 2^53), a metric of a type not carried whole (summaries, unless
 * `summaries: 'gauges'` asks for them as gauges: otlpSummaries.ts), a resource's or scope's points
 * whole when its attributes cannot be carried. Exemplars are not carried: the official
 * serializer, which encodes every request chronoq sends, writes none. The otlp source reads the
 * requests it receives the same way (requestSamples; protobuf ones decoded by
 * otlp/otlpProtoRequest.ts first, unless otlp/otlpProtoSamples.ts reads them in one pass to the
 * same samples).
 */
import { type Either, Apply as EitherApply, isLeft, left, map, right } from 'fp-ts/lib/Either.js';
import { sequenceS } from 'fp-ts/lib/Apply.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Sample } from './sample.js';
import { shownValue } from './sampleValues.js';
import { type Json, aDouble, attributes, counts, double, each, int, list, obj, quoteLongIntegers } from './otlpJsonValues.js';
import { type PointBase, type PointTally, TEMPORALITY, metricHead, pointBase, pointBasics, pointSample, pointsWord, scopeOf, takePoints, textOf } from './otlpPointSample.js';
import { type SummaryPolicy, summaryGauges, summaryRefusal } from './otlpSummaries.js';

/** The samples of a line, and why some of its metrics' points were not taken (each a dead letter `invalid`). */
export interface OtlpJsonLine {
  readonly samples: Sample[];
  readonly refused: string[];
  /** How many of its data points became samples (a summary's point becomes several gauges). */
  readonly pointsTaken: number;
  /** How many were staleness markers skipped (`staleMarkers: 'skip'`): neither samples nor refused. */
  readonly pointsSkipped: number;
}

/** A received request's reading: its samples and refusals, and how many data points it held (those neither taken nor skipped were refused). */
export interface ReadRequest extends OtlpJsonLine {
  readonly points: number;
}

/** What a source does with points marking a series' end: refuse each (a dead letter), or skip them. */
export type StaleMarkerPolicy = 'refuse' | 'skip';

/** How requests are read: what becomes of summaries and of staleness markers (both refused by default). */
export interface OtlpReadOptions {
  readonly summaries?: SummaryPolicy;
  readonly staleMarkers?: StaleMarkerPolicy;
}

/** The request's first key: lowerCamelCase, or the proto field name (`resource_metrics`), which proto3's JSON parsers take too. */
const SIGNAL = /^\s*\{\s*"resource(?:_?)(Metrics|Spans|Logs|Profiles|metrics|spans|logs|profiles)"\s*:/;

/** Whether the line is an OTLP/JSON request (of any signal): read by parseOtlpJsonLine, not as a sample. */
export const isOtlpJsonLine = (line: string): boolean => SIGNAL.test(line);


/** A data point's value as a sample's (kind, value, valueType), or why not. */
type PointValue = Pick<Sample, 'value'> & Partial<Pick<Sample, 'valueType'>>;
const numberPoint = (p: Json): Either<string, PointValue> => {
  // Two members of the value's oneof, which proto3 JSON refuses: which was meant is not guessed.
  if (p['asInt'] !== undefined && p['asDouble'] !== undefined) return left('a data point with two values, asDouble and asInt (a point has one)');
  if (p['asInt'] !== undefined) {
    const n = int(p['asInt'], 'asInt');
    return isLeft(n) ? n : right({ value: n.right, valueType: 'int' });
  }
  const d = double(p['asDouble']);
  return d === undefined ? left('a data point without a value (asDouble or asInt)') : right({ value: d, valueType: 'double' });
};
/** A histogram point's sum, min and max, those present (one present and not a number is refused, not left out). */
const optionalDoubles = (p: Json): Either<string, { sum?: number; min?: number; max?: number }> => {
  const o: { sum?: number; min?: number; max?: number } = {};
  for (const k of ['sum', 'min', 'max'] as const) {
    if (p[k] === undefined) continue;
    const d = aDouble(k)(p[k]);
    if (isLeft(d)) return d;
    o[k] = d.right;
  }
  return right(o);
};
/** Each field read, or the first that cannot be (fp-ts's sequenceS over Either). */
const fields = sequenceS(EitherApply);

const histogramPoint = (p: Json): Either<string, PointValue> =>
  pipe(
    fields({ boundaries: each(p['explicitBounds'], aDouble('a bound')), counts: counts(p['bucketCounts']), count: int(p['count'], 'count'), more: optionalDoubles(p) }),
    map(({ boundaries, counts: c, count, more }) => ({ value: { boundaries, counts: c, count, ...more } })),
  );
const buckets = (v: unknown): Either<string, { offset: number; bucketCounts: number[] }> =>
  fields({ offset: int(obj(v)['offset'], 'offset'), bucketCounts: counts(obj(v)['bucketCounts']) });
const exponentialPoint = (p: Json): Either<string, PointValue> => {
  if ((double(p['zeroThreshold']) ?? 0) !== 0) return left(`zeroThreshold ${shownValue(p['zeroThreshold'])}, which a sample does not carry (only 0)`);
  return pipe(
    fields({ scale: int(p['scale'], 'scale'), positive: buckets(p['positive']), negative: buckets(p['negative']), zeroCount: int(p['zeroCount'], 'zeroCount'), count: int(p['count'], 'count'), more: optionalDoubles(p) }),
    map(({ more, ...value }) => ({ value: { ...value, ...more } })),
  );
};

/** A metric's data: one of these (a oneof). */
const DATA_TYPES = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

const KINDS = [
  ['gauge', 'gauge', numberPoint],
  ['sum', 'sum', numberPoint],
  ['histogram', 'histogram', histogramPoint],
  ['exponentialHistogram', 'exponential-histogram', exponentialPoint],
] as const;

/**
 * One metric's samples, pushed to `out`; each point a sample cannot be is refused alone (`refuse`,
 * with why: a dead letter each) and the others taken — a series gone stale, flagged as having no
 * recorded value (the Collector's Prometheus receiver writes such markers), cost the metric's
 * other points; such markers are skipped instead with `staleMarkers: 'skip'`. A metric of a type
 * chronoq does not carry is refused whole, saying how many points. Each point is counted in `tally`.
 */
export const metricSamples = (m: Json, base: PointBase, out: Sample[], refuse: (reason: string) => void, opts: OtlpReadOptions, tally: PointTally): void => {
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const skipMarkers = opts.staleMarkers === 'skip';
  const types = DATA_TYPES.filter((key) => m[key] !== undefined);
  // Two members of the data's oneof, which proto3 JSON refuses: neither is guessed at.
  if (types.length > 1) return refuse(`metric ${shownValue(name)}: ${pointsWord(metricPoints(m))}, data of ${types.length === 2 ? 'two' : types.length} types, ${types.slice(0, -1).join(', ')} and ${types.at(-1)} (a metric has one)`);
  const found = KINDS.find(([key]) => m[key] !== undefined);
  if (found === undefined) {
    if (m['summary'] === undefined) return refuse(`metric ${shownValue(name)}: no data of a type chronoq carries (gauge, sum, histogram, exponentialHistogram)`);
    if (opts.summaries === 'gauges') return summaryGauges(m, base, out, refuse, tally, skipMarkers);
    return refuse(summaryRefusal(name, list(obj(m['summary'])['dataPoints']).length));
  }
  const [key, kind, pointValue] = found;
  const data = obj(m[key]);
  const points = list(data['dataPoints']);
  const temporality = kind === 'gauge' ? undefined : TEMPORALITY[String(data['aggregationTemporality'])];
  // Absent is 0, AGGREGATION_TEMPORALITY_UNSPECIFIED (proto3 leaves a default out), as a protobuf
  // request reads; it showed as the string "unspecified", a value no field held.
  if (kind !== 'gauge' && temporality === undefined) return refuse(`metric ${shownValue(name)}: ${pointsWord(points.length)}, aggregationTemporality ${shownValue(data['aggregationTemporality'] ?? 0)}, not delta (1) or cumulative (2)`);
  const head = metricHead(name, kind, m['unit'], m['description'], temporality, data['isMonotonic'] === true);
  takePoints(points, name, skipMarkers, tally, refuse, out, (p) => {
    const v = pointValue(p);
    if (isLeft(v)) return v;
    const basics = pointBasics(p);
    return isLeft(basics) ? basics : pointSample(head, v.right.value, v.right.valueType, basics.right, base);
  });
};

/** How many data points a request (as OTLP/JSON parses it) holds, of any metric type: what its samples and refusals came from. */
export const requestPoints = (request: unknown): number =>
  list(obj(request)['resourceMetrics']).reduce((n: number, rm) => n + pointsIn(list(obj(rm)['scopeMetrics'])), 0);

/** How many data points a metric (as OTLP/JSON parses it) holds, of any type. */
export const metricPoints = (m: unknown): number => pointsIn([{ metrics: [m] }]);

/** How many data points these scopeMetrics hold, of any metric type. */
const pointsIn = (scopeMetrics: readonly unknown[]): number => {
  let n = 0;
  for (const sm of scopeMetrics) {
    for (const m of list(obj(sm)['metrics'])) {
      for (const key of DATA_TYPES) n += list(obj(obj(m)[key])['dataPoints']).length;
    }
  }
  return n;
};

/** A JSON value with every object key in lowerCamelCase (`time_unix_nano` → `timeUnixNano`). */
const camelCased = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(camelCased)
  : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), camelCased(x)]))
  : v;

/** An OTLP/JSON line → its samples and the refusals of what they cannot hold; Left when the line is no metrics request. */
export const parseOtlpJsonLine = (line: string, opts: OtlpReadOptions = {}): Either<string, OtlpJsonLine> => map((r: unknown) => requestSamples(r, opts))(parseOtlpJsonRequest(line));

/**
 * An OTLP/JSON text (a line of a file, an OTLP/HTTP request's body) → the request object it holds
 * (long integers kept exact, proto field names camelCased), or why it is no metrics request.
 */
export const parseOtlpJsonRequest = (text: string): Either<string, unknown> => {
  const signal = SIGNAL.exec(text)?.[1];
  if (signal !== undefined && signal.toLowerCase() !== 'metrics') return left(`an OTLP/JSON request of ${signal.toLowerCase()}, not metrics`);
  let request: unknown;
  try {
    request = JSON.parse(quoteLongIntegers(text));
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
  // Written with the proto field names (Python's MessageToJson with preserving_proto_field_name):
  // read as lowerCamelCase. Every object key of a request is a field name (attributes are lists of {key, value}).
  return right(obj(request)['resource_metrics'] !== undefined ? camelCased(request) : request);
};

/**
 * An ExportMetricsServiceRequest as OTLP/JSON parses (or otlpProtoRequest.ts decodes) it → its
 * samples and the refusals of what they cannot hold.
 */
export const requestSamples = (request: unknown, opts: OtlpReadOptions = {}): OtlpJsonLine => {
  const samples: Sample[] = [];
  const refused: string[] = [];
  const tally: PointTally = { taken: 0, skipped: 0 };
  for (const rm of list(obj(request)['resourceMetrics'])) {
    const resource = attributes(obj(obj(rm)['resource'])['attributes']);
    if (isLeft(resource)) {
      refused.push(`the resource: ${pointsWord(pointsIn(list(obj(rm)['scopeMetrics'])))}, ${resource.left}`);
      continue;
    }
    const resourceSchemaUrl = textOf(obj(rm)['schemaUrl']);
    for (const sm of list(obj(rm)['scopeMetrics'])) {
      const sc = obj(obj(sm)['scope']);
      const scopeAttributes = attributes(sc['attributes']);
      if (isLeft(scopeAttributes)) {
        refused.push(`scope ${shownValue(sc['name'] ?? '')}: ${pointsWord(pointsIn([sm]))}, ${scopeAttributes.left}`);
        continue;
      }
      const scope = scopeOf(typeof sc['name'] === 'string' ? sc['name'] : '', sc['version'], obj(sm)['schemaUrl'], scopeAttributes.right);
      const base = pointBase(resource.right, resourceSchemaUrl, scope);
      for (const m of list(obj(sm)['metrics'])) metricSamples(obj(m), base, samples, (reason) => refused.push(reason), opts, tally);
    }
  }
  return { samples, refused, pointsTaken: tally.taken, pointsSkipped: tally.skipped };
};
