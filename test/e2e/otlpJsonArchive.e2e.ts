/**
 * OTLP/JSON files between chronoq and the Collector, both ways.
 *
 * A Collector's archive sent on through chronoq: an application on the OpenTelemetry SDK exports
 * through the stock OTLPMetricExporter to collector A, whose file exporter writes OTLP/JSON lines;
 * `chronoq run` reads that file with an NDJSON source and sends it to collector B. B receives
 * every data point A did — resource, scope, metric, attributes, times to the nanosecond, values,
 * buckets, temporality — each series in order. Before, each of those lines was one dead letter
 * `invalid` ("a sample needs timeUnixNano").
 *
 * And chronoq's NDJSON sink with `format: otlp-json` writes what the Collector reads as OTLP/JSON:
 * every point as chronoq wrote it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { fileExporterYaml, freePort, metricsServiceYaml, otlpReceiverYaml, readReceived, startCollector } from '../support/collector.js';
import { firstSeriesOutOfOrder, measure } from './measure.js';
import { collectorOrSkip } from './requireCollector.js';
import { runCli, startCli, tempDir, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';
import { parseOtlpJsonLine } from '../../src/otlpJson.js';
import { toJsonLine } from '../../src/sampleJson.js';
import { pointsOf, wholeLines } from '../support/otlpJsonPoints.js';

const test = suite('e2e: a Collector file exporter archive → chronoq run → real collector');
const binary = collectorOrSkip('e2e OTLP/JSON archive');
const it = binary === undefined ? test.skip : test;

/** Every data point of OTLP/JSON lines as a sample's JSON line (otlpJson.ts), sorted. */
const samplesOf = (file: string): string[] =>
  wholeLines(file).flatMap((line) => {
    const r = parseOtlpJsonLine(line);
    if (r._tag === 'Left' || r.right.refused.length > 0) throw new Error(`${file}: ${r._tag === 'Left' ? r.left : r.right.refused.join('; ')}`);
    return r.right.samples.map((s) => toJsonLine(s));
  }).sort();

it("every point of collector A's archive reaches collector B, exactly, each series in order", async () => {
  const a = await startCollector(binary!);
  const b = await startCollector(binary!);
  try {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'i-1' }),
      // Counters and histograms as deltas, up-down counters cumulative: both temporalities in the archive.
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: a.endpoint, temporalityPreference: AggregationTemporality.DELTA }), exportIntervalMillis: 150 })],
      views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('shop', '2.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
    let depth = 0;
    meter.createObservableGauge('queue.depth', { unit: '{item}' }).addCallback((r) => (r.observe(depth++ % 7, { queue: 'orders' }), r.observe(0.5, { queue: 'refunds' })));
    const requests = meter.createCounter('requests', { valueType: ValueType.INT });
    const inUse = meter.createUpDownCounter('connections.in_use');
    const latency = meter.createHistogram('latency', { unit: 'ms' });
    const size = meter.createHistogram('payload.size', { unit: 'By' });
    for (let i = 0; i < 12; i++) {
      requests.add(1 + (i % 3), { route: i % 2 ? '/a' : '/b', ok: i % 5 !== 0 });
      inUse.add(i % 2 ? 1 : -1, { pool: 'db' });
      latency.record(i * 3.7, { route: '/a' });
      size.record(2 ** (i % 9), { direction: 'in' });
      await sleep(100);
    }
    await provider.shutdown();
    await sleep(500);
    const archived = pointsOf(a.output);
    assert.ok(archived.length > 40, `${archived.length} points archived`);

    const dir = tempDir();
    const cfg = writeConfig(dir, [
      `sources: [{type: ndjson, path: ${a.output}}]`,
      `sink: {type: otlp-grpc, endpoint: "${b.endpoint}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`done: ${archived.length} in, ${archived.length} delivered, 0 dead-lettered`));
    await sleep(500);
    const received = pointsOf(b.output);
    console.log(`OTLP/JSON archive of the stock SDK exporter: ${archived.length} points in collector A's file, ${received.length} at collector B through chronoq`);
    assert.equal(received.map((p) => p.text).sort(), archived.map((p) => p.text).sort());
    assert.is(firstSeriesOutOfOrder(received, (p) => p.time), undefined, 'a series out of order');
  } finally {
    await a.stop();
    await b.stop();
  }
});

