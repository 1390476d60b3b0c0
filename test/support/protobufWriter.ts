/**
 * Just enough of the protobuf wire format to write test messages by hand (the fake OTLP server's
 * answers, the statuses the RetryInfo reader is tested on), as arrays of bytes.
 */

/** A varint; a negative value as protobuf writes an int64, its 64-bit two's complement. */
export const varint = (n: bigint | number): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
};
/** Field `n`, length-delimited (bytes, a string, a message). */
export const bytesField = (n: number, payload: Uint8Array | number[]): number[] => [...varint((n << 3) | 2), ...varint(payload.length), ...payload];
/** Field `n`, a varint. */
export const intField = (n: number, v: bigint | number): number[] => [...varint(n << 3), ...varint(v)];
/** A string's UTF-8 bytes. */
export const text = (s: string): number[] => [...Buffer.from(s)];
/** Field `n`, fixed64 (a time in nanoseconds, a count): 8 bytes little-endian, a negative one as its two's complement. */
export const fixed64Field = (n: number, v: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return [...varint((n << 3) | 1), ...b];
};
/** Field `n`, a double. */
export const doubleField = (n: number, x: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...varint((n << 3) | 1), ...b];
};
