/**
 * chronoq as the OTLP endpoint of Node applications (stock JS gRPC exporters, which send a request
 * once and drop it when it is refused), with a spool, in front of a collector that hangs: SIGSTOP
 * for 6 s while the applications go on. chronoq's calls to it wait (no error: its breaker stays
 * closed), and what the applications send piles up past half of delivery.maxQueued. The otlp
 * source refused requests from there on — each a lost export of the JS exporter — although the
 * spool had room; it takes them into the spool now, and every point reaches the collector once,
 * each series in order.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readReceived, startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { until } from '../support/cli.js';
import { exported, runExporters } from '../support/otlpExporters.js';
import { type Gateway, sleep, startGateway } from './scenarios.js';
import { firstSeriesOutOfOrder } from './measure.js';

const test = suite('e2e: JS gRPC exporters → chronoq (otlp source, spool) → a collector that hangs for 6 s');
const binary = collectorOrSkip('e2e otlp source, collector hang');
const it = binary === undefined ? test.skip : test;

it('no request refused, none lost: every point at the collector once, each series in order', async () => {
  const b = await startCollector(binary!);
  let gateway: Gateway | undefined;
  try {
    gateway = await startGateway(b.endpoint, { lines: ['delivery: {maxQueued: 2000}'] });
    const { run, port } = gateway;
    // 4 apps of 500 gauges every 250 ms for 12 s: 96 000 points, 48 000 of them during the hang.
    const apps = runExporters(`127.0.0.1:${port}`, { APPS: '4', SERIES: '500', PERIOD_MS: '250', DURATION_MS: '12000' });
    await sleep(3_000);
    b.signal('SIGSTOP');
    await sleep(6_000);
    b.signal('SIGCONT');
    const { sent, failed } = exported(await apps);
    assert.is(failed, 0, `${failed} of ${sent} exports failed (refused: the JS gRPC exporter dropped them)`);
    const points = sent * 500;
    await until('the collector has every point', () => readReceived(b.output).length >= points, 60_000).catch(() => undefined);
    const received = readReceived(b.output);
    const distinct = new Set(received.map((p) => `${p.series} ${p.timeUnixNano}`));
    console.log(`JS gRPC exporters → chronoq → collector (hung for 6 s): ${points} points sent, ${distinct.size} distinct at the collector, ${received.length - distinct.size} copies`);
    assert.is(distinct.size, points);
    assert.is(firstSeriesOutOfOrder(received, (p) => p.timeUnixNano), undefined, 'a series out of order');
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: \d+ in, \d+ delivered, 0 dead-lettered/);
    assert.not.match(done.stderr, /no room/);
  } finally {
    gateway?.run.child.kill('SIGKILL');
    b.signal('SIGCONT');
    await b.stop();
  }
});

test.run();
