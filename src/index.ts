export type { AttrValue, Attributes, ExponentialBuckets, ExponentialHistogramValue, HistogramValue, Sample, SampleKind, Scope } from './sample.js';
export { seriesKey, seriesMemo, validateSample, msToNanos, nanosToMs } from './sample.js';
export type { DeadLetter, DeadLetterReason, DeadLetterError, Routed } from './routed.js';
export { routed, partitionRouted, deadLetter, toDeadLetter, describeError } from './routed.js';
export type { Clock, SteppableClock } from './clock.js';
export { systemClock, schedulerClock, clockNowNanos, steadyScheduler, unrefScheduler } from './clock.js';
export {
  ExportError,
  RetriesExhaustedError,
  BrokenCircuitError,
  isExportError,
  isRetriesExhaustedError,
  isBrokenCircuitError,
  TimeOutOfRangeError,
  isTimeOutOfRangeError,
  InvalidOptionError,
  isInvalidOptionError,
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
  fillStartTimes,
} from '../operators/index.js';
export type {
  ReorderOptions,
  LateEvent,
  OverflowEvent,
  SeriesCappedEvent,
  SkewOptions,
  SkewEvent,
  SkewPolicy,
  BatchOptions,
  DeadLetterSink,
  RetryOptions,
  RetryEvent,
  Jitter,
  DeliverOptions,
  FillStartTimesOptions,
  SeriesStartChanges,
  SeriesStartState,
} from '../operators/index.js';
export { createCircuitBreaker } from './breaker.js';
export type { CircuitBreaker, CircuitBreakerOptions, BreakerState, BreakerTransition, BreakerPermit, ReachableNews } from './breaker.js';
export { laneOf } from './delivery.js';
export type {
  SendBatch,
  Delivered,
  DeliveryResult,
  DeliveryRetryEvent,
  DeliveryOverflowEvent,
  DeliveryDeadLetterEvent,
  AbortReason,
} from './delivery.js';
export { otlpGrpcSink, encodeBatch } from './otlp/otlpGrpcSink.js';
export type { OtlpGrpcSink, OtlpGrpcSinkOptions, OtlpTlsOptions } from './otlp/otlpGrpcSink.js';
export { toResourceMetrics, toHrTime, isOtlpTime } from './otlp/toResourceMetrics.js';
export { classifyExportFailure, GrpcStatus } from './otlp/classify.js';
export { isOutcomeUnknown } from './errors.js';
export { isRejectedSamples } from './delivery.js';
export type { RejectedSamples } from './delivery.js';
export { isTakenSamples } from './batchOutcome.js';
export type { TakenSamples } from './batchOutcome.js';
export { syntheticSamples } from './sources/synthetic.js';
export type { SyntheticOptions } from './sources/synthetic.js';
export { hostSamples } from './sources/host.js';
export type { HostSourceOptions } from './sources/host.js';
export type { CpuTimes } from './sources/cpuTimes.js';
export type { MemoryStates } from './sources/memInfo.js';
export { ndjsonSamples } from './sources/ndjson.js';
export { arraySamples } from './sources/arraySamples.js';
export { otlpReceiverSamples, settleReceived } from './sources/otlpReceiver.js';
export type { OtlpReceiverOptions, RefusedPoints } from './sources/otlpReceiver.js';
export type { ArraySamplesOptions } from './sources/arraySamples.js';
export { createRoomGate } from './roomGate.js';
export type { RoomGate, RoomGateOptions } from './roomGate.js';
export type { NdjsonSourceOptions, InvalidLine, UnreadRest, InPlaceTruncation } from './sources/ndjson.js';
export { Pipeline } from './pipeline.js';
export type { PipelineDeps, ShutdownReport } from './pipeline.js';
export type { PipelineStats } from './stats.js';
export { DeadLetterFile } from './deadletter/deadLetterFile.js';
export { decodeConfig } from './config/decode.js';
export { resolveConfig } from './config/resolve.js';
export type { ResolvedConfig } from './config/resolve.js';
export type { ConfigError } from './config/errors.js';
export { formatConfigError } from './config/errors.js';
export { parseSampleLine, toJsonLine } from './sampleJson.js';
export { parseDeadLetterLine } from './deadLetterJson.js';
export { parseOtlpJsonLine, isOtlpJsonLine, parseOtlpJsonRequest, requestSamples } from './otlpJson.js';
export { decodeMetricsRequest } from './otlp/otlpProtoRequest.js';
export type { OtlpJsonLine, OtlpReadOptions, StaleMarkerPolicy } from './otlpJson.js';
export type { SummaryPolicy } from './otlpSummaries.js';
export { otlpJsonText } from './otlp/otlpJsonText.js';
