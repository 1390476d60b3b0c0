/**
 * ChronoqMetricExporter is a drop-in for OTLPMetricExporter: whatever an application records,
 * the request chronoq sends for a collection is the one the stock exporter would send, byte for
 * byte — after the SDK bridge (fromResourceMetrics), and again after a sample's trip through a
 * JSON line (spool, dead-letter file). Random instruments, attributes (arrays too), values,
 * views and temporalities; a divergence names the first case that shows it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, AggregationType, InstrumentType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { parseOtlpJsonLine, requestSamples } from '../src/otlpJson.js';
import { decodeMetricsRequest } from '../src/otlp/otlpProtoRequest.js';
import { fromResourceMetrics } from '../src/otel/fromResourceMetrics.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { parseSampleLine, toJsonLine } from '../src/sampleJson.js';
import type { Sample } from '../src/sample.js';

const test = suite('SDK collections encoded as the stock exporter encodes them');

class Reader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

const KINDS = ['counter', 'upDownCounter', 'histogram', 'gauge', 'observableGauge', 'observableCounter', 'observableUpDownCounter'] as const;
const attrValue = fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), fc.array(fc.integer(), { maxLength: 3 }));
const attributes = fc.dictionary(fc.constantFrom('a', 'b', 'http.route', 'k8s.pod.name'), attrValue, { maxKeys: 3, noNullPrototype: true });
const instrument = fc.record({
  kind: fc.constantFrom(...KINDS),
  name: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
  meter: fc.constantFrom('app', 'lib'),
  int: fc.boolean(),
  unit: fc.constantFrom('', 'ms', 'By'),
  records: fc.array(fc.tuple(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), attributes), { minLength: 1, maxLength: 4 }),
}, { noNullPrototype: true });
const histogramView = fc.constantFrom('default', 'exponential', 'explicit');
type Instrument = typeof instrument extends fc.Arbitrary<infer T> ? T : never;

/** A resource's schema URL, or none (the SDK's resources may carry one: a Go or Java SDK's usually does). */
const schemaUrl = fc.constantFrom(undefined, 'https://opentelemetry.io/schemas/1.26.0');

const collect = async (instruments: readonly Instrument[], view: string, delta: boolean, resource: Record<string, unknown>, resourceSchemaUrl?: string) => {
  const reader = new Reader({ aggregationTemporalitySelector: (t) => (delta && t !== InstrumentType.UP_DOWN_COUNTER && t !== InstrumentType.OBSERVABLE_UP_DOWN_COUNTER ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE) });
  const views = view === 'default' ? [] : [{ instrumentName: '*', instrumentType: InstrumentType.HISTOGRAM, aggregation: view === 'exponential' ? { type: AggregationType.EXPONENTIAL_HISTOGRAM as const, options: { maxSize: 8 } } : { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM as const, options: { boundaries: [-10, 0, 10, 1000] } } }];
  const provider = new MeterProvider({ resource: resourceFromAttributes(resource as never, resourceSchemaUrl === undefined ? undefined : { schemaUrl: resourceSchemaUrl }), readers: [reader], views });
  const seen = new Set<string>();
  for (const i of instruments) {
    // One instrument per (meter, name): the SDK warns and merges duplicates of another kind.
    if (seen.has(`${i.meter}/${i.name}`)) continue;
    seen.add(`${i.meter}/${i.name}`);
    const meter = provider.getMeter(i.meter, i.meter === 'lib' ? '1.2.3' : undefined, i.meter === 'lib' ? { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' } : undefined);
    const options = { unit: i.unit, ...(i.int ? { valueType: ValueType.INT } : {}) };
    const values = i.records.map(([v, a]) => [i.int ? Math.round(v) : v, a] as const);
    const positive = values.map(([v, a]) => [Math.abs(v), a] as const);
    switch (i.kind) {
      case 'counter': { const c = meter.createCounter(i.name, options); for (const [v, a] of positive) c.add(v, a); break; }
      case 'upDownCounter': { const c = meter.createUpDownCounter(i.name, options); for (const [v, a] of values) c.add(v, a); break; }
      case 'histogram': { const h = meter.createHistogram(i.name, options); for (const [v, a] of positive) h.record(v, a); break; }
      case 'gauge': { const g = meter.createGauge(i.name, options); for (const [v, a] of values) g.record(v, a); break; }
      case 'observableGauge': meter.createObservableGauge(i.name, options).addCallback((r) => values.forEach(([v, a]) => r.observe(v, a))); break;
      case 'observableCounter': meter.createObservableCounter(i.name, options).addCallback((r) => positive.forEach(([v, a]) => r.observe(v, a))); break;
      case 'observableUpDownCounter': meter.createObservableUpDownCounter(i.name, options).addCallback((r) => values.forEach(([v, a]) => r.observe(v, a))); break;
    }
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
};

test('for any collection, the bridged samples encode to the stock request, before and after a JSON line', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(instrument, { minLength: 1, maxLength: 6 }), histogramView, fc.boolean(), attributes, schemaUrl, async (instruments, view, delta, resource, resourceSchemaUrl) => {
      const rm = await collect(instruments, view, delta, { 'service.name': 'app', ...resource }, resourceSchemaUrl);
      const stock = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const { samples, unsupported } = fromResourceMetrics(rm);
      assert.equal(unsupported, []);
      if (samples.length === 0) return; // nothing recorded (every callback observed nothing)
      assert.ok(encodeBatch(samples, {}).equals(stock), 'bridged');
      const back = samples.map((s) => parseSampleLine(toJsonLine(s))).map((r) => (r._tag === 'Right' ? r.right : assert.unreachable(r.left)) as Sample);
      assert.ok(encodeBatch(back, {}).equals(stock), 'after a JSON line');
    }),
    { numRuns: 150 },
  );
});

