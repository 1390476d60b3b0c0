/**
 * toJsonLine's fast path (src/flatSampleLine.ts) writes exactly what the replacer path writes —
 * to the character, for any sample and any other value (a dead letter, something odd), with
 * attribute sets shared between samples (their texts are kept by object) — and is taken for the
 * common sample: a gauge or a sum with attributes and a resource.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { jsonLineByReplacer, toJsonLine } from '../src/sampleJson.js';
import { flatSampleLine } from '../src/flatSampleLine.js';
import type { Attributes, Sample } from '../src/sample.js';
import { attrs, sample } from './support/sampleArbitraries.js';

const test = suite('flatSampleLine');

test('any sample: the same line as the replacer path', () => {
  fc.assert(fc.property(sample, (s) => assert.is(toJsonLine(s), jsonLineByReplacer(s))), { numRuns: 1_000 });
});

test('samples sharing attribute sets and scopes (a text kept by object), -0, NaN and ±Infinity among their values and attributes: the same lines', () => {
  const odd = fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1.5, -2);
  const sets = fc.array(fc.oneof(attrs, fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), odd, { maxKeys: 3, noNullPrototype: true })), { minLength: 1, maxLength: 4 });
  const scopes = (pool: Attributes[]) => [undefined, Object.freeze({ name: 'a' }), Object.freeze({ name: 'b', version: '2', attributes: pool[0]! })];
  fc.assert(
    fc.property(sets, fc.array(fc.tuple(fc.nat(), fc.nat(), odd, fc.boolean()), { minLength: 1, maxLength: 12 }), (pool, picks) => {
      const frozen = pool.map((a) => Object.freeze(a) as Attributes);
      const scoped = scopes(frozen);
      for (const [i, j, value, withResource] of picks) {
        const scope = scoped[(i + j) % scoped.length];
        const s: Sample = {
          name: 'm', kind: 'gauge', value, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i),
          attributes: frozen[i % frozen.length]!, ...(withResource ? { resource: frozen[j % frozen.length]! } : {}), ...(scope ? { scope } : {}),
        };
        assert.is(toJsonLine(s), jsonLineByReplacer(s));
      }
    }),
    { numRuns: 500 },
  );
});

test('any value at all (dead letters, arrays, odd objects): the same text', () => {
  const anything = fc.anything({ withBigInt: true, withNullPrototype: false, withBoxedValues: false, withSparseArray: false, maxDepth: 3 });
  fc.assert(fc.property(anything, (v) => assert.is(toJsonLine(v), jsonLineByReplacer(v))), { numRuns: 1_000 });
  const letter = { reason: 'rejected', item: { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 5n, attributes: {} }, detail: 'd', atUnixMs: 1 };
  assert.is(toJsonLine(letter), jsonLineByReplacer(letter));
  const withToJson = { name: 'm', toJSON: () => ({ other: true }) };
  assert.is(toJsonLine(withToJson), '{"other":true}');
  // A sample an application built as an object with a method (fast-check's values hold none): left out, as JSON.stringify leaves it.
  const withMethod = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 5n, attributes: {}, describe() { return 'm'; } };
  assert.is(toJsonLine(withMethod), '{"name":"m","kind":"gauge","value":1,"timeUnixNano":"5","attributes":{}}');
  assert.is(toJsonLine(withMethod), jsonLineByReplacer(withMethod));
});

test('taken for a plain gauge or sum, with its scope (fields in the object\'s own order, undefined ones left out); not for a histogram, NaN or -0', () => {
  const attributes = Object.freeze({ route: '/a', code: 200, ok: true, tags: ['x', 'y'] });
  const resource = Object.freeze({ 'service.name': 'shop' });
  const gauge = { timeUnixNano: 5n, name: 'm', kind: 'gauge', value: 0.25, attributes, resource, unit: undefined, startTimeUnixNano: 4n };
  const line = flatSampleLine(gauge, jsonLineByReplacer);
  assert.is(line, '{"timeUnixNano":"5","name":"m","kind":"gauge","value":0.25,"attributes":{"route":"/a","code":200,"ok":true,"tags":["x","y"]},"resource":{"service.name":"shop"},"startTimeUnixNano":"4"}');
  assert.is(line, jsonLineByReplacer(gauge));
  const scoped = { ...gauge, scope: Object.freeze({ name: 'app', version: '1.0', attributes: Object.freeze({ 'otel.scope.tier': 2, bad: NaN }) }) };
  assert.is(flatSampleLine(scoped, jsonLineByReplacer), jsonLineByReplacer(scoped));
  assert.match(flatSampleLine(scoped, jsonLineByReplacer)!, /"scope":\{"name":"app","version":"1.0","attributes":\{"otel.scope.tier":2,"bad":\{"doubleValue":"NaN"\}\}\}/);
  for (const other of [
    { ...gauge, value: NaN }, { ...gauge, value: -0 },
    { ...gauge, kind: 'histogram', value: { boundaries: [1], counts: [0, 1], sum: 2, count: 1 } },
  ]) {
    assert.is(flatSampleLine(other, jsonLineByReplacer), undefined, JSON.stringify(other, (_, x) => (typeof x === 'bigint' ? String(x) : x)));
    assert.is(toJsonLine(other), jsonLineByReplacer(other));
  }
});

test.run();
