/**
 * toResourceMetrics groups any batch — resources (equal content in distinct objects too), scopes
 * and metrics interleaved in any order — into one ResourceMetrics per resource and schema URL, one
 * scope entry per scope and one metric per (name, kind, unit, temporality, monotonic), with the
 * first sample's description, each point exactly once and in batch order within its metric; and
 * the times OTLP carries.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';
import { hasOtlpTimes, isOtlpTime, toResourceMetrics } from '../src/otlp/toResourceMetrics.js';
import { type Sample, canonicalAttributes } from '../src/sample.js';

const test = suite('toResourceMetrics grouping');

const resources = [undefined, { host: 'a' }, { host: 'a' }, { host: 'b' }]; // two distinct objects, equal content
const scopes = [undefined, { name: 's1' }, { name: 's1' }, { name: 's1', version: '2' }, { name: 's1', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' }, { name: 's1', attributes: { tier: 'web' } }, { name: 's1', attributes: { tier: 'web' } }, { name: 's1', attributes: { tier: 'db' } }];
const sampleArb = fc.record({
  resource: fc.nat(resources.length - 1),
  scope: fc.nat(scopes.length - 1),
  name: fc.constantFrom('a', 'b'),
  kind: fc.constantFrom<'gauge' | 'sum'>('gauge', 'sum'),
  unit: fc.constantFrom(undefined, 'ms'),
  temporality: fc.constantFrom(undefined, 'delta' as const),
  monotonic: fc.constantFrom(undefined, false),
  resourceSchemaUrl: fc.constantFrom(undefined, 'https://opentelemetry.io/schemas/1.26.0'),
});
/** A metric's description follows its name (the first sample's is the metric's). */
const descriptionOf = (name: string): string | undefined => (name === 'a' ? 'the a metric' : undefined);

test('every sample lands once, in the one group of its resource, scope and metric, in batch order', () => {
  fc.assert(
    fc.property(fc.array(sampleArb, { maxLength: 60 }), (rows) => {
      const batch: Sample[] = rows.map((r, i) => ({
        name: r.name, kind: r.kind, value: i, timeUnixNano: BigInt(1_000 + i), attributes: { i },
        ...(r.unit === undefined ? {} : { unit: r.unit }),
        ...(r.temporality === undefined ? {} : { temporality: r.temporality }),
        ...(r.kind === 'sum' && r.monotonic !== undefined ? { monotonic: r.monotonic } : {}),
        ...(r.resourceSchemaUrl === undefined ? {} : { resourceSchemaUrl: r.resourceSchemaUrl }),
        ...(descriptionOf(r.name) === undefined ? {} : { description: descriptionOf(r.name)! }),
        ...(resources[r.resource] === undefined ? {} : { resource: resources[r.resource]! }),
        ...(scopes[r.scope] === undefined ? {} : { scope: scopes[r.scope]! }),
      }));
      const out = toResourceMetrics(batch, { host: 'default' });
      const seen: number[] = [];
      const resourceKeys = out.map((rm) => `${canonicalAttributes(rm.resource.attributes as Record<string, string>)} ${rm.resource.schemaUrl ?? ''}`);
      assert.is(new Set(resourceKeys).size, out.length, 'one ResourceMetrics per resource and schema URL');
      for (const rm of out) {
        const scopeKeys = rm.scopeMetrics.map((sm) => JSON.stringify([sm.scope.name, sm.scope.version, sm.scope.schemaUrl, canonicalAttributes((sm.scope as { attributes?: Record<string, string> }).attributes)]));
        assert.is(new Set(scopeKeys).size, scopeKeys.length, 'one entry per scope');
        for (const sm of rm.scopeMetrics) {
          const metricKeys = sm.metrics.map((m: MetricData) => `${m.descriptor.name}/${m.dataPointType}/${m.descriptor.unit}/${m.aggregationTemporality}/${'isMonotonic' in m ? m.isMonotonic : ''}`);
          assert.is(new Set(metricKeys).size, metricKeys.length, 'one metric per (name, kind, unit, temporality, monotonic)');
          for (const m of sm.metrics) {
            const ids = m.dataPoints.map((p) => p.attributes['i'] as number);
            assert.equal(ids, [...ids].sort((a, b) => a - b), 'batch order within a metric');
            for (const id of ids) {
              const s = batch[id]!;
              assert.is(m.descriptor.name, s.name);
              assert.is(m.descriptor.unit, s.unit ?? '');
              assert.is(m.descriptor.description, s.description ?? '');
              if (s.kind === 'sum') assert.is('isMonotonic' in m && m.isMonotonic, s.monotonic ?? true, 'its own monotonicity');
              assert.is(rm.resource.schemaUrl, s.resourceSchemaUrl, 'its own resource schema URL');
              assert.is(sm.scope.name, s.scope?.name ?? 'chronoq');
              if (s.scope !== undefined) {
                assert.equal([sm.scope.version, sm.scope.schemaUrl], [s.scope.version, s.scope.schemaUrl], 'its own scope\'s version and schema URL');
                assert.is(canonicalAttributes((sm.scope as { attributes?: Record<string, string> }).attributes), canonicalAttributes(s.scope.attributes), 'its own scope\'s attributes');
              }
              assert.is(canonicalAttributes(rm.resource.attributes as Record<string, string>), canonicalAttributes(s.resource ?? { host: 'default' }));
              seen.push(id);
            }
          }
        }
      }
      assert.equal(seen.sort((a, b) => a - b), batch.map((_, i) => i), 'each sample exactly once');
    }),
    { numRuns: 300 },
  );
});

