/**
 * A received request, read with the source's options (summaries, staleness markers): its samples
 * and refusals and how many points it held — what the otlp source's servers hand it
 * (otlpReceiver.ts's take) — or, from its server, why it is no OTLP metrics request.
 *
 * A protobuf request (OTLP/gRPC, OTLP/HTTP protobuf) is read in one pass, bytes to samples
 * (otlp/otlpProtoSamples.ts), a metric it cannot take as it is by the general path's rules; a
 * request it leaves whole (malformed, a resource or scope a sample cannot hold) and an OTLP/JSON
 * one are read by the general path — decoded to the OTLP/JSON object (otlp/otlpProtoRequest.ts),
 * then read by requestSamples — which refuses what a sample cannot hold and says why.
 */
import { type Either, map, right } from 'fp-ts/lib/Either.js';
import { type OtlpReadOptions, type ReadRequest, requestPoints, requestSamples } from '../otlpJson.js';
import { decodeMetricsRequest } from '../otlp/otlpProtoRequest.js';
import { protoRequestSamples } from '../otlp/otlpProtoSamples.js';

export type { ReadRequest } from '../otlpJson.js';

/** A request as OTLP/JSON parses it (or the general path decodes a protobuf one). */
export const readJsonRequest = (request: unknown, opts: OtlpReadOptions): ReadRequest => ({ ...requestSamples(request, opts), points: requestPoints(request) });

/** A protobuf ExportMetricsServiceRequest, or why it is not one. */
export const readProtobufRequest = (bytes: Uint8Array, opts: OtlpReadOptions): Either<string, ReadRequest> => {
  const read = protoRequestSamples(bytes, opts);
  return read !== undefined ? right(read) : map((request: unknown) => readJsonRequest(request, opts))(decodeMetricsRequest(bytes));
};
