/**
 * A received request, read: what the otlp source's servers hand it (otlpReceiver.ts's take) once
 * the request is known to be an OTLP metrics request — its samples and refusals, read with the
 * source's options (summaries, staleness markers), and how many points it held.
 *
 * A protobuf request (OTLP/gRPC, OTLP/HTTP protobuf) is read in one pass to samples when every
 * point of it is one a sample holds as it is (otlp/otlpProtoSamples.ts); any other goes the general
 * path — decoded to its OTLP/JSON object (otlp/otlpProtoRequest.ts), then read by requestSamples,
 * as an OTLP/JSON request is — which refuses what a sample cannot hold and says why.
 */
import { type Either, map, right } from 'fp-ts/lib/Either.js';
import { type OtlpJsonLine, type OtlpReadOptions, requestPoints, requestSamples } from '../otlpJson.js';
import { decodeMetricsRequest } from '../otlp/otlpProtoRequest.js';
import { protoRequestSamples } from '../otlp/otlpProtoSamples.js';

/** A request's samples and refusals, and how many data points it held (those neither taken nor skipped were refused). */
export interface ReadRequest extends OtlpJsonLine {
  readonly points: number;
}
/** Reads a request with the source's options. */
export type RequestReader = (opts: OtlpReadOptions) => ReadRequest;

/** A request as OTLP/JSON parses it (or the general path decodes a protobuf one). */
export const jsonRequestReader = (request: unknown): RequestReader => (opts) => ({ ...requestSamples(request, opts), points: requestPoints(request) });

/** A protobuf ExportMetricsServiceRequest, or why it is not one. */
export const protobufRequestReader = (bytes: Uint8Array): Either<string, RequestReader> => {
  const samples = protoRequestSamples(bytes);
  if (samples !== undefined) return right(() => ({ samples, refused: [], pointsTaken: samples.length, pointsSkipped: 0, points: samples.length }));
  return map(jsonRequestReader)(decodeMetricsRequest(bytes));
};
