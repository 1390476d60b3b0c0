/**
 * The values of OTLP/JSON (proto3's JSON mapping, as the Collector writes it) as a sample holds
 * them, or why it cannot: 64-bit integers (decimal strings, or numbers — long ones kept exact by
 * quoteLongIntegers), doubles (NaN and ±Infinity as strings), times, AnyValue attributes. Used by
 * otlpJson.ts.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { AttrValue, Attributes } from './sample.js';
import { JSON_STRING, LONG_INTEGER, NON_FINITE, isAttributeSet } from './attributeJson.js';
import { shownValue } from './sampleValues.js';
import { createAttributeInterner } from './internAttributes.js';

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (isAttributeSet(v) ? v : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A long integer written as a JSON number, quoted by quoteLongIntegers: NUL, `n` and its digits (no text a file holds). */
const LONG_NUMBER = /^\u0000n(-?\d+)$/;

/**
 * A 64-bit integer as a number, or why not. Past 2^53 a double holds only some: a decimal string
 * (proto3's JSON form, as the Collector writes int64) must be one of them exactly, or it is
 * refused rather than rounded; a JSON number must be a double's own text (JavaScript's JSON
 * serializer writes the double it has, 33379043121066310 for 33379043121066312).
 */
export const int = (v: unknown, what: string): Either<string, number> => {
  if (v === undefined || v === null) return right(0);
  if (typeof v === 'number' && Number.isInteger(v)) return right(v);
  const long = typeof v === 'string' ? LONG_NUMBER.exec(v)?.[1] : undefined;
  if (long !== undefined) return String(Number(long)) === long || BigInt(Number(long)) === BigInt(long) ? right(Number(long)) : left(`${what} ${long} is past 2^53 and not a number a sample can hold exactly`);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return left(`${what} must be an integer, got ${shownValue(v)}`);
  const n = Number(v);
  return Number.isSafeInteger(n) || BigInt(n) === BigInt(v) ? right(n) : left(`${what} ${v} is past 2^53 and not a number a sample can hold exactly`);
};
/** A JSON number's text. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** A double: a number, or a string of one (proto3's JSON mapping takes either; NaN and ±Infinity only so). */
export const double = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const long = LONG_NUMBER.exec(v)?.[1];
  return long !== undefined ? Number(long) : Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : JSON_NUMBER.test(v) ? Number(v) : undefined;
};
/** `v` as a refusal shows it: a long integer written as a number by its digits, not the marker quoteLongIntegers put in its place. */
export const shownJsonValue = (v: unknown): string => (typeof v === 'string' ? LONG_NUMBER.exec(v)?.[1] : undefined) ?? shownValue(v);
export const nanos = (v: unknown): bigint | undefined => {
  const digits = typeof v === 'string' ? (LONG_NUMBER.exec(v)?.[1] ?? v) : undefined;
  return digits !== undefined && /^\d+$/.test(digits) ? BigInt(digits) : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
};

/** An AnyValue as an attribute value, or why a sample cannot hold it. */
const anyValue = (v: unknown): Either<string, AttrValue> => {
  const a = obj(v);
  if (typeof a['stringValue'] === 'string') return LONG_NUMBER.test(a['stringValue']) ? left('a stringValue must be a string, got a number') : right(a['stringValue']);
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
  if (a['stringValue'] !== undefined) return left(`a stringValue must be a string, got ${shownValue(a['stringValue'])}`);
  if (a['boolValue'] !== undefined) return left(`a boolValue must be true or false, got ${shownValue(a['boolValue'])}`);
  const kind = Object.keys(a)[0];
  return left(kind === undefined ? 'an empty value, which a sample cannot hold' : `a ${kind}, which a sample cannot hold (strings, numbers, booleans and arrays of them)`);
};

/**
 * The samples of a series share one attributes object (internAttributes.ts): the one object of
 * these attributes' series, shared with the samples this module reads (otlp/otlpProtoSamples.ts
 * reads protobuf ones).
 */
export const internAttributes = createAttributeInterner();

export const attributes = (v: unknown): Either<string, Attributes> => {
  const out: Record<string, AttrValue> = {};
  for (const kv of list(v)) {
    const { key, value } = obj(kv);
    const x = anyValue(value);
    if (isLeft(x)) return left(`attribute ${shownValue(key)}: ${x.left}`);
    out[String(key)] = x.right;
  }
  return right(internAttributes(out));
};

/** `attrs` with one more attribute (a summary's quantile), the series' one object as `attributes` gives it. */
export const attributeWith = (attrs: Attributes, key: string, value: AttrValue): Attributes => internAttributes({ ...attrs, [key]: value });

/** Each of a list as `read` reads it, or the first problem. */
export const each = <T>(v: unknown, read: (x: unknown) => Either<string, T>): Either<string, T[]> => {
  const out: T[] = [];
  for (const x of list(v)) {
    const r = read(x);
    if (isLeft(r)) return r;
    out.push(r.right);
  }
  return right(out);
};
export const counts = (v: unknown): Either<string, number[]> => each(v, (c) => int(c, 'a bucket count'));
export const aDouble = (what: string) => (v: unknown): Either<string, number> => {
  const d = double(v);
  return d === undefined ? left(`${what} must be a number, got ${shownValue(v)}`) : right(d);
};

/**
 * Bare integers of 16 digits or more (a time in nanoseconds written as a number) quoted with a
 * marker (LONG_NUMBER), so that JSON.parse keeps their digits and what reads them knows they were numbers.
 */
const STRING_OR_LONG_INTEGER = new RegExp(String.raw`${JSON_STRING}|(?<![\d.eE+-])${LONG_INTEGER}`, 'g');
export const quoteLongIntegers = (line: string): string =>
  !/[:,[]\s*-?\d{16}/.test(line) ? line : line.replace(STRING_OR_LONG_INTEGER, (whole, digits: string | undefined) => (digits === undefined ? whole : `"\\u0000n${digits}"`));
