/**
 * A batch as one OTLP/JSON line: an ExportMetricsServiceRequest, as the Collector's file exporter
 * writes them — what its otlpjsonfile receiver reads, and chronoq's NDJSON source (otlpJson.ts).
 * The request is the official one: @opentelemetry/otlp-transformer's conversion with its JSON
 * encoder (times as decimal strings), the same object its JsonMetricsSerializer writes. That
 * serializer writes it with a bare JSON.stringify, which writes NaN and ±Infinity as `null` —
 * a gauge of NaN went out as `"asDouble":null`, no value at all — so here the doubles JSON has
 * no number for are written as proto3's JSON mapping writes them: "NaN", "Infinity", "-Infinity"
 * (and -0, which JSON.stringify writes 0, as "-0").
 * (The conversion is not among the package's named exports; its build path is imported, pinned
 * with the version in package-lock.json.)
 *
 * ```
 * batch:  [cpu@t1, cpu@t2, mem@t1]
 * line:   {"resourceMetrics":[{"resource":…,"scopeMetrics":[{"scope":…,"metrics":[cpu t1 t2, mem t1]}]}]}\n
 * ```
 */
import { createExportMetricsServiceRequest } from '@opentelemetry/otlp-transformer/build/src/metrics/internal.js';
import { JSON_ENCODER } from '@opentelemetry/otlp-transformer/build/src/common/utils.js';
import type { Attributes, Sample } from '../sample.js';
import { toResourceMetrics } from './toResourceMetrics.js';

/**
 * NaN and ±Infinity as strings (proto3's JSON mapping), and -0 as "-0" (JSON.stringify writes 0; a
 * double may be written as a string of its number); any other value as it is.
 */
const numbersJsonLoses = (_key: string, v: unknown): unknown =>
  typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0)) ? v : Object.is(v, -0) ? '-0' : String(v);

/** The batch as one OTLP/JSON request line (with its line end), samples without a resource of their own under `resource`. */
export const otlpJsonText = (batch: readonly Sample[], resource: Attributes): string =>
  `${JSON.stringify(createExportMetricsServiceRequest(toResourceMetrics(batch, resource), JSON_ENCODER), numbersJsonLoses)}\n`;
