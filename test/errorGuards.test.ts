/**
 * The package's guards and the plain-data errors of dead letters, as an application calls them:
 * on whatever an error callback got (`throwError(() => null)` and a rejected promise's
 * `undefined` are errors too), and on letters it reads or compares.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BrokenCircuitError, ExportError, InvalidOptionError, RetriesExhaustedError, TimeOutOfRangeError,
  describeError, isBrokenCircuitError, isExportError, isInvalidOptionError, isOutcomeUnknown, isRejectedSamples,
  isRetriesExhaustedError, isRetryable, isTimeOutOfRangeError, toDeadLetter,
} from '../src/index.js';
// The spool's error is not the package's (the spool is the command's and createPipeline's).
import { SpoolFormatError, isAnsweredByReceiver, isSpoolFormatError, retryAfterMsOf } from '../src/errors.js';
import { invalidSample } from '../src/routed.js';
import { isTakenSamples } from '../src/batchOutcome.js';

const test = suite('errorGuards');

const guards = [
  ['ExportError', isExportError, new ExportError('refused', { retryable: false, code: 3 })],
  ['RetriesExhaustedError', isRetriesExhaustedError, new RetriesExhaustedError(3, 1_500, new Error('down'))],
  ['BrokenCircuitError', isBrokenCircuitError, new BrokenCircuitError(250)],
  ['TimeOutOfRangeError', isTimeOutOfRangeError, new TimeOutOfRangeError(-1n)],
  ['InvalidOptionError', isInvalidOptionError, new InvalidOptionError('deliverOrdered', 'lanes', 'a number', 'NaN')],
  ['SpoolFormatError', isSpoolFormatError, new SpoolFormatError('/var/spool.db', 9, 1, '0.1.0', 'upgrade')],
] as const;

/** What an error callback can be handed besides an Error. */
const notErrors: unknown[] = [null, undefined, 0, '', 'ExportError', true, {}, [], new Error('plain'), { name: 'ExportError', retryable: true }];

for (const [name, guard, instance] of guards) {
  test(`is${name}: true for its own, and for one of another copy of chronoq (its brand); false, without throwing, for anything else`, () => {
    assert.ok(guard(instance));
    assert.ok(guard({ [Symbol.for(`chronoq.${name}`)]: true }), 'the brand of another copy');
    for (const v of notErrors) assert.not.ok(guard(v), String(v));
    for (const [other, , otherInstance] of guards) if (other !== name) assert.not.ok(guard(otherInstance), other);
  });
}

test('isRetryable and isOutcomeUnknown take anything an error callback gets', () => {
  for (const v of notErrors) {
    assert.is(isRetryable(v), v === notErrors.at(-1), String(v));
    assert.not.ok(isOutcomeUnknown(v), String(v));
  }
  assert.ok(isOutcomeUnknown(new ExportError('timed out', { retryable: true, outcomeUnknown: true })));
  assert.not.ok(isOutcomeUnknown(new ExportError('refused', { retryable: true })));
});

test('isRejectedSamples: only a value of that kind holding its samples (a send may emit other values, which are ignored)', () => {
  assert.ok(isRejectedSamples({ kind: 'rejected-samples', samples: [], rejectedDataPoints: 0, message: '' }));
  for (const v of [null, undefined, 'rejected-samples', { kind: 'rejected-samples' }, { kind: 'rejected-samples', samples: 'all' }, { kind: 'taken', samples: [] }]) {
    assert.not.ok(isRejectedSamples(v), JSON.stringify(v));
  }
});

test('isTakenSamples: only a value of that kind holding its samples (what a sink says it delivered of a batch that failed)', () => {
  assert.ok(isTakenSamples({ kind: 'taken-samples', samples: [] }));
  for (const v of [null, { kind: 'taken-samples' }, { kind: 'taken-samples', samples: 'all' }, { kind: 'rejected-samples', samples: [] }]) assert.not.ok(isTakenSamples(v), JSON.stringify(v));
});

