/**
 * Samples and dead letters as JSON lines: nanosecond times as decimal strings (exact), or an
 * RFC 3339 `time` (`startTime`) to the nanosecond on input; a value (or a histogram's sum, min,
 * max) that is NaN or ±Infinity as "NaN", "Infinity", "-Infinity", as OTLP/JSON writes them; an
 * attribute that is one as `{"doubleValue":"NaN"}` (attributeJson.ts).
 */
import { type Either, left, right, isLeft } from 'fp-ts/lib/Either.js';
import { type Attributes, type Sample, type SampleKind, validateSample, msToNanos } from './sample.js';
import { createAttributeInterner } from './internAttributes.js';
import { JSON_STRING, NON_FINITE, attributeToJson, attributesFromJson, isAttributeSet } from './attributeJson.js';
import { nanosProblem, shownValue } from './sampleValues.js';
import { misnamedField, missingTime } from './sampleLookalikes.js';
import { inexactAttribute } from './inexactAttributes.js';
import { flatSampleLine } from './flatSampleLine.js';
import { type SharedKey, type SharedRead, readByParts } from './sampleLineParts.js';

const BIGINT_FIELDS = ['timeUnixNano', 'startTimeUnixNano', 'correctedFromUnixNano'] as const;

/**
 * A string no sample carries, standing for -0 until the line is written: JSON.stringify writes -0
 * as 0, so a gauge the SDK recorded as -0 came back 0 from the spool (JSON.parse reads -0 back).
 */
const NEGATIVE_ZERO = '\u0000chronoq:-0';
const NEGATIVE_ZERO_WRITTEN = JSON.stringify(NEGATIVE_ZERO);

/** A histogram's doubles besides its boundaries (a value object with counts or a zeroCount). */
const HISTOGRAM_DOUBLES = ['sum', 'min', 'max'];
const isHistogramValue = (o: Record<string, unknown>): boolean => Array.isArray(o['counts']) || typeof o['zeroCount'] === 'number';
/** "NaN", "Infinity" or "-Infinity" → that number; anything else as it is (validateSample judges it). */
const numberFromJson = (v: unknown): unknown => (typeof v === 'string' && Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : v);
/** A sample's value with those strings read back: the value itself, or a histogram's sum, min and max. */
const valueFromJson = (v: unknown): unknown => {
  if (typeof v !== 'object' || v === null) return numberFromJson(v);
  const h = v as Record<string, unknown>;
  if (!HISTOGRAM_DOUBLES.some((k) => typeof h[k] === 'string')) return v;
  const read = { ...h };
  for (const k of HISTOGRAM_DOUBLES) if (typeof h[k] === 'string') read[k] = numberFromJson(h[k]);
  return read;
};

/** True when `holder` is one of these attribute sets or an array that is a value of one. */
const holdsAttribute = (holder: unknown, ...sets: (object | undefined)[]): boolean =>
  sets.some((a) => a !== undefined && (holder === a || (Array.isArray(holder) && Object.values(a).includes(holder))));

/**
 * JSON.stringify with bigints as decimal strings, -0 as -0, and a `value` — or a histogram's sum,
 * min or max — that is NaN or ±Infinity as the string "NaN", "Infinity" or "-Infinity", as
 * OTLP/JSON (proto3's JSON mapping) writes such doubles; JSON.stringify wrote null, which no value
 * may be: a NaN gauge came back from the spool or the dead-letter file as invalid. An attribute
 * (of a sample or its resource, alone or in an array) that is one is written by attributeToJson.
 */
export const jsonLineByReplacer = (v: unknown): string => {
  let negativeZero = false;
  // The attributes and resource last written (JSON.stringify visits a holder before what it holds).
  let attributes: object | undefined;
  let resource: object | undefined;
  const text = JSON.stringify(v, function (this: Record<string, unknown>, k, x: unknown) {
    if (typeof x === 'bigint') return x.toString();
    if (typeof x === 'number') {
      if (x === 0 && Object.is(x, -0)) return (negativeZero = true), NEGATIVE_ZERO;
      if (!Number.isFinite(x)) {
        if (holdsAttribute(this, attributes, resource)) return attributeToJson(x); // an attribute named "value" too
        if (k === 'value' || (HISTOGRAM_DOUBLES.includes(k) && isHistogramValue(this))) return String(x);
      }
    } else if (typeof x === 'object' && x !== null) {
      if (k === 'attributes') attributes = x;
      else if (k === 'resource') resource = x;
    } else if (x === undefined && (this === attributes || this === resource)) return null; // as sent: an empty value, not no attribute
    return x;
  });
  return negativeZero ? text.replaceAll(NEGATIVE_ZERO_WRITTEN, '-0') : text;
};

