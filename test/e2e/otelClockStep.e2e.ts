/**
 * An application on the OpenTelemetry SDK whose wall clock steps while it runs (the SDK stamps its
 * collections with Date.now()), exporting through ChronoqMetricExporter → collector
 * (prometheusremotewrite) → Prometheus 2.42, which refuses time going back and keeps one sample a
 * series a millisecond. Every collection is stored in Prometheus — its gauge and its counter, each
 * series forward — and nothing is a dead letter. (clockStepPrometheus.e2e.ts: the same steps under
 * `chronoq run`'s host source.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../support/collector.js';
import { OUT_OF_ORDER_OR_DUPLICATE, linesMatching, startPrometheus, remoteWriteGatewayYaml } from '../support/prometheus.js';
import { killedOnExit } from '../support/children.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { tempDir } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: an SDK application whose clock steps, through ChronoqMetricExporter into Prometheus');
const binary = collectorOrSkip('e2e SDK clock step, Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e SDK clock step, Prometheus') ? test.skip : test;
const FIXTURE = fileURLToPath(new URL('../fixtures/stepWallClock.mjs', import.meta.url));
const APP = fileURLToPath(new URL('../fixtures/otelClockApp.ts', import.meta.url));
const HOUR_MS = 3_600_000;

interface AppReport {
  readonly collections: number;
  readonly samplesIn: number;
  readonly delivered: number;
  readonly deadLetters: Record<string, number>;
  readonly steps: number;
}

/** The app with its clock stepped at `steps` (STEPS, ms after its first log line), into Prometheus: what the header says, asserted. */
const appSteppedInto = async (steps: string, label: string): Promise<void> => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  try {
    const env = { ...process.env, ENDPOINT: gateway.endpoint, DEAD_LETTERS: join(tempDir(), 'dead.ndjson'), STEP_FROM: 'first-log', STEPS: steps, RUN_MS: '5000' };
    const child = killedOnExit(spawn(process.execPath, ['--import', 'tsx', '--import', FIXTURE, APP], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.is(code, 0, stderr);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as AppReport;
    await sleep(1_000);
    const gauge = (await p.series('queue_depth')).flatMap((s) => s.points);
    const counter = await p.series('requests_total');
    const refusals = linesMatching(OUT_OF_ORDER_OR_DUPLICATE, gateway.logs(), p.logs());
    console.log(`\n${label}: ${report.collections} collections, ${report.delivered} of ${report.samplesIn} samples delivered, ${report.steps} step(s); in Prometheus queue_depth ${gauge.length} points, requests_total ${counter.flatMap((s) => s.points).length}; refusals ${refusals.length}`);
    assert.is(report.delivered, report.samplesIn, JSON.stringify(report));
    assert.ok(Object.values(report.deadLetters).every((n) => n === 0), JSON.stringify(report.deadLetters));
    assert.is(refusals.length, 0, refusals.slice(0, 3).join('\n'));
    // Every collection's gauge point is stored: one dropped as a second sample in a millisecond is missing here.
    assert.is(gauge.length, report.collections, 'a point a collection');
    assert.is(counter.length, 1);
    assert.is(counter[0]!.points.length, report.collections);
    const ms = gauge.map((x) => x.ms);
    for (let i = 1; i < ms.length; i++) assert.ok(ms[i]! > ms[i - 1]!, `forward at ${i}`);
    assert.ok(ms.every((x) => x > Date.now() - 60_000), 'no point an hour back');
  } finally {
    await gateway.stop();
    await p.stop();
  }
};

// Under stepThresholdMs a jump is no step; a step back a second later re-stamped the next collections
// onto trusted time, raised onto the last stamp made ahead, several in one millisecond: 3 of 24 and
// 3 of 20 collections a series not stored in two runs — in the first all counted delivered (the
// Collector took them and Prometheus kept one sample in each millisecond), in the second one refused.
it('the app\'s clock 800 ms forward (no step), then an hour back a second later: every collection stored, in order', () =>
  appSteppedInto(`2000:800,3000:${-HOUR_MS}`, 'SDK app, clock 800 ms forward then an hour back'));

// A step back under stepThresholdMs (ntpd steps from 128 ms) faster than the collections come: the
// next one was stamped before the last one out, a dead letter `late` a series (2 of 48 and 2 of 40
// samples in two runs).
it('the app\'s clock 500 ms back (no step) under collections 250 ms apart: the same', () =>
  appSteppedInto('2000:-500', 'SDK app, clock 500 ms back'));

test.run();
