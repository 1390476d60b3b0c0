/**
 * Staleness markers — points flagged as having no recorded value, which a Collector's Prometheus
 * receiver sends for each series of a target that stopped answering — with a source's
 * `staleMarkers: skip`: neither samples nor refusals (no dead letter, no partial success for the
 * sender to log), counted. Refused, each a dead letter, by default. In process, and through
 * `chronoq run`'s config (said once, counted in /metrics).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requestSamples } from '../src/otlpJson.js';
import { otlpReceiverSamples, type SkippedMarkers } from '../src/sources/otlpReceiver.js';
import type { Sample } from '../src/sample.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { jsonLog, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('staleness markers skipped');
const T = '1764064800123456789';
const marker = { timeUnixNano: T, flags: 1 };
const request = {
  resourceMetrics: [{
    scopeMetrics: [{
      metrics: [
        { name: 'up_total', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asInt: '3' }, marker] } },
        { name: 'depth', gauge: { dataPoints: [marker] } },
        // flags is a bit field: bit 0 says no recorded value, whatever other bits (reserved now) say.
        { name: 'sizes', histogram: { aggregationTemporality: 2, dataPoints: [{ ...marker, flags: 3, attributes: [{ key: 'a', value: { stringValue: 'b' } }] }] } },
        { name: 'latency', summary: { dataPoints: [marker, { timeUnixNano: T, count: 1, sum: 2 }] } },
      ],
    }],
  }],
};

test('skipped: no sample, no refusal, each counted — in gauges, sums, histograms and summaries sent as gauges', () => {
  const line = requestSamples(request, { staleMarkers: 'skip', summaries: 'gauges' });
  assert.equal(line.refused, []);
  assert.is(line.pointsSkipped, 4);
  assert.is(line.pointsTaken, 2);
  assert.equal(line.samples.map((s) => s.name), ['up_total', 'latency_sum', 'latency_count']);
});

test('refused by default, each a refusal that says how to skip them', () => {
  const line = requestSamples(request, { summaries: 'gauges' });
  assert.is(line.pointsSkipped, 0);
  assert.is(line.refused.length, 4);
  for (const r of line.refused) assert.match(r, /no recorded value \(its series ended: a staleness marker\), which a sample cannot be \(the source's `staleMarkers: skip` skips them\)$/);
});

test('the otlp source with `staleMarkers: skip`: the request is taken whole (no partial success), the markers heard by onSkipped', async () => {
  const samples: Sample[] = [];
  const skipped: SkippedMarkers[] = [];
  const refused: string[] = [];
  let address = '';
  let stop = (): void => undefined;
  await new Promise<void>((resolve) => {
    const sub = otlpReceiverSamples({
      httpEndpoint: '127.0.0.1:0', staleMarkers: 'skip', summaries: 'gauges',
      onSkipped: (e) => skipped.push(e), onRefused: (e) => refused.push(e.reason),
      onListening: (e) => ((address = e.address), resolve()),
    }).subscribe((s) => samples.push(s));
    stop = () => sub.unsubscribe();
  });
  try {
    const answer = await fetch(`http://${address}/v1/metrics`, { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } });
    assert.equal(await answer.json(), {});
    assert.is(samples.length, 3);
    assert.equal(refused, []);
    assert.is(skipped.length, 1);
    assert.is(skipped[0]!.count, 4);
    assert.match(skipped[0]!.peer, /127\.0\.0\.1/);
    // A request without markers: nothing heard.
    const plain = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '1' }] } }] }] }] };
    await fetch(`http://${address}/v1/metrics`, { method: 'POST', body: JSON.stringify(plain), headers: { 'content-type': 'application/json' } });
    assert.is(samples.length, 4);
    assert.is(skipped.length, 1);
  } finally {
    stop();
  }
});

test('`chronoq run` with an otlp source of `summaries: gauges` and `staleMarkers: skip`: the request taken whole, the summary delivered as gauges, the markers skipped, said once and counted', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const metricsPort = await freePort();
  const run = startCli(['run', writeConfig(dir, [
    'sources: [{type: otlp, protocols: {http: {endpoint: "127.0.0.1:0"}}, summaries: gauges, staleMarkers: skip}]',
    `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: 1e12}', 'reorder: {maxDelayMs: 0}',
    `telemetry: {prometheus: {port: ${metricsPort}}}`, '',
  ].join('\n')), '--log-format', 'json']);
  try {
    const address = (): string | undefined => /listening for OTLP\/HTTP on (127\.0\.0\.1:\d+)/.exec(run.stderrSoFar())?.[1];
    await until('chronoq listens', () => address() !== undefined);
    for (let i = 0; i < 2; i++) {
      const answer = await fetch(`http://${address()}/v1/metrics`, { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } });
      assert.equal([answer.status, await answer.json()], [200, {}], 'taken whole: no partial success');
    }
    const page = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(page, /^chronoq_otlp_stale_markers_skipped_total 8$/m);
    run.child.kill('SIGINT');
    const done = await run.result;
    const log = jsonLog(done.stderr);
    const said = log.filter((l) => /points marking a series' end \(staleness markers; 4 in a request from 127\.0\.0\.1:\d+\) are skipped/.test(l.message));
    assert.is(said.length, 1, 'said once, for the first request');
    assert.match(done.stderr, /done: 6 in, 6 delivered, 0 dead-lettered/);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).name).sort(), ['latency_count', 'latency_count', 'latency_sum', 'latency_sum', 'up_total', 'up_total']);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.run();
