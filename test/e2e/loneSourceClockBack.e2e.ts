/**
 * One application on another machine — a stock OTLPMetricExporter (test/fixtures/otlpExporters.ts),
 * its wall clock set back half an hour 15 s after it starts (test/fixtures/stepWallClock.mjs) —
 * sending to `chronoq run`'s otlp source (skew.sourceAttribute service.instance.id: the only
 * source), through a collector (prometheusremotewrite) into Prometheus 2.42, which refuses a
 * sample older than its series' newest. Its samples after the step are dead letters `late` only
 * until chronoq has judged its clock behind (its window past the step, held for 10 s); from then
 * on they are re-stamped by the half hour and stored. Before, a lone source was never judged
 * behind: every sample after the step was a dead letter `late`, for the whole half hour.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../support/collector.js';
import { freePort } from '../support/freePort.js';
import { OUT_OF_ORDER_OR_DUPLICATE, linesMatching, startPrometheus, remoteWriteGatewayYaml } from '../support/prometheus.js';
import { killedOnExit } from '../support/children.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { jsonLog, startCli, tempDir, until, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: a lone remote source whose clock is set back, into Prometheus');
const binary = collectorOrSkip('e2e lone source set back, Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e lone source set back, Prometheus') ? test.skip : test;
const FIXTURE = fileURLToPath(new URL('../fixtures/stepWallClock.mjs', import.meta.url));
const APP = fileURLToPath(new URL('../fixtures/otlpExporters.ts', import.meta.url));
const SERIES = 5;
const PERIOD_MS = 200;

it('set back half an hour: judged behind within seconds, its later samples re-stamped and stored; only those before are late', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  const dir = tempDir();
  const port = await freePort();
  const cfg = writeConfig(dir, [
    'sources:', '  - type: otlp', '    stampedLocally: false', `    protocols: {grpc: {endpoint: "127.0.0.1:${port}"}}`,
    `sink: {type: otlp-grpc, endpoint: "${gateway.endpoint}"}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'skew: {sourceAttribute: service.instance.id}', 'reorder: {maxDelayMs: 200}', 'batch: {maxDelayMs: 100}', '',
  ].join('\n'));
  const cli = startCli(['run', cfg, '--log-format', 'json']);
  try {
    await until('chronoq to run', () => cli.stderrSoFar().includes('chronoq running'), 30_000);
    const env = { ...process.env, APPS: '1', SERIES: String(SERIES), PERIOD_MS: String(PERIOD_MS), DURATION_MS: '40000', STEP_AT_MS: '15000', STEP_MS: String(-1_800_000) };
    const app = killedOnExit(spawn(process.execPath, ['--import', 'tsx', '--import', FIXTURE, APP, `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let appErr = '';
    app.stderr!.on('data', (d: Buffer) => (appErr += d.toString()));
    const code = await new Promise<number | null>((resolve) => app.on('close', resolve));
    assert.is(code, 0, appErr);
    await sleep(1_000);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    const log = jsonLog(r.stderr);
    const done = log.find((l) => l.samplesIn !== undefined) as unknown as { samplesIn: number; delivered: number; deadLetters: Record<string, number> };
    const late = done.deadLetters['late'] ?? 0;
    await sleep(1_000);
    const points = (await p.series('queue_depth')).flatMap((s) => s.points);
    const refusals = linesMatching(OUT_OF_ORDER_OR_DUPLICATE, gateway.logs(), p.logs());
    const perSecond = SERIES * (1_000 / PERIOD_MS);
    console.log(`\nlone source set back 30 min at 15 s of 40: ${done.samplesIn} samples in, ${done.delivered} delivered, ${late} late (${(late / perSecond).toFixed(1)} s of them); in Prometheus ${points.length} points; refusals ${refusals.length}`);
    assert.ok(log.some((l) => /^the clock of source service\.instance\.id=app0 is 30 min behind this machine's clock, after it was in step with it \(the only source: its clock was set back\): its samples are re-stamped by that much/.test(l.message)), r.stderr);
    assert.is(done.delivered + late, done.samplesIn, JSON.stringify(done));
    assert.ok(Object.entries(done.deadLetters).every(([reason, n]) => reason === 'late' || n === 0), JSON.stringify(done.deadLetters));
    // Late: its window (32 samples, about a second here) and 10 s held, with room for a slow
    // machine — not the 25 s after the step. (In step for the 10 s before it, from its start.)
    assert.ok(late > 0 && late <= 16 * perSecond, `${late} late`);
    assert.ok(done.delivered >= done.samplesIn - 16 * perSecond, 'the samples after that are delivered');
    assert.is(points.length, done.delivered, 'and every one delivered is stored');
    assert.is(refusals.length, 0, refusals.slice(0, 3).join('\n'));
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await gateway.stop();
    await p.stop();
  }
});

test.run();
