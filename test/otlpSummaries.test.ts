/**
 * Summaries sent on as gauges (src/otlpSummaries.ts, a source's `summaries: gauges`): each point's
 * quantiles, sum and count as the gauges a Prometheus backend keeps of a summary, with the point's
 * times exactly — from OTLP/JSON and from protobuf alike — and what cannot be sent refused alone.
 * Refused whole by default. (Against a real Collector and Prometheus: test/e2e/prometheusTargets.e2e.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isRight } from 'fp-ts/lib/Either.js';
import { requestSamples, parseOtlpJsonLine } from '../src/otlpJson.js';
import { decodeMetricsRequest } from '../src/otlp/otlpProtoRequest.js';
import { goDecimal } from '../src/otlpSummaries.js';
import { otlpReceiverSamples } from '../src/sources/otlpReceiver.js';
import type { Sample } from '../src/sample.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { bytesField as bytes, doubleField, fixed64Field, text } from './support/protobufWriter.js';

const test = suite('summaries as gauges');
const T = 1_764_064_800_123_456_789n;
const START = 1_764_060_000_000_000_001n;

const summaryRequest = (points: unknown[], metric: Record<string, unknown> = {}) => ({
  resourceMetrics: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
    scopeMetrics: [{ scope: { name: 'prom' }, metrics: [{ name: 'rpc_seconds', unit: 's', description: 'RPC latency', summary: { dataPoints: points }, ...metric }] }],
  }],
});
const point = {
  attributes: [{ key: 'method', value: { stringValue: 'get' } }],
  startTimeUnixNano: String(START), timeUnixNano: String(T), count: '12', sum: 3.5,
  quantileValues: [{ quantile: 0.5, value: 0.25 }, { quantile: 0.99, value: 1.5 }, { quantile: 1, value: 'NaN' }],
};
const base = { resource: { 'service.name': 'api' }, scope: { name: 'prom' }, timeUnixNano: T, startTimeUnixNano: START, description: 'RPC latency' };
const expected = [
  { name: 'rpc_seconds', kind: 'gauge', value: 0.25, attributes: { method: 'get', quantile: '0.5' }, unit: 's', valueType: 'double' },
  { name: 'rpc_seconds', kind: 'gauge', value: 1.5, attributes: { method: 'get', quantile: '0.99' }, unit: 's', valueType: 'double' },
  { name: 'rpc_seconds', kind: 'gauge', value: Number.NaN, attributes: { method: 'get', quantile: '1' }, unit: 's', valueType: 'double' },
  { name: 'rpc_seconds_sum', kind: 'gauge', value: 3.5, attributes: { method: 'get' }, unit: 's', valueType: 'double' },
  { name: 'rpc_seconds_count', kind: 'gauge', value: 12, attributes: { method: 'get' }, valueType: 'int' },
].map((s) => ({ ...base, ...s }));

/** A sample's fields in a fixed order (NaN as text: uvu's equal tells NaN from nothing), to compare. */
const shown = (s: object): string => JSON.stringify(Object.fromEntries(Object.entries(s).sort(([a], [b]) => a.localeCompare(b))), (_, v) => (typeof v === 'bigint' ? `${v}n` : Number.isNaN(v) ? 'NaN' : v));

test('a summary point → its quantiles, sum and count as gauges, the times exact, the point counted as taken', () => {
  const line = requestSamples(summaryRequest([point]), { summaries: 'gauges' });
  assert.equal(line.refused, []);
  assert.is(line.pointsTaken, 1);
  assert.equal(line.samples.map(shown), expected.map(shown));
  // The quantile gauges of a series share one attributes object, as every parsed series does.
  const again = requestSamples(summaryRequest([point]), { summaries: 'gauges' });
  assert.ok(again.samples[0]!.attributes === line.samples[0]!.attributes);
});

test('the same summary in protobuf (an OTLP/gRPC or HTTP exporter\'s request) gives the same gauges', () => {
  const kv = (k: string, v: string) => [...bytes(1, text(k)), ...bytes(2, bytes(1, text(v)))];
  const quantile = (q: number, v: number) => [...doubleField(1, q), ...doubleField(2, v)];
  const p = [
    ...bytes(7, kv('method', 'get')), ...fixed64Field(2, START), ...fixed64Field(3, T), ...fixed64Field(4, 12n), ...doubleField(5, 3.5),
    ...bytes(6, quantile(0.5, 0.25)), ...bytes(6, quantile(0.99, 1.5)), ...bytes(6, quantile(1, Number.NaN)),
  ];
  const metric = [...bytes(1, text('rpc_seconds')), ...bytes(2, text('RPC latency')), ...bytes(3, text('s')), ...bytes(11, bytes(1, p))];
  const request = Uint8Array.from(bytes(1, [...bytes(1, bytes(1, kv('service.name', 'api'))), ...bytes(2, [...bytes(1, bytes(1, text('prom'))), ...bytes(2, metric)])]));
  const decoded = decodeMetricsRequest(request);
  assert.ok(isRight(decoded));
  const line = requestSamples(isRight(decoded) ? decoded.right : undefined, { summaries: 'gauges' });
  assert.equal(line.refused, []);
  assert.equal(line.samples.map(shown), expected.map(shown));
});

