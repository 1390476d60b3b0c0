/**
 * validateSample (src/sample.ts) on its own, at the edges a source's parser does not reach: an
 * empty name, the last int64 nanosecond, a start after the time only when the caller checks
 * order there, and a scope's optional fields that must be strings.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Sample, validateSample } from '../src/sample.js';

const test = suite('validateSample');

const ok: Sample = { name: 'cpu', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} };
/** validateSample's refusal of `s`, or 'valid'. */
const said = (s: Partial<Sample> & Record<string, unknown>, opts?: { startOrder?: boolean }): string => {
  const v = validateSample({ ...ok, ...s } as Sample, opts);
  return v._tag === 'Left' ? v.left : 'valid';
};

test('a name of one character at least', () => {
  assert.is(said({ name: '' }), 'name must be a non-empty string');
  assert.is(said({ name: 'x' }), 'valid');
});

test('a time before 2^63 ns (the end of int64 nanoseconds), and after 0', () => {
  assert.is(said({ timeUnixNano: 2n ** 63n - 1n }), 'valid');
  assert.match(said({ timeUnixNano: 2n ** 63n }), /^timeUnixNano 9223372036854775808 is not before 9223372036854775808 \(2262-04-11T23:47:16\.854775808Z\)/);
  assert.is(said({ timeUnixNano: 0n }), 'timeUnixNano must be a positive bigint');
});

test("a start after the time: refused, unless the caller checks order later ({ startOrder: false }, the pipeline's check after a clock correction)", () => {
  const late = { startTimeUnixNano: ok.timeUnixNano + 1n };
  assert.is(said(late), 'startTimeUnixNano is after timeUnixNano');
  assert.is(said(late, { startOrder: false }), 'valid');
  assert.is(said({ startTimeUnixNano: ok.timeUnixNano }), 'valid', 'a start at the time itself');
});

test("a scope's version and schema URL, when there, are strings", () => {
  assert.is(said({ scope: { name: 'lib', version: '1.2', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' } }), 'valid');
  for (const scope of [{ name: 'lib', version: 1.2 }, { name: 'lib', schemaUrl: 7 }, { name: 'lib', attributes: 'tier=web' }, { version: '1' }]) {
    assert.match(said({ scope } as never), /^scope must be an object with a string name/, JSON.stringify(scope));
  }
});

test.run();
