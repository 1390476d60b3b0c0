/**
 * A restart with the clock set back while chronoq was stopped, at the real receiver: chronoq (host
 * source, spool) → collector (prometheusremotewrite) → Prometheus 2.42, which refuses a sample
 * older than its series' newest. The second run's process has its clock an hour back
 * (test/fixtures/stepWallClock.mjs). Its samples start just after the first run's newest, so
 * Prometheus takes every one; before, it refused them all as out of order — dead letters
 * `rejected`, every series stopped for the hour.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../support/collector.js';
import { OUT_OF_ORDER, linesMatching, startPrometheus, remoteWriteGatewayYaml } from '../support/prometheus.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { jsonLog, quickHostConfig, runningFor, startCli, tempDir } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: a restart with the clock set back, into Prometheus');
const binary = collectorOrSkip('e2e clock set back, Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e clock set back, Prometheus') ? test.skip : test;
const FIXTURE = fileURLToPath(new URL('../fixtures/stepWallClock.mjs', import.meta.url));
const METRIC = 'system_memory_usage_bytes';

it('the second run, its clock an hour back: every sample delivered and stored, none refused as out of order', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  const dir = tempDir();
  const cfg = quickHostConfig(dir, gateway.endpoint, ['resource: {service.name: clock-back, host.name: pi}', `spool: {path: ${join(dir, 'spool.db')}}`]);
  const run = async (env: Record<string, string>) => {
    const cli = startCli(['run', cfg, '--log-format', 'json'], env);
    try {
      await runningFor(cli.stderrSoFar, 2_500);
      cli.child.kill('SIGINT');
      const r = await cli.result;
      assert.is(r.code, 0, r.stderr);
      return jsonLog(r.stderr).find((l) => l.samplesIn !== undefined)!;
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  };
  try {
    const first = await run({});
    const storedAfterFirst = (await p.series(METRIC)).reduce((n, s) => n + s.points.length, 0);
    const second = await run({ NODE_OPTIONS: `--import ${FIXTURE}`, STEP_AT_MS: '0', STEP_MS: '-3600000' });
    await sleep(1_000);
    const series = await p.series(METRIC);
    const stored = series.reduce((n, s) => n + s.points.length, 0);
    const refusals = linesMatching(OUT_OF_ORDER, gateway.logs(), p.logs());
    console.log(`\nrestart with the clock an hour back → collector → Prometheus: first run ${String(first.delivered)} delivered, second ${String(second.delivered)} of ${String(second.samplesIn)}; ${METRIC} points stored ${storedAfterFirst} then ${stored}; out-of-order refusals ${refusals.length}`);
    assert.is(second.delivered, second.samplesIn, JSON.stringify(second));
    assert.equal(second.deadLetters, { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 });
    assert.is(refusals.length, 0, refusals.slice(0, 3).join('\n'));
    assert.ok(stored > storedAfterFirst, `the second run's points are stored too: ${storedAfterFirst} then ${stored}`);
    // Each series in Prometheus in order (it would have refused anything else), the second run's after the first's.
    const newestFirst = Math.max(...series.flatMap((s) => s.points.map((x) => x.ms)));
    assert.ok(newestFirst > Date.now() - 60_000, 'the newest stored point is about now, not an hour back');
  } finally {
    await gateway.stop();
    await p.stop();
  }
});

test.run();
