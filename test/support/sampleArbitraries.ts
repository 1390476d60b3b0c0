/**
 * fast-check arbitraries of samples with every field `Sample` has — scope, resource schema URL,
 * temporality, monotonicity, value type, histograms of both kinds, NaN and ±Infinity, array
 * attributes — for the JSON-line properties (sampleJson, flatSampleLine).
 */
import fc from 'fast-check';
import type { Sample } from '../../src/sample.js';

// Any double, NaN and ±Infinity too (OpenTelemetry's attributes take them, OTLP carries them), alone or in an array.
export const attrs = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), fc.array(fc.double(), { maxLength: 3 })), { maxKeys: 3, noNullPrototype: true });
const time = fc.bigInt({ min: 1n, max: 2n ** 63n - 1n });
const optional = <T>(key: string, arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined }).map((v) => (v === undefined ? {} : { [key]: v }));
const histogram = fc.array(fc.nat(1000), { minLength: 1, maxLength: 4 }).chain((counts) =>
  fc.record({
    boundaries: fc.constant(counts.slice(1).map((_, i) => i * 10 + 0.5)),
    counts: fc.constant(counts),
    sum: fc.double(), // NaN and ±Infinity too: an SDK histogram that recorded Infinity
    count: fc.constant(counts.reduce((a, b) => a + b, 0)),
  }, { requiredKeys: ['boundaries', 'counts', 'count'], noNullPrototype: true }),
);
const buckets = fc.record({ offset: fc.integer({ min: -50, max: 50 }), bucketCounts: fc.array(fc.nat(100), { maxLength: 4 }) }, { noNullPrototype: true });
const exponential = fc
  .tuple(fc.integer({ min: -10, max: 20 }), fc.nat(10), buckets, buckets, optional('sum', fc.double()), optional('min', fc.double()))
  .map(([scale, zeroCount, positive, negative, ...rest]) =>
    Object.assign({ scale, zeroCount, positive, negative, count: zeroCount + [...positive.bucketCounts, ...negative.bucketCounts].reduce((a, b) => a + b, 0) }, ...rest));
const kindAndValue = fc.oneof(
  // A gauge may be any double, NaN and ±Infinity too (as OTLP carries them).
  fc.record({ kind: fc.constant('gauge' as const), value: fc.double() }, { noNullPrototype: true }),
  // Every sum the model allows: a counter (≥ 0), an up-down counter or a delta of either sign.
  fc.record({ kind: fc.constant('sum' as const), value: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), monotonic: fc.constant(true), temporality: fc.constantFrom('cumulative' as const, 'delta' as const) }, { noNullPrototype: true }),
  fc.record({ kind: fc.constant('sum' as const), value: fc.double({ noNaN: true, noDefaultInfinity: true }), monotonic: fc.constant(false), temporality: fc.constantFrom('cumulative' as const, 'delta' as const) }, { noNullPrototype: true }),
  fc.record({ kind: fc.constant('histogram' as const), value: histogram }, { requiredKeys: ['kind', 'value'], noNullPrototype: true }),
  fc.record({ kind: fc.constant('exponential-histogram' as const), value: exponential }, { noNullPrototype: true }),
);
export const sample: fc.Arbitrary<Sample> = fc
  .tuple(
    fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), attributes: attrs, timeUnixNano: time }, { noNullPrototype: true }),
    kindAndValue,
    optional('unit', fc.string({ maxLength: 4 })),
    optional('description', fc.string({ maxLength: 8 })),
    optional('resource', attrs),
    optional('resourceSchemaUrl', fc.webUrl()),
    // A scope's attributes are never empty (readers leave an empty set out).
    optional('scope', fc.record({ name: fc.string({ maxLength: 6 }), version: fc.string({ maxLength: 4 }), schemaUrl: fc.webUrl(), attributes: attrs.filter((a) => Object.keys(a).length > 0) }, { requiredKeys: ['name'], noNullPrototype: true })),
    optional('valueType', fc.constantFrom('int' as const, 'double' as const)),
    optional('correctedFromUnixNano', time),
    fc.nat(1000),
  )
  .map(([base, kv, ...rest]) => {
    const s = Object.assign({}, base, kv, ...rest.slice(0, -1)) as Sample & { correctedFromUnixNano?: bigint };
    const back = BigInt(rest[rest.length - 1] as number);
    return { ...s, startTimeUnixNano: s.timeUnixNano > back ? s.timeUnixNano - back : s.timeUnixNano };
  });
