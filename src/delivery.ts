/**
 * Types and helpers of deliverOrdered: what a delivery reports, and how samples map to lanes.
 */
import type { Either } from 'fp-ts/lib/Either.js';
import type { Observable } from 'rxjs';
import { type Sample, seriesKey, seriesKeyedValue } from './sample.js';
import type { DeadLetter, DeadLetterReason } from './routed.js';
import type { SchedulerLike } from 'rxjs';
import type { CircuitBreaker } from './breaker.js';
import type { BatchOptions } from '../operators/batchSamples.js';
import type { RetryOptions } from '../operators/retryBackoff.js';

/**
 * One cold export attempt: completes on success, errors with an ExportError otherwise. It may emit
 * RejectedSamples (below) and TakenSamples (batchOutcome.ts) before it ends; other values are ignored.
 */
export type SendBatch = (batch: readonly Sample[]) => Observable<unknown>;

/**
 * What a `send` emits (before completing) when the receiver accepted the request but rejected some
 * of its data points (OTLP partial success): those samples become dead letters `rejected`.
 */
export interface RejectedSamples {
  readonly kind: 'rejected-samples';
  readonly samples: readonly Sample[];
  readonly rejectedDataPoints: number;
  /** The receiver's error_message. */
  readonly message: string;
  /**
   * Set when the sink itself refused these samples before sending (they cannot be encoded): the
   * dead letters' whole detail, instead of the receiver's partial-success wording.
   */
  readonly detail?: string;
  /** The receiver's error when it refused these samples as a whole request (kept in the dead letters). */
  readonly error?: unknown;
}
export const isRejectedSamples = (v: unknown): v is RejectedSamples =>
  typeof v === 'object' && v !== null && (v as RejectedSamples).kind === 'rejected-samples' && Array.isArray((v as RejectedSamples).samples);

export interface Delivered {
  readonly samples: readonly Sample[];
  readonly lane: number;
  /** Attempts actually made (waits on an open breaker are not attempts). */
  readonly attempts: number;
  readonly firstAttemptAtMs: number;
  readonly deliveredAtMs: number;
}

/** A delivery, or a dead letter (of a sample: from upstream, or made by the delivery). */
export type DeliveryResult = Either<DeadLetter<Sample>, Delivered>;

export interface DeliveryRetryEvent {
  readonly lane: number;
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
  readonly batchSize: number;
}
export interface DeliveryOverflowEvent {
  readonly sample: Sample;
  readonly queued: number;
}
/** Fired after the batch's Lefts were emitted. */
export interface DeliveryDeadLetterEvent {
  readonly reason: DeadLetterReason;
  readonly count: number;
  readonly lane: number;
  readonly samples: readonly Sample[];
  /** The failure that made them dead letters (the receiver's refusal, the last attempt's error); absent for overflow and shutdown. */
  readonly error?: unknown;
}

/** What an abort$ may emit for its dead letters to say something else than that the drain deadline passed. */
export interface AbortReason {
  readonly abortDetail: string;
}
/** The detail of a dead letter `shutdown` made by an abort$ emitting `why` (any other value: the drain deadline). */
export const abortDetail = (why: unknown): string =>
  typeof why === 'object' && why !== null && typeof (why as AbortReason).abortDetail === 'string' ? (why as AbortReason).abortDetail : 'not delivered before shutdown: the drain deadline passed';

