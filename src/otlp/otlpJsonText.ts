/**
 * A batch as one OTLP/JSON line: an ExportMetricsServiceRequest, as the Collector's file exporter
 * writes them — what its otlpjsonfile receiver reads, and chronoq's NDJSON source (otlpJson.ts).
 * The request is the official one: @opentelemetry/otlp-transformer's conversion with its JSON
 * encoder (times as decimal strings), the same object its JsonMetricsSerializer writes. That
 * serializer writes it with a bare JSON.stringify, which writes NaN and ±Infinity as `null` —
 * a gauge of NaN went out as `"asDouble":null`, no value at all — so here the doubles JSON has
 * no number for are written as proto3's JSON mapping writes them: "NaN", "Infinity", "-Infinity"
 * (and -0, which JSON.stringify writes 0, as "-0").
 * (The conversion is not among the package's named exports: its build path is loaded when first
 * needed, so that a version that moved it fails only this format — every batch a dead letter
 * saying so — and not the package's import.)
 *
 * ```
 * batch:  [cpu@t1, cpu@t2, mem@t1]
 * line:   {"resourceMetrics":[{"resource":…,"scopeMetrics":[{"scope":…,"metrics":[cpu t1 t2, mem t1]}]}]}\n
 * ```
 */
import { createRequire } from 'node:module';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Attributes, Sample } from '../sample.js';
import { ExportError } from '../errors.js';
import { toResourceMetrics } from './toResourceMetrics.js';

type Conversion = (resourceMetrics: ResourceMetrics[]) => unknown;

/** The official conversion to an ExportMetricsServiceRequest with the JSON encoder, loaded once; why not, if it cannot be. */
let conversion: Conversion | string | undefined;
const officialConversion = (): Conversion | string => {
  if (conversion !== undefined) return conversion;
  try {
    const require = createRequire(import.meta.url);
    const internal = require('@opentelemetry/otlp-transformer/build/src/metrics/internal') as { createExportMetricsServiceRequest?: (rm: ResourceMetrics[], encoder: unknown) => unknown };
    const utils = require('@opentelemetry/otlp-transformer/build/src/common/utils') as { JSON_ENCODER?: unknown };
    const convert = internal.createExportMetricsServiceRequest;
    conversion = typeof convert === 'function' && utils.JSON_ENCODER !== undefined ? (rms) => convert(rms, utils.JSON_ENCODER) : 'its conversion is not where this version of chronoq looks for it';
  } catch (e) {
    conversion = (e as Error).message;
  }
  return conversion;
};

/**
 * NaN and ±Infinity as strings (proto3's JSON mapping), and -0 as "-0" (JSON.stringify writes 0; a
 * double may be written as a string of its number); any other value as it is.
 */
const numbersJsonLoses = (_key: string, v: unknown): unknown =>
  typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0)) ? v : Object.is(v, -0) ? '-0' : String(v);

/** The batch as one OTLP/JSON request line (with its line end), samples without a resource of their own under `resource`. */
export const otlpJsonText = (batch: readonly Sample[], resource: Attributes): string => {
  const convert = officialConversion();
  if (typeof convert === 'string') throw new ExportError(`format otlp-json cannot be written with this @opentelemetry/otlp-transformer (${convert})`, { retryable: false, code: 'OTLP_JSON_UNAVAILABLE' });
  return `${JSON.stringify(convert(toResourceMetrics(batch, resource)), numbersJsonLoses)}\n`;
};
