/**
 * deliverOrdered's own overhead: samples/s through it with a no-op `send` (lanes 1, 2, 4, 8;
 * batches of 500), against a plain `bufferCount(500) + concatMap(send)` pipeline on the same
 * input in the same run. Prints samples/s and the ratio. Not a test: nothing asserted.
 *   npx tsx bench/deliver.ts [--quick]
 */
import { EMPTY, Subject, bufferCount, concatMap, type Observable } from 'rxjs';
import { right } from 'fp-ts/lib/Either.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { workload } from './workload.js';
import { measure, report } from './measure.js';

const total = process.argv.includes('--quick') ? 200_000 : 2_000_000;
const samples = workload({ total, series: 100, hz: 10, disorderMs: 0 }).map((a) => a.sample);
const items = samples.map((s) => right(s) as Routed<Sample>);
const noopSend = (_batch: readonly Sample[]): Observable<unknown> => EMPTY;

const baseline = measure('bufferCount + concatMap', total, () => {
  const input = new Subject<Sample>();
  let n = 0;
  input.pipe(bufferCount(500), concatMap((b) => { n += b.length; return noopSend(b); })).subscribe();
  for (const s of samples) input.next(s);
  input.complete();
  return n;
});

const rows = [1, 2, 4, 8].map((lanes) =>
  measure(`deliverOrdered lanes=${lanes}`, total, () => {
    const input = new Subject<Routed<Sample>>();
    let n = 0;
    input.pipe(deliverOrdered(noopSend, { lanes, batch: { maxSize: 500 } })).subscribe((r) => {
      if (r._tag === 'Right') n += r.right.samples.length;
    });
    for (const s of items) input.next(s);
    input.complete();
    return n;
  }),
);
report(`deliverOrdered overhead, no-op send, batch 500, ${total} samples`, [...rows, baseline], baseline);
