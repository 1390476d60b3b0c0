/**
 * reorderByEventTime against the seed issue's queue (append the batch, sort the whole pending
 * list, take what is older than the cutoff), on the same generated workload in one run, at 2 s
 * disorder and at a 300 s backlog. Prints samples/s and the ratio. Not a test: nothing asserted.
 *   npx tsx bench/reorder.ts [--quick]
 */
import { Subject } from 'rxjs';
import { right } from 'fp-ts/lib/Either.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { createHeap } from './heap.js';
import { workload, type Arrival } from './workload.js';
import { measure, report } from './measure.js';

const COLLECT_BATCH = 100; // the seed collects and enqueues a batch at a time

/** The seed's OrderedMetricQueue: extend + full sort per batch, deliver what is older than the cutoff. */
const seedQueue = (arrivals: Arrival[], maxAgeMs: number): number => {
  let pending: Sample[] = [];
  let delivered = 0;
  for (let i = 0; i < arrivals.length; i += COLLECT_BATCH) {
    const batch = arrivals.slice(i, i + COLLECT_BATCH);
    pending.push(...batch.map((a) => a.sample));
    pending.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));
    const cutoff = BigInt(Math.floor(batch.at(-1)!.atMs - maxAgeMs)) * 1_000_000n;
    let n = 0;
    while (n < pending.length && pending[n]!.timeUnixNano <= cutoff) n++;
    delivered += n;
    pending = pending.slice(n);
  }
  return delivered + pending.length;
};

/** A bare binary heap with a watermark: the algorithm without RxJS, late checks or timers. */
const bareHeap = (arrivals: Arrival[], maxDelayMs: number): number => {
  const heap = createHeap<Sample>((a, b) => a.timeUnixNano < b.timeUnixNano);
  const delay = BigInt(maxDelayMs) * 1_000_000n;
  let max = 0n;
  let out = 0;
  for (const a of arrivals) {
    heap.push(a.sample);
    if (a.sample.timeUnixNano > max) max = a.sample.timeUnixNano;
    while (heap.size > 0 && heap.peek()!.timeUnixNano <= max - delay) {
      heap.pop();
      out++;
    }
  }
  return out + heap.size;
};

const operator = (items: Routed<Sample>[], maxDelayMs: number): number => {
  const input = new Subject<Routed<Sample>>();
  let out = 0;
  input.pipe(reorderByEventTime({ maxDelayMs, maxBuffered: 1_000_000 })).subscribe(() => out++);
  for (const item of items) input.next(item);
  input.complete();
  return out;
};

const quick = process.argv.includes('--quick');
const cases = [
  { label: '2 s disorder', disorderMs: 2_000, maxDelayMs: 2_000, total: quick ? 200_000 : 2_000_000, seedTotal: quick ? 100_000 : 1_000_000 },
  { label: '300 s backlog', disorderMs: 2_000, maxDelayMs: 300_000, total: quick ? 400_000 : 1_200_000, seedTotal: quick ? 330_000 : 450_000 },
];

for (const c of cases) {
  // 100 series at 10 Hz: 1 000 samples per second of event time.
  const arrivals = workload({ total: c.total, series: 100, hz: 10, disorderMs: c.disorderMs });
  const items = arrivals.map((a) => right(a.sample) as Routed<Sample>);
  const seedArrivals = arrivals.slice(0, c.seedTotal);
  const op = measure('reorderByEventTime', c.total, () => operator(items, c.maxDelayMs));
  const heap = measure('bare binary heap', c.total, () => bareHeap(arrivals, c.maxDelayMs));
  const seedRuns = c.maxDelayMs >= 60_000 ? { runs: 1, warmUp: false } : {};
  const seed = measure("seed's sorted queue", c.seedTotal, () => seedQueue(seedArrivals, c.maxDelayMs), seedRuns);
  report(c.label, [op, heap, seed], seed);
}
