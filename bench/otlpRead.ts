/**
 * How fast the otlp source reads a protobuf request into samples: the one-pass reader
 * (otlp/otlpProtoSamples.ts) against the general path it stands in for (decodeMetricsRequest to
 * the OTLP/JSON object, then requestSamples), on the same requests in the same run — an SDK's
 * export as bench/gateway.ts sends them: 1 000 series a request (10 metrics × 100 routes), a point
 * each, under an app's resource. Runs the compiled code (dist/, built by the npm script), as
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

const quick = process.argv.includes('--quick');
const requests = quick ? 20 : 100;
const rounds = quick ? 5 : 15;
const t0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;
const bodies: Uint8Array[] = Array.from({ length: requests }, (_, k) => {
  const batch: Sample[] = Array.from({ length: 1_000 }, (_, i) => ({
    name: `app.metric.${i % 10}`, kind: 'gauge', value: k + i / 1000, timeUnixNano: t0 + BigInt(k) * 1_000_000_000n, attributes: { route: `/r${i}` },
  }));
  return ProtobufMetricsSerializer.serializeRequest(toResourceMetrics(batch, { 'service.name': 'bench-app', 'service.instance.id': 'app-1' })[0]!)!;
});
const points = requests * 1_000;

const general = (): number => bodies.reduce((n, b) => {
  const d = decodeMetricsRequest(b);
  if (d._tag === 'Left') throw new Error(d.left);
  return n + requestSamples(d.right).samples.length;
}, 0);
const onePass = (): number => bodies.reduce((n, b) => n + (protoRequestSamples(b) ?? []).length, 0);
/** ns a point of one run, checking every point became a sample. */
const timed = (read: () => number): number => {
  const t = performance.now();
  const n = read();
  const ns = ((performance.now() - t) * 1e6) / points;
  if (n !== points) throw new Error(`read ${n} of ${points} points`);
  return ns;
};

for (let i = 0; i < 3; i++) (timed(general), timed(onePass)); // warm-up
const generalNs: number[] = [];
const onePassNs: number[] = [];
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) (generalNs.push(timed(general)), onePassNs.push(timed(onePass)));
  else (onePassNs.push(timed(onePass)), generalNs.push(timed(general)));
}
const ratios = generalNs.map((g, i) => g / onePassNs[i]!);
console.log(`\nprotobuf requests → samples, ${requests} requests of 1 000 points; medians of ${rounds} alternating rounds`);
console.log(`  general path (decode to OTLP/JSON, then read)  ${median(generalNs).toFixed(0).padStart(6)} ns a point`);
console.log(`  one pass (otlpProtoSamples)                     ${median(onePassNs).toFixed(0).padStart(6)} ns a point`);
console.log(`  ratio general / one pass                        ×${median(ratios).toFixed(1)}  (rounds ${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)})`);
