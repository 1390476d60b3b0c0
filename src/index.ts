export type { AttrValue, Attributes, HistogramValue, Sample, SampleKind } from './sample.js';
export { seriesKey, validateSample, msToNanos, nanosToMs } from './sample.js';
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
export { reorderByEventTime, detectClockSkew, batchSamples, splitDeadLetters } from '../operators/index.js';
export type {
  ReorderOptions,
  LateEvent,
  OverflowEvent,
  SkewOptions,
  SkewEvent,
  SkewPolicy,
  BatchOptions,
  DeadLetterSink,
} from '../operators/index.js';
