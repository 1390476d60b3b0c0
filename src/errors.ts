/**
 * Branded errors. Each carries a brand under a `Symbol.for` key, so `isX` recognises errors made
 * by another copy of chronoq (two versions in one node_modules) as well as its own.
 */

const brand = (name: string): symbol => Symbol.for(`chronoq.${name}`);
const EXPORT_ERROR = brand('ExportError');
const RETRIES_EXHAUSTED = brand('RetriesExhaustedError');
const BROKEN_CIRCUIT = brand('BrokenCircuitError');
const TIME_OUT_OF_RANGE = brand('TimeOutOfRangeError');
const INVALID_OPTION = brand('InvalidOptionError');
const SPOOL_FORMAT = brand('SpoolFormatError');

const hasBrand = (e: unknown, key: symbol): boolean =>
  typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[key] === true;

/**
 * True when an error says that the same attempt may succeed later: `e.retryable === true`.
 * The default `shouldRetry` of retryBackoff and `isFailure` of the circuit breaker.
 */
export const isRetryable = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { retryable?: unknown }).retryable === true;

/**
 * True when a failed attempt may yet be processed by the receiver (`e.outcomeUnknown === true`):
 * a timed-out request can sit in a hung server's buffers and land later.
 */
export const isOutcomeUnknown = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { outcomeUnknown?: unknown }).outcomeUnknown === true;

/**
 * True when the receiver itself answered the failed attempt (`e.answered === true`): it had the
 * request. A collector that answers UNAVAILABLE because its own export timed out may still get
 * the data to its backend.
 */
export const isAnsweredByReceiver = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { answered?: unknown }).answered === true;

/** Delay the server asked for (RetryInfo, Retry-After), if the error carries one. */
export const retryAfterMsOf = (e: unknown): number | undefined => {
  const v = typeof e === 'object' && e !== null ? (e as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
};

export interface ExportErrorOptions {
  retryable: boolean;
  /** gRPC status code (number) or a transport code such as 'ECONNREFUSED'. */
  code?: string | number;
  retryAfterMs?: number;
  cause?: unknown;
  /** Data points the server rejected in a partial success. */
  rejectedDataPoints?: number;
  /** The request may still be processed by the receiver (it timed out or was cancelled in flight). */
  outcomeUnknown?: boolean;
  /** The receiver answered this failure itself (a status it sent, not one the client made up). */
  answered?: boolean;
}

/** One failed export attempt, classified: retryable or permanent. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
  readonly retryable: boolean;
  readonly code: string | number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly rejectedDataPoints: number | undefined;
  readonly outcomeUnknown: boolean;
  readonly answered: boolean;
  readonly [EXPORT_ERROR] = true;
  constructor(message: string, opts: ExportErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
    this.rejectedDataPoints = opts.rejectedDataPoints;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
    this.answered = opts.answered ?? false;
  }
}
export const isExportError = (e: unknown): e is ExportError => hasBrand(e, EXPORT_ERROR);

/** retryBackoff gave up: attempts ran out, or the next one would start after maxElapsedMs. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  readonly attempts: number;
  readonly elapsedMs: number;
  /**
   * The limit that ended the retries, in words (`maxAttempts 3`; `the next attempt, 1461 ms
   * later, would start past maxElapsedMs 2000`): "gave up after 3 attempt(s) in 539 ms" under a
   * maxElapsedMs of 2 s read as a limit not kept.
   */
  readonly limit: string | undefined;
  readonly [RETRIES_EXHAUSTED] = true;
  constructor(attempts: number, elapsedMs: number, cause: unknown, limit?: string) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`gave up after ${attempts} attempt(s) in ${Math.round(elapsedMs)} ms${limit === undefined ? '' : ` (${limit})`}: ${why}`, { cause });
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
    this.limit = limit;
  }
}
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError => hasBrand(e, RETRIES_EXHAUSTED);

/** The circuit is open (or half-open with its probe taken): the attempt was not made. */
export class BrokenCircuitError extends Error {
  override readonly name = 'BrokenCircuitError';
  /** Time left until the breaker lets a probe through. */
  readonly retryAfterMs: number;
  /** Not an endpoint failure: never counted by the breaker, but retried after retryAfterMs. */
  readonly retryable = true;
  readonly [BROKEN_CIRCUIT] = true;
  constructor(retryAfterMs: number) {
    super(`circuit open: next attempt allowed in ${Math.ceil(retryAfterMs)} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}
export const isBrokenCircuitError = (e: unknown): e is BrokenCircuitError => hasBrand(e, BROKEN_CIRCUIT);

/**
 * A sample's time cannot be put on the wire: OTLP carries times as fixed64 nanoseconds, so
 * anything outside 0 ≤ t < 2⁶⁴ would arrive as another time (the serializer wraps it silently).
 */
export class TimeOutOfRangeError extends RangeError {
  override readonly name = 'TimeOutOfRangeError';
  readonly timeUnixNano: bigint;
  readonly [TIME_OUT_OF_RANGE] = true;
  constructor(timeUnixNano: bigint) {
    super(`time ${timeUnixNano} ns is outside what OTLP carries (0 ≤ t < 2^64 ns): it would arrive as another time`);
    this.timeUnixNano = timeUnixNano;
  }
}
export const isTimeOutOfRangeError = (e: unknown): e is TimeOutOfRangeError => hasBrand(e, TIME_OUT_OF_RANGE);

/**
 * An operator, source or sink was given an option that is not a number where it takes one (NaN:
 * `Number()` of an unset environment variable; a string from an untyped config). Thrown where it
 * is made: a programming error, not an outcome of the stream (src/options.ts).
 */
export class InvalidOptionError extends RangeError {
  override readonly name = 'InvalidOptionError';
  /** Where: 'deliverOrdered', 'retryBackoff', 'otlpGrpcSink', … */
  readonly operator: string;
  /** The option's path: 'lanes', 'retry.initialDelayMs', … */
  readonly option: string;
  readonly [INVALID_OPTION] = true;
  constructor(operator: string, option: string, expected: string, found: string) {
    super(`${operator}: option ${option} must be ${expected}, found ${found}`);
    this.operator = operator;
    this.option = option;
  }
}
export const isInvalidOptionError = (e: unknown): e is InvalidOptionError => hasBrand(e, INVALID_OPTION);

/**
 * A spool file of a format this chronoq does not read (src/spool/schema.ts SPOOL_FORMAT): written
 * by a later chronoq, as after an upgrade rolled back while samples waited. Refused before
 * anything in the file is changed, so that the later chronoq can still deliver them.
 */
export class SpoolFormatError extends Error {
  override readonly name = 'SpoolFormatError';
  readonly path: string;
  /** The file's format, and the latest this chronoq reads. */
  readonly format: number;
  readonly readsUpTo: number;
  readonly [SPOOL_FORMAT] = true;
  constructor(path: string, format: number, readsUpTo: number, version: string, whatToDo: string) {
    super(`spool ${path} was written by a later chronoq (its format ${format}; this chronoq, ${version}, reads formats up to ${readsUpTo}): nothing in it was changed: ${whatToDo}`);
    this.path = path;
    this.format = format;
    this.readsUpTo = readsUpTo;
  }
}
export const isSpoolFormatError = (e: unknown): e is SpoolFormatError => hasBrand(e, SPOOL_FORMAT);
