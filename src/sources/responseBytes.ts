/**
 * What the otlp source's servers answer, as protobuf bytes: an ExportMetricsServiceResponse (with
 * partial success when points were refused) and a google.rpc.Status for a refusal — over gRPC in
 * the `grpc-status-details-bin` trailer, over HTTP as the body of a 4xx/5xx answer — with a
 * google.rpc.RetryInfo when the sender is told when to try again. Written by hand: three small
 * messages, where the requests (otlpProtoRequest.ts) and chronoq's own exports (the official
 * serializer) are the large ones.
 */
import type { Taken } from './otlpReceiverTypes.js';

/** A protobuf varint's bytes. */
export const varintBytes = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
};

/** A varint field (wire type 0); none when 0, as proto3 writes its defaults. */
const varintField = (field: number, n: number): number[] => (n === 0 ? [] : [field << 3, ...varintBytes(n)]);
/** A length-delimited field (wire type 2). */
const bytesField = (field: number, bytes: ArrayLike<number>): number[] => [(field << 3) | 2, ...varintBytes(bytes.length), ...Array.from(bytes)];
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * ExportMetricsServiceResponse: empty when everything was taken; else partial_success (1) with
 * rejected_data_points (1) and error_message (2), as the OTLP specification asks.
 */
export const exportResponseBytes = (t: Extract<Taken, { kind: 'taken' }>): Buffer => {
  if (t.rejected === 0 && t.message === '') return Buffer.alloc(0);
  return Buffer.from(bytesField(1, [...varintField(1, t.rejected), ...bytesField(2, utf8(t.message))]));
};

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * google.rpc.Status { code (1), message (2), details (3): Any } — with `retryDelayMs`, one detail,
 * google.rpc.RetryInfo { retry_delay (1): Duration { seconds (1), nanos (2) } }, which OTLP
 * exporters honour (the Collector's and Go's wait that long before they send the request again,
 * where without it they wait their own backoff: 5 s and more for the Collector).
 */
export const statusBytes = (code: number, message: string, retryDelayMs?: number): Buffer => {
  const status = [...varintField(1, code), ...bytesField(2, utf8(message))];
  if (retryDelayMs === undefined) return Buffer.from(status);
  const duration = [...varintField(1, Math.floor(retryDelayMs / 1000)), ...varintField(2, (retryDelayMs % 1000) * 1_000_000)];
  const retryInfo = bytesField(1, duration);
  return Buffer.from([...status, ...bytesField(3, [...bytesField(1, utf8(RETRY_INFO_TYPE)), ...bytesField(2, retryInfo)])]);
};