it("chronoq's NDJSON sink in format otlp-json writes what the Collector reads as OTLP/JSON: every point as written", async () => {
  const dir = tempDir();
  const written = join(dir, 'out.jsonl');
  // Every kind, and the doubles JSON has no number for (the official JSON serializer writes them null).
  const input = join(dir, 'in.ndjson');
  const t = (i: number) => `"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(i) * 1_000_000n}"`;
  writeFileSync(input, Array.from({ length: 120 }, (_, i) => [
    `{"name":"temp","value":${['"NaN"', '"Infinity"', '-0', '1.5', '"-Infinity"'][i % 5]},${t(i)},"attributes":{"room":"r${i % 3}"}}`,
    `{"name":"jobs","kind":"sum","value":${i},${t(i)},"startTimeUnixNano":"1764064700000000000","unit":"{job}"}`,
    `{"name":"in.use","kind":"sum","monotonic":false,"value":${i % 7 - 3},${t(i)}}`,
    `{"name":"latency","kind":"histogram","value":{"boundaries":[1,10],"counts":[1,${i},2],"count":${i + 3},"sum":${i % 4 ? i * 2 : '"Infinity"'},"min":0.5,"max":20},${t(i)},"startTimeUnixNano":"1764064700000000000"}`,
    `{"name":"size","kind":"exponential-histogram","value":{"scale":2,"zeroCount":1,"positive":{"offset":-1,"bucketCounts":[${i},1]},"negative":{"offset":0,"bucketCounts":[]},"count":${i + 2}},${t(i)},"startTimeUnixNano":"1764064700000000000"}`,
  ].join('\n')).join('\n'));
  const cfg = writeConfig(dir, [
    `sources: [{type: ndjson, path: ${input}}]`,
    'skew: {maxPastMs: infinite}',
    `sink: {type: ndjson, path: ${written}, format: otlp-json}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'batch: {maxSize: 100, maxDelayMs: 50}',
    '',
  ].join('\n'));
  const r = await runCli(['run', cfg]);
  assert.is(r.code, 0, r.stderr);
  const sent = pointsOf(written);
  assert.is(sent.length, 600);
  assert.match(readFileSync(written, 'utf8'), /"asDouble":"NaN".*"asDouble":"Infinity".*"asDouble":"-0"/s);
  // Each line posted as an OTLP/HTTP JSON request: the receiver decodes it with the Collector's
  // OTLP/JSON reader, the one its otlpjsonfile receiver uses (which the Go module proxy here does not serve).
  const httpPort = await freePort();
  const c = await startCollector(binary!, {
    configYaml: ({ port, output }) => `${otlpReceiverYaml(port)}      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
${fileExporterYaml(output)}${metricsServiceYaml('file')}`,
  });
  try {
    for (const line of wholeLines(written)) {
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: line });
      assert.is(res.status, 200, await res.text());
    }
    for (let i = 0; i < 50 && pointsOf(c.output).length < sent.length; i++) await sleep(100);
    // Compared as samples: the Collector writes the same request in other forms (int64 as strings, defaults left out).
    const received = samplesOf(c.output);
    console.log(`chronoq's OTLP/JSON file: ${sent.length} points written, ${received.length} read by the Collector`);
    assert.equal(received, samplesOf(written));
  } finally {
    await c.stop();
  }
});

it("a Collector's file exporter output followed as it is written and rotated, chronoq killed part-way and started again: every point at collector B, in order", async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'archive'));
  const archive = join(dir, 'archive', 'metrics.jsonl');
  // Rotated at 1 MB, as lumberjack does: renamed to metrics-<time>-size.jsonl, a new file made under the name.
  const a = await startCollector(binary!, { configYaml: ({ port }) => `${otlpReceiverYaml(port)}exporters:\n  file:\n    path: ${archive}\n    format: json\n    rotation:\n      max_megabytes: 1\n      max_backups: 100\n${metricsServiceYaml('file')}` });
  const b = await startCollector(binary!);
  const total = 4 * 500 * 10;
  try {
    const load = startCli(['run', '--quiet', writeConfig(dir, [`sources: [{type: synthetic, series: 4, ratePerSecond: 500, count: ${total}, valuePattern: sequence, name: tail.e2e}]`,
      `sink: {type: otlp-grpc, endpoint: "${a.endpoint}"}`, `deadLetter: {path: ${join(dir, 'dead-load.ndjson')}}`, 'batch: {maxSize: 200, maxDelayMs: 100}', ''].join('\n'), 'load.yaml')]);
    const forward = writeConfig(dir, [`sources: [{type: ndjson, path: ${archive}, follow: true, pollMs: 100, positionFile: ${join(dir, 'positions.json')}}]`,
      `sink: {type: otlp-grpc, endpoint: "${b.endpoint}"}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'), 'forward.yaml');
    let forwarder = startCli(['run', '--quiet', forward]);
    await sleep(4_000);
    b.signal('SIGSTOP'); // B hangs: what the forwarder reads from now on waits, unsettled
    await sleep(1_500);
    forwarder.child.kill('SIGKILL'); // a crash: what it had read and not delivered is read again
    await forwarder.result;
    b.signal('SIGCONT');
    forwarder = startCli(['run', '--quiet', forward]);
    assert.is((await load.result).code, 0);
    const received = () => readReceived(b.output).filter((p) => p.name === 'tail.e2e');
    for (let i = 0; i < 100 && received().length < total; i++) await sleep(100);
    await sleep(500); // anything more would be a duplicate
    forwarder.child.kill('SIGTERM');
    const r = await forwarder.result;
    assert.is(r.code, 0, r.stderr);
    const rotated = readdirSync(join(dir, 'archive')).length - 1;
    const m = measure(Array.from({ length: total }, (_, value) => ({ value })), received(), new Set());
    console.log(`a Collector's file output followed through ${rotated} rotations and a kill -9: sent ${total}, at B ${m.delivered}, lost ${m.lost}, duplicates ${m.duplicates}, inversions ${m.inversions}`);
    assert.ok(rotated >= 2, `${rotated} rotations`);
    assert.equal([m.lost, m.inversions, m.delivered], [0, 0, total]);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test.run();
