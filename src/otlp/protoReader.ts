/**
 * A protobuf wire-format reader that builds the object proto3's JSON mapping gives a message
 * (lowerCamelCase names, 64-bit integers as numbers when exact, else decimal strings), used by
 * otlpProtoRequest.ts for OTLP requests and by protowire.ts for a google.rpc.Status's fields;
 * common.proto's AnyValue and KeyValue are here. Both packed and unpacked repeated numbers are
 * read, unknown fields skipped, as a proto3 parser does; malformed input gives a Left from
 * decodeWith, never a throw.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js';

export type Json = Record<string, unknown>;
export interface Cursor {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
}

class MalformedError extends Error {}
export const fail = (what: string): never => {
  throw new MalformedError(what);
};

/** Checks a scalar field's wire type (0 varint, 1 64-bit, 5 32-bit): a field of another type is malformed, not misread. */
export const wire = (wireType: number, expected: number): void => {
  if (wireType !== expected) fail(`a field of wire type ${wireType} where ${expected} belongs`);
};

/** A varint as a number (tags, lengths, enums, flags, sint32): exact up to 2^53. */
export const varint = (c: Cursor): number => {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.buf.length) fail('a truncated varint');
    const byte = c.buf[c.pos++]!;
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return result;
    scale *= 128;
  }
  return fail('a varint longer than 10 bytes');
};
/** A varint as the 64-bit integer it is (int64: two's complement; uint64: unsigned). */
export const varint64 = (c: Cursor, signed: boolean): bigint => {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.buf.length) fail('a truncated varint');
    const byte = c.buf[c.pos++]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return signed ? BigInt.asIntN(64, result) : BigInt.asUintN(64, result);
    shift += 7n;
  }
  return fail('a varint longer than 10 bytes');
};
export const need = (c: Cursor, n: number): number => {
  if (c.pos + n > c.buf.length) fail('a field that runs past the end of its message');
  const at = c.pos;
  c.pos += n;
  return at;
};
export const fixed64 = (c: Cursor, signed: boolean): bigint => (signed ? c.view.getBigInt64(need(c, 8), true) : c.view.getBigUint64(need(c, 8), true));
export const double = (c: Cursor): number => c.view.getFloat64(need(c, 8), true);
export const zigzag = (n: number): number => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);
/** A 64-bit integer as OTLP/JSON writes it: a number when a double holds it exactly, else its decimal string. */
export const int64Json = (v: bigint): number | string => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

const text = new TextDecoder('utf-8');

/** Walks a message from the cursor to `end`, calling `on` for each field; skips what `on` leaves unread. */
export const fields = (c: Cursor, end: number, on: (field: number, wireType: number, end: number) => void): void => {
  while (c.pos < end) {
    const tag = varint(c);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) fail('field number 0');
    const start = c.pos;
    let fieldEnd: number;
    if (wireType === 0) (varint(c), (fieldEnd = c.pos), (c.pos = start));
    else if (wireType === 1) fieldEnd = start + 8;
    else if (wireType === 5) fieldEnd = start + 4;
    else if (wireType === 2) (fieldEnd = varint(c) + c.pos), (c.pos = start); // `message` reads the length again
    else fieldEnd = fail(`wire type ${wireType}, which OTLP does not use`);
    if (fieldEnd > end) fail('a field that runs past the end of its message');
    on(field, wireType, fieldEnd);
    c.pos = fieldEnd;
  }
};
/** The contents of a length-delimited field, as a sub-message read by `read`. */
export const message = <T>(c: Cursor, wireType: number, read: (c: Cursor, end: number) => T): T => {
  if (wireType !== 2) fail('a message field that is not length-delimited');
  const length = varint(c);
  return read(c, c.pos + length);
};
export const string = (c: Cursor, wireType: number): string => message(c, wireType, (cc, end) => text.decode(cc.buf.subarray(cc.pos, end)));
/** A repeated number, packed (one length-delimited field) or not (one field each). */
export const repeated = <T>(c: Cursor, wireType: number, packedWire: number, one: (c: Cursor) => T, into: T[]): void => {
  if (wireType !== 2) {
    if (wireType !== packedWire) fail('a repeated number of the wrong wire type');
    into.push(one(c));
    return;
  }
  message(c, wireType, (cc, end) => {
    while (cc.pos < end) into.push(one(cc));
    if (cc.pos > end) fail('a packed field whose length its numbers do not fill');
  });
};

export const anyValue = (c: Cursor, end: number): Json => {
  let v: Json = {};
  fields(c, end, (f, w) => {
    if (f === 1) v = { stringValue: string(c, w) };
    else if (f === 2) v = (wire(w, 0), { boolValue: varint(c) !== 0 });
    else if (f === 3) v = (wire(w, 0), { intValue: int64Json(varint64(c, true)) });
    else if (f === 4) v = (wire(w, 1), { doubleValue: double(c) });
    else if (f === 5) v = { arrayValue: { values: message(c, w, (cc, e) => list(cc, e, 1, anyValue)) } };
    else if (f === 6) v = { kvlistValue: { values: message(c, w, (cc, e) => list(cc, e, 1, keyValue)) } };
    else if (f === 7) v = { bytesValue: message(c, w, (cc, e) => Buffer.from(cc.buf.subarray(cc.pos, e)).toString('base64')) };
  });
  return v;
};
export const keyValue = (c: Cursor, end: number): Json => {
  const kv: Json = { key: '', value: {} };
  fields(c, end, (f, w) => {
    if (f === 1) kv['key'] = string(c, w);
    else if (f === 2) kv['value'] = message(c, w, anyValue);
  });
  return kv;
};
/** The messages of one repeated field of a message. */
export const list = (c: Cursor, end: number, field: number, read: (c: Cursor, end: number) => Json): Json[] => {
  const out: Json[] = [];
  fields(c, end, (f, w) => {
    if (f === field) out.push(message(c, w, read));
  });
  return out;
};

/** Bytes → a Cursor over them. */
export const cursorOf = (buf: Uint8Array): Cursor => ({ buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength), pos: 0 });

/** Whether `e` is what reading malformed bytes throws. */
export const isMalformed = (e: unknown): e is Error => e instanceof MalformedError || e instanceof RangeError;

/** Runs a reader over bytes: its result, or what is malformed. */
export const decodeWith = <T>(buf: Uint8Array, read: (c: Cursor, end: number) => T): Either<string, T> => {
  try {
    return right(read(cursorOf(buf), buf.length));
  } catch (e) {
    if (isMalformed(e)) return left(`not an OTLP protobuf request: ${e.message}`);
    throw e;
  }
};
