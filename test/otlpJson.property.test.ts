/**
 * OTLP/JSON lines of any content (src/otlpJson.ts): reading one never throws, every point of a
 * metric is taken or the metric is refused with a reason (none dropped without a word), and every
 * sample taken encodes. Fields of every type and form — numbers for strings, strings for numbers,
 * long integers bare or quoted, nested arrays, values that are not AnyValues.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseOtlpJsonLine } from '../src/otlpJson.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';

const test = suite('OTLP/JSON lines of any content');

const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom('NaN', '1764064800000000000', '-5', '9007199254740993', '#1', '1e3'), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String));
/** Mostly `g`, sometimes anything. */
const mostly = (g: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: g, weight: 4 }, { arbitrary: leaf, weight: 1 });
/** Mostly absent, sometimes anything. */
const rare = (g: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: g, weight: 1 });
const list = <T>(g: fc.Arbitrary<T>) => fc.array(g, { maxLength: 3 });
const anyValue = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, ...['stringValue', 'intValue', 'doubleValue', 'boolValue', 'kvlistValue'].map((k) => fc.record({ [k]: leaf })), fc.record({ arrayValue: fc.record({ values: list(tie('v')) }) }), leaf),
})).v;
const attributes = list(fc.record({ key: leaf, value: anyValue }, { requiredKeys: [] }));
const point = fc.record({
  attributes: rare(attributes), timeUnixNano: mostly(fc.bigInt({ min: 1n, max: 2n ** 63n }).map(String)), startTimeUnixNano: rare(leaf),
  asDouble: mostly(fc.double()), asInt: rare(leaf), count: mostly(fc.nat().map(String)), sum: rare(leaf), min: rare(leaf), max: rare(leaf),
  bucketCounts: list(leaf), explicitBounds: list(leaf), scale: rare(leaf), zeroCount: rare(leaf), zeroThreshold: rare(leaf),
  positive: fc.record({ offset: leaf, bucketCounts: list(leaf) }, { requiredKeys: [] }), negative: rare(leaf), flags: rare(leaf),
}, { requiredKeys: ['timeUnixNano'] });
const data = fc.record({ dataPoints: mostly(list(point)), aggregationTemporality: mostly(fc.constantFrom(1, 2)), isMonotonic: leaf }, { requiredKeys: [] });
const metric = fc.oneof(...['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].map((k) => fc.record({ name: mostly(fc.constantFrom('a', 'b')), unit: rare(leaf), [k]: data }, { requiredKeys: ['name', k] })));
const scopeMetrics = fc.record({ scope: fc.oneof(fc.record({ name: leaf, version: leaf }, { requiredKeys: [] }), leaf), schemaUrl: leaf, metrics: mostly(list(metric)) }, { requiredKeys: [] });
const request = fc.record({ resourceMetrics: mostly(list(fc.record({ resource: mostly(fc.record({ attributes })), scopeMetrics: mostly(list(scopeMetrics)) }, { requiredKeys: [] }))) });

/** The data points a request holds, however malformed around them. */
const pointsIn = (r: unknown): number => {
  const objects = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null && !Array.isArray(x)) : []);
  const metrics = objects((r as { resourceMetrics?: unknown }).resourceMetrics).flatMap((rm) => objects(rm['scopeMetrics'])).flatMap((sm) => objects(sm['metrics']));
  return metrics.reduce((n, m) => n + objects(Object.values(m)).reduce((k, data) => k + (Array.isArray(data['dataPoints']) ? data['dataPoints'].length : 0), 0), 0);
};

test('never throws; a point not taken is in a metric refused with its reason; what is taken encodes', () => {
  let taken = 0;
  fc.assert(fc.property(request, fc.boolean(), (r, bare) => {
    const json = JSON.stringify(r);
    const line = bare ? json.replace(/"(-?\d{16,})"/g, '$1') : json; // long integers written as numbers too
    const read = parseOtlpJsonLine(line);
    if (read._tag === 'Left') return assert.unreachable(read.left);
    const { samples, refused } = read.right;
    assert.ok(samples.length === pointsIn(JSON.parse(json)) || refused.length > 0, `${samples.length} of ${pointsIn(JSON.parse(json))} points taken, none refused`);
    if (samples.length > 0) assert.ok(encodeBatch(samples, {}).length > 0);
    taken += samples.length;
  }), { numRuns: 3_000 });
  assert.ok(taken > 0, 'some points were taken');
});

test.run();
