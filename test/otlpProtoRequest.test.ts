/**
 * The protobuf request reader (src/otlp/otlpProtoRequest.ts, protoReader.ts): the wire forms a
 * proto3 sender may choose that the official serializer does not (unpacked repeated numbers,
 * fields in another order, unknown fields), values at their edges, and any bytes at all — a
 * Left, never a throw. (The official serializer's requests, for any SDK collection, decode to
 * samples that encode to those very bytes: test/otelBytes.property.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeMetricsRequest } from '../src/otlp/otlpProtoRequest.js';
import { requestSamples } from '../src/otlpJson.js';
import { readProtobufRequest } from '../src/sources/requestReader.js';
import { bytesField as bytes, doubleField as dbl, fixed64Field as fixed64, text, varint } from './support/protobufWriter.js';

const test = suite('OTLP protobuf requests read');

// The cases below written by hand (test/support/protobufWriter.ts).
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const str = (field: number, s: string): number[] => bytes(field, text(s));
const request = (metric: number[], resourceAttrs: number[] = []): Uint8Array =>
  Uint8Array.from(bytes(1, [...bytes(1, resourceAttrs), ...bytes(2, [...bytes(1, str(1, 'lib')), ...bytes(2, metric)])]));
const read = (b: Uint8Array) => {
  const d = decodeMetricsRequest(b);
  if (d._tag === 'Left') throw new Error(d.left);
  return requestSamples(d.right);
};
const T = 1_764_064_800_123_456_789n;

test('unpacked repeated numbers, fields out of order and unknown fields are read as a proto3 parser reads them', () => {
  // histogram (9) { data_points (1) { bucket_counts unpacked ×3, explicit_bounds unpacked ×2, time, count; an unknown field 99 }, temporality 2 }
  const point = [
    ...fixed64(6, 1n), ...dbl(7, 1.5), ...fixed64(6, 2n), ...dbl(7, 10), ...fixed64(6, 3n),
    ...fixed64(3, T), ...fixed64(4, 6n), ...str(99, 'ignored'), ...dbl(5, 21.5),
  ];
  const metric = [...bytes(9, [...bytes(1, point), ...tag(2, 0), 2]), ...str(1, 'latency')];
  const { samples, refused } = read(request(metric, bytes(1, [...str(1, 'service.name'), ...bytes(2, str(1, 'shop'))])));
  assert.equal(refused, []);
  assert.equal(samples, [{
    name: 'latency', kind: 'histogram', value: { boundaries: [1.5, 10], counts: [1, 2, 3], count: 6, sum: 21.5 }, timeUnixNano: T,
    attributes: {}, resource: { 'service.name': 'shop' }, scope: { name: 'lib' }, temporality: 'cumulative',
  }]);
});

test('edge values: NaN, -0, a negative int, int64 past ±2^53 refused, a negative exponential offset, the no-recorded-value flag', () => {
  const gauge = (points: number[][]): number[] => [...str(1, 'g'), ...bytes(5, points.flatMap((p) => bytes(1, p)))];
  const { samples, refused } = read(request(gauge([
    [...fixed64(3, T), ...dbl(4, Number.NaN)],
    [...fixed64(3, T + 1n), ...dbl(4, -0)],
    [...fixed64(3, T + 2n), ...fixed64(6, -7n)],
    [...fixed64(3, T + 3n), ...fixed64(6, 2n ** 60n + 1n)],
    [...fixed64(3, T + 4n), ...dbl(4, 1), ...tag(8, 0), 1],
    [...fixed64(3, T + 5n), ...fixed64(6, -(2n ** 60n) - 1n)],
  ])));
  assert.ok(Number.isNaN(samples[0]!.value));
  assert.ok(Object.is(samples[1]!.value, -0));
  assert.is(samples[2]!.value, -7);
  assert.is(samples.length, 3);
  assert.equal(refused, [
    'metric "g": asInt 1152921504606846977 is past 2^53 and not a number a sample can hold exactly',
    'metric "g": a point flagged as having no recorded value (its series ended: a staleness marker), which a sample cannot be (the source\'s `staleMarkers: skip` skips them)',
    'metric "g": asInt -1152921504606846977 is past 2^53 and not a number a sample can hold exactly',
  ]);
  // exponential_histogram (10) { data_points { scale -2 (sint32), zero_count, negative { offset -3, counts [4] }, count, time }, temporality }
  const buckets = [...tag(1, 0), ...varint(5), ...bytes(2, [4])]; // offset zigzag(−3) = 5
  const point = [...tag(6, 0), ...varint(3), ...fixed64(7, 1n), ...bytes(9, buckets), ...fixed64(4, 5n), ...fixed64(3, T)];
  const exp = read(request([...str(1, 'e'), ...bytes(10, [...bytes(1, point), ...tag(2, 0), 1])]));
  assert.equal(exp.refused, []);
  assert.equal(exp.samples[0]!.value, { scale: -2, zeroCount: 1, positive: { offset: 0, bucketCounts: [] }, negative: { offset: -3, bucketCounts: [4] }, count: 5 });
  assert.is(exp.samples[0]!.temporality, 'delta');
});

test('a histogram\'s count or bucket count past 2^53 is refused by the source\'s reader as by the general path (one pass must not round it), and an exponential histogram\'s zeroThreshold is read, to be refused', () => {
  const histogram = (point: number[]): Uint8Array => request([...str(1, 'h'), ...bytes(9, [...bytes(1, [...fixed64(3, T), ...point]), ...tag(2, 0), 2])]);
  const viaSource = (b: Uint8Array) => {
    const r = readProtobufRequest(b, {});
    if (r._tag === 'Left') throw new Error(r.left);
    return r.right;
  };
  const count = histogram(fixed64(4, 2n ** 53n + 1n)); // a count alone (no buckets)
  assert.equal(viaSource(count).refused, ['metric "h": count 9007199254740993 is past 2^53 and not a number a sample can hold exactly']);
  assert.equal(read(count).refused, viaSource(count).refused);
  const bucket = histogram([...fixed64(4, 1n), ...fixed64(6, 2n ** 53n + 1n)]);
  assert.equal(viaSource(bucket).refused, ['metric "h": a bucket count 9007199254740993 is past 2^53 and not a number a sample can hold exactly']);
  const unsigned = histogram([...fixed64(4, 1n), ...fixed64(6, 2n ** 63n + 1n)]); // a fixed64 is unsigned
  assert.equal(read(unsigned).refused, ['metric "h": a bucket count 9223372036854775809 is past 2^53 and not a number a sample can hold exactly']);
  const point = [...fixed64(3, T), ...fixed64(4, 1n), ...fixed64(7, 1n), ...dbl(14, 0.5)];
  const exp = read(request([...str(1, 'e'), ...bytes(10, [...bytes(1, point), ...tag(2, 0), 2])]));
  assert.equal(exp.refused, ['metric "e": zeroThreshold 0.5, which a sample does not carry (only 0)']);
});

test('a message field given twice is merged, as protobuf defines it (a request of two encodings joined is their merge): a metric\'s data points joined, a bucket offset kept', () => {
  const gauge = (t: bigint, x: number): number[] => bytes(5, bytes(1, [...fixed64(3, t), ...dbl(4, x)]));
  const twice = read(request([...str(1, 'g'), ...gauge(T, 1), ...gauge(T + 1n, 2)]));
  assert.equal(twice.samples.map((s) => s.value), [1, 2]);
  // exponential_histogram { data_points { negative { offset -3 }, negative { counts [4] }, count, time, scale } }
  const point = [...bytes(9, [...tag(1, 0), ...varint(5)]), ...bytes(9, bytes(2, [4])), ...fixed64(4, 4n), ...fixed64(3, T)];
  const exp = read(request([...str(1, 'e'), ...bytes(10, [...bytes(1, point), ...tag(2, 0), 2])]));
  assert.equal(exp.refused, []);
  assert.equal(exp.samples[0]!.value, { scale: 0, zeroCount: 0, positive: { offset: 0, bucketCounts: [] }, negative: { offset: -3, bucketCounts: [4] }, count: 4 });
});

test('a oneof given two members keeps the last on the wire, as protobuf defines it: a point\'s asDouble or asInt, a metric\'s data type', () => {
  const gauge = (point: number[]): number[] => bytes(5, bytes(1, [...fixed64(3, T), ...point]));
  // Both paths: the source's reader (one pass, which leaves such a point to the general path) and the general path itself.
  const both = (b: Uint8Array) => {
    const viaSource = readProtobufRequest(b, {});
    if (viaSource._tag === 'Left') throw new Error(viaSource.left);
    const general = read(b);
    assert.equal(viaSource.right.samples, general.samples);
    return general;
  };
  const intLast = both(request([...str(1, 'g'), ...gauge([...dbl(4, 1.5), ...fixed64(6, 7n)])]));
  assert.equal(intLast.samples.map((s) => [s.value, s.valueType]), [[7, 'int']]);
  const doubleLast = both(request([...str(1, 'g'), ...gauge([...fixed64(6, 7n), ...dbl(4, 1.5)])]));
  assert.equal(doubleLast.samples.map((s) => [s.value, s.valueType]), [[1.5, 'double']]);
  // gauge (5) then sum (7): a sum; sum then gauge: a gauge, the sum's points gone with it.
  const point = bytes(1, [...fixed64(3, T), ...dbl(4, 2)]);
  const sumLast = both(request([...str(1, 'm'), ...bytes(5, point), ...bytes(7, [...point, ...tag(2, 0), 2, ...tag(3, 0), 1])]));
  assert.equal(sumLast.samples.map((s) => [s.kind, s.temporality, s.monotonic]), [['sum', 'cumulative', true]]);
  const gaugeLast = both(request([...str(1, 'm'), ...bytes(7, [...point, ...point, ...tag(2, 0), 2]), ...bytes(5, point)]));
  assert.equal(gaugeLast.samples.map((s) => s.kind), ['gauge']);
});

test('any bytes, and any damage to a valid request, give a Left or samples and refusals: never a throw', () => {
  const valid = request([...str(1, 'g'), ...bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1), ...bytes(7, [...str(1, 'k'), ...bytes(2, str(1, 'v'))])]))]);
  fc.assert(
    fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, b]) => Uint8Array.from(valid.map((x, i) => (i === at ? b : x)))),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
    ), (b) => {
      const d = decodeMetricsRequest(b);
      if (d._tag === 'Right') requestSamples(d.right);
    }),
    { numRuns: 3_000 },
  );
  assert.match((decodeMetricsRequest(Uint8Array.from([0x0a, 0x05, 0x01])) as { left: string }).left, /^not an OTLP protobuf request: a field that runs past the end/);
  // A packed fixed64 list of 12 bytes: one number and half of another, not the next field's bytes read as its rest.
  const packed = request([...str(1, 'h'), ...bytes(9, bytes(1, [...bytes(6, Array.from({ length: 12 }, () => 1)), ...fixed64(3, T)]))]);
  assert.match((decodeMetricsRequest(packed) as { left: string }).left, /a packed field whose length its numbers do not fill/);
});

test.run();
