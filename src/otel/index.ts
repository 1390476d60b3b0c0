export { ChronoqMetricExporter, InvalidConfigError, isInvalidConfigError } from './ChronoqMetricExporter.js';
export type { ChronoqMetricExporterOptions } from './ChronoqMetricExporter.js';
export type { TemporalityPreference } from './temporality.js';
export { createPipeline, decodeOptions, isSelfTelemetry } from './createPipeline.js';
export type { PipelineHandle, PipelineOptions, HandleDeps } from './createPipeline.js';
export { fromResourceMetrics, hrTimeToNanos } from './fromResourceMetrics.js';
export type { Converted } from './fromResourceMetrics.js';
export type { PipelineEvent } from '../pipeline.js';
