/**
 * OTLP/JSON lines → Samples: a line that is an ExportMetricsServiceRequest, as the Collector's file
 * exporter writes them (and the OpenTelemetry file exporter specification: one request a line,
 * lowerCamelCase keys, 64-bit integers as decimal strings, enums as integers). An NDJSON source
 * read such a line as one sample and refused it ("a sample needs timeUnixNano"): a Collector's
 * archive of an outage could not be sent on in order with its times.
 *
 * Every data point becomes a sample with its time and start time exactly, its attributes, the
 * resource and scope it came with, unit, description, temporality, monotonicity and int or double.
 * What a sample cannot hold is refused, per metric, with the reason — summaries, points flagged
 * as having no recorded value, map and bytes attributes, exponential histograms with a zero
 * threshold, integers past 2^53 — rather than sent changed. Exemplars are not carried.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { AttrValue, Attributes, Sample } from './sample.js';
import { validateSample } from './sample.js';
import { NON_FINITE } from './attributeJson.js';
import { shownValue } from './sampleValues.js';
import { createAttributeInterner } from './internAttributes.js';

/** The samples of a line, and why some of its metrics' points were not taken (each a dead letter `invalid`). */
export interface OtlpJsonLine {
  readonly samples: Sample[];
  readonly refused: string[];
}

const SIGNAL = /^\s*\{\s*"resource(Metrics|Spans|Logs|Profiles)"\s*:/;

/** Whether the line is an OTLP/JSON request (of any signal): read by parseOtlpJsonLine, not as a sample. */
export const isOtlpJsonLine = (line: string): boolean => SIGNAL.test(line);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A long integer written as a JSON number, quoted by quoteLongIntegers: `#` and its digits. */
const LONG_NUMBER = /^#(-?\d+)$/;

/**
 * A 64-bit integer as a number, or why not. Past 2^53 a double holds only some: a decimal string
 * (proto3's JSON form, as the Collector writes int64) must be one of them exactly, or it is
 * refused rather than rounded; a JSON number must be a double's own text (JavaScript's JSON
 * serializer writes the double it has, 33379043121066310 for 33379043121066312).
 */
const int = (v: unknown, what: string): Either<string, number> => {
  if (v === undefined || v === null) return right(0);
  if (typeof v === 'number' && Number.isInteger(v)) return right(v);
  const long = typeof v === 'string' ? LONG_NUMBER.exec(v)?.[1] : undefined;
  if (long !== undefined) return String(Number(long)) === long || BigInt(Number(long)) === BigInt(long) ? right(Number(long)) : left(`${what} ${long} is past 2^53 and not a number a sample can hold exactly`);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return left(`${what} must be an integer, got ${shownValue(v)}`);
  const n = Number(v);
  return Number.isSafeInteger(n) || BigInt(n) === BigInt(v) ? right(n) : left(`${what} ${v} is past 2^53 and not a number a sample can hold exactly`);
};
const double = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const long = LONG_NUMBER.exec(v)?.[1];
  return long !== undefined ? Number(long) : Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : undefined;
};
const nanos = (v: unknown): bigint | undefined => {
  const digits = typeof v === 'string' ? (LONG_NUMBER.exec(v)?.[1] ?? v) : undefined;
  return digits !== undefined && /^\d+$/.test(digits) ? BigInt(digits) : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
};

/** An AnyValue as an attribute value, or why a sample cannot hold it. */
const anyValue = (v: unknown): Either<string, AttrValue> => {
  const a = obj(v);
  if (typeof a['stringValue'] === 'string') return right(a['stringValue']);
  if (typeof a['boolValue'] === 'boolean') return right(a['boolValue']);
  if (a['intValue'] !== undefined) return int(a['intValue'], 'an intValue');
  if (a['doubleValue'] !== undefined) {
    const d = double(a['doubleValue']);
    return d === undefined ? left(`a doubleValue must be a number, got ${shownValue(a['doubleValue'])}`) : right(d);
  }
  if (a['arrayValue'] !== undefined) {
    const items: (string | number | boolean)[] = [];
    for (const item of list(obj(a['arrayValue'])['values'])) {
      const x = anyValue(item);
      if (isLeft(x)) return x;
      if (Array.isArray(x.right)) return left('an array inside an array, which a sample cannot hold');
      items.push(x.right as string | number | boolean);
    }
    return right(items);
  }
  const kind = Object.keys(a)[0];
  return left(kind === undefined ? 'an empty value, which a sample cannot hold' : `a ${kind}, which a sample cannot hold (strings, numbers, booleans and arrays of them)`);
};

