/**
 * deliverOrdered's lanes are made at their first sample (src/deliveryLanes.ts). With many lanes —
 * a lane per series for a library user with thousands — they were all made at subscribe, and the
 * drain at completion looked at every lane after every batch: `lanes: 2 ** 32` failed at subscribe
 * ("Invalid array length"), `lanes: 100_000` did not complete within minutes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EMPTY, Subject, from, lastValueFrom, toArray, type Observable } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import { deliverOrdered, laneOf, routed, type Delivered, type DeliveryResult, type Sample } from '../src/index.js';
import { sample } from './support/marbles.js';

const test = suite('deliverOrdered lanes');

const series = (n: number, tMs = 1): Sample[] => Array.from({ length: n }, (_, i) => sample(tMs, 'cpu', { core: `c${i}` }));
const delivered = (results: DeliveryResult[]): Delivered[] => results.flatMap((r) => (isRight(r) ? [r.right] : []));

test('lanes: 2 ** 32 — each series in its lane by laneOf, all delivered', async () => {
  const lanes = 2 ** 32;
  const input = series(50);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes }), toArray()));
  assert.equal(results.filter((r) => !isRight(r)).length, 0, 'no dead letters');
  const out = delivered(results);
  assert.equal(out.flatMap((d) => d.samples).length, 50);
  for (const d of out) for (const s of d.samples) assert.is(d.lane, laneOf(s, lanes));
  assert.ok(new Set(out.map((d) => d.lane)).size > 40, 'the series spread over lanes');
});

test('lanes: 100 000 with 20 000 series completes, every sample delivered once', async () => {
  const input = series(20_000);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 100_000, batch: { maxSize: 10, maxDelayMs: 1_000 } }), toArray()));
  const out = delivered(results).flatMap((d) => d.samples);
  assert.is(out.length, 20_000);
  assert.is(new Set(out).size, 20_000);
});

test('the drain at completion goes lane by lane in index order, whatever order the lanes were made in', async () => {
  const input = series(30);
  const results = await lastValueFrom(from(input).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 1_000 }), toArray()));
  const lanes = delivered(results).map((d) => d.lane);
  assert.equal(lanes, [...lanes].sort((a, b) => a - b));
  assert.not.equal(lanes, input.map((s) => laneOf(s, 1_000)), 'made out of index order (else this checks nothing)');
});

test('a lane with a batch in flight keeps the stream open; it completes when the last batch settles', () => {
  const pending: Subject<never>[] = [];
  const send = (): Observable<never> => {
    const s = new Subject<never>();
    pending.push(s);
    return s;
  };
  let completed = false;
  from(series(3)).pipe(routed(), deliverOrdered(send, { lanes: 1_000_000 })).subscribe({ complete: () => (completed = true) });
  assert.is(pending.length, 3, 'three lanes, three batches in flight');
  pending[0]!.complete();
  pending[2]!.complete();
  assert.not.ok(completed, 'one batch still in flight');
  pending[1]!.complete();
  assert.ok(completed);
});

test('nothing in: completes (no lane was made)', async () => {
  const results = await lastValueFrom(from([] as Sample[]).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 4 }), toArray()));
  assert.equal(results, []);
});

test.run();