test('a summary of no observations yet: its zero sum, count and values, which proto3 leaves out of JSON and off the wire, are gauges of 0', () => {
  const empty = { timeUnixNano: String(T), quantileValues: [{ quantile: 0.5 }] };
  const fromJson = requestSamples(summaryRequest([empty]), { summaries: 'gauges' });
  const p = [...fixed64Field(3, T), ...bytes(6, doubleField(1, 0.5))];
  const metric = [...bytes(1, text('rpc_seconds')), ...bytes(11, bytes(1, p))];
  const decoded = decodeMetricsRequest(Uint8Array.from(bytes(1, bytes(2, bytes(2, metric)))));
  assert.ok(isRight(decoded));
  const fromProtobuf = requestSamples(isRight(decoded) ? decoded.right : undefined, { summaries: 'gauges' });
  for (const line of [fromJson, fromProtobuf]) {
    assert.equal(line.refused, []);
    assert.equal(line.samples.map((x) => [x.name, x.value, x.attributes, x.timeUnixNano]), [
      ['rpc_seconds', 0, { quantile: '0.5' }, T],
      ['rpc_seconds_sum', 0, {}, T],
      ['rpc_seconds_count', 0, {}, T],
    ]);
  }
});

test('refused by default, whole, saying how to send them; with gauges, a point that cannot be sent is refused alone', () => {
  const refused = requestSamples(summaryRequest([point, point]));
  assert.equal(refused.samples, []);
  assert.is(refused.pointsTaken, 0);
  assert.equal(refused.refused, ['metric "rpc_seconds": its 2 points, summaries, which chronoq does not carry as such (gauges, sums and histograms; the source\'s `summaries: gauges` sends them as gauges)']);
  const ended = { timeUnixNano: String(T + 1n), flags: 1 };
  const clash = { ...point, timeUnixNano: String(T + 2n), attributes: [{ key: 'quantile', value: { stringValue: 'x' } }] };
  const timeless = { ...point, timeUnixNano: undefined };
  const line = requestSamples(summaryRequest([point, ended, clash, timeless, { ...point, count: 'many' }]), { summaries: 'gauges' });
  assert.is(line.pointsTaken, 1);
  assert.is(line.samples.length, 5);
  assert.equal(line.refused, [
    'metric "rpc_seconds": a point flagged as having no recorded value (its series ended: a staleness marker), which a sample cannot be (the source\'s `staleMarkers: skip` skips them)',
    'metric "rpc_seconds": an attribute "quantile", which its quantile gauges would overwrite',
    'metric "rpc_seconds": timeUnixNano must be a decimal string of nanoseconds, got no value',
    'metric "rpc_seconds": count must be an integer, got "many"',
  ]);
  // A quantile of 0 (the minimum), which proto3 leaves out of JSON, is quantile 0; a metric without a name (or not a string) is refused.
  const unnamed = (metric: Record<string, unknown>) => requestSamples({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ summary: { dataPoints: [{ timeUnixNano: String(T), count: 1, sum: 2, quantileValues: [{ value: 2 }] }] }, ...metric }] }] }] }, { summaries: 'gauges' });
  assert.equal(unnamed({ name: 'rpc' }).samples.map((s) => [s.name, s.value, s.attributes]), [['rpc', 2, { quantile: '0' }], ['rpc_sum', 2, {}], ['rpc_count', 1, {}]]);
  for (const metric of [{}, { name: 5 }]) assert.equal([unnamed(metric).samples, unnamed(metric).refused], [[], ['metric "": name must be a non-empty string']]);
  // A point without quantiles (a Prometheus summary with none configured): its sum and count.
  const bare = requestSamples(summaryRequest([{ timeUnixNano: String(T), count: 3, sum: 1 }], { unit: '' }), { summaries: 'gauges' });
  assert.equal(bare.samples.map((s) => [s.name, s.value, s.unit]), [['rpc_seconds_sum', 1, undefined], ['rpc_seconds_count', 3, undefined]]);
});

