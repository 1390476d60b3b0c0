/**
 * The one-pass protobuf reader (src/otlp/otlpProtoSamples.ts) against the general path
 * (decodeMetricsRequest, then requestSamples): whenever it gives samples they are the general
 * path's, field for field and in the same key order (what a spool row or dead letter writes), and
 * the request read through the otlp source's reader (src/sources/requestReader.ts) is read the
 * same either way — for requests the official serializer writes and for hand-written wire forms
 * (fields in any order, repeated, unknown; every AnyValue; markers, summaries, exponential
 * histograms, long integers, times at their edges; truncated bytes). And it does take the requests
 * SDKs send, which is its point.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { decodeMetricsRequest } from '../src/otlp/otlpProtoRequest.js';
import { protoRequestSamples } from '../src/otlp/otlpProtoSamples.js';
import type { OtlpReadOptions } from '../src/otlpJson.js';
import { type ReadRequest, readJsonRequest, readProtobufRequest } from '../src/sources/requestReader.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { sample } from './support/sampleArbitraries.js';
import { bytesField as bytes, doubleField as dbl, fixed64Field as fixed64, intField, text, varint } from './support/protobufWriter.js';

const test = suite('OTLP protobuf requests read in one pass');

/** A sample's every field as text, key order included; bigints, -0, NaN and ±Infinity told apart. */
const exactly = (s: Sample): string =>
  JSON.stringify(s, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

/** The general path's reading of `b` with `opts`, the points it held too; undefined when it finds `b` malformed. */
const general = (b: Uint8Array, opts: OtlpReadOptions = {}): ReadRequest | undefined => {
  const d = decodeMetricsRequest(b);
  return d._tag === 'Left' ? undefined : readJsonRequest(d.right, opts);
};
const asText = (r: ReadRequest) => ({ ...r, samples: r.samples.map(exactly) });

/**
 * Checks one request: when the one-pass reader reads it, it reads it as the general path does with
 * `opts` — samples, refusals, counts; the source's reader reads it so either way, and finds it
 * malformed when the general path does. Returns the one-pass reading, if any.
 */
const agrees = (b: Uint8Array, opts: OtlpReadOptions): ReadRequest | undefined => {
  const fast = protoRequestSamples(b, opts);
  const slow = general(b, opts);
  if (fast !== undefined) {
    assert.ok(slow !== undefined, 'the general path finds the request malformed');
    assert.equal(asText(fast), asText(slow));
  }
  const read = readProtobufRequest(b, opts);
  assert.is(read._tag, slow === undefined ? 'Left' : 'Right');
  if (read._tag === 'Right') assert.equal(asText(read.right), asText(slow!));
  return fast;
};
const opts: fc.Arbitrary<OtlpReadOptions> = fc.record({ summaries: fc.constantFrom('refuse' as const, 'gauges' as const), staleMarkers: fc.constantFrom('refuse' as const, 'skip' as const) });

/** What SDKs send: gauges, sums and histograms, attributes of strings, numbers and booleans and arrays of them (a Node SDK's resource has process.command_args). */
const sdkLike = (s: Sample): boolean => s.kind !== 'exponential-histogram';

test('requests the official serializer writes: the same samples as the general path; those SDKs send all taken in one pass', () => {
  let taken = 0;
  fc.assert(fc.property(fc.array(sample, { minLength: 1, maxLength: 6 }), opts, (batch, o) => void agrees(encodeBatch(batch, { 'service.name': 'app' }), o)), { numRuns: 300 });
  fc.assert(fc.property(fc.array(sample.filter(sdkLike), { minLength: 1, maxLength: 6 }), opts, (batch, o) => {
    const b = encodeBatch(batch, { 'service.name': 'app' });
    assert.equal(general(b)?.refused, []);
    assert.ok(agrees(b, o) !== undefined, 'an SDK-like request went the general path');
    taken++;
  }), { numRuns: 300 });
  assert.is(taken, 300);
});

// Hand-written wire forms: each message a shuffled list of fields, some repeated, some unknown.
const T = 1_764_064_800_123_456_789n;
const str = (field: number, s: string): number[] => bytes(field, text(s));
/** A request of one metric of scope "lib". */
const request = (metric: number[]): Uint8Array => Uint8Array.from(bytes(1, bytes(2, [...bytes(1, str(1, 'lib')), ...bytes(2, metric)])));
type Bytes = fc.Arbitrary<number[]>;
const oneOf = (...forms: number[][]): Bytes => fc.constantFrom<number[]>(...forms);
/** A message's fields: `parts` (and `extra`), now and then shuffled. */
const fieldsOf = (parts: Bytes[], extra: Bytes = oneOf([])): Bytes =>
  fc.tuple(fc.array(fc.nat(), { minLength: parts.length + 1, maxLength: parts.length + 1 }), fc.boolean(), extra, ...parts).map(([order, shuffle, more, ...ps]) => {
    const all: number[][] = [...ps, more];
    return (shuffle ? all.map((p, i) => [order[i]!, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p) : all).flat();
  });
const maybe = (g: Bytes, weight = 4): Bytes => fc.oneof({ arbitrary: g, weight }, { arbitrary: oneOf([]), weight: 1 });

/**
 * Requests whose every choice is a plain form `plain` times in `plain + 1`, else an odd one: at 1
 * most requests hold several odd forms, at 30 most hold one or none — a request with one odd form
 * among plain ones is what tells whether the one-pass reader leaves it to the general path.
 */
const wireRequests = (plain: number): fc.Arbitrary<Uint8Array> => {
  const either = (usual: Bytes, odd: Bytes): Bytes => fc.oneof({ arbitrary: usual, weight: plain }, { arbitrary: odd, weight: 1 });
  const unknown = either(oneOf([]), oneOf(str(99, 'x'), intField(98, 7), fixed64(97, 1n)));
  const anyValue = either(
    fc.oneof(fc.string({ maxLength: 4 }).map((s) => str(1, s)), oneOf(intField(2, 1), intField(3, -5), dbl(4, 2.5))),
    oneOf(str(1, '\u0000n12'), intField(2, 0), intField(3, 2n ** 60n), intField(3, 2n ** 53n + 1n), dbl(4, -0), dbl(4, Number.NaN),
      bytes(6, bytes(1, str(1, 'k'))), bytes(7, [1, 2]), [], str(8, 'unknown'),
      // arrays: of scalars (taken), empty, with an array, a map, bytes, an empty value or a quoted-number string inside (refused)
      bytes(5, bytes(1, str(1, 'a'))), bytes(5, [...bytes(1, intField(3, 7)), ...bytes(1, dbl(4, -0)), ...bytes(1, intField(2, 1))]), bytes(5, []),
      bytes(5, bytes(1, bytes(5, []))), bytes(5, bytes(1, bytes(6, []))), bytes(5, bytes(1, bytes(7, [1]))), bytes(5, bytes(1, [])), bytes(5, bytes(1, str(1, '\u0000n3'))),
      bytes(5, [...bytes(1, str(1, 'x')), ...str(2, 'not a value')]),
      // the last field wins
      [...str(1, 'a'), ...intField(2, 1)], [...str(1, 'a'), ...bytes(5, bytes(1, str(1, 'b')))], [...str(1, 'a'), ...bytes(6, [])], [...str(1, 'a'), ...bytes(7, [])]),
  );
  const keyValue = fc.tuple(fc.constantFrom('a', 'b', 'route', '', '__proto__', 'constructor'), anyValue, fc.boolean()).map(([k, v, noValue]) => [...str(1, k), ...(noValue && v.length === 0 ? [] : bytes(2, v))]);
  const attributes = (field: number) => fc.array(keyValue, { maxLength: 3 }).map((kvs) => kvs.flatMap((kv) => bytes(field, kv)));
  // T + 2^32 has T's low 32 bits: times are told apart by all 64 (a point's time may be the one before it's).
  const times = either(oneOf([...fixed64(3, T), ...fixed64(2, T - 1n)], fixed64(3, T + 1n), [...fixed64(3, T + (1n << 32n)), ...fixed64(2, T - 1n + (1n << 32n))]),
    oneOf([], fixed64(3, 0n), fixed64(3, 2n ** 63n), [...fixed64(3, T), ...fixed64(2, T + 5n)], [...fixed64(3, T), ...fixed64(2, 0n)], [...fixed64(3, T), ...fixed64(3, T + 2n)]));
  const flags = (field: number) => either(oneOf([], intField(field, 0)), oneOf(intField(field, 1), intField(field, 2), intField(field, 3)));
  const numberValue = either(oneOf(dbl(4, 1.5), dbl(4, -3), fixed64(6, 7n)),
    oneOf(dbl(4, Number.NaN), fixed64(6, -2n), fixed64(6, 2n ** 60n), fixed64(6, 2n ** 53n + 1n), [...dbl(4, 1), ...fixed64(6, 1n)], [...fixed64(6, 1n), ...dbl(4, 1)], []));
  const numberPoint = fieldsOf([attributes(7), times, numberValue, flags(8)], unknown);
  const histogramPoint = fieldsOf([attributes(9), times, either(oneOf(fixed64(4, 3n)), oneOf([], fixed64(4, 4n))), maybe(oneOf(dbl(5, 4.5))),
    either(oneOf([...fixed64(6, 1n), ...fixed64(6, 2n)], bytes(6, [...fixed64(6, 1n).slice(1), ...fixed64(6, 2n).slice(1)])), oneOf(fixed64(6, 3n), bytes(6, [1, 2, 3]))),
    either(oneOf(dbl(7, 10), bytes(7, dbl(7, 10).slice(1))), oneOf([])), maybe(oneOf(dbl(11, 0.5))), maybe(oneOf(dbl(12, 9))), flags(10)], unknown);
  const data = (point: Bytes) => fieldsOf([fc.array(point, { maxLength: 3 }).map((ps) => ps.flatMap((p) => bytes(1, p))),
    either(oneOf(intField(2, 1), intField(2, 2)), oneOf([], intField(2, 3))), oneOf([], intField(3, 1), intField(3, 0))]);
  const metric = fieldsOf([
    either(oneOf(str(1, 'm'), str(1, 'n')), oneOf([])), maybe(oneOf(str(2, 'described'))), maybe(oneOf(str(3, 'ms'), str(3, ''))),
    either(
      fc.oneof(data(numberPoint).map((d) => bytes(5, d)), data(numberPoint).map((d) => bytes(7, d)), data(histogramPoint).map((d) => bytes(9, d))),
      fc.oneof(
        fc.tuple(data(numberPoint), data(numberPoint)).map(([a, b]) => [...bytes(5, a), ...bytes(7, b)]), // the general path takes the gauge, not the last
        data(numberPoint).map((d) => [...bytes(5, d), ...bytes(5, [])]),
        oneOf(bytes(10, []), bytes(11, bytes(1, fixed64(3, T))), []),
      ),
    ),
  ], either(oneOf([]), oneOf(bytes(12, str(1, 'meta')))));
  const scope = fieldsOf([maybe(oneOf(str(1, 'lib'), str(1, ''))), maybe(oneOf(str(2, '1.0'), str(2, ''))), maybe(attributes(3), 1)]);
  const duplicate = either(oneOf([]), oneOf(bytes(1, [])));
  const scopeMetrics = fieldsOf([maybe(scope.map((sc) => bytes(1, sc))), fc.array(metric, { maxLength: 3 }).map((ms) => ms.flatMap((m) => bytes(2, m))), maybe(oneOf(str(3, 'https://s/1'), str(3, '')), 1)], duplicate);
  const resourceMetrics = fieldsOf([maybe(attributes(1).map((a) => bytes(1, a))), fc.array(scopeMetrics, { maxLength: 2 }).map((x) => x.flatMap((sm) => bytes(2, sm))), maybe(oneOf(str(3, 'https://r/1')), 1)], duplicate);
  return fc.tuple(fc.array(resourceMetrics, { minLength: 1, maxLength: 2 }), unknown, fc.nat(40)).map(([rms, more, cut]) => {
    const whole = [...rms.flatMap((rm) => bytes(1, rm)), ...more];
    return Uint8Array.from(cut === 0 ? whole.slice(0, Math.floor(whole.length / 2)) : whole); // now and then truncated
  });
};

test('hand-written wire forms: one pass reads a request as the general path does, or leaves it whole to it, never anything else', () => {
  for (const plain of [1, 30]) {
    let taken = 0;
    let mixed = 0;
    let runs = 0;
    fc.assert(fc.property(wireRequests(plain), opts, (b, o) => {
      runs++;
      const read = agrees(b, o);
      if (read === undefined) return;
      taken++;
      // Some of its metrics read by the general path's rules: points refused, markers skipped, summaries as gauges.
      if (read.refused.length > 0 || read.pointsSkipped > 0 || read.samples.length > read.pointsTaken) mixed++;
    }), { numRuns: 2_000 });
    // Not vacuous: a share of the forms are read in one pass, some of them with metrics left to the general path's rules.
    assert.ok(taken > runs / 10 && mixed > runs / 50, `${taken} of ${runs} read in one pass, ${mixed} of them with metrics by the general path's rules`);
  }
});

test('a series\' samples share one attributes object across requests, as the general path\'s do', () => {
  const batch = (t: bigint): Sample[] => [0, 1, 2].map((i) => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: t, attributes: { route: `/r${i}` } }));
  const first = protoRequestSamples(encodeBatch(batch(T), {}))!.samples;
  const second = protoRequestSamples(encodeBatch(batch(T + 1n), {}))!.samples;
  const slow = general(encodeBatch(batch(T + 2n), {}))!.samples;
  for (let i = 0; i < 3; i++) {
    assert.ok(first[i]!.attributes === second[i]!.attributes && second[i]!.attributes === slow[i]!.attributes, `series ${i}`);
    assert.ok(first[i]!.resource === slow[i]!.resource);
  }
  assert.ok(first[0]!.attributes !== first[1]!.attributes);
});

