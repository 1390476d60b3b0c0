/**
 * The parts of the one-pass protobuf reader (otlpProtoSamples.ts) below the points: attributes —
 * decoded once per distinct byte string (a series sends the same bytes in every request) and
 * interned as the general path interns them — and 64-bit integers, with the signal that leaves a
 * request to the general path (otlpProtoRequest.ts, then requestSamples) for what a sample does
 * not hold as it is.
 */
import type { Attributes, AttrValue } from '../sample.js';
import { internAttributes } from '../otlpJsonValues.js';
import { createGenerationalCache } from '../generationalCache.js';
import { type Cursor, double, fields, message, string, varint, varint64, wire } from './protoReader.js';

/** Thrown to leave this path for the general one. */
const GENERAL = Symbol('general path');
/** Whether `e` is the signal to leave the request to the general path. */
export const isGeneralPath = (e: unknown): boolean => e === GENERAL;
export const general = (): never => {
  throw GENERAL;
};

/** A 64-bit integer as the number that holds it exactly (past 2^53 only some), or the general path, which refuses it. */
export const safe = (v: bigint): number => {
  if (v >= -9007199254740991n && v <= 9007199254740991n) return Number(v);
  const n = Number(v);
  return BigInt(n) === v ? n : general();
};

/**
 * One AnyValue a sample's attribute holds as it is: string, bool, int a double holds, double, and
 * with `arrays` an ArrayValue of those (SDK resources carry one: process.command_args); a map,
 * bytes, an array inside an array, an empty value are refused by the general path.
 */
const value = (arrays: boolean) => (c: Cursor, end: number): AttrValue => {
  let v: AttrValue | undefined;
  fields(c, end, (f, w) => {
    if (f === 1) v = string(c, w);
    else if (f === 2) v = (wire(w, 0), varint(c) !== 0);
    else if (f === 3) v = (wire(w, 0), safe(varint64(c, true)));
    else if (f === 4) v = (wire(w, 1), double(c));
    else if (f === 5 && arrays) v = message(c, w, arrayValue);
    else if (f >= 5 && f <= 7) general();
  });
  // An empty value is refused; a string the OTLP/JSON reader takes for a quoted long number too.
  return v === undefined || (typeof v === 'string' && v.startsWith('\u0000')) ? general() : v;
};
const scalarValue = value(false) as (c: Cursor, end: number) => string | number | boolean;
/** ArrayValue: values 1. */
const arrayValue = (c: Cursor, end: number): (string | number | boolean)[] => {
  const values: (string | number | boolean)[] = [];
  fields(c, end, (f, w) => void (f === 1 && values.push(message(c, w, scalarValue))));
  return values;
};
const anyValue = value(true);
const keyValueInto = (out: Record<string, AttrValue>) => (c: Cursor, end: number): void => {
  let key = '';
  let v: AttrValue | undefined;
  fields(c, end, (f, w) => {
    if (f === 1) key = string(c, w);
    else if (f === 2) v = message(c, w, anyValue);
  });
  out[key] = v ?? general();
};

/**
 * Attributes by the bytes of their fields: a series' bytes come again in each request. Keyed by
 * their hash, each entry keeping its bytes (as a latin1 string: a Uint8Array copy costs several
 * times as much to make and hold) to tell sets that share a hash apart; the sets in use are kept,
 * as the interner keeps them (generationalCache.ts).
 */
interface Cached {
  readonly bytes: string;
  readonly attributes: Attributes;
}
const byHash = createGenerationalCache<number, Cached | readonly Cached[]>(65_536);
/** FNV-1a of bytes[start, end). */
const hashOf = (bytes: Uint8Array, start: number, end: number): number => {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
};
const sameBytes = (a: string, b: Uint8Array, start: number, end: number): boolean => {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b[start + i]) return false;
  return true;
};
const cachedAt = (entry: Cached | readonly Cached[] | undefined, bytes: Uint8Array, start: number, end: number): Attributes | undefined => {
  if (entry === undefined) return undefined;
  if (!Array.isArray(entry)) return sameBytes((entry as Cached).bytes, bytes, start, end) ? (entry as Cached).attributes : undefined;
  for (const e of entry as readonly Cached[]) if (sameBytes(e.bytes, bytes, start, end)) return e.attributes;
  return undefined;
};
/** Takes in a set under its hash, beside `prior` (what the look-up found there: other sets of that hash). */
const cache = (hash: number, prior: Cached | readonly Cached[] | undefined, bytes: Uint8Array, start: number, end: number, attributes: Attributes): void => {
  const entry: Cached = { bytes: Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1'), attributes };
  byHash.set(hash, prior === undefined ? entry : Array.isArray(prior) ? [...(prior as readonly Cached[]), entry] : [prior as Cached, entry]);
};

/**
 * The attributes of the KeyValue fields at `at` (positions of their lengths; `spans` their tags'
 * starts and fields' ends, in order), from the cache when the fields lie side by side (other
 * fields between them — a time, say — would make every point's bytes new, filling the cache with
 * entries never met again).
 */
export const attributesAt = (c: Cursor, at: readonly number[], spans: readonly number[]): Attributes => {
  let contiguous = true;
  for (let i = 2; i < spans.length; i += 2) if (spans[i] !== spans[i - 1]) contiguous = false;
  const start = spans.length === 0 ? 0 : spans[0]!;
  const end = spans.length === 0 ? 0 : spans[spans.length - 1]!;
  const hash = contiguous ? hashOf(c.buf, start, end) : 0;
  const prior = contiguous ? byHash.get(hash) : undefined;
  const cached = cachedAt(prior, c.buf, start, end);
  if (cached !== undefined) return cached;
  const out: Record<string, AttrValue> = {};
  const back = c.pos;
  for (const pos of at) (c.pos = pos), message(c, 2, keyValueInto(out));
  c.pos = back;
  const attrs = internAttributes(out);
  if (contiguous) cache(hash, prior, c.buf, start, end, attrs);
  return attrs;
};

/** Collects a repeated KeyValue field's positions while a message is walked. */
export const attributeFields = () => {
  const at: number[] = [];
  const spans: number[] = [];
  return {
    at, spans,
    /** The tag began at `tagAt`; the cursor is at the length; the field ends at `end`. */
    add: (c: Cursor, w: number, tagAt: number, end: number): void => {
      if (w !== 2) general();
      at.push(c.pos);
      spans.push(tagAt, end);
    },
  };
};

/** Walks a message as `fields` does, telling each field where its tag began. */
export const fieldsWithTags = (c: Cursor, end: number, on: (field: number, wireType: number, end: number, tagAt: number) => void): void => {
  let tagAt = c.pos;
  fields(c, end, (f, w, e) => {
    on(f, w, e, tagAt);
    tagAt = e;
  });
};
