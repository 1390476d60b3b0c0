/**
 * Scenario 2 (collector SIGKILLed 3 s in, restarted on the same port 20 s later) through the stock
 * OpenTelemetry path — MeterProvider + PeriodicExportingMetricReader + OTLPMetricExporter with
 * observable gauges — measured by the same harness. Only the measurement is asserted; the figures
 * are printed beside chronoq's (`npm run e2e:report` prints both in one table). And the same
 * application exporting to chronoq's otlp source instead, chronoq in front of the collector: there
 * nothing may be lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { runStock, runStockThroughChronoq, killAndRestart } from './scenarios.js';
import { formatTable } from './measure.js';

const test = suite('e2e: stock SDK path (baseline)');
const binary = collectorOrSkip('e2e baseline');
const it = binary === undefined ? test.skip : test;

it('the harness measures the stock path through a 20 s outage', async () => {
  const c = await startCollector(binary!);
  try {
    const r = await runStock({ collector: c, series: 3, intervalMs: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000) });
    console.log(`\n${formatTable([{ ...r, scenario: 'outage 20 s', path: 'stock SDK' }])}`);
    assert.ok(r.sent >= 3 * 25, `collected ${r.sent}`);
    assert.is(r.delivered + r.lost, r.sent, 'every collected point is accounted for');
    assert.ok(r.delivered > 0, 'the stock path delivers outside the outage');
  } finally {
    await c.stop();
  }
});

it('the same stock path exporting to chronoq (its otlp source, a spool) in front of the collector: nothing lost, each series in order', async () => {
  const c = await startCollector(binary!);
  try {
    const r = await runStockThroughChronoq({ collector: c, series: 3, intervalMs: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000) });
    console.log(`\n${formatTable([{ ...r, scenario: 'outage 20 s', path: 'stock SDK → chronoq' }])}`);
    assert.ok(r.sent >= 3 * 25, `collected ${r.sent}`);
    assert.is(r.lost, 0);
    assert.is(r.delivered, r.sent);
    assert.is(r.inversions, 0);
  } finally {
    await c.stop();
  }
});

test.run();
