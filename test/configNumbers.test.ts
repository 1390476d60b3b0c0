/**
 * A number written the way other tools' configs write it — a duration with its unit (`5s`, as the
 * Collector's config has them), a size with its unit (`10MB`), digits in groups (`1_000_000`,
 * which YAML 1.2 reads as text) — is refused, as before, and the refusal says the number to write
 * for this key: it said only "expected a finite non-negative number, found "5s"".
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { configErrorsOf } from './support/config.js';

const test = suite('config numbers written with units or digit groups');

test('a duration with a unit, for a key in milliseconds: the milliseconds to write', () => {
  assert.equal(configErrorsOf('reorder: {maxDelayMs: 5s}\n'), ['config.reorder.maxDelayMs: expected a finite non-negative number, found "5s" (did you mean 5000? maxDelayMs is in milliseconds)']);
  assert.equal(configErrorsOf('sink: {type: otlp-grpc, timeoutMs: 1.5m}\n'), ['config.sink.timeoutMs: expected a finite positive number, found "1.5m" (did you mean 90000? timeoutMs is in milliseconds)']);
  assert.equal(configErrorsOf('delivery: {retry: {maxElapsedMs: 2h}}\n'), ['config.delivery.retry.maxElapsedMs: expected a non-negative number of milliseconds or "infinite", found "2h" (did you mean 7200000? maxElapsedMs is in milliseconds)']);
  assert.equal(configErrorsOf('batch: {maxDelayMs: 250ms}\n'), ['config.batch.maxDelayMs: expected a finite non-negative number, found "250ms" (did you mean 250? maxDelayMs is in milliseconds)']);
  assert.equal(configErrorsOf('reorder: {forgetSeriesAfterMs: 1d}\n'), ['config.reorder.forgetSeriesAfterMs: expected a non-negative number of milliseconds or "infinite", found "1d" (did you mean 86400000? forgetSeriesAfterMs is in milliseconds)']);
});

test('a size with a unit, for a key in bytes: the bytes to write', () => {
  assert.equal(configErrorsOf('deadLetter: {maxBytes: 10MB}\n'), ['config.deadLetter.maxBytes: expected a positive integer, found "10MB" (did you mean 10000000? maxBytes is in bytes)']);
  assert.equal(configErrorsOf('spool: {path: s.db, maxBytes: 2GiB}\n'), ['config.spool.maxBytes: expected a positive integer, found "2GiB" (did you mean 2147483648? maxBytes is in bytes)']);
  assert.equal(configErrorsOf('deadLetter: {maxBytes: 64KiB}\n'), ['config.deadLetter.maxBytes: expected a positive integer, found "64KiB" (did you mean 65536? maxBytes is in bytes)']);
});

test('digits in groups: the number without them', () => {
  assert.equal(configErrorsOf('delivery: {maxQueued: 1_000_000}\n'), ['config.delivery.maxQueued: expected a positive integer, found "1_000_000" (did you mean 1000000?)']);
  assert.equal(configErrorsOf('delivery: {maxQueued: "100,000"}\n'), ['config.delivery.maxQueued: expected a positive integer, found "100,000" (did you mean 100000?)']);
  // Groups marked two ways are no one number.
  assert.equal(configErrorsOf('delivery: {maxQueued: "1,000_000"}\n'), ['config.delivery.maxQueued: expected a positive integer, found "1,000_000"']);
});

test('no suggestion where the unit does not fit the key, or the text is no number at all', () => {
  assert.equal(configErrorsOf('delivery: {maxQueued: 5s}\n'), ['config.delivery.maxQueued: expected a positive integer, found "5s"']);
  assert.equal(configErrorsOf('deadLetter: {maxBytes: 5s}\n'), ['config.deadLetter.maxBytes: expected a positive integer, found "5s"']);
  assert.equal(configErrorsOf('reorder: {maxDelayMs: soon}\n'), ['config.reorder.maxDelayMs: expected a finite non-negative number, found "soon"']);
  // A suggestion is only ever a number the key takes: -5s is no maxDelayMs.
  assert.equal(configErrorsOf('reorder: {maxDelayMs: -5s}\n'), ['config.reorder.maxDelayMs: expected a finite non-negative number, found "-5s"']);
  // Nor 1.5 for a count of bytes.
  assert.equal(configErrorsOf('deadLetter: {maxBytes: 1.5B}\n'), ['config.deadLetter.maxBytes: expected a positive integer, found "1.5B"']);
});


test('counts that are made up front have a ceiling: delivery.lanes (a lane is a request in flight) and a synthetic source\'s series; 10⁹ lanes ended `chronoq run` in V8 at its first sample', () => {
  assert.equal(configErrorsOf('delivery: {lanes: 1000000000}\n'), ['config.delivery.lanes: expected a whole number from 1 to 1024 (requests in flight at once), found number 1000000000']);
  assert.equal(configErrorsOf('delivery: {lanes: 0}\n'), ['config.delivery.lanes: expected a whole number from 1 to 1024 (requests in flight at once), found number 0']);
  assert.equal(configErrorsOf('delivery: {lanes: 1024}\n'), []);
  assert.equal(configErrorsOf('sources: [{type: synthetic, series: 2000000}]\n'), ['config.sources[0].series: expected a whole number from 1 to 1000000 (series made up front), found number 2000000']);
});

test('zero where zero means something is taken; where it would mean nothing works, it is refused', () => {
  // maxFiles 0: the dead-letter file is never rotated (rotation's removal is the only way letters leave);
  // fenceMs 0: no wait after an attempt of unknown outcome; holdSilentMs 0: no hold; the delays 0: none.
  for (const yaml of [
    'deadLetter: {maxFiles: 0}', 'delivery: {fenceMs: 0}', 'delivery: {shutdownDeadlineMs: 0}', 'delivery: {retry: {initialDelayMs: 0}}',
    'reorder: {maxDelayMs: 0}', 'batch: {maxDelayMs: 0}', 'sink: {type: otlp-grpc, holdSilentMs: 0}', 'telemetry: {alerts: {deadLettersPerMinute: 0}}',
  ]) assert.equal(configErrorsOf(`${yaml}\n`), [], yaml);
  assert.equal(
    ['sink: {type: otlp-grpc, timeoutMs: 0}', 'batch: {maxSize: 0}', 'delivery: {breaker: {failureThreshold: 0}}', 'telemetry: {statusIntervalMs: 0}', 'sources: [{type: ndjson, path: a, pollMs: 0}]']
      .map((yaml) => configErrorsOf(`${yaml}\n`)),
    [
      ['config.sink.timeoutMs: expected a finite positive number, found number 0'],
      ['config.batch.maxSize: expected a positive integer, found number 0'],
      ['config.delivery.breaker.failureThreshold: expected a positive integer, found number 0'],
      ['config.telemetry.statusIntervalMs: expected a positive integer, found number 0'],
      ['config.sources[0].pollMs: expected a positive integer, found number 0'],
    ],
  );
});

test('the edges the codecs take: 0 where it means something, exactly the minimum, "5." interpolated, .inf refused where a finite number is needed', () => {
  assert.equal(configErrorsOf('sink: {type: otlp-grpc, keepaliveMs: 0, connectTimeoutMs: 1000}\n'), [], 'keepaliveMs 0: no pings; connectTimeoutMs at its minimum');
  assert.equal(configErrorsOf('delivery: {retry: {maxElapsedMs: 0}}\n'), [], 'maxElapsedMs 0: no retry after the first attempt');
  assert.equal(configErrorsOf('reorder: {maxDelayMs: "${D}"}\n', { D: '5.' }), [], 'YAML reads 5. as a number: so is the interpolated text');
  assert.equal(configErrorsOf('skew: {stepThresholdMs: .inf}\n'), ['config.skew.stepThresholdMs: expected a finite positive number, found number Infinity']);
});

test.run();