test('a resource or scope given twice is read as protobuf merges the copies (attributes joined, the later name), by the general path', () => {
  const kv = (k: string, v: string): number[] => [...str(1, k), ...bytes(2, str(1, v))];
  const metric = [...str(1, 'm'), ...bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1)]))];
  const scopes = bytes(1, bytes(2, [...bytes(1, [...str(1, 'lib'), ...bytes(3, kv('a', 'x'))]), ...bytes(1, str(2, '1.0')), ...bytes(2, metric)]));
  const resources = bytes(1, [...bytes(1, bytes(1, kv('service.name', 'shop'))), ...bytes(1, bytes(1, kv('host.name', 'h'))), ...bytes(2, bytes(2, metric))]);
  for (const [b, resource, scope] of [
    [scopes, {}, { name: 'lib', version: '1.0', attributes: { a: 'x' } }],
    [resources, { 'service.name': 'shop', 'host.name': 'h' }, { name: '' }],
  ] as const) {
    // One pass leaves it to the general path (taking either copy alone would lose the other's).
    assert.is(agrees(Uint8Array.from(b), {}), undefined);
    assert.equal(general(Uint8Array.from(b))!.samples.map((x) => [x.resource, x.scope]), [[resource, scope]]);
  }
});

test('an attribute field that is not length-delimited: malformed to the general path, and not read by one pass as the bytes after it', () => {
  // Resource { attributes (1) as a varint 5, then field 2 of 5 bytes }: those 5 bytes read as a KeyValue would be {"": "v"}.
  const resource = [8, 5, ...bytes(2, str(1, 'v'))];
  const b = Uint8Array.from(bytes(1, [...bytes(1, resource), ...bytes(2, bytes(2, [...str(1, 'm'), ...bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1)]))]))]));
  assert.is(general(b), undefined);
  assert.is(agrees(b, {}), undefined);
});