/** A sample or a dead letter as one JSON line, as jsonLineByReplacer writes it (a flat sample by flatSampleLine.ts, faster). */
export const toJsonLine = (v: unknown): string => flatSampleLine(v, jsonLineByReplacer) ?? jsonLineByReplacer(v);

// RFC 3339 lets a space stand for the T (section 5.6), as Python's str(datetime) and SQL write it.
// Any number of fraction digits (RFC 3339's time-secfrac): more than nine were refused as not RFC 3339.
const RFC3339 = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/** RFC 3339 → ns since the epoch, exact to the nanosecond (digits past the ninth are cut: OTLP carries nanoseconds). */
export const parseRfc3339 = (text: string, field = 'time'): Either<string, bigint> => {
  const m = RFC3339.exec(text.trim());
  if (!m) {
    // Python's datetime.now().isoformat() writes no offset: which instant it was is not in the text.
    const local = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?$/.test(text.trim());
    return left(`${field} ${JSON.stringify(text)} is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)${local ? ': it has no UTC offset, so the instant is unknown — add Z for UTC, or the offset such as +01:00 (Python: datetime.now(timezone.utc).isoformat())' : ''}`);
  }
  // RFC 3339 allows a leap second; Unix time, and so OTLP's nanoseconds, has no place for one.
  if (m[2]!.endsWith(':60')) return left(`${field} ${JSON.stringify(text)} is a leap second, which Unix time (and OTLP) has no place for: write ${m[2]!.slice(0, -2)}59.999999999 or the next second`);
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]}`);
  // Date.parse takes any day up to 31 (2025-02-30 is read as March 2): the day must exist in its month.
  const [y, mo, d] = m[1]!.split('-').map(Number) as [number, number, number];
  if (Number.isNaN(ms) || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return left(`${field} ${JSON.stringify(text)} is not a valid date`);
  const fraction = BigInt((m[3] ?? '').slice(0, 9).padEnd(9, '0'));
  return right(msToNanos(ms) + fraction);
};

/**
 * The digits of `field`'s number as written in `line`, when they are the one token there that
 * JSON.parse read as `v`. Nanoseconds since the epoch are past 2⁵³, so JSON.parse rounds a time
 * written as a number (as Go's, Python's and most producers' JSON encoders write an integer) to a
 * multiple of 256 ns; the text still has it exactly.
 */
const exactDigits = (line: string | undefined, field: string, v: number): string | undefined => {
  if (line === undefined || !Number.isInteger(v)) return undefined;
  const tokens = [...line.matchAll(new RegExp(`"${field}"\\s*:\\s*(-?\\d+)(?=\\s*[,}])`, 'g'))].map((m) => m[1]!).filter((t) => Number(t) === v);
  return tokens.length > 0 && tokens.every((t) => t === tokens[0]) ? tokens[0] : undefined;
};

const parseNanos = (v: unknown, field: string, line?: string): Either<string, bigint | undefined> => {
  if (v === undefined || v === null) return right(undefined);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return right(BigInt(v));
  if (typeof v === 'number' && Number.isSafeInteger(v)) return right(BigInt(v));
  if (typeof v === 'number') {
    const digits = exactDigits(line, field, v);
    if (digits !== undefined) return right(BigInt(digits));
    return left(nanosProblem(field, v, true));
  }
  return left(nanosProblem(field, v, false));
};

/** Samples of one series share their attributes and resource objects (see internAttributes.ts). */
const intern = createAttributeInterner();

/**
 * A parsed JSON object → Sample, or what is wrong with it; `line`, the text it was parsed from,
 * gives times written as numbers exactly. `read`: its attributes, resource and scope already read
 * (parseSampleLine's parts: sampleLineParts.ts), which `o` holds placeholders for.
 */
export const sampleFromJson = (o: unknown, line?: string, read?: SharedRead): Either<string, Sample> => {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return left('a sample must be a JSON object');
  const r = o as Record<string, unknown>;
  // A dead-letter file read as samples (a source pointed at it) said "a sample needs timeUnixNano".
  if (r['name'] === undefined && typeof r['reason'] === 'string' && typeof r['item'] === 'object' && r['item'] !== null) {
    return left(`a dead letter (reason ${r['reason']}), not a sample: dead letters are sent again with chronoq replay FILE`);
  }
  const times: Partial<Record<(typeof BIGINT_FIELDS)[number], bigint>> = {};
  for (const f of BIGINT_FIELDS) {
    const p = parseNanos(r[f], f, line);
    if (isLeft(p)) return p;
    if (p.right !== undefined) times[f] = p.right;
  }
  const misnamed = misnamedField(r);
  if (misnamed !== undefined) return left(misnamed);
  if (times.timeUnixNano === undefined) {
    if (typeof r['time'] !== 'string') return left(missingTime(r));
    const t = parseRfc3339(r['time']);
    if (isLeft(t)) return t;
    times.timeUnixNano = t.right;
  }
  // A counter's start as RFC 3339 beside `time`, as `startTimeUnixNano` beside `timeUnixNano`:
  // it was passed over without a word, and the counter took its series' start instead.
  if (times.startTimeUnixNano === undefined && r['startTime'] != null) {
    if (typeof r['startTime'] !== 'string') return left(`startTime must be RFC 3339 text, got ${shownValue(r['startTime'])}`);
    const t = parseRfc3339(r['startTime'], 'startTime');
    if (isLeft(t)) return t;
    times.startTimeUnixNano = t.right;
  }
  // Built field by field, in the order spreads of conditional objects gave before (each an object
  // of its own: parsing a line cost 10–13 % more in paired runs).
  const sample: { -readonly [K in keyof Sample]?: Sample[K] } = {
    name: r['name'] as string,
    kind: (r['kind'] ?? 'gauge') as SampleKind,
    value: valueFromJson(r['value']) as Sample['value'],
    timeUnixNano: times.timeUnixNano,
    attributes: (read?.attributes ?? internIfObject(r['attributes'] ?? {})) as Sample['attributes'],
  };
  if (times.startTimeUnixNano !== undefined) sample.startTimeUnixNano = times.startTimeUnixNano;
  if (times.correctedFromUnixNano !== undefined) sample.correctedFromUnixNano = times.correctedFromUnixNano;
  if (r['unit'] != null) sample.unit = r['unit'] as string;
  if (r['description'] != null) sample.description = r['description'] as string;
  if (r['resource'] != null) sample.resource = (read?.resource ?? internIfObject(r['resource'])) as Attributes;
  if (r['resourceSchemaUrl'] != null) sample.resourceSchemaUrl = r['resourceSchemaUrl'] as string;
  // What a sample bridged from the OpenTelemetry SDK carries besides; checked by validateSample.
  // null is absent, as for the times (Python's json writes None so).
  if (r['scope'] != null) sample.scope = (read?.scope ?? scopeFromJson(r['scope'])) as Sample['scope'];
  if (r['temporality'] != null) sample.temporality = r['temporality'] as Sample['temporality'];
  if (r['monotonic'] != null) sample.monotonic = r['monotonic'] as boolean;
  if (r['valueType'] != null) sample.valueType = r['valueType'] as Sample['valueType'];
  return validateSample(sample as Sample);
};

/** A scope object without its null fields (or empty attributes), its attributes read as a sample's are (validateSample judges the rest). */
const scopeFromJson = (v: unknown): Sample['scope'] => {
  if (!isAttributeSet(v)) return v as Sample['scope'];
  const scope: Record<string, unknown> = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
  if (isAttributeSet(scope['attributes']) && Object.keys(scope['attributes']).length === 0) delete scope['attributes'];
  else if (scope['attributes'] !== undefined) scope['attributes'] = internIfObject(scope['attributes']);
  return scope as unknown as Sample['scope'];
};

/** Interns an attributes value that is an object; anything else goes on to validation as it is. */
const internIfObject = (v: unknown): unknown =>
  isAttributeSet(v) ? intern(attributesFromJson(v) as Attributes) : v;

/** JSON.parse as an Either: the text, or why it is not JSON. */
export const parseJson = (line: string): Either<string, unknown> => {
  try {
    return right(JSON.parse(line) as unknown);
  } catch (e) {
    return left(`not JSON: ${(e as Error).message}`);
  }
};

/**
 * A JSON string, or a bare NaN, Infinity or -Infinity after `"value":` (group 1: the key and the
 * colon; group 2: the token). Strings are matched whole so that nothing inside one is touched.
 */
const STRING_OR_BARE_VALUE = new RegExp(String.raw`("value"\s*:\s*)(NaN|-?Infinity)(?=\s*[,}])|${JSON_STRING}`, 'g');

/**
 * The line with a bare NaN, Infinity or -Infinity value quoted, as OTLP/JSON writes them, or
 * undefined when it has none. Python's json module writes such floats bare (allow_nan, its
 * default), which is not JSON: the whole line was a dead letter `invalid`.
 */
const quoteBareNonFiniteValue = (line: string): string | undefined => {
  let quoted = false;
  const text = line.replace(STRING_OR_BARE_VALUE, (m, key: string | undefined, token: string | undefined) =>
    token === undefined ? m : ((quoted = true), `${key}"${token}"`));
  return quoted ? text : undefined;
};

/** What parseSampleLine reads once a series: its attributes and resource interned, its scope made. */
export const readObject = (key: SharedKey, v: unknown): unknown => (key === 'scope' ? scopeFromJson(v) : internIfObject(v));

/** A line's resource or scope written as a reference (the spool's lines: sharedObjects.ts) → the object read, or undefined. */
export type SharedRefs = (key: 'resource' | 'scope', ref: string) => unknown;

/** Reads the references of `o`'s resource and scope into `read`; why not, when one names nothing. */
export const readRefs = (o: unknown, read: SharedRead, refs: SharedRefs): string | undefined => {
  if (typeof o !== 'object' || o === null) return undefined;
  for (const key of ['resource', 'scope'] as const) {
    const ref = (o as Record<string, unknown>)[key];
    if (typeof ref !== 'string' || read[key] !== undefined) continue; // an object the line holds whole (cut out by readByParts)
    const v = refs(key, ref);
    if (v === undefined) return `${key} ${JSON.stringify(ref)} is not in the spool's shared objects`;
    read[key] = v;
  }
  return undefined;
};

