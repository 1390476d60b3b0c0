/** Samples → OTLP: toResourceMetrics (kinds, times, resources) and the encoded request, by the official serializer, exact to the nanosecond. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataPointType, type GaugeMetricData, type SumMetricData, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';
import { toResourceMetrics, toHrTime } from '../src/otlp/toResourceMetrics.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { createBatchEncoder } from '../src/otlp/batchEncoder.js';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { isTimeOutOfRangeError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { decodeHistogramMinMax, decodePoints } from './support/fakeOtlpServer.js';

const test = suite('OTLP encoding');
const T = 1_764_064_800_123_456_789n;
const g = (name: string, t: bigint, value: number, extra: Partial<Sample> = {}): Sample => ({ name, kind: 'gauge', value, timeUnixNano: t, attributes: { host: 'a' }, ...extra });

test('toResourceMetrics: gauge, sum, histogram; endTime exactly timeUnixNano; startTime rules; int vs double', () => {
  const batch: Sample[] = [
    g('cpu', T, 0.5),
    g('cpu', T + 1n, 0.75),
    { name: 'requests', kind: 'sum', value: 42, timeUnixNano: T, startTimeUnixNano: T - 60_000_000_000n, attributes: {}, unit: '{request}' },
    { name: 'latency', kind: 'histogram', value: { boundaries: [10, 100], counts: [1, 2, 3], sum: 500, count: 6, min: 1, max: 300 }, timeUnixNano: T, attributes: {} },
  ];
  const [rm] = toResourceMetrics(batch, { 'service.name': 'svc' });
  assert.equal(rm!.resource.attributes, { 'service.name': 'svc' });
  const metrics = rm!.scopeMetrics[0]!.metrics;
  const cpu = metrics.find((m) => m.descriptor.name === 'cpu') as GaugeMetricData;
  assert.is(cpu.dataPointType, DataPointType.GAUGE);
  assert.is(cpu.descriptor.valueType, ValueType.DOUBLE);
  assert.equal(cpu.dataPoints.map((p) => p.endTime), [toHrTime(T), toHrTime(T + 1n)]);
  assert.equal(cpu.dataPoints[0]!.startTime, toHrTime(T), 'startTime defaults to the sample time');
  assert.equal(toHrTime(T), [1_764_064_800, 123_456_789]);
  const req = metrics.find((m) => m.descriptor.name === 'requests') as SumMetricData;
  assert.is(req.dataPointType, DataPointType.SUM);
  assert.ok(req.isMonotonic);
  assert.is(req.descriptor.valueType, ValueType.INT);
  assert.is(req.descriptor.unit, '{request}');
  assert.equal(req.dataPoints[0]!.startTime, toHrTime(T - 60_000_000_000n));
  const lat = metrics.find((m) => m.descriptor.name === 'latency') as HistogramMetricData;
  assert.is(lat.dataPointType, DataPointType.HISTOGRAM);
  assert.equal(lat.dataPoints[0]!.value.buckets, { boundaries: [10, 100], counts: [1, 2, 3] });
  assert.equal([lat.dataPoints[0]!.value.min, lat.dataPoints[0]!.value.max], [1, 300]);
});

test('toResourceMetrics: a sample resource overrides the pipeline resource; one ResourceMetrics per resource', () => {
  const rms = toResourceMetrics([g('cpu', T, 1), g('cpu', T, 2, { resource: { 'service.name': 'other' } })], { 'service.name': 'svc' });
  assert.equal(rms.map((r) => r.resource.attributes['service.name']).sort(), ['other', 'svc']);
});

test('the encoded request carries every point with its exact nanosecond time (official serializer)', () => {
  const batch = [g('cpu', T, 1), g('mem', T + 999n, 2, { resource: { 'service.name': 'x' } }), g('cpu', 1n, 3)];
  assert.equal(decodePoints(encodeBatch(batch, {})).map((p) => [p.name, p.timeUnixNano]).sort(), [['cpu', 1n], ['cpu', T], ['mem', T + 999n]].sort());
});

test('the batch encoder reuses its data points across batches: each request is exactly the official serialization of toResourceMetrics', () => {
  const encode = createBatchEncoder();
  const mixed = (k: bigint): Sample[] => [
    g('cpu', T + k, 0.5),
    g('cpu', T + k + 1n, 7, { startTimeUnixNano: T - 60_000_000_000n + k, attributes: { host: `b${k}` } }),
    { name: 'latency', kind: 'histogram', value: { boundaries: [10, 100], counts: [1, 2, Number(k)], sum: 500, count: 3 + Number(k), min: 1, max: 300 }, timeUnixNano: T + k, attributes: {} },
    g('mem', T + k + 2n, Number(k), { resource: { 'service.name': `other${k}` } }),
  ];
  const official = (batch: Sample[]) => Buffer.concat(toResourceMetrics(batch, { 'service.name': 'svc' }).map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!));
  const first = encode(mixed(1n), { 'service.name': 'svc' });
  const firstCopy = Buffer.from(first);
  // A bigger batch, then a smaller one: the pool grows, then is partly reused.
  const big = Array.from({ length: 50 }, (_, i) => g('cpu', T + BigInt(i) * 1_000n, i, { attributes: { host: `h${i % 3}` } }));
  assert.ok(encode(big, { 'service.name': 'svc' }).equals(official(big)));
  for (const k of [2n, 3n]) assert.ok(encode(mixed(k), { 'service.name': 'svc' }).equals(official(mixed(k))), `batch ${k}`);
  assert.ok(first.equals(firstCopy), 'an earlier request is not overwritten by later batches');
  assert.ok(first.equals(official(mixed(1n))));
});

test('a histogram\'s min and max are each sent when the sample has it, alone too (OTLP has each on its own; one without the other was dropped)', () => {
  const h = (name: string, extra: { min?: number; max?: number }): Sample => ({ name, kind: 'histogram', value: { boundaries: [10], counts: [1, 1], sum: 20, count: 2, ...extra }, timeUnixNano: T, attributes: {} });
  const cases = [{ min: 1, max: 19 }, { max: 19 }, { min: 1 }, {}, { min: -0.5, max: 0 }];
  const encode = createBatchEncoder();
  const request = encode(cases.map((c, i) => h(`h${i}`, c)), {});
  assert.equal(decodeHistogramMinMax(request), cases);
});

test('toResourceMetrics refuses a time OTLP cannot carry instead of wrapping it into another time', () => {
  const refused = (t: bigint, start?: bigint): boolean => {
    try {
      toResourceMetrics([g('cpu', t, 1, start === undefined ? {} : { startTimeUnixNano: start })]);
      return false;
    } catch (e) {
      return isTimeOutOfRangeError(e);
    }
  };
  // The edges of fixed64: 2^64 - 1 ns is the last time on the wire; the serializer wraps anything beyond.
  assert.not.ok(refused(2n ** 64n - 1n));
  assert.not.ok(refused(0n));
  assert.ok(refused(2n ** 64n));
  assert.ok(refused(2n ** 64n + 5n));
  assert.ok(refused(-1n));
  assert.ok(refused(-1_000_000_000n));
  assert.ok(refused(T, -5n), 'a start time is checked too');
  assert.equal(decodePoints(encodeBatch([g('cpu', 2n ** 64n - 1n, 1)], {})).map((p) => p.timeUnixNano), [2n ** 64n - 1n]);
});

test.run();
