/**
 * What a running pipeline has done, counted from its operators' events: read by the status line,
 * the self-metrics, the Prometheus endpoint and the alert rules.
 */
import type { DeadLetterReason } from './routed.js';
import type { RequestAnswer } from './sources/otlpReceiverTypes.js';
import type { BreakerState } from './breaker.js';
import type { SkewEvent } from '../operators/detectClockSkew.js';
import type { Sample } from './sample.js';
import type { FailingAs } from './telemetry/failingAs.js';

/** Upper bounds (ms) of the export-latency histogram buckets. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000] as const;

export interface PipelineStats {
  samplesIn: number;
  /** Samples handed to delivery (after validation, skew and reorder). */
  enteredDelivery: number;
  delivered: number;
  batchesDelivered: number;
  /** Dead letters by reason. */
  deadLetters: Record<DeadLetterReason, number>;
  /** Dead letters made by delivery (rejected, retries-exhausted, overflow, shutdown). */
  deadLetteredInDelivery: number;
  retries: number;
  inFlightBatches: number;
  breakerState: BreakerState;
  breakerOpenedAtMs: number | undefined;
  /** How the receiver failed at the last retry (telemetry/failingAs.ts); undefined before any. */
  failingAs: FailingAs | undefined;
  skew: Record<SkewEvent['kind'], number>;
  lastStepDeltaMs: number | undefined;
  late: number;
  reorderOverflow: number;
  /** Series forgotten early by reorder.maxSeries (not idle: a cardinality explosion, or a cap set too low). */
  seriesCapped: number;
  latency: { counts: number[]; sumMs: number; count: number };
  maxQueued: number;
  /** Samples waiting in the spool file beyond the delivery queue (an outage's backlog, or an earlier run's). */
  waitingInSpool: number;
  /** The spool cannot be written (disk full): samples go on in memory only, not durable. */
  spoolFailing: boolean;
  /** Event time (ms since the epoch) of the newest sample delivered so far; undefined before the first. */
  newestDeliveredMs: number | undefined;
  /** Since when (the pipeline's scheduler time) the sink holds calls for a receiver that answers nothing; undefined when it answers. */
  receiverSilentSinceMs: number | undefined;
  /** The last batch outcome was a retry (set by a retry, cleared by a delivery): the receiver is not taking samples now. */
  deliveryFailing: boolean;
  /** Requests an otlp source answered, by answer (otlpReceiverTypes.ts). */
  otlpRequests: Record<RequestAnswer, number>;
  /** Staleness markers an otlp source skipped (`staleMarkers: skip`): no samples, not dead letters. */
  otlpStaleMarkersSkipped: number;
}

export const createStats = (maxQueued: number): PipelineStats => ({
  samplesIn: 0,
  enteredDelivery: 0,
  delivered: 0,
  batchesDelivered: 0,
  deadLetters: { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 },
  otlpRequests: { taken: 0, partial: 0, 'no-room': 0, malformed: 0, 'too-large': 0, unauthenticated: 0, probe: 0, preflight: 0, 'cross-origin': 0 },
  otlpStaleMarkersSkipped: 0,
  deadLetteredInDelivery: 0,
  retries: 0,
  inFlightBatches: 0,
  breakerState: 'closed',
  breakerOpenedAtMs: undefined,
  failingAs: undefined,
  skew: { step: 0, future: 0, stale: 0, 'source-offset': 0 },
  lastStepDeltaMs: undefined,
  late: 0,
  reorderOverflow: 0,
  seriesCapped: 0,
  latency: { counts: LATENCY_BUCKETS_MS.map(() => 0).concat(0), sumMs: 0, count: 0 },
  maxQueued,
  waitingInSpool: 0,
  spoolFailing: false,
  newestDeliveredMs: undefined,
  receiverSilentSinceMs: undefined,
  deliveryFailing: false,
});

/** Samples accepted by delivery and not yet delivered or dead-lettered (queued or in flight). */
export const queuedOf = (s: PipelineStats): number => Math.max(0, s.enteredDelivery - s.delivered - s.deadLetteredInDelivery);

/** Samples waiting for delivery: queued (or in flight) and, with a spool, waiting in its file. */
export const backlogOf = (s: PipelineStats): number => queuedOf(s) + s.waitingInSpool;

/**
 * Samples taken in and not in delivery yet: in the reorder buffer, or released by it and waiting
 * for room in the queue (src/holdForRoom.ts); not waiting in the spool, not dead-lettered before
 * delivery (invalid, late, skew).
 */
export const reorderingOf = (s: PipelineStats): number =>
  Math.max(0, s.samplesIn - s.enteredDelivery - s.waitingInSpool - (totalDeadLetters(s) - s.deadLetteredInDelivery));

/** Counts delivered samples into newestDeliveredMs (one bigint comparison a sample, one conversion a batch). */
export const noteDelivered = (s: PipelineStats, samples: readonly Sample[]): void => {
  if (samples.length === 0) return;
  let newest = samples[0]!.timeUnixNano;
  for (const x of samples) if (x.timeUnixNano > newest) newest = x.timeUnixNano;
  const ms = Number(newest / 1_000_000n);
  if (s.newestDeliveredMs === undefined || ms > s.newestDeliveredMs) s.newestDeliveredMs = ms;
};

/**
 * How far delivery is behind, in ms: now minus the event time of the newest sample delivered.
 * Undefined before the first delivery. It includes the reorder window and the batch wait by design.
 */
export const deliveryLagMs = (s: PipelineStats, nowMs: number): number | undefined =>
  s.newestDeliveredMs === undefined ? undefined : Math.max(0, nowMs - s.newestDeliveredMs);

/** Asked for each sample a file source reads (its room gate): the fields summed, not Object.values' array. */
export const totalDeadLetters = ({ deadLetters: d }: PipelineStats): number =>
  d.invalid + d.late + d.skew + d.overflow + d.rejected + d['retries-exhausted'] + d.shutdown;

export const recordLatency = (s: PipelineStats, ms: number): void => {
  const i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
  s.latency.counts[i === -1 ? LATENCY_BUCKETS_MS.length : i]!++;
  s.latency.sumMs += ms;
  s.latency.count++;
};
