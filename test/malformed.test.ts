/**
 * Samples an app feeds straight into the operators are not validated by a source. One an operator
 * cannot read (a time that is not a bigint, no attributes, not an object) must come out as a Left
 * `invalid` saying what is wrong, in its place, while the samples around it go on: before, it
 * vanished into an error RxJS reported asynchronously, and the stream went on one sample short.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EMPTY, type Observable, from, lastValueFrom, timeout, toArray } from 'rxjs';
import { routed, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import type { DeliveryResult } from '../src/delivery.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { captureUnhandled } from './support/unhandled.js';

const test = suite('malformed samples');
const unhandled = captureUnhandled(test);
const settle = () => new Promise((r) => setTimeout(r, 5));

const NOW = BigInt(Date.now()) * 1_000_000n;
const g = (value: number, t: bigint): Sample => ({ name: 'cpu', kind: 'gauge', value, timeUnixNano: t, attributes: { host: 'a' } });
const numberTime = { ...g(2, 0n), timeUnixNano: Number(NOW) } as unknown as Sample;
const noAttributes = { ...g(3, NOW + 3n), attributes: undefined } as unknown as Sample;
const notAnObject = null as unknown as Sample;
const input = [g(1, NOW + 1n), numberTime, noAttributes, notAnObject, g(5, NOW + 5n)];

const run = <T>(o: Observable<T>) => lastValueFrom(o.pipe(timeout(5_000), toArray()));
const show = (out: Routed<Sample>[]) => out.map((r) => (r._tag === 'Right' ? `R${r.right.value}` : `L:${r.left.reason}:${r.left.detail}`));
const showDelivery = (out: DeliveryResult[]) => out.map((r) => (r._tag === 'Right' ? `D${r.right.samples.map((s) => s.value).join('')}` : `L:${r.left.reason}:${r.left.detail}`));

const INVALID = [
  'L:invalid:could not be handled: timeUnixNano must be a positive bigint',
  'L:invalid:could not be handled: attributes must be an object of names to values, got no value',
  'L:invalid:could not be handled: a sample must be an object, got null',
];

test('detectClockSkew → reorderByEventTime → deliverOrdered: every sample comes out once, the malformed ones as Left invalid', async () => {
  const out = await run(from(input).pipe(routed(), detectClockSkew(), reorderByEventTime({ maxDelayMs: 0 }), deliverOrdered(() => EMPTY, { batch: { maxSize: 10, maxDelayMs: 10 } })));
  assert.equal(showDelivery(out), [...INVALID, 'D15']);
  await settle();
  assert.equal(unhandled.errors, []);
});

test('detectClockSkew alone: a Left invalid in place, for every policy (it reads no attributes, so that sample goes on)', async () => {
  for (const policy of ['correct', 'dead-letter', 'pass'] as const) {
    const out = await run(from(input).pipe(routed(), detectClockSkew({ policy })));
    assert.equal(show(out), ['R1', INVALID[0], 'R3', INVALID[2], 'R5'], policy);
  }
  await settle();
  assert.equal(unhandled.errors, []);
});

test('reorderByEventTime alone: a Left invalid at once, the buffer unharmed (the rest still in time order)', async () => {
  const shuffled = [g(4, NOW + 4n), numberTime, g(1, NOW + 1n), noAttributes, notAnObject, g(5, NOW + 5n)];
  const out = await run(from(shuffled).pipe(routed(), reorderByEventTime({ maxDelayMs: 60_000 })));
  assert.equal(show(out), [...INVALID, 'R1', 'R4', 'R5']);
  await settle();
  assert.equal(unhandled.errors, []);
});

test('deliverOrdered alone: a sample with no series key is a Left invalid; the others are delivered', async () => {
  const out = await run(from([g(1, NOW + 1n), noAttributes, notAnObject, g(5, NOW + 5n)]).pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 4, batch: { maxSize: 10, maxDelayMs: 10 } })));
  assert.equal(showDelivery(out), [INVALID[1], INVALID[2], 'D15']);
  await settle();
  assert.equal(unhandled.errors, []);
});

test.run();