const intern = createAttributeInterner();

const attributes = (v: unknown): Either<string, Attributes> => {
  const out: Record<string, AttrValue> = {};
  for (const kv of list(v)) {
    const { key, value } = obj(kv);
    const x = anyValue(value);
    if (isLeft(x)) return left(`attribute ${shownValue(key)}: ${x.left}`);
    out[String(key)] = x.right;
  }
  return right(intern(out));
};

const TEMPORALITY: Readonly<Record<string, 'delta' | 'cumulative'>> = { 1: 'delta', 2: 'cumulative', AGGREGATION_TEMPORALITY_DELTA: 'delta', AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative' };

/** A data point's value as a sample's (kind, value, valueType), or why not. */
type PointValue = Pick<Sample, 'value'> & Partial<Pick<Sample, 'valueType'>>;
const numberPoint = (p: Json): Either<string, PointValue> => {
  if (p['asInt'] !== undefined) {
    const n = int(p['asInt'], 'asInt');
    return isLeft(n) ? n : right({ value: n.right, valueType: 'int' });
  }
  const d = double(p['asDouble']);
  return d === undefined ? left('a data point without a value (asDouble or asInt)') : right({ value: d, valueType: 'double' });
};
const counts = (v: unknown, what: string): Either<string, number[]> => {
  const out: number[] = [];
  for (const c of list(v)) {
    const n = int(c, what);
    if (isLeft(n)) return n;
    out.push(n.right);
  }
  return right(out);
};
const optionalDoubles = (p: Json): { sum?: number; min?: number; max?: number } => {
  const o: { sum?: number; min?: number; max?: number } = {};
  for (const k of ['sum', 'min', 'max'] as const) if (p[k] !== undefined && double(p[k]) !== undefined) o[k] = double(p[k])!;
  return o;
};
const histogramPoint = (p: Json): Either<string, PointValue> => {
  const c = counts(p['bucketCounts'], 'a bucket count');
  const n = int(p['count'], 'count');
  if (isLeft(c)) return c;
  if (isLeft(n)) return n;
  return right({ value: { boundaries: list(p['explicitBounds']).map((b) => double(b) ?? Number.NaN), counts: c.right, count: n.right, ...optionalDoubles(p) } });
};
const exponentialPoint = (p: Json): Either<string, PointValue> => {
  if ((double(p['zeroThreshold']) ?? 0) !== 0) return left(`zeroThreshold ${String(p['zeroThreshold'])}, which a sample does not carry (only 0)`);
  const side = (v: unknown) => {
    const s = obj(v);
    const off = int(s['offset'], 'offset');
    const c = counts(s['bucketCounts'], 'a bucket count');
    return isLeft(off) ? off : isLeft(c) ? c : right({ offset: off.right, bucketCounts: c.right });
  };
  const pos = side(p['positive']);
  const neg = side(p['negative']);
  const zero = int(p['zeroCount'], 'zeroCount');
  const n = int(p['count'], 'count');
  for (const e of [pos, neg, zero, n]) if (isLeft(e)) return e;
  const [positive, negative] = [pos, neg].map((e) => (e as { right: { offset: number; bucketCounts: number[] } }).right);
  return right({ value: { scale: Number(p['scale'] ?? 0), zeroCount: (zero as { right: number }).right, positive: positive!, negative: negative!, count: (n as { right: number }).right, ...optionalDoubles(p) } });
};

const KINDS = [
  ['gauge', 'gauge', numberPoint],
  ['sum', 'sum', numberPoint],
  ['histogram', 'histogram', histogramPoint],
  ['exponentialHistogram', 'exponential-histogram', exponentialPoint],
] as const;

/** One metric's samples (pushed to `out`), or why its points are not taken. */
const metricSamples = (m: Json, base: Pick<Sample, 'resource' | 'scope'>, out: Sample[]): string | undefined => {
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const found = KINDS.find(([key]) => m[key] !== undefined);
  if (found === undefined) return `metric ${shownValue(name)}: ${m['summary'] !== undefined ? 'summary points, which chronoq does not carry (gauges, sums and histograms)' : 'no data of a type chronoq carries (gauge, sum, histogram, exponentialHistogram)'}`;
  const [key, kind, pointValue] = found;
  const data = obj(m[key]);
  const unit = typeof m['unit'] === 'string' && m['unit'] !== '' ? m['unit'] : undefined;
  const description = typeof m['description'] === 'string' && m['description'] !== '' ? m['description'] : undefined;
  const temporality = kind === 'gauge' ? undefined : TEMPORALITY[String(data['aggregationTemporality'])];
  if (kind !== 'gauge' && temporality === undefined) return `metric ${shownValue(name)}: aggregationTemporality ${shownValue(data['aggregationTemporality'] ?? 'unspecified')}, not delta (1) or cumulative (2)`;
  const monotonic = kind === 'sum' ? data['isMonotonic'] === true : undefined;
  const taken: Sample[] = [];
  for (const point of list(data['dataPoints'])) {
    const p = obj(point);
    // The flag says the point is a marker that its series ended (no value): not a sample.
    if ((Number(p['flags'] ?? 0) & 1) === 1) return `metric ${shownValue(name)}: a point flagged as having no recorded value, which a sample cannot be`;
    const v = pointValue(p);
    const attrs = attributes(p['attributes']);
    const time = nanos(p['timeUnixNano']);
    const start = nanos(p['startTimeUnixNano']);
    if (isLeft(v)) return `metric ${shownValue(name)}: ${v.left}`;
    if (isLeft(attrs)) return `metric ${shownValue(name)}: ${attrs.left}`;
    if (time === undefined) return `metric ${shownValue(name)}: timeUnixNano must be a decimal string of nanoseconds, got ${shownValue(p['timeUnixNano'])}`;
    // Built field by field, absent ones left out, in one order: spreads of objects cost ~3 µs a point.
    const sample: { -readonly [K in keyof Sample]?: Sample[K] } = { name, kind, value: v.right.value, timeUnixNano: time, attributes: attrs.right };
    if (start !== undefined && start > 0n) sample.startTimeUnixNano = start;
    if (unit !== undefined) sample.unit = unit;
    if (description !== undefined) sample.description = description;
    sample.resource = base.resource;
    sample.scope = base.scope;
    if (temporality !== undefined) sample.temporality = temporality;
    if (monotonic !== undefined) sample.monotonic = monotonic;
    if (v.right.valueType !== undefined) sample.valueType = v.right.valueType;
    const s = validateSample(sample as Sample);
    if (isLeft(s)) return `metric ${shownValue(name)}: ${s.left}`;
    taken.push(s.right);
  }
  out.push(...taken);
  return undefined;
};

/**
 * Bare integers of 16 digits or more (a time in nanoseconds written as a number) quoted as `"#digits"`
 * (LONG_NUMBER), so that JSON.parse keeps their digits and what reads them knows they were numbers.
 */
const quoteLongIntegers = (line: string): string =>
  !/[:,[]\s*-?\d{16}/.test(line) ? line : line.replace(/"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?\d{16,})(?=\s*[,}\]])/g, (whole, digits: string | undefined) => (digits === undefined ? whole : `"#${digits}"`));

/** An OTLP/JSON line → its samples and the refusals of what they cannot hold; Left when the line is no metrics request. */
export const parseOtlpJsonLine = (line: string): Either<string, OtlpJsonLine> => {
  const signal = SIGNAL.exec(line)?.[1];
  if (signal !== undefined && signal !== 'Metrics') return left(`an OTLP/JSON request of ${signal.toLowerCase()} (resource${signal}), not metrics`);
  let request: unknown;
  try {
    request = JSON.parse(quoteLongIntegers(line));
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
  const samples: Sample[] = [];
  const refused: string[] = [];
  for (const rm of list(obj(request)['resourceMetrics'])) {
    const resource = attributes(obj(obj(rm)['resource'])['attributes']);
    if (isLeft(resource)) {
      refused.push(`the resource's ${resource.left}`);
      continue;
    }
    for (const sm of list(obj(rm)['scopeMetrics'])) {
      const sc = obj(obj(sm)['scope']);
      const scope = {
        name: typeof sc['name'] === 'string' ? sc['name'] : '',
        ...(typeof sc['version'] === 'string' && sc['version'] !== '' ? { version: sc['version'] } : {}),
        ...(typeof obj(sm)['schemaUrl'] === 'string' && obj(sm)['schemaUrl'] !== '' ? { schemaUrl: obj(sm)['schemaUrl'] as string } : {}),
      };
      for (const m of list(obj(sm)['metrics'])) {
        const problem = metricSamples(obj(m), { resource: resource.right, scope }, samples);
        if (problem !== undefined) refused.push(problem);
      }
    }
  }
  return right({ samples, refused });
};
