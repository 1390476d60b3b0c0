/**
 * detectClockSkew's per-source offsets (sourceAttribute) with many sources: the structure
 * (src/sourceOffsets.ts) against the code before it — every source's offset sorted afresh at
 * every sample (test/support/plainSourceOffsets.ts) — and the whole operator with sourceAttribute against the
 * operator without it, in one run: samples of the sources in turn, and in requests of 500 points
 * of one source (as an otlp source's gateway gets them). Prints observations/s and the ratios.
 * Not a test.
 *   npx tsx bench/sourceOffsets.ts [--quick]
 */
import { Observable, count, lastValueFrom } from 'rxjs';
import { routed } from '../src/routed.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { createSourceOffsets } from '../src/sourceOffsets.js';
import { msToNanos, type Sample } from '../src/sample.js';
import { plainOffsets } from '../test/support/plainSourceOffsets.js';
import { measure, report } from './measure.js';

const quick = process.argv.includes('--quick');
const nowMs = Date.now();
const REQUEST_POINTS = 500;

for (const sources of quick ? [10, 1_000] : [10, 100, 1_000, 5_000]) {
  const total = sources * 20;
  // Each source a little off, samples 0–50 ms in flight, arriving 1 ms apart.
  const obs = Array.from({ length: total }, (_, i) => ({ source: `host-${i % sources}`, arrivalMs: nowMs + i, sampleMs: nowMs + i + (i % sources) % 97 - (i * 7919) % 50 }));
  const structure = measure('incremental', total, () => {
    const o = createSourceOffsets({ windowSize: 32, thresholdMs: 2_000 });
    for (const x of obs) o.observe(x.source, x.sampleMs, x.arrivalMs);
    return total;
  });
  const plain = measure('sorted afresh (before)', total, () => {
    const o = plainOffsets(32, 2_000);
    for (const x of obs) o(x.source, x.sampleMs, x.arrivalMs);
    return total;
  }, { runs: sources >= 1_000 ? 1 : 3, warmUp: sources < 1_000 });
  report(`${sources} sources, ${total} observations`, [structure, plain], plain);

  const attributes = Array.from({ length: sources }, (_, i) => ({ 'host.name': `host-${i}` }));
  const interleaved: Sample[] = obs.map((x, i) => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: msToNanos(x.sampleMs - 1_000), attributes: attributes[i % sources]! }));
  // As a gateway gets them: requests of REQUEST_POINTS points, each of one source at one time, the sources in turn.
  const inRequests: Sample[] = Array.from({ length: Math.max(total, 100_000) }, (_, i) => {
    const request = Math.floor(i / REQUEST_POINTS);
    return { name: 'm', kind: 'gauge', value: i, timeUnixNano: msToNanos(nowMs + request - 1_000), attributes: attributes[request % sources]! };
  });
  const through = async (samples: readonly Sample[], sourceAttribute?: string): Promise<number> => {
    const t0 = performance.now();
    const n = await lastValueFrom(new Observable<Sample>((s) => (samples.forEach((x) => s.next(x)), s.complete())).pipe(routed(), detectClockSkew({ stampedLocally: false, ...(sourceAttribute ? { sourceAttribute } : {}) }), count()));
    if (n !== samples.length) throw new Error(`${n} of ${samples.length}`);
    return (samples.length / (performance.now() - t0)) * 1000;
  };
  for (const [arrival, samples] of [['one sample a source in turn', interleaved], [`requests of ${REQUEST_POINTS} points`, inRequests]] as const) {
    await through(samples, 'host.name');
    await through(samples);
    const best = async (a?: string) => Math.max(await through(samples, a), await through(samples, a), await through(samples, a));
    const [withSources, without] = [await best('host.name'), await best()];
    console.log(`  detectClockSkew, ${arrival}: with sourceAttribute ${(withSources / 1000).toFixed(0)} k samples/s, without ${(without / 1000).toFixed(0)} k/s: ×${(withSources / without).toFixed(2)}`);
  }
}