test('OTLP times: a fixed64 of nanoseconds, 0 to 2^64 − 1, a start time too; neighbours told apart by monotonicity; an integer past 2^53 goes as a double', () => {
  assert.ok(isOtlpTime((1n << 64n) - 1n) && isOtlpTime(0n));
  assert.not.ok(isOtlpTime(1n << 64n) || isOtlpTime(-1n));
  const at = (t: bigint, start?: bigint): Sample => ({ name: 'c', kind: 'sum', value: 1, timeUnixNano: t, attributes: {}, ...(start === undefined ? {} : { startTimeUnixNano: start }) });
  assert.ok(hasOtlpTimes(at(5n, 1n)));
  assert.not.ok(hasOtlpTimes(at(5n, -1n)), 'a start before 1970');
  assert.not.ok(hasOtlpTimes(at(1n << 64n)));
  // Side by side, a counter and an up-down counter of one name are two metrics (the fast path compares neighbours).
  const [both] = toResourceMetrics([at(1n), { ...at(2n), monotonic: false }, at(3n)]);
  assert.equal(both!.scopeMetrics[0]!.metrics.map((m) => ['isMonotonic' in m && m.isMonotonic, m.dataPoints.length]), [[true, 2], [false, 1]]);
  // Side by side, scopes alike but for their attributes are two scopes, in either form.
  const scoped = (attributes: Record<string, string> | undefined): Sample => ({ ...at(1n), scope: { name: 's1', ...(attributes ? { attributes } : {}) } });
  for (const pair of [[{ tier: 'web' }, { tier: 'db' }], [{ tier: 'web' }, undefined]]) {
    const [rm] = toResourceMetrics(pair.map(scoped));
    assert.equal(rm!.scopeMetrics.map((sm) => (sm.scope as { attributes?: unknown }).attributes), pair, JSON.stringify(pair));
  }
  const [big] = toResourceMetrics([{ name: 'g', kind: 'gauge', value: 1e20, timeUnixNano: 1n, attributes: {} }]);
  assert.is(big!.scopeMetrics[0]!.metrics[0]!.descriptor.valueType, ValueType.DOUBLE, '1e20 is no int64');
});

test.run();
