export type { AttrValue, Attributes, HistogramValue, Sample, SampleKind } from './sample.js';
export { seriesKey, seriesMemo, validateSample, msToNanos, nanosToMs } from './sample.js';
export type { DeadLetter, DeadLetterReason, DeadLetterError, Routed } from './routed.js';
export { routed, partitionRouted, deadLetter, toDeadLetter, describeError } from './routed.js';
export type { Clock, SteppableClock } from './clock.js';
export { systemClock, schedulerClock, clockNowNanos } from './clock.js';
export {
  ExportError,
  RetriesExhaustedError,
  BrokenCircuitError,
  isExportError,
  isRetriesExhaustedError,
  isBrokenCircuitError,
  isRetryable,
  retryAfterMsOf,
} from './errors.js';
export type { ExportErrorOptions } from './errors.js';
export {
  reorderByEventTime,
  detectClockSkew,
  batchSamples,
  splitDeadLetters,
  retryBackoff,
  backoffDelayMs,
  circuitBreaker,
  deliverOrdered,
} from '../operators/index.js';
export type {
  ReorderOptions,
  LateEvent,
  OverflowEvent,
  SkewOptions,
  SkewEvent,
  SkewPolicy,
  BatchOptions,
  DeadLetterSink,
  RetryOptions,
  RetryEvent,
  Jitter,
  DeliverOptions,
} from '../operators/index.js';
export { createCircuitBreaker } from './breaker.js';
export type { CircuitBreaker, CircuitBreakerOptions, BreakerState, BreakerTransition, BreakerPermit } from './breaker.js';
export { laneOf } from './delivery.js';
export type {
  SendBatch,
  Delivered,
  DeliveryResult,
  DeliveryRetryEvent,
  DeliveryOverflowEvent,
  DeliveryDeadLetterEvent,
} from './delivery.js';
