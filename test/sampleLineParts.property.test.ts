/**
 * parseSampleLine cuts out of a line the objects a series repeats — attributes, resource, scope —
 * and reads each text once (src/sampleLineParts.ts). It must say exactly what reading the whole line says — the same sample,
 * or the same reason — for every line: chronoq's own (the spool, the dead-letter file), and lines
 * written by hand or by other programs, with the cut in odd places.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import { parseSampleLine, parseSampleLineWhole, toJsonLine } from '../src/sampleJson.js';
import { sample } from './support/sampleArbitraries.js';

const test = suite('a sample line read in parts');

/** Both readings of `line`, twice each (the second time from the cache of texts). */
const same = (line: string): void => {
  const whole = parseSampleLineWhole(line);
  assert.equal(parseSampleLine(line), whole, line);
  assert.equal(parseSampleLine(line), whole, `${line} (again)`);
};

test('chronoq\'s own lines: the same sample either way, its objects shared by the samples of a series', () => {
  fc.assert(fc.property(sample, (s) => same(toJsonLine(s))), { numRuns: 1_000 });
  const line = (t: number) => `{"name":"m","value":${t},"timeUnixNano":"${1_764_064_800_000_000_000 + t}","attributes":{"k":"v"},"resource":{"host.name":"a"},"scope":{"name":"s"}}`;
  const [a, b] = [parseSampleLine(line(1)), parseSampleLine(line(2))];
  assert.ok(isRight(a) && isRight(b));
  assert.ok(a.right.attributes === b.right.attributes && a.right.resource === b.right.resource && a.right.scope === b.right.scope);
  assert.is(b.right.value, 2);
  // Also when the attributes are not there, or not cut out (an object inside: a NaN's), the objects after them are.
  for (const attributes of ['', ',"attributes":{"n":{"doubleValue":"NaN"}}']) {
    const of = (t: number) => `{"name":"m","value":${t},"timeUnixNano":"${1_764_064_800_000_000_000 + t}"${attributes},"resource":{"host.name":"a"},"scope":{"name":"s"}}`;
    const [c, d] = [parseSampleLine(of(1)), parseSampleLine(of(2))];
    assert.ok(isRight(c) && isRight(d) && c.right.scope === d.right.scope, attributes);
  }
});

/** JSON texts of values, nested objects among them, and strings holding the cut. */
const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('1', '-0', '1e400', 'null', 'true', '"x"', '",\\"attributes\\":{"', '"17640648000000000001"', '12345678901234567890', '"\\u0000chronoq:cut"', 'NaN', '"NaN"', '{}', '[]'),
    fc.array(fc.tuple(tie('k'), tie('v')), { maxLength: 3 }).map((kv) => `{${kv.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
  k: fc.constantFrom('"attributes"', '"resource"', '"scope"', '"name"', '"a"', '"__proto__"', '"\\u0061ttributes"', '"doubleValue"'),
})).v as fc.Arbitrary<string>;

const keyed = (key: string) => fc.tuple(fc.constant(key), value).map(([k, v]) => `"${k}":${v}`);
const field = fc.oneof(
  fc.constant('"name":"m"'), fc.constant('"value":1'), fc.constant('"timeUnixNano":"1764064800000000000"'), fc.constant('"timeUnixNano":1764064800000000001'),
  fc.constant('"attributes":{"k":"v"}'), fc.constant('"attributes":{"n":{"doubleValue":"NaN"}}'), fc.constant('"attributes":{"big":12345678901234567890}'),
  fc.constant('"resource":{"host.name":"a"}'), fc.constant('"scope":{"name":"s","attributes":{"a":1}}'), fc.constant('"scope":{"name":"s","attributes":{}}'),
  fc.constant('"kind":"sum"'), fc.constant('"unit":"By"'), fc.constant('"__proto__":{"unit":"By"}'),
  keyed('attributes'), keyed('resource'), keyed('scope'), keyed('value'), keyed('name'),
);

test('any line, with the cut anywhere or more than once: the same sample, or the same reason, as read whole', () => {
  fc.assert(
    fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), fc.constantFrom('', ' ', 'x', '}'), fc.boolean(), (fields, after, spaced) => {
      const line = `{${fields.join(spaced ? ', ' : ',')}}${after}`;
      same(line);
    }),
    { numRuns: 3_000 },
  );
});

test('lines whose parts are right only when cut at the top: a scope\'s attributes before the sample\'s, a key twice, the placeholder in the line', () => {
  for (const line of [
    '{"name":"m","scope":{"name":"s","attributes":{"a":1}},"timeUnixNano":"1764064800000000000","value":1,"attributes":{"k":"v"}}',
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"attributes":{"k":"v"},"value":2}',
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"resource":{"a":"1"},"attributes":{"k":"v"},"resource":{"a":"2"}}',
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"attributes":{"k":"v"},"__proto__":{"unit":"By"}}',
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"attributes":{"k":"v"}',
    // The head's placeholder for a cut-out object, written into the line itself.
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"scope":{"name":"s","attributes":{"a":"1"}},"attributes":"\\u0000chronoq:cut"}',
    '{"name":"m","timeUnixNano":"1764064800000000000","value":1,"scope":{"name":"s","attributes":{"a":"1"}},"attributes":{"k":"v"}}',
  ]) same(line);
  const twice = parseSampleLine('{"name":"m","timeUnixNano":"1764064800000000000","value":1,"attributes":{"k":"v"},"value":2}');
  assert.ok(isRight(twice) && twice.right.value === 2, 'the last of a key twice, as JSON.parse takes it');
});

test.run();