/** FNV-1a of a series key, mod lanes: stable across runs and processes, so lanes are too. */
export const laneOfKey = (key: string, lanes: number): number => {
  if (lanes <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
};

export const laneOf = (s: Sample, lanes: number): number => laneOfKey(seriesKey(s), lanes);

/**
 * A sample's lane among `lanes`, memoised by its series (the key built and hashed once a series,
 * not at every sample): deliverOrdered's lanes, and the spool's, which must be the same.
 */
export const seriesLanes = (lanes: number): ((s: Sample) => number) =>
  lanes <= 1 ? () => 0 : seriesKeyedValue((key) => laneOfKey(key, lanes));

/** Options of deliverOrdered (operators/deliverOrdered.ts). */
export interface DeliverOptions {
  /** Parallel lanes; a series always maps to the same lane. Default 1. 'global' order forces 1. */
  readonly lanes?: number;
  readonly order?: 'series' | 'global';
  readonly batch?: Omit<BatchOptions, 'scheduler'>;
  readonly retry?: Omit<RetryOptions, 'scheduler'>;
  /** Shared by all lanes. Default: a breaker with default options, per subscription. */
  readonly breaker?: CircuitBreaker;
  readonly guarantee?: 'at-least-once' | 'at-most-once';
  /**
   * Most samples waiting (not in flight) across lanes; beyond, the overflow policy. When full, every
   * lane without a batch in flight sends what it holds without waiting for a full batch. Default 100 000.
   */
  readonly maxQueued?: number;
  /** Which sample a full queue makes a dead letter `overflow`: the one coming in (default 'dead-letter-newest') or the oldest waiting. */
  readonly overflow?: 'dead-letter-oldest' | 'dead-letter-newest';
  /**
   * After a batch one of whose attempts had an unknown outcome (timed out or cancelled: a hung
   * receiver may still process that copy when it wakes), the lane waits this long before its next
   * batch, so a late copy lands before newer data rather than after it. Default 1000.
   */
  readonly fenceMs?: number;
  /**
   * Give up: when this emits, every sample still queued or in flight becomes a Left `shutdown`
   * (in stream order per lane), pending attempts are cancelled, and the stream completes. An
   * AbortReason emitted gives the dead letters' detail (else: the drain deadline passed).
   */
  readonly abort$?: Observable<unknown>;
  /**
   * Send now: when this emits, what every lane holds goes in batches without waiting to fill or
   * for maxDelayMs (after the batch a lane has in flight) — an application's forceFlush. Samples
   * that come later wait as usual.
   */
  readonly flushNow$?: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
  readonly onRetry?: (e: DeliveryRetryEvent) => void;
  readonly onOverflow?: (e: DeliveryOverflowEvent) => void;
  readonly onDelivered?: (d: Delivered) => void;
  readonly onDeadLetter?: (e: DeliveryDeadLetterEvent) => void;
  /** A lane took a batch to send ('sent'), or finished with it ('settled'): in-flight counting. */
  readonly onBatch?: (e: { lane: number; size: number; phase: 'sent' | 'settled' }) => void;
}

/**
 * A refused batch's dead-letter detail. A refusal of a resend after an attempt the receiver may
 * have processed all the same (it timed out, or a collector answered that its own export failed)
 * says so: Prometheus behind a collector refuses a copy of samples it holds as out of order, so
 * such a refusal makes dead letters of samples that were delivered (measured: a 2.5 s Prometheus
 * stall under a 1 s timeout, 100 of ~900 samples, every one of them in Prometheus); before, the
 * detail read as if the data were bad.
 */
export const refusalDetail = (error: unknown, attempts: number, mayHaveLanded: unknown): string => {
  if (attempts < 2 || mayHaveLanded === undefined) return `the receiver refused the batch: ${messageOf(error)}`;
  return `the receiver refused the batch on a resend (attempt ${attempts}): ${messageOf(error)}; ${mayBeThere(mayHaveLanded)}`;
};

/**
 * The detail of samples the sink found refused in a batch sent again in parts (narrowingDown.ts),
 * hedged as refusalDetail is when the attempt was a resend after one that may have landed.
 */
export const partRefusalDetail = (detail: string, attempts: number, mayHaveLanded: unknown): string =>
  attempts < 2 || mayHaveLanded === undefined ? detail : `${detail}; this was on a resend (attempt ${attempts}): ${mayBeThere(mayHaveLanded)}`;

const messageOf = (e: unknown): string => (e as Error)?.message ?? String(e);
const mayBeThere = (earlier: unknown): string =>
  `an earlier attempt failed with ${messageOf(earlier)}, which the receiver may have processed all the same: the samples may be there already ` +
  '(a backend that refuses a sample it holds, as Prometheus does, refuses the copy)';
