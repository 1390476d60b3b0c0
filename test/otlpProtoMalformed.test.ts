/**
 * The protobuf reader (src/otlp/protoReader.ts) on malformed requests, each refused in its own
 * words — what the otlp source's log and its answer to the sender say — and on the fields a
 * proto3 parser reads that the official serializer never writes (a fixed32 unknown field, bytes
 * and map values, a KeyValue without its value). A nesting deep enough to exhaust the stack is a
 * Left too, not an exception out of the source.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMetricsRequest } from '../src/otlp/otlpProtoRequest.js';
import { requestSamples } from '../src/otlpJson.js';
import { bytesField as bytes, doubleField as dbl, fixed64Field as fixed64, text, varint } from './support/protobufWriter.js';

const test = suite('OTLP protobuf requests: malformed, and rare forms');

const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const str = (field: number, s: string): number[] => bytes(field, text(s));
const T = 1_764_064_800_123_456_789n;
/** A request of one metric of scope "lib". */
const request = (metric: number[]): Uint8Array => Uint8Array.from(bytes(1, bytes(2, [...bytes(1, str(1, 'lib')), ...bytes(2, metric)])));
/** A gauge "g" of one point: time T, value 1, then `more` of the point's fields. */
const gauge = (more: number[]): number[] => [...str(1, 'g'), ...bytes(5, bytes(1, [...fixed64(3, T), ...dbl(4, 1), ...more]))];
const leftOf = (b: Uint8Array | number[]): string => {
  const d = decodeMetricsRequest(Uint8Array.from(b));
  return d._tag === 'Left' ? d.left : `read: ${JSON.stringify(d.right)}`;
};
/** The decoded attributes of gauge()'s point. */
const pointAttributes = (b: Uint8Array): unknown => {
  const d = decodeMetricsRequest(b);
  if (d._tag === 'Left') throw new Error(d.left);
  const rm = (d.right['resourceMetrics'] as { scopeMetrics: { metrics: { gauge: { dataPoints: { attributes: unknown }[] } }[] }[] }[])[0]!;
  return rm.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints[0]!.attributes;
};

test('each malformation in its own words', () => {
  const says = (b: Uint8Array | number[], words: string) => assert.is(leftOf(b), `not an OTLP protobuf request: ${words}`, words);
  says([0x80], 'a truncated varint');
  says([0x00, 0x00], 'field number 0');
  says([...tag(1, 3), 0x00], 'wire type 3, which OTLP does not use');
  says([...tag(1, 4)], 'wire type 4, which OTLP does not use');
  // A histogram's bucket counts as varints: fixed64 (1) unpacked or packed (2) only.
  says(request([...str(1, 'h'), ...bytes(9, bytes(1, [...fixed64(3, T), ...tag(6, 0), 1]))]), 'a repeated number of the wrong wire type');
  // An attribute's bool as 8 bytes.
  says(request(gauge(bytes(7, [...str(1, 'k'), ...bytes(2, [...tag(2, 1), 1, 0, 0, 0, 0, 0, 0, 0])]))), 'a field of wire type 1 where 0 belongs');
});

test('an unknown fixed32 field (wire type 5) is skipped by its 4 bytes, the fields after it read', () => {
  const d = decodeMetricsRequest(request([...str(1, 'g'), ...bytes(5, bytes(1, [...tag(15, 5), 1, 2, 3, 4, ...fixed64(3, T), ...dbl(4, 7)]))]));
  if (d._tag === 'Left') throw new Error(d.left);
  const { samples, refused } = requestSamples(d.right);
  assert.equal(refused, []);
  assert.equal(samples.map((s) => [s.timeUnixNano, s.value]), [[T, 7]]);
});

test('attribute values as proto3 JSON has them: bytes in base64, a map of key-values, a KeyValue without a value as an empty one', () => {
  const kv = (key: string, value: number[] | undefined): number[] => bytes(7, [...str(1, key), ...(value === undefined ? [] : bytes(2, value))]);
  const attributes = pointAttributes(request(gauge([
    ...kv('b', bytes(7, [1, 2, 0xff])),
    ...kv('m', bytes(6, bytes(1, [...str(1, 'inner'), ...bytes(2, str(1, 'v'))]))),
    ...kv('none', undefined),
  ])));
  assert.equal(attributes, [
    { key: 'b', value: { bytesValue: 'AQL/' } },
    { key: 'm', value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'v' } }] } } },
    { key: 'none', value: {} },
  ]);
});

test('arrays nested 100 000 deep (more than the stack holds): a Left, not an exception', () => {
  const levels = 100_000;
  const heads: number[][] = [];
  let size = 3; // the innermost AnyValue: stringValue "x"
  for (let i = 0; i < levels; i++) {
    const values = [...tag(1, 2), ...varint(size)]; // ArrayValue.values
    const arrayValue = [...tag(5, 2), ...varint(values.length + size)]; // AnyValue.array_value
    heads.push([...arrayValue, ...values]);
    size += values.length + arrayValue.length;
  }
  const value = [...heads.reverse().flat(), ...str(1, 'x')];
  const said = leftOf(request(gauge(bytes(7, [...str(1, 'k'), ...bytes(2, value)]))));
  assert.match(said, /^not an OTLP protobuf request: Maximum call stack size exceeded/);
});

test.run();
