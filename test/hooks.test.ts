/**
 * A user's hook or policy predicate that throws must not lose a sample, hang a lane or wedge the
 * breaker: the operator goes on as if it had returned (predicates answer on the safe side) and the
 * error is reported through RxJS's config.onUnhandledError. Each case runs an input with a hook
 * that throws and checks the output against a run without it or against what that run gives.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY, type Observable, config, defer, from, lastValueFrom, throwError, timeout, timer, toArray } from 'rxjs';
import { routed, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { retryBackoff } from '../operators/retryBackoff.js';
import { circuitBreaker } from '../operators/circuitBreaker.js';
import { createCircuitBreaker } from '../src/breaker.js';
import { ExportError } from '../src/errors.js';
import type { DeliveryResult } from '../src/delivery.js';
import { ndjsonSamples } from '../src/sources/ndjson.js';
import { safeHook } from '../src/hooks.js';
import { tempDir } from './support/cli.js';
import { captureUnhandled } from './support/unhandled.js';

const test = suite('hooks that throw');
const unhandled = captureUnhandled(test);
/** Lets the microtasks that report hook errors run. */
const settle = () => new Promise((r) => setImmediate(r));
const boom = (what: string) => () => {
  throw new Error(`${what} bug`);
};
const messages = () => unhandled.errors.map((e) => (e as Error).message);

const g = (name: string, t: bigint): Sample => ({ name, kind: 'gauge', value: 1, timeUnixNano: t, attributes: {} });
const NOW = BigInt(Date.now()) * 1_000_000n;
const show = (out: Routed<Sample>[]) => out.map((r) => (r._tag === 'Right' ? `${r.right.name}@${r.right.timeUnixNano - NOW}` : `L:${r.left.reason}:${r.left.item.name}`));
const showDelivery = (out: DeliveryResult[]) => out.map((r) => (r._tag === 'Right' ? `D:${r.right.samples.map((s) => s.name).join('')}` : `L:${r.left.reason}:${r.left.item.name}`));
const run = <T>(o: Observable<T>) => lastValueFrom(o.pipe(timeout(5_000), toArray()));

test('detectClockSkew: a throwing onSkew loses no sample; the future one is still re-stamped', async () => {
  const input = [g('a', NOW - 1_000n), g('b', NOW + 3_600_000_000_000n), g('c', NOW)];
  const skew = (onSkew?: () => void) => run(from(input).pipe(routed(), detectClockSkew({ onSkew }))).then((o) => o.map((r) => (r._tag === 'Right' ? [r.right.name, r.right.correctedFromUnixNano !== undefined] : r._tag)));
  const without = await skew();
  assert.equal(await skew(boom('onSkew')), without);
  assert.equal(without, [['a', false], ['b', true], ['c', false]]);
  await settle();
  assert.equal(messages(), ['onSkew bug']);
});

test('reorderByEventTime: a throwing onLate still dead-letters the late sample; a throwing onOverflow still releases', async () => {
  const input = [g('a', NOW + 5n), g('a', NOW + 3n), g('a', NOW + 6n)];
  const late = await run(from(input).pipe(routed(), reorderByEventTime({ maxDelayMs: 0, onLate: boom('onLate') })));
  assert.equal(show(late), ['a@5', 'L:late:a', 'a@6']);
  const overflow = (onOverflow?: () => void) => run(from(input).pipe(routed(), reorderByEventTime({ maxDelayMs: 60_000, maxBuffered: 1, onOverflow }))).then(show);
  assert.equal(await overflow(boom('onOverflow')), await overflow());
  assert.equal(await overflow(), ['a@3', 'a@5', 'a@6']);
  await settle();
  assert.equal(messages(), ['onLate bug', 'onOverflow bug', 'onOverflow bug']);
});

const three = [g('a', NOW + 1n), g('b', NOW + 2n), g('c', NOW + 3n)];
const deliver = (send: () => Observable<unknown>, hooks: Record<string, () => void> = {}, extra = {}) =>
  run(from(three).pipe(routed(), deliverOrdered(send, { batch: { maxSize: 2, maxDelayMs: 10 }, retry: { initialDelayMs: 1, jitter: 'none' }, ...extra, ...hooks })));

for (const hook of ['onBatch', 'onDelivered'] as const) {
  test(`deliverOrdered: a throwing ${hook} neither hangs the lane nor loses a batch`, async () => {
    assert.equal(showDelivery(await deliver(() => EMPTY, { [hook]: boom(hook) })), ['D:ab', 'D:c']);
    await settle();
    assert.ok(messages().length >= 2 && messages().every((m) => m === `${hook} bug`), messages().join());
  });
}

