/**
 * The seed issue's clock step, at a real receiver that refuses time going back: `chronoq run`
 * (host source) → collector (prometheusremotewrite) → Prometheus 2.42, whose wall clock steps an
 * hour back while it runs (test/fixtures/stepWallClock.mjs: Date steps, the monotonic clock and
 * timers go on). detectClockSkew re-stamps the samples stamped after the step onto trusted time,
 * so every series goes on forward: Prometheus stores every sample, refuses none as out of order
 * or as a duplicate (two samples of a series in one millisecond), and none is a dead letter.
 * (test/cliClockStep.test.ts is the same step into a console sink; clockBackPrometheus.e2e.ts a
 * step made while chronoq was stopped.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../support/collector.js';
import { OUT_OF_ORDER_OR_DUPLICATE, linesMatching, startPrometheus, remoteWriteGatewayYaml } from '../support/prometheus.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { jsonLog, quickHostConfig, startCli, tempDir, until } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: the wall clock stepped back an hour mid-run, into Prometheus');
const binary = collectorOrSkip('e2e clock step, Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e clock step, Prometheus') ? test.skip : test;
const FIXTURE = fileURLToPath(new URL('../fixtures/stepWallClock.mjs', import.meta.url));
const METRIC = 'system_memory_usage_bytes';
const HOUR_MS = 3_600_000;

/** `chronoq run` with its clock stepped at `steps` (STEPS: ms after its start line:ms, …), into Prometheus, with what the header says asserted. */
const steppedInto = async (steps: string, label: string): Promise<void> => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  const dir = tempDir();
  const cfg = quickHostConfig(dir, gateway.endpoint, ['resource: {service.name: clock-step, host.name: stepped}']);
  const cli = startCli(['run', cfg, '--log-format', 'json'], { NODE_OPTIONS: `--import ${FIXTURE}`, STEP_FROM: 'first-log', STEPS: steps });
  const startedMs = Date.now();
  const stepsAtMs = steps.split(',').map((st) => Number(st.split(':')[0]));
  try {
    await until('the start line', () => /chronoq running/.test(cli.stderrSoFar()), 30_000);
    const beforeStepMs = Date.now() + Math.min(...stepsAtMs);
    await sleep(Math.max(...stepsAtMs) + 2_500);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    // A step of an hour is one (and said); one under stepThresholdMs is not.
    assert.is(/wall clock stepped by -/.test(r.stderr), steps.includes(String(-HOUR_MS)), 'the step said when it is one');
    const done = jsonLog(r.stderr).find((l) => l.samplesIn !== undefined)!;
    await sleep(1_000);
    const series = await p.series(METRIC);
    const points = series.flatMap((s) => s.points);
    const refusals = linesMatching(OUT_OF_ORDER_OR_DUPLICATE, gateway.logs(), p.logs());
    console.log(`\n${label} → collector → Prometheus: ${String(done.delivered)} delivered of ${String(done.samplesIn)}; ${METRIC} points stored ${points.length} in ${series.length} series; refusals ${refusals.length}`);
    assert.is(done.delivered, done.samplesIn, JSON.stringify(done));
    assert.equal(done.deadLetters, { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 });
    assert.is(refusals.length, 0, refusals.slice(0, 3).join('\n'));
    // Stored on both sides of the step, none an hour back: the ones after it at about the real time.
    assert.ok(points.some((x) => x.ms < beforeStepMs - 100), 'points from before the step are stored');
    assert.ok(points.some((x) => x.ms > beforeStepMs + 1_000), 'points from after the step are stored, at about the real time');
    assert.ok(points.every((x) => x.ms > startedMs - 1_000), `no point an hour back: earliest ${Math.min(...points.map((x) => x.ms)) - startedMs} ms from the start`);
    for (const s of series) {
      for (let i = 1; i < s.points.length; i++) assert.ok(s.points[i]!.ms > s.points[i - 1]!.ms, `series ${JSON.stringify(s.labels)} forward at ${i}`);
    }
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await gateway.stop();
    await p.stop();
  }
};

// The steps 2 s after the start line: after its first deliveries, however long it took to start.
it('a step back of an hour: every sample stored in Prometheus, each series forward, none refused or dead-lettered', () =>
  steppedInto(`2000:${-HOUR_MS}`, 'wall clock an hour back mid-run'));

// Under stepThresholdMs a jump is no step: the samples after it go out as stamped, ahead of trusted
// time. A step back before that was slewed in re-stamped the next ones onto trusted time, behind
// them, raised to the last one's time: several samples of a series in one millisecond, 28 and 47
// of 772 samples (two runs) refused by Prometheus as duplicates (dead letters `rejected`). Now
// trusted time moves on past them at the step.
it('a jump forward of 800 ms (no step), then a step back of an hour a second later: the same', () =>
  steppedInto(`2000:800,3000:${-HOUR_MS}`, 'wall clock 800 ms forward, then an hour back a second later'));

// Under stepThresholdMs a step back is no step (ntpd steps from 128 ms), but with samples closer
// together than it, the ones stamped after it were before the ones out already: 30 of 562 samples
// dead letters `late` (one a series; two runs). Now they are corrected until trusted time has caught up.
it('a step back of 500 ms (no step) under samples 250 ms apart: the same', () =>
  steppedInto('2000:-500', 'wall clock 500 ms back mid-run'));

test.run();