test('a data point or a metric field that is not length-delimited: malformed to the general path, and not read by one pass as the bytes after it', () => {
  // A gauge's point as 8 bytes (wire type 1) whose first is 18: read as a length, the 18 bytes from
  // the next would be a point of time T6 and value 1; as the gauge's fields they are an unknown
  // 8-byte field, an unknown varint (T6's top two bytes) and an unknown field 4.
  const T6 = (0x1878n << 48n) | 0x123456789abcn;
  const point = [...fixed64(3, T6), ...dbl(4, 1)];
  const inGauge = request([...str(1, 'g'), ...bytes(5, [...varint(1 * 8 + 1), point.length, ...point])]);
  assert.is(point.length, 18);
  assert.is(general(inGauge), undefined);
  assert.is(agrees(inGauge, {}), undefined);
  // A metric as a varint (wire type 0) giving the length of the gauge field after it, unknown to a scope's metrics.
  const metric = bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1)]));
  const inScope = Uint8Array.from(bytes(1, bytes(2, [...bytes(1, str(1, 'lib')), ...varint(2 * 8 + 0), ...varint(metric.length), ...metric])));
  assert.is(general(inScope), undefined);
  assert.is(agrees(inScope, {}), undefined);
  // A point's double value as a varint: read as 8 bytes it would take the unknown fields after it.
  const asVarint = request([...str(1, 'g'), ...bytes(5, bytes(1, [...fixed64(3, T), ...varint(4 * 8 + 0), 1, 0x78, 0, 0x78, 0, 0x78, 0, 0x78, 0]))]);
  assert.is(general(asVarint), undefined);
  assert.is(agrees(asVarint, {}), undefined);
});

