/**
 * A minimal protobuf wire-format reader: enough to walk a google.rpc.Status carried in the
 * `grpc-status-details-bin` trailer and find its google.rpc.RetryInfo. (The OTLP request and
 * response themselves are encoded and decoded by @opentelemetry/otlp-transformer.)
 */

export interface WireField {
  readonly field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: number;
  /** Varints as bigint; length-delimited as bytes; fixed as bytes. */
  readonly value: bigint | Uint8Array;
}

const readVarint = (buf: Uint8Array, pos: number): [bigint, number] => {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length; i++) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
    if (shift > 63n) break;
  }
  throw new Error('protobuf: truncated or overlong varint');
};

/** Every top-level field of a message, in order. Throws on malformed input. */
export const readFields = (buf: Uint8Array): WireField[] => {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, next] = readVarint(buf, pos);
    pos = next;
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) {
      const [v, after] = readVarint(buf, pos);
      out.push({ field, wireType, value: v });
      pos = after;
    } else if (wireType === 2) {
      const [len, after] = readVarint(buf, pos);
      const end = after + Number(len);
      if (end > buf.length) throw new Error('protobuf: length-delimited field runs past the end');
      out.push({ field, wireType, value: buf.subarray(after, end) });
      pos = end;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (pos + size > buf.length) throw new Error('protobuf: truncated fixed field');
      out.push({ field, wireType, value: buf.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
  return out;
};

const bytesOf = (f: WireField | undefined): Uint8Array | undefined => (f?.value instanceof Uint8Array ? f.value : undefined);
const varintOf = (f: WireField | undefined): bigint => (typeof f?.value === 'bigint' ? f.value : 0n);

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The delay of a google.rpc.RetryInfo inside a serialized google.rpc.Status (field 3, repeated
 * Any { 1 type_url, 2 value }; RetryInfo { 1 retry_delay: Duration { 1 seconds, 2 nanos } }),
 * in ms; undefined when absent or malformed.
 */
export const retryDelayMsFromStatus = (statusBytes: Uint8Array): number | undefined => {
  try {
    for (const detail of readFields(statusBytes).filter((f) => f.field === 3)) {
      const any = readFields(bytesOf(detail) ?? new Uint8Array());
      const typeUrl = new TextDecoder().decode(bytesOf(any.find((f) => f.field === 1)) ?? new Uint8Array());
      if (typeUrl !== RETRY_INFO_TYPE) continue;
      const retryInfo = readFields(bytesOf(any.find((f) => f.field === 2)) ?? new Uint8Array());
      const duration = readFields(bytesOf(retryInfo.find((f) => f.field === 1)) ?? new Uint8Array());
      // Duration's fields are signed (int64 seconds, int32 nanos): a negative one is written as its
      // 64-bit two's complement, which read unsigned was a wait of 2⁶⁴ s — the breaker held open
      // and the batch held back for good. A delay that is already over (a rate limiter's reset
      // time minus a clock that is ahead) is no wait.
      const seconds = BigInt.asIntN(64, varintOf(duration.find((f) => f.field === 1)));
      const nanos = BigInt.asIntN(64, varintOf(duration.find((f) => f.field === 2)));
      return Math.max(0, Number(seconds) * 1000 + Number(nanos) / 1e6);
    }
  } catch {
    return undefined;
  }
  return undefined;
};
