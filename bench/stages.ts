/**
 * What each per-sample stage of the bench/e2e pipeline costs on its own, with a no-op `send`:
 * the bare stream (source → routed) is the baseline, and each chain adds one stage. Prints ns a
 * sample, the increment over the chain before it, each chain's rate as a ratio of the
 * baseline's, and the bytes each chain allocates a sample (garbage the collector must then
 * clear, on this thread and its helpers). Not a test.
 *   npx tsx bench/stages.ts [--quick]
 */
import { EMPTY, Observable, type OperatorFunction, count, lastValueFrom } from 'rxjs';
import { routed, type Routed } from '../src/routed.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { workload } from './workload.js';
import { allocatedBytes, median } from './measure.js';
import type { Sample } from '../src/sample.js';

const quick = process.argv.includes('--quick');
const total = quick ? 100_000 : 400_000;
const rounds = quick ? 3 : 9;
const samples = workload({ total, series: 100, hz: 10, disorderMs: 0, seed: 7 }).map((a) => a.sample);
const source = new Observable<Sample>((subscriber) => {
  for (const s of samples) subscriber.next(s);
  subscriber.complete();
});

type Stage = OperatorFunction<Routed<Sample>, Routed<Sample>>;
// The same settings as bench/e2e (old timestamps, in order).
const skew = (): Stage => detectClockSkew({ stampedLocally: false, maxPastMs: 10 * 365 * 86_400_000 });
const reorder = (): Stage => reorderByEventTime({ maxDelayMs: 0 });
const deliver = () => deliverOrdered(() => EMPTY, { lanes: 4, batch: { maxSize: 1_000, maxDelayMs: 50 }, maxQueued: total });

const chains: ReadonlyArray<readonly [string, () => Observable<unknown>]> = [
  ['source → routed (baseline)', () => source.pipe(routed(), count())],
  ['+ detectClockSkew', () => source.pipe(routed(), skew(), count())],
  ['+ reorderByEventTime', () => source.pipe(routed(), skew(), reorder(), count())],
  ['+ deliverOrdered (no-op send)', () => source.pipe(routed(), skew(), reorder(), deliver(), count())],
];

const nsPerSample: number[][] = chains.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (const [i, [, chain]] of chains.entries()) {
    const t0 = performance.now();
    await lastValueFrom(chain());
    nsPerSample[i]!.push(((performance.now() - t0) * 1e6) / total);
  }
}
const medians = nsPerSample.map(median);
const bytesPerSample: number[] = [];
for (const [, chain] of chains) bytesPerSample.push((await allocatedBytes(() => lastValueFrom(chain()))) / total);
console.log(`\nper-sample cost of each stage, ${total} samples, 100 series, median of ${rounds} rounds`);
for (const [i, [name]] of chains.entries()) {
  const step = i === 0 ? '' : `  (+${(medians[i]! - medians[i - 1]!).toFixed(0)} ns)`;
  console.log(
    `  ${name.padEnd(32)} ${medians[i]!.toFixed(0).padStart(5)} ns a sample${step.padEnd(13)}  rate ×${(medians[0]! / medians[i]!).toFixed(2)} of baseline` +
      `  ${bytesPerSample[i]!.toFixed(0).padStart(4)} bytes a sample`,
  );
}