test("a metric's last data field is the one read (a gauge before a summary or an exponential histogram), and a monotonic flag of any non-zero varint is true, as the general path reads them", () => {
  const gauge = bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1)]));
  const summary = bytes(11, bytes(1, [...fixed64(3, T), ...fixed64(4, 2n), ...dbl(5, 3)]));
  const exponential = bytes(10, bytes(1, [...fixed64(3, T), ...fixed64(4, 2n), ...dbl(5, 3)]));
  for (const o of [{ summaries: 'gauges' as const }, {}]) {
    const read = agrees(request([...str(1, 'g'), ...gauge, ...summary]), o);
    assert.ok(read !== undefined && !read.samples.some((x) => x.name === 'g'), JSON.stringify(read?.samples.map((x) => x.name)));
  }
  assert.equal(agrees(request([...str(1, 'g'), ...gauge, ...exponential]), {})?.samples, []);
  const sum = agrees(request([...str(1, 's'), ...bytes(7, [...bytes(1, [...fixed64(3, T), ...dbl(4, 1)]), ...intField(2, 2), ...intField(3, 2)])]), {});
  assert.equal(sum?.samples.map((x) => [x.kind, x.monotonic]), [['sum', true]]);
});

test("an attribute's bool of any non-zero varint is true, a KeyValue's key or value given twice is the later one, and a bool or double of another wire type is malformed (not read by one pass as the bytes after it)", () => {
  const point = (kvs: number[][]): Uint8Array => request([...str(1, 'g'), ...bytes(5, bytes(1, [...kvs.flatMap((kv) => bytes(7, kv)), ...fixed64(3, T), ...dbl(4, 1)]))]);
  const read = agrees(point([
    [...str(1, 'two'), ...bytes(2, intField(2, 2))],
    [...str(1, 'first'), ...str(1, 'later'), ...bytes(2, str(1, 'v'))],
    [...str(1, 'twice'), ...bytes(2, str(1, 'x')), ...bytes(2, str(1, 'y'))],
  ]), {});
  assert.equal(read?.samples.map((x) => x.attributes), [{ two: true, later: 'v', twice: 'y' }]);
  // A bool as 8 bytes (wire type 1) and a double as a varint: each read the other way, the bytes
  // after it would be an unknown field 15 of 5 bytes — a request the general path finds malformed.
  const asFixed64 = point([[...str(1, 'b'), ...bytes(2, [...varint(2 * 8 + 1), 1, ...varint(15 * 8 + 2), 5, 0, 0, 0, 0, 0])]]);
  const asVarint = point([[...str(1, 'd'), ...bytes(2, [...varint(4 * 8 + 0), 1, ...varint(15 * 8 + 2), 5, 0, 0, 0, 0, 0])]]);
  for (const b of [asFixed64, asVarint]) {
    assert.is(general(b), undefined);
    assert.is(agrees(b, {}), undefined);
  }
});

test('attribute sets whose bytes hash alike are told apart: each of two read again, and a set read after the same set with one attribute more', () => {
  // FNV-1a gives these two KeyValue fields (route=/r37038, route=/r1139142) one 32-bit hash.
  const batch = ['/r37038', '/r1139142'].map((route, i): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T, attributes: { route } }));
  for (const time of [T, T + 1n]) {
    const samples = protoRequestSamples(encodeBatch(batch.map((x) => ({ ...x, timeUnixNano: time })), {}))!.samples;
    assert.equal(samples.map((s) => s.attributes), [{ route: '/r37038' }, { route: '/r1139142' }], String(time));
  }
  // And these two sets' fields hash alike, the first set's bytes the start of the second's (found by meeting in the middle).
  for (const attributes of [{ route: '/a' }, { route: '/a', k: 'wp7229aa' }] as Sample['attributes'][]) {
    const read = protoRequestSamples(encodeBatch([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: T, attributes }], {}))!.samples;
    assert.equal(read.map((s) => s.attributes), [attributes]);
  }
});

test.run();
