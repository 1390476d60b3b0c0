/**
 * OTLP/JSON lines (src/otlpJson.ts), as the Collector's file exporter writes them, read by the
 * NDJSON source: every data point a sample with its times exactly, and what a sample cannot hold
 * refused per metric with the reason. (The official JSON serializer's lines, for any SDK
 * collection: test/otelBytes.property.test.ts; a Collector's archive sent on through chronoq:
 * test/e2e/otlpJsonArchive.e2e.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { isOtlpJsonLine, parseOtlpJsonLine, type OtlpJsonLine } from '../src/otlpJson.js';
import { ndjsonSamples, type InvalidLine } from '../src/sources/ndjson.js';
import { otlpJsonText } from '../src/otlp/otlpJsonText.js';
import { parseSampleLine, toJsonLine } from '../src/sampleJson.js';
import { runCli, startCli, tempDir, writeConfig } from './support/cli.js';

const test = suite('OTLP/JSON lines');

const str = (v: string) => ({ stringValue: v });
const request = (metrics: unknown[], resource: unknown[] = [{ key: 'service.name', value: str('shop') }]) =>
  JSON.stringify({ resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: 'app', version: '1.2' }, schemaUrl: 'https://opentelemetry.io/schemas/1.24.0', metrics }] }] });
const read = (line: string): OtlpJsonLine => {
  const r = parseOtlpJsonLine(line);
  if (r._tag === 'Left') throw new Error(r.left);
  return r.right;
};

test('as the Collector writes them: int64 as decimal strings, enums as integers; each point a sample with its times, resource, scope, unit and type', () => {
  const line = request([
    { name: 'queue.depth', unit: '{item}', description: 'waiting', gauge: { dataPoints: [
      { attributes: [{ key: 'queue', value: str('orders') }, { key: 'shard', value: { intValue: '3' } }], timeUnixNano: '1764064800123456789', asInt: '12' },
      { attributes: [{ key: 'tags', value: { arrayValue: { values: [str('a'), { boolValue: true }] } } }], timeUnixNano: '1764064800123456790', asDouble: 'NaN' },
    ] } },
    { name: 'requests', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ startTimeUnixNano: '1764064790000000000', timeUnixNano: '1764064800000000000', asDouble: 4.5 }] } },
    // A start of 0 is proto3's unset (a writer that prints default values writes it): no start.
    { name: 'in.use', sum: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: '0', timeUnixNano: '1764064800000000000', asInt: '-2' }] } },
    { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: '1', timeUnixNano: '1764064800000000000', count: '3', sum: 6, bucketCounts: ['1', '2'], explicitBounds: [1], min: 1, max: 3 }] } },
    { name: 'size', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1764064800000000000', count: '2', zeroCount: '1', scale: 3, positive: { offset: -2, bucketCounts: ['1'] }, negative: {} }] } },
  ]);
  assert.ok(isOtlpJsonLine(line));
  const { samples, refused } = read(line);
  assert.equal(refused, []);
  const base = { resource: { 'service.name': 'shop' }, scope: { name: 'app', version: '1.2', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' } };
  assert.equal(samples, [
    { name: 'queue.depth', kind: 'gauge', ...base, unit: '{item}', description: 'waiting', value: 12, valueType: 'int', timeUnixNano: 1764064800123456789n, attributes: { queue: 'orders', shard: 3 } },
    { name: 'queue.depth', kind: 'gauge', ...base, unit: '{item}', description: 'waiting', value: Number.NaN, valueType: 'double', timeUnixNano: 1764064800123456790n, attributes: { tags: ['a', true] } },
    { name: 'requests', kind: 'sum', ...base, temporality: 'delta', monotonic: true, value: 4.5, valueType: 'double', timeUnixNano: 1764064800000000000n, startTimeUnixNano: 1764064790000000000n, attributes: {} },
    { name: 'in.use', kind: 'sum', ...base, temporality: 'cumulative', monotonic: false, value: -2, valueType: 'int', timeUnixNano: 1764064800000000000n, attributes: {} },
    { name: 'latency', kind: 'histogram', ...base, temporality: 'cumulative', value: { boundaries: [1], counts: [1, 2], count: 3, sum: 6, min: 1, max: 3 }, timeUnixNano: 1764064800000000000n, startTimeUnixNano: 1n, attributes: {} },
    { name: 'size', kind: 'exponential-histogram', ...base, temporality: 'cumulative', value: { scale: 3, zeroCount: 1, positive: { offset: -2, bucketCounts: [1] }, negative: { offset: 0, bucketCounts: [] }, count: 2 }, timeUnixNano: 1764064800000000000n, attributes: {} },
  ]);
});

test('a resource\'s schema URL and a scope\'s attributes are carried: into the request sent, through a sample line (spool, dead letter) and back', () => {
  const line = JSON.stringify({ resourceMetrics: [{
    resource: { attributes: [{ key: 'service.name', value: str('shop') }] },
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    scopeMetrics: [
      { scope: { name: 'otelcol/hostmetricsreceiver/cpu', version: '0.159.0', attributes: [{ key: 'tier', value: str('edge') }, { key: 'ratio', value: { doubleValue: 'NaN' } }] },
        metrics: [{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '1' }] } }] },
      { scope: { name: 'other', attributes: [{ key: 'm', value: { kvlistValue: { values: [] } } }] },
        metrics: [{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '1' }, { timeUnixNano: '1764064801000000000', asInt: '1' }] } }] },
    ],
  }] });
  const { samples, refused } = read(line);
  // A scope whose attributes a sample cannot hold is refused with its points, not sent without them.
  assert.equal(refused, ['scope "other": its 2 points, attribute "m": a kvlistValue, which a sample cannot hold (strings, numbers, booleans and arrays of them)']);
  assert.is(samples.length, 1);
  const s = samples[0]!;
  assert.is(s.resourceSchemaUrl, 'https://opentelemetry.io/schemas/1.26.0');
  assert.equal(s.scope, { name: 'otelcol/hostmetricsreceiver/cpu', version: '0.159.0', attributes: { tier: 'edge', ratio: Number.NaN } });
  const back = parseSampleLine(toJsonLine(s));
  if (back._tag === 'Left') return assert.unreachable(back.left);
  assert.equal(back.right, s);
  const sent = JSON.parse(otlpJsonText([back.right], {})) as { resourceMetrics: { schemaUrl?: string; scopeMetrics: { scope: { attributes?: unknown[] } }[] }[] };
  assert.is(sent.resourceMetrics[0]!.schemaUrl, 'https://opentelemetry.io/schemas/1.26.0');
  assert.equal(sent.resourceMetrics[0]!.scopeMetrics[0]!.scope.attributes, [{ key: 'tier', value: { stringValue: 'edge' } }, { key: 'ratio', value: { doubleValue: 'NaN' } }]);
  // So is a resource's: every point of it, counted.
  const bytes = read(request([{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '1' }, { timeUnixNano: '2', asInt: '1' }, { timeUnixNano: '3', asInt: '1' }] } }], [{ key: 'k', value: { bytesValue: 'AQ==' } }]));
  assert.equal(bytes, { samples: [], refused: ['the resource: its 3 points, attribute "k": a bytesValue, which a sample cannot hold (strings, numbers, booleans and arrays of them)'], pointsTaken: 0, pointsSkipped: 0 });
});

test("aggregationTemporality by its enum name, as some proto3 JSON writers give it: AGGREGATION_TEMPORALITY_DELTA and _CUMULATIVE read as 1 and 2", () => {
  const point = { timeUnixNano: '1764064800000000000', asDouble: 1 };
  const { samples, refused } = read(request([
    { name: 'd', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', isMonotonic: true, dataPoints: [point] } },
    { name: 'c', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', isMonotonic: true, dataPoints: [point] } },
  ]));
  assert.equal(refused, []);
  assert.equal(samples.map((x) => [x.name, x.temporality]), [['d', 'delta'], ['c', 'cumulative']]);
});

test('a histogram of a count and a sum alone (no buckets, as OTLP allows) is a sample, sent so; a sample line may say the same', () => {
  const { samples, refused } = read(request([{ name: 'rpc.size', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1764064800000000000', count: '4', sum: 10 }] } }]));
  assert.equal(refused, []);
  assert.equal(samples[0]?.value, { boundaries: [], counts: [], count: 4, sum: 10 });
  const sent = JSON.parse(otlpJsonText(samples, {})) as { resourceMetrics: { scopeMetrics: { metrics: { histogram: { dataPoints: Record<string, unknown>[] } }[] }[] }[] };
  const point = sent.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.histogram.dataPoints[0]!;
  assert.equal([point['count'], point['sum'], point['bucketCounts'], point['explicitBounds']], [4, 10, [], []]);
  assert.equal(parseSampleLine('{"name":"h","kind":"histogram","value":{"boundaries":[],"counts":[],"count":4,"sum":10},"timeUnixNano":"5"}')._tag, 'Right');
  assert.equal(parseSampleLine('{"name":"h","kind":"histogram","value":{"boundaries":[1],"counts":[],"count":4},"timeUnixNano":"5"}'), { _tag: 'Left', left: 'histogram counts must have boundaries.length + 1 entries (or both be empty: a count and a sum alone)' });
});

test('written with the proto field names (resource_metrics, time_unix_nano: Python\'s MessageToJson preserving them), read the same', () => {
  const camel = request([{ name: 'queue.depth', unit: '{item}', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: [{ key: 'q', value: { stringValue: 'orders' } }], startTimeUnixNano: '1764064700000000000', timeUnixNano: '1764064800000000000', asInt: '12' }] } }]);
  const snake = camel.replace(/"([a-z]+)([A-Z][A-Za-z]*)"\s*:/g, (_, head: string, rest: string) => `"${head}${rest.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}":`);
  assert.match(snake, /"resource_metrics".*"scope_metrics".*"schema_url".*"aggregation_temporality".*"time_unix_nano".*"as_int"/);
  assert.ok(isOtlpJsonLine(snake));
  assert.equal(read(snake), read(camel));
});

test('a time written as a bare JSON number is read exactly, not as the double JSON.parse makes of it', () => {
  const line = '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"timeUnixNano":1764064800123456789,"asDouble":1,"attributes":[{"key":"big","value":{"intValue":33379043121066310}}]}]}}]}]}]}';
  const [s] = read(line).samples;
  assert.is(s?.timeUnixNano, 1764064800123456789n);
  assert.is(s?.attributes['big'], 33379043121066310); // a double's own text, as JavaScript writes one
  const misfit = read(line.replace('{"intValue":33379043121066310}', '{"stringValue":33379043121066310}'));
  assert.equal(misfit.refused, ['metric "m": attribute "big": a stringValue must be a string, got a number']);
  // Sixteen digits are enough to be past 2^53: such a number is refused, not taken as the double it rounds to.
  const past = read(line.replace('"asDouble":1', '"asInt":9007199254740993'));
  assert.equal([past.samples.length, past.refused], [0, ['metric "m": asInt 9007199254740993 is past 2^53 and not a number a sample can hold exactly']]);
  // The same when it is the line's only long number (the time quoted): a line without one is not looked through.
  const alone = read('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"timeUnixNano":"1764064800123456789","asInt":9007199254740993}]}}]}]}]}');
  assert.equal([alone.samples.length, alone.refused], [0, ['metric "m": asInt 9007199254740993 is past 2^53 and not a number a sample can hold exactly']]);
  // A time written as a double (an exponent): its digits may have been rounded, so it is refused, said as a sample line says it.
  const rounded = read(line.replace('1764064800123456789', '1.764064800123e18'));
  assert.equal(rounded.refused, ['metric "m": timeUnixNano must be whole nanoseconds, in digits or as a decimal string: got a number in another form (read as 1764064800123000000, not exact)']);
  // A negative one is shown as written (it showed the reader's own marker, "\u0000n-1764…").
  assert.equal(read(line.replace('1764064800123456789', '-1764064800123456789')).refused, ['metric "m": timeUnixNano must be a decimal string of nanoseconds, got -1764064800123456789']);
});

test('what a sample cannot hold is refused with the reason — a point alone, a metric of a type not carried whole — and the rest of the line is read', () => {
  const point = { timeUnixNano: '1764064800000000000', asDouble: 1 };
  const { samples, refused } = read(request([
    { name: 'ok', gauge: { dataPoints: [point] } },
    { name: 'rpc.duration', summary: { dataPoints: [{ timeUnixNano: '1764064800000000000', count: '1', sum: 2 }] } },
    { name: 'gone', gauge: { dataPoints: [{ ...point, flags: 1 }] } },
    { name: 'mapped', gauge: { dataPoints: [{ ...point, attributes: [{ key: 'k', value: { kvlistValue: { values: [] } } }] }] } },
    { name: 'huge', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '9007199254740993' }] } },
    { name: 'nil', sum: { aggregationTemporality: 0, dataPoints: [point] } },
    { name: 'zero', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ ...point, count: '1', zeroThreshold: 0.001 }] } },
    { name: 'early', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: '0' }] } },
    { name: 'sumless', histogram: { aggregationTemporality: 2, dataPoints: [{ ...point, count: '1', bucketCounts: ['1'], sum: 'one' }] } },
    { name: 'untimed', histogram: { dataPoints: [{ ...point, count: '1' }] } },
    { name: 'before1970', gauge: { dataPoints: [{ ...point, timeUnixNano: '-5' }] } },
    { name: 'nested', gauge: { dataPoints: [{ ...point, attributes: [{ key: 'k', value: { arrayValue: { values: [{ arrayValue: { values: [] } }] } } }] }] } },
    { name: 'yes', gauge: { dataPoints: [{ ...point, attributes: [{ key: 'k', value: { boolValue: 'true' } }] }] } },
    // A counter's start that is not a time is refused as its time is: it was read as none, the sample sent as if it had no start.
    { name: 'restarted', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, startTimeUnixNano: 'yesterday' }] } },
    { name: 'rounded', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, startTimeUnixNano: 1.5 }] } },
    // A oneof with two members (proto3 JSON refuses one): which was meant is not guessed.
    { name: 'twice', gauge: { dataPoints: [{ ...point, asInt: '7' }] } },
    { name: 'both', gauge: { dataPoints: [point, point] }, sum: { aggregationTemporality: 2, dataPoints: [point] } },
  ]));
  assert.equal(samples.map((s) => s.name), ['ok']);
  assert.equal(refused, [
    'metric "rpc.duration": its point, summaries, which chronoq does not carry as such (gauges, sums and histograms; the source\'s `summaries: gauges` sends them as gauges)',
    'metric "gone": a point flagged as having no recorded value (its series ended: a staleness marker), which a sample cannot be (the source\'s `staleMarkers: skip` skips them)',
    'metric "mapped": attribute "k": a kvlistValue, which a sample cannot hold (strings, numbers, booleans and arrays of them)',
    'metric "huge": asInt 9007199254740993 is past 2^53 and not a number a sample can hold exactly',
    'metric "nil": its point, aggregationTemporality 0, not delta (1) or cumulative (2)',
    'metric "zero": zeroThreshold 0.001, which a sample does not carry (only 0)',
    'metric "early": timeUnixNano must be a positive bigint',
    'metric "sumless": sum must be a number, got "one"',
    // A histogram is delta or cumulative as a sum is: one that says neither (absent: 0) is not guessed at.
    'metric "untimed": its point, aggregationTemporality 0, not delta (1) or cumulative (2)',
    'metric "before1970": timeUnixNano must be a decimal string of nanoseconds, got "-5"',
    'metric "nested": attribute "k": an array inside an array, which a sample cannot hold',
    'metric "yes": attribute "k": a boolValue must be true or false, got "true"',
    'metric "restarted": startTimeUnixNano must be a decimal string of nanoseconds, got "yesterday"',
    'metric "rounded": startTimeUnixNano must be a decimal string of nanoseconds, got 1.5',
    'metric "twice": a data point with two values, asDouble and asInt (a point has one)',
    'metric "both": its 3 points, data of two types, gauge and sum (a metric has one)',
  ]);
  // null is proto3 JSON's default value: a count of 0, as an absent one.
  const nullCount = read(request([{ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1764064800000000000', count: null, sum: 0 }] } }]));
  assert.equal([nullCount.refused, (nullCount.samples[0]?.value as { count?: number } | undefined)?.count], [[], 0]);
  // And a start of null is no start (not a start that is not a time).
  const nullStart = read(request([{ name: 'c', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, startTimeUnixNano: null }] } }]));
  assert.equal([nullStart.refused, nullStart.samples.length, nullStart.samples[0]?.startTimeUnixNano], [[], 1, undefined]);
  // A series gone stale (the Prometheus receiver's marker) costs its point, not the metric's others.
  const stale = read(request([{ name: 'up', gauge: { dataPoints: [point, { ...point, timeUnixNano: '1764064800000000001', flags: 1 }, { ...point, timeUnixNano: '1764064800000000002' }] } }]));
  assert.equal([stale.samples.map((s) => s.timeUnixNano), stale.refused.length], [[1764064800000000000n, 1764064800000000002n], 1]);
  assert.equal(parseOtlpJsonLine('{"resourceSpans":[]}'), { _tag: 'Left', left: 'an OTLP/JSON request of spans, not metrics' });
  assert.equal(parseOtlpJsonLine('{"resource_logs":[]}'), { _tag: 'Left', left: 'an OTLP/JSON request of logs, not metrics' });
  assert.ok(!isOtlpJsonLine('{"name":"resourceMetrics","value":1,"timeUnixNano":"1"}'));
});

test('the NDJSON source reads a file of them — beside sample lines — each refusal a dead letter of its line', async () => {
  const dir = tempDir();
  const path = join(dir, 'archive.jsonl');
  const point = (t: string) => ({ timeUnixNano: t, asDouble: 1 });
  writeFileSync(path, [
    request([{ name: 'a', gauge: { dataPoints: [point('1764064800000000001'), point('1764064800000000002')] } }, { name: 's' }]),
    '{"name":"b","value":2,"timeUnixNano":"1764064800000000003"}',
    request([{ name: 'c', gauge: { dataPoints: [point('1764064800000000004')] } }]),
    '',
  ].join('\n'));
  const invalid: InvalidLine[] = [];
  const samples = await lastValueFrom(ndjsonSamples({ path, onInvalid: (l) => invalid.push(l) }).pipe(toArray()));
  assert.equal(samples.map((s) => `${s.name}@${s.timeUnixNano}`), ['a@1764064800000000001', 'a@1764064800000000002', 'b@1764064800000000003', 'c@1764064800000000004']);
  assert.equal(invalid.map((l) => [l.line, l.reason]), [[1, 'metric "s": no data of a type chronoq carries (gauge, sum, histogram, exponentialHistogram)']]);
});

test('a request longer than maxLineBytes is one dead letter that says what to raise it to, not "is the file NDJSON?"', async () => {
  const path = join(tempDir(), 'big.jsonl');
  const line = request([{ name: 'a', gauge: { dataPoints: Array.from({ length: 50 }, (_, i) => ({ timeUnixNano: String(1764064800000000000n + BigInt(i)), asDouble: i })) } }]);
  writeFileSync(path, `${line}\n`);
  const invalid: InvalidLine[] = [];
  const samples = await lastValueFrom(ndjsonSamples({ path, maxLineBytes: 1_000, onInvalid: (l) => invalid.push(l) }).pipe(toArray()));
  assert.is(samples.length, 0);
  assert.equal(invalid.map((l) => l.reason), [`a line of ${line.length} bytes, longer than maxLineBytes 1000: not read (an OTLP/JSON request: give the source maxLineBytes of at least ${line.length})`]);
});

test('from standard input too (path: -), the last request without a line end', async () => {
  const dir = tempDir();
  const config = writeConfig(dir, `sources: [{type: ndjson, path: '-'}]\nsink: {type: console}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`);
  const { child, result } = startCli(['run', '--quiet', config], {}, { stdin: true });
  const point = (t: string) => ({ timeUnixNano: t, asInt: '7' });
  child.stdin!.end(`${request([{ name: 'a', gauge: { dataPoints: [point('1764064800000000001')] } }])}\n${request([{ name: 'a', gauge: { dataPoints: [point('1764064800000000002'), point('1764064800000000003')] } }])}`);
  const r = await result;
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { timeUnixNano: string }).timeUnixNano), ['1764064800000000001', '1764064800000000002', '1764064800000000003']);
});

test('replay and inspect, given such a file for a dead-letter file, send nothing and say that it goes to chronoq run', async () => {
  const dir = tempDir();
  const path = join(dir, 'archive.jsonl');
  writeFileSync(path, `${request([{ name: 'a', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000001', asDouble: 1 }] } }])}\n`);
  const config = writeConfig(dir, `sink: {type: console}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`);
  const replayed = await runCli(['replay', path, '--config', config]);
  assert.is(replayed.stdout, '', 'nothing sent');
  assert.match(replayed.stderr, new RegExp(`1 of the lines skipped are samples, not dead letters: a file of samples is sent by \`chronoq run\` with a source \\{type: ndjson, path: ${path}\\}`));
  const inspected = await runCli(['inspect', path]);
  assert.match(inspected.stdout, /1 of the lines that are not dead letters are samples/);
});

test('values JSON numbers cannot hold are written as OTLP/JSON strings ("-0", "NaN", "Infinity") and read back as they were', () => {
  const values = [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5];
  const samples = values.map((value, i) => ({ name: 'level', kind: 'gauge' as const, value, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} }));
  const text = otlpJsonText(samples, {});
  const points = (JSON.parse(text) as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: { asDouble: unknown }[] } }[] }[] }[] }).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.gauge.dataPoints;
  assert.equal(points.map((p) => p.asDouble), ['-0', 'NaN', 'Infinity', '-Infinity', 1.5]);
  const back = read(text.trimEnd()).samples.map((s) => s.value as number);
  assert.is(back.length, 5);
  values.forEach((v, i) => assert.ok(Object.is(back[i], v), `${String(v)} came back as ${String(back[i])}`));
});

test.run();
