/**
 * How fast the otlp source reads a protobuf request into samples: the one-pass reader
 * (otlp/otlpProtoSamples.ts) against the general path it stands in for (decodeMetricsRequest to
 * the OTLP/JSON object, then requestSamples), on the same requests in the same run — an SDK's
 * export as bench/gateway.ts sends them: 1 000 points a request, a series each (10 metrics, a
 * route each), under an app's resource — with 1 000, 50 000 and 150 000 series sending in turn. Runs the compiled code (dist/, built by the npm script), as
 * `chronoq run` does: tsx wraps every closure the readers make in a naming call that costs more
 * than the reading. Prints ns a point and the ratio. Not a test.
 *   npm run bench:otlp-read [-- --quick]
 */
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { toResourceMetrics } from '../dist/src/otlp/toResourceMetrics.js';
import { decodeMetricsRequest } from '../dist/src/otlp/otlpProtoRequest.js';
import { protoRequestSamples } from '../dist/src/otlp/otlpProtoSamples.js';
import { requestSamples } from '../dist/src/otlpJson.js';
import type { Sample } from '../dist/src/sample.js';
import { median } from './measure.js';
import { bytesField as bytes, doubleField as dbl, fixed64Field as fixed64 } from '../test/support/protobufWriter.js';

const quick = process.argv.includes('--quick');
const requests = quick ? 40 : 200;
const rounds = quick ? 5 : 11;
const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
const points = requests * 1_000;

/**
 * A Go program's go_gc_duration_seconds as a Collector scraping it sends it on: a summary, one
 * point of five quantiles, under a resource of its own (the official serializer writes no
 * summaries: written by hand, a ResourceMetrics to append to a request).
 */
const summaryResourceMetrics = (timeNs: bigint): number[] => bytes(1, [
  ...bytes(1, bytes(1, [...text(1, 'service.name'), ...bytes(2, text(1, 'go-app'))])),
  ...bytes(2, [...bytes(1, text(1, 'otelcol/prometheusreceiver')), ...bytes(2, [...text(1, 'go_gc_duration_seconds'), ...bytes(11, bytes(1, [
    ...fixed64(3, timeNs), ...fixed64(4, 120n), ...dbl(5, 0.25),
    ...[0, 0.25, 0.5, 0.75, 1].flatMap((q) => bytes(6, [...dbl(1, q), ...dbl(2, q / 1000)])),
  ]))])]),
]);
const text = (field: number, s: string): number[] => bytes(field, [...Buffer.from(s)]);

/**
 * Requests of 1 000 points each, one per series, the series taken in turn from `series` (request
 * k holds series 1 000·k … mod `series`); with `summary`, go_gc_duration_seconds besides (refused,
 * as the source does by default: no sample of it).
 */
const bodiesOf = (series: number, summary = false): Uint8Array[] => Array.from({ length: requests }, (_, k) => {
  const timeNs = t0 + BigInt(k) * 1_000_000_000n;
  const batch: Sample[] = Array.from({ length: 1_000 }, (_, i) => ({
    name: `app.metric.${i % 10}`, kind: 'gauge', value: k + i / 1000, timeUnixNano: timeNs, attributes: { route: `/r${(k * 1_000 + i) % series}` },
  }));
  const request = ProtobufMetricsSerializer.serializeRequest(toResourceMetrics(batch, { 'service.name': 'bench-app', 'service.instance.id': 'app-1' })[0]!)!;
  return summary ? Uint8Array.from([...request, ...summaryResourceMetrics(timeNs)]) : request;
});

const general = (bodies: readonly Uint8Array[]): number => bodies.reduce((n, b) => {
  const d = decodeMetricsRequest(b);
  if (d._tag === 'Left') throw new Error(d.left);
  return n + requestSamples(d.right).samples.length;
}, 0);
const onePass = (bodies: readonly Uint8Array[]): number => bodies.reduce((n, b) => n + (protoRequestSamples(b)?.samples.length ?? 0), 0);
/** ns a point of one run, checking every point became a sample. */
const timed = (read: (bodies: readonly Uint8Array[]) => number, bodies: readonly Uint8Array[]): number => {
  const t = performance.now();
  const n = read(bodies);
  const ns = ((performance.now() - t) * 1e6) / points;
  if (n !== points) throw new Error(`read ${n} of ${points} points`);
  return ns;
};

console.log(`\nprotobuf requests → samples, ${requests} requests of 1 000 points; medians of ${rounds} alternating rounds`);
// 1 000 series: one app, as bench/gateway.ts's apps send; 50 000: many apps through one gateway;
// 150 000: more than the attribute caches' generation (65 536) holds; and a Collector's request
// that holds a summary besides, which the one pass leaves to the general path's rules alone.
for (const [series, summary] of [[1_000, false], [50_000, false], [150_000, false], [1_000, true]] as const) {
  const bodies = bodiesOf(series, summary);
  for (let i = 0; i < 3; i++) (timed(general, bodies), timed(onePass, bodies)); // warm-up
  const generalNs: number[] = [];
  const onePassNs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) (generalNs.push(timed(general, bodies)), onePassNs.push(timed(onePass, bodies)));
    else (onePassNs.push(timed(onePass, bodies)), generalNs.push(timed(general, bodies)));
  }
  const ratios = generalNs.map((g, i) => g / onePassNs[i]!);
  console.log(`  ${String(series).padStart(7)} series${summary ? ' and a summary' : ''}: general path (decode to OTLP/JSON, then read) ${median(generalNs).toFixed(0).padStart(5)} ns a point, one pass ${median(onePassNs).toFixed(0).padStart(5)} ns, ×${median(ratios).toFixed(1)} (rounds ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)})`);
}
