/**
 * Protobuf messages as lists of fields: enough to walk a google.rpc.Status carried in the
 * `grpc-status-details-bin` trailer and find its google.rpc.RetryInfo. The wire format is read by
 * protoReader.ts, as the otlp source's requests are. (The OTLP requests chronoq sends and the
 * responses it gets are encoded and decoded by @opentelemetry/otlp-transformer.)
 */
import { cursorOf, fields, message, varint64 } from './protoReader.js';

export interface WireField {
  readonly field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: number;
  /** Varints as bigint; length-delimited as bytes; fixed as bytes. */
  readonly value: bigint | Uint8Array;
}

/** Every top-level field of a message, in order. Throws on malformed input. */
export const readFields = (buf: Uint8Array): WireField[] => {
  const out: WireField[] = [];
  const c = cursorOf(buf);
  fields(c, buf.length, (field, wireType, end) => {
    const value = wireType === 0 ? varint64(c, false) : wireType === 2 ? message(c, wireType, (cc, e) => cc.buf.subarray(cc.pos, e)) : buf.subarray(c.pos, end);
    out.push({ field, wireType, value });
  });
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
