/**
 * Failure classification per the OTLP/gRPC specification: which export failures may be retried.
 * Retryable: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS;
 * RESOURCE_EXHAUSTED only when the server sent RetryInfo (it promises recovery); transport errors
 * (connection refused, reset, timed out); the official exporter's "Concurrent export limit
 * reached". Everything else is permanent: the same request will fail the same way.
 */
import { ExportError } from '../errors.js';
import { retryDelayMsFromStatus } from './protowire.js';

export const GrpcStatus = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE, GrpcStatus.UNAVAILABLE, GrpcStatus.DATA_LOSS,
]);
const RETRYABLE_TRANSPORT: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED',
]);
/** Failures after which the receiver may still process the request. */
const UNKNOWN_OUTCOME_CODES: ReadonlySet<number> = new Set([GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED]);
const UNKNOWN_OUTCOME_TRANSPORT: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

const CODE_NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([k, v]) => [v, k])) as Record<number, string>;

interface MetadataLike {
  get(key: string): (string | Buffer)[];
  getMap?(): Record<string, unknown>;
}
interface ErrorLike {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  metadata?: unknown;
}

const isMetadata = (m: unknown): m is MetadataLike => typeof m === 'object' && m !== null && typeof (m as MetadataLike).get === 'function';

/** RetryInfo's delay from a gRPC error's trailers (`grpc-status-details-bin`), in ms. */
export const retryInfoMs = (metadata: unknown): number | undefined => {
  if (!isMetadata(metadata)) return undefined;
  for (const v of metadata.get('grpc-status-details-bin')) {
    const ms = retryDelayMsFromStatus(typeof v === 'string' ? Buffer.from(v, 'base64') : v);
    if (ms !== undefined) return ms;
  }
  return undefined;
};

export const grpcCodeName = (code: number): string => CODE_NAMES[code] ?? `CODE_${code}`;

/**
 * The receiver sent this status (it had the request): its response carries metadata, at least the
 * content-type of a trailers-only answer; a status grpc-js makes up itself (no connection, its own
 * deadline) carries none. Measured with Collector 0.159: `{content-type: application/grpc}` on its
 * UNAVAILABLE for an unreachable backend, `{}` on a refused connection and on a deadline.
 */
const answeredByReceiver = (metadata: unknown): boolean =>
  isMetadata(metadata) && typeof metadata.getMap === 'function' && Object.keys(metadata.getMap()).length > 0;

/**
 * An error message on one line (OpenSSL's reasons reach grpc-js's with line breaks in them),
 * without the empty "Resolution note:" grpc-js ends a connection error with.
 */
export const oneLineMessage = (message: string): string =>
  message.replace(/\s*\n\s*/g, ' ').replace(/\s*Resolution note:\s*$/, '').trim();

/**
 * A message quoted inside a longer line, before a `;` or a hint: without its final full stop
 * (grpc-js's end in one: "…ECONNREFUSED 127.0.0.1:9.; retrying"). An ellipsis is kept.
 */
export const asClause = (message: string): string => message.replace(/(?<!\.)\.\s*$/, '');

/**
 * Any failure of one export attempt → an ExportError saying whether to retry, and when. Its
 * message is the failure's on one line (oneLineMessage): it is what dead letters' details, the
 * status and the logs quote.
 */
export const classifyExportFailure = (error: unknown): ExportError => {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = oneLineMessage(typeof e.message === 'string' ? e.message : String(error));
  if (typeof e.code === 'number') {
    const retryAfterMs = retryInfoMs(e.metadata);
    const retryable = RETRYABLE_CODES.has(e.code) || (e.code === GrpcStatus.RESOURCE_EXHAUSTED && retryAfterMs !== undefined);
    const outcomeUnknown = UNKNOWN_OUTCOME_CODES.has(e.code);
    return new ExportError(message, { retryable, code: e.code, cause: error, outcomeUnknown, answered: answeredByReceiver(e.metadata), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (typeof e.code === 'string') {
    return new ExportError(message, { retryable: RETRYABLE_TRANSPORT.has(e.code), code: e.code, cause: error, outcomeUnknown: UNKNOWN_OUTCOME_TRANSPORT.has(e.code) });
  }
  if (/Concurrent export limit reached/i.test(message)) {
    return new ExportError(message, { retryable: true, code: 'CONCURRENCY_LIMIT', cause: error });
  }
  if (/timeout|timed out/i.test(message)) {
    return new ExportError(message, { retryable: true, code: 'TIMEOUT', cause: error, outcomeUnknown: true });
  }
  return new ExportError(message, { retryable: false, cause: error });
};
