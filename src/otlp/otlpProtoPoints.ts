/**
 * The points of the one-pass protobuf reader (otlpProtoSamples.ts): a NumberDataPoint or
 * HistogramDataPoint → its sample, with its metric's head and its resource and scope; anything a
 * sample does not hold as it is (a staleness marker, an integer no double holds, a point that
 * fails validateSample) leaves the metric to the general path's rules.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { HistogramValue, Sample } from '../sample.js';
import { type MetricHead, type PointBase, pointSample } from '../otlpPointSample.js';
import { type Cursor, double, fixed64, need, repeated, varint, wire } from './protoReader.js';
import { attributeFields, attributesAt, fieldsWithTags, general, safe } from './protoAttributes.js';

/**
 * A point's time or start time (fixed64 nanoseconds), the bigint of the one before it when its
 * bytes are the same: the points of an SDK's export share one time and one start time, and a bigint
 * made for each of them was two allocations a point of 1 000.
 */
const lastNanos = () => {
  let lo = -1;
  let hi = -1;
  let value = 0n;
  return (c: Cursor, w: number): bigint => {
    wire(w, 1);
    const at = need(c, 8);
    const nextLo = c.view.getUint32(at, true);
    const nextHi = c.view.getUint32(at + 4, true);
    if (nextLo !== lo || nextHi !== hi) {
      lo = nextLo;
      hi = nextHi;
      value = c.view.getBigUint64(at, true);
    }
    return value;
  };
};
const timeNanos = lastNanos();
const startNanos = lastNanos();

/** What a point's walk found besides its value. */
interface PointFields {
  time: bigint | undefined;
  start: bigint | undefined;
  readonly attributes: ReturnType<typeof attributeFields>;
}
const pointFields = (): PointFields => ({ time: undefined, start: undefined, attributes: attributeFields() });
/** A field every point type has (times, flags, attributes at `attributesField`); false when it is another. */
const commonField = (p: PointFields, attributesField: number, flagsField: number, c: Cursor, f: number, w: number, end: number, tagAt: number): boolean => {
  if (f === attributesField) p.attributes.add(c, w, tagAt, end);
  else if (f === 2) p.start = startNanos(c, w);
  else if (f === 3) p.time = timeNanos(c, w);
  else if (f === flagsField) (wire(w, 0), (varint(c) & 1) === 1 && general()); // a staleness marker
  else return false;
  return true;
};
/** The sample of a point: its time, start and attributes, `head`'s metric, `base`'s resource and scope. */
const sampleOf = (c: Cursor, p: PointFields, head: MetricHead, value: Sample['value'], valueType: Sample['valueType'], base: PointBase): Sample => {
  if (p.time === undefined) return general();
  const s = pointSample(head, value, valueType, { time: p.time, start: p.start, attributes: attributesAt(c, p.attributes.at, p.attributes.spans) }, base);
  return isLeft(s) ? general() : s.right;
};

/** NumberDataPoint: attributes 7, start 2, time 3, asDouble 4, asInt 6, flags 8 (exemplars 5 skipped). */
export const numberPoint = (head: MetricHead, base: PointBase) => (c: Cursor, end: number): Sample => {
  const p = pointFields();
  let asDouble: number | undefined;
  let asInt: number | undefined;
  fieldsWithTags(c, end, (f, w, e, tagAt) => {
    if (commonField(p, 7, 8, c, f, w, e, tagAt)) return;
    if (f === 4) asDouble = (wire(w, 1), double(c));
    else if (f === 6) asInt = (wire(w, 1), safe(fixed64(c, true)));
  });
  if (asInt !== undefined) return asDouble !== undefined ? general() : sampleOf(c, p, head, asInt, 'int', base);
  return asDouble === undefined ? general() : sampleOf(c, p, head, asDouble, 'double', base);
};

/** HistogramDataPoint: attributes 9, start 2, time 3, count 4, sum 5, bucket counts 6, bounds 7, flags 10, min 11, max 12. */
export const histogramPoint = (head: MetricHead, base: PointBase) => (c: Cursor, end: number): Sample => {
  const p = pointFields();
  const counts: number[] = [];
  const boundaries: number[] = [];
  let count = 0;
  let sum: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  fieldsWithTags(c, end, (f, w, e, tagAt) => {
    if (commonField(p, 9, 10, c, f, w, e, tagAt)) return;
    if (f === 4) count = (wire(w, 1), safe(fixed64(c, false)));
    else if (f === 5) sum = (wire(w, 1), double(c));
    else if (f === 6) repeated(c, w, 1, (cc) => safe(fixed64(cc, false)), counts);
    else if (f === 7) repeated(c, w, 1, double, boundaries);
    else if (f === 11) min = (wire(w, 1), double(c));
    else if (f === 12) max = (wire(w, 1), double(c));
  });
  // The general path's key order: boundaries, counts, count, then sum, min and max when present.
  const value: { -readonly [K in keyof HistogramValue]: HistogramValue[K] } = { boundaries, counts, count };
  if (sum !== undefined) value.sum = sum;
  if (min !== undefined) value.min = min;
  if (max !== undefined) value.max = max;
  return sampleOf(c, p, head, value, undefined, base);
};