/** A value that is, or holds (a histogram's sum, min, max), -0. */
const hasNegativeZero = (v: unknown): boolean =>
  Object.is(v, -0) || (typeof v === 'object' && v !== null && ['sum', 'min', 'max'].some((k) => Object.is((v as Record<string, unknown>)[k], -0)));

test('for any collection, its OTLP/JSON line (the official JSON serializer\'s, as a file exporter writes it) is read into samples that encode to the stock request', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(instrument, { minLength: 1, maxLength: 6 }), histogramView, fc.boolean(), attributes, schemaUrl, fc.option(attributes, { nil: undefined }), async (instruments, view, delta, resource, resourceSchemaUrl, scopeAttributes) => {
      const collected = await collect(instruments, view, delta, { 'service.name': 'app', ...resource }, resourceSchemaUrl);
      // Scope attributes (the Go and Java SDKs', and the Collector's receivers' scopes, have them;
      // the JS SDK's meters have none): each scope given the same ones, as a request may carry.
      const rm = scopeAttributes === undefined ? collected : { ...collected, scopeMetrics: collected.scopeMetrics.map((sm) => ({ ...sm, scope: { ...sm.scope, attributes: scopeAttributes } })) };
      // The official JSON serializer writes -0 as 0 (JSON.stringify): a line of such a collection
      // no longer says -0, so no reader can give it back. Left out; chronoq's own writer keeps it
      // (otlpJsonText.ts, test/sampleJson.property.test.ts).
      fc.pre(!fromResourceMetrics(rm).samples.some((x) => hasNegativeZero(x.value)));
      const stock = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const line = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)!);
      const read = parseOtlpJsonLine(line);
      if (read._tag === 'Left') return assert.unreachable(read.left);
      assert.equal(read.right.refused, []);
      if (read.right.samples.length === 0) return;
      assert.ok(encodeBatch(read.right.samples, {}).equals(stock), 'read from OTLP/JSON');
    }),
    { numRuns: 150 },
  );
});


test('for any collection, its protobuf request (what an OTLP exporter sends a receiver) is decoded into samples that encode to that very request', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(instrument, { minLength: 1, maxLength: 6 }), histogramView, fc.boolean(), attributes, schemaUrl, fc.option(attributes, { nil: undefined }), async (instruments, view, delta, resource, resourceSchemaUrl, scopeAttributes) => {
      const collected = await collect(instruments, view, delta, { 'service.name': 'app', ...resource }, resourceSchemaUrl);
      const rm = scopeAttributes === undefined ? collected : { ...collected, scopeMetrics: collected.scopeMetrics.map((sm) => ({ ...sm, scope: { ...sm.scope, attributes: scopeAttributes } })) };
      const stock = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const decoded = decodeMetricsRequest(stock);
      if (decoded._tag === 'Left') return assert.unreachable(decoded.left);
      const read = requestSamples(decoded.right);
      assert.equal(read.refused, []);
      if (read.samples.length === 0) return;
      assert.ok(encodeBatch(read.samples, {}).equals(stock), 'decoded from protobuf');
    }),
    { numRuns: 150 },
  );
});

test.run();
