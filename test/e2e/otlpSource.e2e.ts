/**
 * chronoq as a Collector's OTLP receiver, in front of another Collector that goes down.
 *
 * Collector A scrapes this host (hostmetrics, every 250 ms) and exports with its own otlp exporter
 * — Go's gRPC and protobuf, gzip, its sending queue off so that nothing of A's reorders — to
 * `chronoq run` (an otlp source, a spool), which delivers to collector B; A's file exporter
 * writes what it sent. B is SIGKILLed for 5 s and restarted on its port while A goes on. Every
 * point in A's file arrives at B exactly (series, times, values, all a point says), each series
 * in order; copies are counted. Before the otlp source, a Collector could not send to chronoq.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileExporterYaml, metricsServiceYaml, otlpReceiverYaml, startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { until } from '../support/cli.js';
import { type Gateway, sleep, startGateway } from './scenarios.js';
import { firstSeriesOutOfOrder } from './measure.js';
import { pointsOf } from '../support/otlpJsonPoints.js';

const test = suite('e2e: collector A → chronoq (otlp source) → collector B, B down for 5 s');
const binary = collectorOrSkip('e2e otlp source');
const it = binary === undefined ? test.skip : test;

it('every point collector A sent through chronoq reaches collector B, exactly and in order, through B\'s outage', async () => {
  const b = await startCollector(binary!);
  let gateway: Gateway | undefined;
  let a: Awaited<ReturnType<typeof startCollector>> | undefined;
  try {
    gateway = await startGateway(b.endpoint, { lines: ['batch: {maxSize: 1000, maxDelayMs: 50}', 'delivery: {breaker: {halfOpenAfterMs: 500}}'] });
    const { run, port: chronoqPort } = gateway;
    a = await startCollector(binary!, {
      configYaml: ({ port, output }) => `${otlpReceiverYaml(port)}  hostmetrics:
    collection_interval: 250ms
    scrapers:
      cpu:
      memory:
      load:
      network:
exporters:
${fileExporterYaml(output)}  otlp:
    endpoint: 127.0.0.1:${chronoqPort}
    tls: {insecure: true}
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: true, initial_interval: 100ms, max_interval: 1s}
${metricsServiceYaml('[file, otlp]').replace('exporters: [[file, otlp]]', 'exporters: [file, otlp]').replace('receivers: [otlp]', 'receivers: [otlp, hostmetrics]')}`,
    });
    await sleep(3_000);
    b.signal('SIGKILL');
    await sleep(5_000);
    await b.restart();
    await sleep(3_000);
    a.signal('SIGTERM'); // A stops scraping and flushes what it has (its file is read before stop() removes it)
    await sleep(2_000);
    const sent = pointsOf(a.output);
    assert.ok(sent.length > 100, `collector A sent ${sent.length} points`);
    await until('B has every point A sent', () => new Set(pointsOf(b.output).map((p) => p.text)).size >= new Set(sent.map((p) => p.text)).size, 30_000).catch(() => undefined);
    const received = pointsOf(b.output);
    const copies = received.length - new Set(received.map((p) => p.text)).size;
    console.log(`collector A → chronoq → collector B (killed for 5 s): ${sent.length} points sent, ${new Set(received.map((p) => p.text)).size} distinct at B, ${copies} copies`);
    assert.equal([...new Set(received.map((p) => p.text))].sort(), [...new Set(sent.map((p) => p.text))].sort());
    assert.is(firstSeriesOutOfOrder(received, (p) => p.time), undefined, 'a series out of order');
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: \d+ in, \d+ delivered, 0 dead-lettered/);
  } finally {
    gateway?.run.child.kill('SIGKILL');
    await a?.stop();
    await b.stop();
  }
});

test.run();