test('an OTLP/JSON line of a file (a Collector\'s archive) takes the policy too', () => {
  const text = JSON.stringify(summaryRequest([point]));
  const asGauges = parseOtlpJsonLine(text, { summaries: 'gauges' });
  const asDefault = parseOtlpJsonLine(text);
  assert.ok(isRight(asGauges) && isRight(asDefault));
  if (isRight(asGauges) && isRight(asDefault)) {
    assert.is(asGauges.right.samples.length, 5);
    assert.is(asDefault.right.samples.length, 0);
  }
});

test('quantiles written as the Collector\'s prometheusremotewrite writes them (Go\'s FormatFloat(q, \'f\', -1, 64))', () => {
  const cases: [number, string][] = [
    [0, '0'], [0.5, '0.5'], [0.99, '0.99'], [0.999, '0.999'], [1, '1'], [1e-7, '0.0000001'], [1.5e-9, '0.0000000015'], [-2.5e-8, '-0.000000025'],
    [1e21, '1000000000000000000000'], [1.25e22, '12500000000000000000000'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, '+Inf'], [Number.NEGATIVE_INFINITY, '-Inf'],
  ];
  assert.equal(cases.map(([q]) => goDecimal(q)), cases.map(([, s]) => s));
});

test('the otlp source with `summaries: gauges` takes a summary whole: no partial success, a point counted once, its gauges emitted', async () => {
  const samples: Sample[] = [];
  const refused: string[] = [];
  let address = '';
  let stop = (): void => undefined;
  const listening = new Promise<void>((resolve) => {
    const sub = otlpReceiverSamples({
      httpEndpoint: '127.0.0.1:0', summaries: 'gauges',
      onRefused: (e) => refused.push(e.reason),
      onListening: (e) => ((address = e.address), resolve()),
    }).subscribe((s) => samples.push(s));
    stop = () => sub.unsubscribe();
  });
  try {
    await listening;
    const post = (body: unknown) => fetch(`http://${address}/v1/metrics`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const whole = await post(summaryRequest([point]));
    assert.equal(await whole.json(), {});
    assert.equal(samples.map(shown), expected.map(shown));
    // One of two points refused: rejectedDataPoints counts points, not the gauges they became.
    const partial = await post(summaryRequest([{ ...point, timeUnixNano: String(T + 1n) }, { timeUnixNano: String(T + 2n), flags: 1 }]));
    assert.equal(await partial.json(), { partialSuccess: { rejectedDataPoints: '1', errorMessage: 'metric "rpc_seconds": a point flagged as having no recorded value (its series ended: a staleness marker), which a sample cannot be (the source\'s `staleMarkers: skip` skips them)' } });
    assert.is(samples.length, 10);
    assert.is(refused.length, 1);
  } finally {
    stop();
  }
});

test('`chronoq run`: an ndjson source of OTLP/JSON lines with `summaries: gauges` delivers the gauges; a misspelt policy is a config error at its path', async () => {
  const dir = tempDir();
  const input = join(dir, 'archive.jsonl');
  const out = join(dir, 'out.ndjson');
  writeFileSync(input, `${JSON.stringify(summaryRequest([point]))}\n`);
  const config = (policy: string) => writeConfig(dir, [
    `sources: [{type: ndjson, path: ${input}, summaries: ${policy}}]`, `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'skew: {maxPastMs: infinite}', 'reorder: {maxDelayMs: 0}', '',
  ].join('\n'));
  const r = await runCli(['run', config('gauges'), '--quiet']);
  assert.is(r.code, 0, r.stderr);
  const delivered = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; timeUnixNano: string; attributes: Record<string, unknown> });
  assert.equal(delivered.map((d) => `${d.name}${d.attributes['quantile'] === undefined ? '' : `{${String(d.attributes['quantile'])}}`} ${d.timeUnixNano}`).sort(),
    ['rpc_seconds_count', 'rpc_seconds_sum', 'rpc_seconds{0.5}', 'rpc_seconds{0.99}', 'rpc_seconds{1}'].map((n) => `${n} ${T}`).sort());
  assert.not.ok(existsSync(join(dir, 'dead.ndjson')));
  const wrong = await runCli(['run', config('gauge'), '--quiet']);
  assert.is(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /config\.sources\[0\]\.summaries: expected one of 'refuse', 'gauges', found "gauge" \(did you mean 'gauges'\?\)/);
});

test.run();