/** The sample read from `line`, or why not: also when an attribute's integer in the line is past what JSON.parse read exactly. */
const exactIn = (line: string, sample: Either<string, Sample>): Either<string, Sample> => {
  const inexact = isLeft(sample) ? undefined : inexactAttribute(line, sample.right);
  return inexact === undefined ? sample : left(inexact);
};

/**
 * The sample of a line's parsed object `o` (with what `read` already holds of its attributes,
 * resource and scope), its resource and scope read through `refs` when they are references; why
 * not, also when a reference names nothing. Without refs no read set is made for the whole path.
 */
const sampleOfLine = (line: string, o: unknown, read: SharedRead | undefined, refs: SharedRefs | undefined): Either<string, Sample> => {
  if (refs !== undefined) {
    read ??= {};
    const unknownRef = readRefs(o, read, refs);
    if (unknownRef !== undefined) return left(unknownRef);
  }
  return exactIn(line, sampleFromJson(o, line, read));
};

/**
 * One NDJSON line → Sample, or the reason it is not one. `refs`: a resource or scope written as a
 * string is a reference to one (the spool's lines), read through it.
 */
export const parseSampleLine = (line: string, refs?: SharedRefs): Either<string, Sample> => {
  const parts = readByParts(line, readObject);
  return parts === undefined ? parseSampleLineWhole(line, refs) : sampleOfLine(line, parts.o, parts.read, refs);
};

/** parseSampleLine without the cut into parts (its tests compare the two). */
export const parseSampleLineWhole = (line: string, refs?: SharedRefs): Either<string, Sample> => {
  let parsed = parseJson(line);
  if (isLeft(parsed) && (line.includes('NaN') || line.includes('Infinity'))) {
    const quoted = quoteBareNonFiniteValue(line);
    const again = quoted === undefined ? parsed : parseJson(quoted);
    if (!isLeft(again)) parsed = again;
  }
  return isLeft(parsed) ? parsed : sampleOfLine(line, parsed.right, undefined, refs);
};