test('describeError: an Error keeps its name, message and a string or numeric code; anything else thrown is an Error of its text', () => {
  assert.equal(describeError(new ExportError('14 UNAVAILABLE: down', { retryable: true, code: 14 })), { name: 'ExportError', message: '14 UNAVAILABLE: down', code: 14 });
  assert.equal(describeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), { name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' });
  assert.equal(describeError(Object.assign(new TypeError('bad'), { code: { nested: true } })), { name: 'TypeError', message: 'bad' });
  assert.equal(describeError('disk on fire'), { name: 'Error', message: 'disk on fire' });
  assert.equal(describeError(undefined), { name: 'Error', message: 'undefined' });
});

test('toDeadLetter: attempts and error appear only when given (a letter is compared and written as the fields it has)', () => {
  assert.equal(Object.keys(toDeadLetter('late', 'x', 'too late', 5)), ['reason', 'item', 'detail', 'atUnixMs']);
  const letter = toDeadLetter('rejected', 'x', 'refused', 5, { attempts: 2, error: new ExportError('bad point', { retryable: false, code: 3 }) });
  assert.equal(letter, { reason: 'rejected', item: 'x', detail: 'refused', atUnixMs: 5, attempts: 2, error: { name: 'ExportError', message: 'bad point', code: 3 } });
});

test('the errors say their figures as a person reads them', () => {
  assert.is(new RetriesExhaustedError(3, 1_499.6, new ExportError('14 UNAVAILABLE: down', { retryable: true }), 'maxAttempts 3').message, 'gave up after 3 attempt(s) in 1500 ms (maxAttempts 3): 14 UNAVAILABLE: down');
  assert.is(new RetriesExhaustedError(1, 0, 'no route').message, 'gave up after 1 attempt(s) in 0 ms: no route');
  assert.is(new BrokenCircuitError(249.2).message, 'circuit open: next attempt allowed in 250 ms');
  assert.is(new InvalidOptionError('otlpGrpcSink', 'timeoutMs', 'a number of ms', '"10s"').message, 'otlpGrpcSink: option timeoutMs must be a number of ms, found "10s"');
});

test("the flags a guard reads count only when true; a receiver's delay only when it is one (a finite, non-negative number)", () => {
  for (const v of [1, 'yes', {}]) {
    assert.not.ok(isOutcomeUnknown({ outcomeUnknown: v }), String(v));
    assert.not.ok(isAnsweredByReceiver({ answered: v }), String(v));
  }
  assert.not.ok(isAnsweredByReceiver(new ExportError('14 UNAVAILABLE: connection refused', { retryable: true, code: 14 })), 'a status the client made up');
  assert.ok(isAnsweredByReceiver(new ExportError('14 UNAVAILABLE: overloaded', { retryable: true, code: 14, answered: true })));
  assert.not.ok(isAnsweredByReceiver(new Error('plain')));
  assert.equal([250, 0, -1, Infinity, Number.NaN, '250', undefined].map((retryAfterMs) => retryAfterMsOf({ retryAfterMs })), [250, 0, undefined, undefined, undefined, undefined, undefined]);
});

test('the errors keep what they were made with: the cause, the points refused, the spool format read up to, the option; a broken circuit is retryable', () => {
  const down = new Error('down');
  const refused = new ExportError('3 INVALID_ARGUMENT', { retryable: false, code: 3, cause: down, rejectedDataPoints: 7 });
  assert.equal([refused.cause, refused.rejectedDataPoints, refused.outcomeUnknown, refused.answered], [down, 7, false, false]);
  assert.is(new RetriesExhaustedError(3, 1_500, down).cause, down);
  assert.ok(isRetryable(new BrokenCircuitError(250)));
  const later = new SpoolFormatError('/var/spool.db', 9, 1, '0.1.0', 'upgrade');
  assert.equal([later.path, later.format, later.readsUpTo], ['/var/spool.db', 9, 1]);
  const option = new InvalidOptionError('deliverOrdered', 'retry.initialDelayMs', 'a number', 'NaN');
  assert.equal([option.operator, option.option], ['deliverOrdered', 'retry.initialDelayMs']);
  assert.is(new TimeOutOfRangeError(2n ** 64n).message, 'time 18446744073709551616 ns is outside what OTLP carries (0 ≤ t < 2^64 ns): it would arrive as another time');
});

test('a dead letter keeps what was thrown, a falsy value too; a sample that could not be handled says why and keeps the error', () => {
  assert.equal(toDeadLetter('invalid', 'x', 'threw', 5, { error: 0 }).error, { name: 'Error', message: '0' });
  assert.equal(toDeadLetter('invalid', 'x', 'threw', 5, { error: '' }).error, { name: 'Error', message: '' });
  const invalid = invalidSample({ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1n, attributes: {} }, new TypeError('hook failed'), 5);
  if (invalid._tag !== 'Left') throw new Error('a Right');
  const letter = invalid.left;
  assert.equal([letter.reason, letter.detail, letter.error], ['invalid', 'could not be handled: hook failed', { name: 'TypeError', message: 'hook failed' }]);
});

test.run();