test('deliverOrdered: a throwing onDeadLetter still emits every dead letter', async () => {
  const refuse = () => throwError(() => new ExportError('refused', { retryable: false, code: 3 }));
  assert.equal(showDelivery(await deliver(refuse, { onDeadLetter: boom('onDeadLetter') })), ['L:rejected:a', 'L:rejected:b', 'L:rejected:c']);
  await settle();
  assert.equal(messages(), ['onDeadLetter bug', 'onDeadLetter bug']);
});

test('deliverOrdered: a throwing onRetry still retries', async () => {
  let calls = 0;
  const flaky = () => defer(() => (calls++ === 0 ? throwError(() => new ExportError('down', { retryable: true, code: 14 })) : EMPTY));
  assert.equal(showDelivery(await deliver(flaky, { onRetry: boom('onRetry') })), ['D:ab', 'D:c']);
  assert.is(calls, 3);
  await settle();
  assert.equal(messages(), ['onRetry bug']);
});

test('deliverOrdered: a throwing onOverflow still dead-letters the overflowing sample', async () => {
  // The receiver takes 5 ms a batch: with one in flight and one waiting, the third overflows.
  const out = await deliver(() => timer(5), { onOverflow: boom('onOverflow') }, { maxQueued: 1, batch: { maxSize: 2, maxDelayMs: 10 } });
  assert.is(out.filter((r) => r._tag === 'Left' && r.left.reason === 'overflow').length + out.flatMap((r) => (r._tag === 'Right' ? r.right.samples : [])).length, 3);
  assert.ok(out.some((r) => r._tag === 'Left' && r.left.reason === 'overflow'));
  await settle();
  assert.ok(messages().length >= 1 && messages().every((m) => m === 'onOverflow bug'));
});

test('retryBackoff: a throwing shouldRetry answers no (the error passes on); a throwing random ends the attempt with its error', async () => {
  const down = new ExportError('down', { retryable: true, code: 14 });
  let subscriptions = 0;
  const failing = defer(() => (subscriptions++, throwError(() => down)));
  const noRetry = await lastValueFrom(failing.pipe(retryBackoff({ shouldRetry: boom('shouldRetry') }))).catch((e: unknown) => e);
  assert.is(noRetry, down);
  assert.is(subscriptions, 1);
  const badRandom = await lastValueFrom(failing.pipe(retryBackoff({ random: boom('random') }), timeout(5_000))).catch((e: unknown) => e);
  assert.is((badRandom as Error).message, 'random bug');
  await settle();
  assert.equal(messages(), ['shouldRetry bug']);
});

test('circuit breaker: a throwing isFailure counts as a failure, and a probe it judged does not wedge the breaker half-open', async () => {
  const breaker = createCircuitBreaker({ failureThreshold: 1, halfOpenAfterMs: 20, isFailure: boom('isFailure') });
  const fail = throwError(() => new Error('x')).pipe(circuitBreaker(breaker));
  await lastValueFrom(fail).catch(() => undefined);
  assert.is(breaker.state, 'open');
  await new Promise((r) => setTimeout(r, 40));
  assert.is(breaker.state, 'half-open');
  await lastValueFrom(fail).catch(() => undefined); // the probe fails: open again, not stuck with its probe out
  assert.is(breaker.state, 'open');
  await new Promise((r) => setTimeout(r, 80));
  await lastValueFrom(EMPTY.pipe(circuitBreaker(breaker)), { defaultValue: undefined });
  assert.is(breaker.state, 'closed');
  breaker.dispose();
  await settle();
  assert.equal(messages(), ['isFailure bug', 'isFailure bug']);
});

test('ndjson: a throwing onInvalid still reads the valid lines after the invalid one', async () => {
  const path = join(tempDir(), 'in.ndjson');
  writeFileSync(path, '{"name":"a","value":1,"timeUnixNano":"1"}\nnope\n{"name":"b","value":2,"timeUnixNano":"2"}\n');
  const got = await run(ndjsonSamples({ path, onInvalid: boom('onInvalid') }));
  assert.equal(got.map((s) => s.name), ['a', 'b']);
  await settle();
  assert.equal(messages(), ['onInvalid bug']);
});

test('with no config.onUnhandledError, a hook\'s error is thrown on its own (Node reports an uncaught exception, as for RxJS\'s own unhandled errors), not lost', async () => {
  config.onUnhandledError = null;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): number => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    safeHook(boom('onLate'))(undefined); // returns: the operator's work goes on
    await settle();
    assert.equal(uncaught.map((e) => (e as Error).message), ['onLate bug']);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});

test.run();
