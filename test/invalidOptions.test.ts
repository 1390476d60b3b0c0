/**
 * A numeric option that is not a number (NaN from `Number()` of an unset variable, a string from
 * an untyped config) throws an InvalidOptionError where the operator, source or sink is made,
 * naming it and the option (src/options.ts).
 * Before, each misbehaved in the stream: deliverOrdered threw a TypeError per sample as an
 * uncaught exception and never completed; a NaN retry delay retried every millisecond; a NaN
 * breaker threshold never opened; reorderByEventTime threw at subscribe.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EMPTY, Observable, VirtualTimeScheduler, from, lastValueFrom, toArray } from 'rxjs';
import {
  batchSamples, createCircuitBreaker, deliverOrdered, detectClockSkew, fillStartTimes, reorderByEventTime, retryBackoff, routed,
  InvalidOptionError, isInvalidOptionError, ExportError, syntheticSamples, hostSamples, ndjsonSamples, otlpGrpcSink, DeadLetterFile, createRoomGate,
} from '../src/index.js';
import { sample } from './support/marbles.js';

const test = suite('invalid options');

const makers: ReadonlyArray<readonly [string, string, (v: never) => unknown]> = [
  ['batchSamples', 'maxSize', (v) => batchSamples({ maxSize: v })],
  ['batchSamples', 'maxDelayMs', (v) => batchSamples({ maxDelayMs: v })],
  ['deliverOrdered', 'lanes', (v) => deliverOrdered(() => EMPTY, { lanes: v })],
  ['deliverOrdered', 'maxQueued', (v) => deliverOrdered(() => EMPTY, { maxQueued: v })],
  ['deliverOrdered', 'fenceMs', (v) => deliverOrdered(() => EMPTY, { fenceMs: v })],
  ['deliverOrdered', 'batch.maxSize', (v) => deliverOrdered(() => EMPTY, { batch: { maxSize: v } })],
  ['deliverOrdered', 'batch.maxDelayMs', (v) => deliverOrdered(() => EMPTY, { batch: { maxDelayMs: v } })],
  ['deliverOrdered', 'retry.initialDelayMs', (v) => deliverOrdered(() => EMPTY, { retry: { initialDelayMs: v } })],
  ['deliverOrdered', 'retry.maxAttempts', (v) => deliverOrdered(() => EMPTY, { retry: { maxAttempts: v } })],
  ['detectClockSkew', 'maxFutureMs', (v) => detectClockSkew({ maxFutureMs: v })],
  ['detectClockSkew', 'maxPastMs', (v) => detectClockSkew({ maxPastMs: v })],
  ['detectClockSkew', 'stepThresholdMs', (v) => detectClockSkew({ stepThresholdMs: v })],
  ['detectClockSkew', 'maxSlewPpm', (v) => detectClockSkew({ maxSlewPpm: v })],
  ['detectClockSkew', 'sourceWindow', (v) => detectClockSkew({ sourceWindow: v })],
  ['detectClockSkew', 'sourceOffsetThresholdMs', (v) => detectClockSkew({ sourceOffsetThresholdMs: v })],
  ['fillStartTimes', 'forgetSeriesAfterMs', (v) => fillStartTimes({ forgetSeriesAfterMs: v })],
  ['fillStartTimes', 'maxSeries', (v) => fillStartTimes({ maxSeries: v })],
  ['reorderByEventTime', 'maxDelayMs', (v) => reorderByEventTime({ maxDelayMs: v })],
  ['reorderByEventTime', 'maxBuffered', (v) => reorderByEventTime({ maxDelayMs: 0, maxBuffered: v })],
  ['reorderByEventTime', 'forgetSeriesAfterMs', (v) => reorderByEventTime({ maxDelayMs: 0, forgetSeriesAfterMs: v })],
  ['reorderByEventTime', 'maxSeries', (v) => reorderByEventTime({ maxDelayMs: 0, maxSeries: v })],
  ['retryBackoff', 'initialDelayMs', (v) => retryBackoff({ initialDelayMs: v })],
  ['retryBackoff', 'maxDelayMs', (v) => retryBackoff({ maxDelayMs: v })],
  ['retryBackoff', 'multiplier', (v) => retryBackoff({ multiplier: v })],
  ['retryBackoff', 'maxAttempts', (v) => retryBackoff({ maxAttempts: v })],
  ['retryBackoff', 'maxElapsedMs', (v) => retryBackoff({ maxElapsedMs: v })],
  ['createCircuitBreaker', 'failureThreshold', (v) => createCircuitBreaker({ failureThreshold: v })],
  ['createCircuitBreaker', 'halfOpenAfterMs', (v) => createCircuitBreaker({ halfOpenAfterMs: v })],
  ['createCircuitBreaker', 'maxHalfOpenAfterMs', (v) => createCircuitBreaker({ maxHalfOpenAfterMs: v })],
  ['syntheticSamples', 'ratePerSecond', (v) => syntheticSamples({ series: 1, ratePerSecond: v })],
  ['hostSamples', 'intervalMs', (v) => hostSamples({ intervalMs: v })],
  ['ndjsonSamples', 'pollMs', (v) => ndjsonSamples({ path: 'samples.ndjson', follow: true, pollMs: v })],
  // connectTimeoutMs NaN: every call "Channel closed before call started", nothing ever delivered; keepaliveMs NaN: no keepalive.
  ['otlpGrpcSink', 'connectTimeoutMs', (v) => otlpGrpcSink({ endpoint: 'http://127.0.0.1:4317', connectTimeoutMs: v })],
  ['otlpGrpcSink', 'keepaliveMs', (v) => otlpGrpcSink({ endpoint: 'http://127.0.0.1:4317', keepaliveMs: v })],
  ['otlpGrpcSink', 'timeoutMs', (v) => otlpGrpcSink({ endpoint: 'http://127.0.0.1:4317', timeoutMs: v })],
  ['otlpGrpcSink', 'holdSilentMs', (v) => otlpGrpcSink({ endpoint: 'http://127.0.0.1:4317', holdSilentMs: v })],
  ['DeadLetterFile', 'maxBytes', (v) => new DeadLetterFile('dead.ndjson', { maxBytes: v })],
  ['DeadLetterFile', 'maxFiles', (v) => new DeadLetterFile('dead.ndjson', { maxFiles: v })],
  ['createRoomGate', 'highWater', (v) => createRoomGate({ level: () => 0, highWater: v, lowWater: 0 })],
  ['createRoomGate', 'lowWater', (v) => createRoomGate({ level: () => 0, highWater: 10, lowWater: v })],
  ['ndjsonSamples', 'maxLineBytes', (v) => ndjsonSamples({ path: 'samples.ndjson', maxLineBytes: v })],
];

test('NaN, a string or null: InvalidOptionError at once, naming the operator and the option', () => {
  for (const [operator, option, make] of makers) {
    for (const [bad, shown] of [[Number.NaN, 'NaN'], ['500', '"500"'], [null, 'null']] as const) {
      let thrown: unknown;
      try {
        make(bad as never);
      } catch (e) {
        thrown = e;
      }
      assert.ok(isInvalidOptionError(thrown), `${operator} ${option} ${shown}: ${String(thrown)}`);
      assert.ok(thrown instanceof InvalidOptionError && thrown instanceof RangeError);
      assert.is((thrown as InvalidOptionError).message, `${operator}: option ${option} must be ${option === 'lanes' ? 'a finite number' : 'a number'}, found ${shown}`);
      assert.is((thrown as InvalidOptionError).option, option);
    }
  }
});

test('reorderByEventTime without maxDelayMs (an untyped caller): InvalidOptionError, not a throw at subscribe', () => {
  assert.throws(() => reorderByEventTime({} as never), (e: unknown) => isInvalidOptionError(e) && /maxDelayMs must be a number, found nothing/.test((e as Error).message));
});

test('syntheticSamples: series NaN never emitted anything, Infinity threw at subscribe, none at all as well; each is InvalidOptionError now', () => {
  for (const series of [Number.NaN, Infinity, undefined]) {
    assert.throws(() => syntheticSamples({ series, ratePerSecond: 10 } as never), (e: unknown) => isInvalidOptionError(e) && /option series must be a finite number/.test((e as Error).message));
  }
});

test('deliverOrdered lanes ±Infinity: InvalidOptionError (it threw "Invalid array length" at subscribe)', () => {
  for (const lanes of [Infinity, -Infinity]) assert.throws(() => deliverOrdered(() => EMPTY, { lanes }), (e: unknown) => isInvalidOptionError(e));
});

test('numbers out of range keep their clamping, and Infinity means no limit: every sample still comes out', async () => {
  const samples = Array.from({ length: 10 }, (_, i) => sample(1_000 + i, 'm', { k: String(i % 3) }, i));
  for (const v of [0, -1, 1.5, Infinity, -Infinity]) {
    const out = await lastValueFrom(from(samples).pipe(routed(), reorderByEventTime({ maxDelayMs: v, maxBuffered: v }), toArray()));
    assert.equal(out.map((r) => r._tag === 'Right' && r.right.value), samples.map((s) => s.value), `reorder ${v}`);
    const batches = await lastValueFrom(from(samples).pipe(batchSamples({ maxSize: v, maxDelayMs: v }), toArray()));
    assert.is(batches.flat().length, 10, `batch ${v}`);
  }
});

test('a NaN retry delay used to retry a failing receiver every millisecond; now it cannot be made', () => {
  const scheduler = new VirtualTimeScheduler();
  let attempts = 0;
  const failing = new Observable<never>((s) => (attempts++, s.error(new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 }))));
  assert.throws(() => failing.pipe(retryBackoff({ initialDelayMs: Number(process.env['CHRONOQ_UNSET_FOR_TEST']), scheduler })).subscribe({ error: () => undefined }));
  scheduler.flush();
  assert.is(attempts, 0);
});

test.run();
