/**
 * `chronoq run` when the wall clock steps back an hour mid-run (the process's Date is stepped by
 * test/fixtures/stepWallClock.mjs; the monotonic clock and timers go on, as in a real step). The
 * host source's samples after the step are stamped an hour back: detectClockSkew re-stamps them,
 * and delivery must go on, as must the synthetic source, whose grid is scheduler time. Before, it stopped — every wait was computed on Date.now(), and the
 * lane's batch timer would have waited out the hour — and the counters (their start time stamped
 * before the step) became dead letters 'invalid': 110 of 304 samples in 15 s.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLog, sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';

const test = suite('chronoq run through a wall-clock step');
const FIXTURE = fileURLToPath(new URL('./fixtures/stepWallClock.mjs', import.meta.url));

test('a step back of an hour: delivery goes on, samples re-stamped, none dead-lettered, the done line adds up', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [
    'sources: [{type: host, intervalMs: 200}, {type: synthetic, series: 1, ratePerSecond: 5, name: synthetic.grid}]',
    'sink: {type: console}',
    'reorder: {maxDelayMs: 100}',
    'batch: {maxSize: 1000, maxDelayMs: 1000}', // a sample is nearly always waiting in the lane when the clock steps
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'telemetry: {statusIntervalMs: 1000}',
    '',
  ].join('\n'));
  // The step comes 1.5 s after the first delivered sample (it came 3 s after the spawn: a slow start
  // left nothing delivered before it).
  const cli = startCli(['run', cfg, '--log-format', 'json'], { NODE_OPTIONS: `--import ${FIXTURE}`, STEP_FROM: 'first-output', STEP_AT_MS: '1500', STEP_MS: '-3600000' });
  let lines = 0;
  let synthetic = 0;
  cli.child.stdout?.on('data', (d: Buffer) => {
    lines += d.toString().split('\n').length - 1;
    synthetic += d.toString().split('synthetic.grid').length - 1;
  });
  try {
    await until('the first delivered sample', () => lines > 0, 30_000);
    await sleep(1_300);
    const beforeStep = lines;
    const syntheticBefore = synthetic;
    assert.ok(beforeStep > 0, 'delivering before the step');
    await sleep(2_500);
    const soonAfter = lines;
    await sleep(2_500);
    const later = lines;
    // The synthetic source's grid is scheduler time: it went on producing (it stopped for the hour).
    assert.ok(synthetic >= syntheticBefore + 15, `synthetic samples: ${syntheticBefore} before the step, ${synthetic} 5 s after`);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    assert.ok(later > soonAfter && soonAfter > beforeStep, `delivered lines: ${beforeStep} before the step, ${soonAfter} 2.5 s after, ${later} 5 s after`);
    const log = jsonLog(r.stderr);
    assert.ok(log.some((l) => /wall clock stepped by -3(599|600)\d{3} ms/.test(l.message)), r.stderr);
    const done = log.find((l) => l.samplesIn !== undefined)!;
    assert.ok(done, r.stderr);
    assert.equal(done.deadLetters, { invalid: 0, late: 0, skew: 0, overflow: 0, rejected: 0, 'retries-exhausted': 0, shutdown: 0 });
    assert.is(done.delivered, done.samplesIn);
    // What reached the sink after the step carries the corrected time, not the stepped one.
    const times = r.stdout.trim().split('\n').map((l) => BigInt((JSON.parse(l) as { timeUnixNano: string }).timeUnixNano));
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[0]! - 60_000_000_000n, 'no sample stamped an hour back');
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

/**
 * A step forward of 10 min (a virtual machine resumed after a pause; a clock set right late):
 * the host source's samples after it, at skew.forwardSteps' default, carry the new time. Before,
 * trusted time slewed to it at 5 %: they were stamped up to 10 min behind for 3 h 20 min (a day's
 * step: 20 days), which a receiver refuses as too old. `slew` keeps the contract's behaviour.
 */
const runThroughForwardStep = async (forwardSteps?: 'slew'): Promise<{ spanS: number; log: ReturnType<typeof jsonLog> }> => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [
    'sources: [{type: host, intervalMs: 200, network: false, disk: false, filesystem: false}]',
    'sink: {type: console}',
    'reorder: {maxDelayMs: 100}',
    ...(forwardSteps ? [`skew: {forwardSteps: ${forwardSteps}}`] : []),
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    '',
  ].join('\n'));
  const cli = startCli(['run', cfg, '--log-format', 'json'], { NODE_OPTIONS: `--import ${FIXTURE}`, STEP_FROM: 'first-output', STEP_AT_MS: '1000', STEP_MS: '600000' });
  let lines = 0;
  cli.child.stdout?.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
  try {
    await until('the first delivered sample', () => lines > 0, 30_000);
    await sleep(3_000);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    const times = r.stdout.trim().split('\n').map((l) => Number(BigInt((JSON.parse(l) as { timeUnixNano: string }).timeUnixNano) / 1_000_000n));
    return { spanS: (Math.max(...times) - Math.min(...times)) / 1000, log: jsonLog(r.stderr) };
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
};

test('a step forward of 10 min: samples after it carry the new time at once (skew.forwardSteps follow, the default), and the log says so; slew keeps the old way', async () => {
  const follow = await runThroughForwardStep();
  assert.ok(follow.spanS > 600 && follow.spanS < 620, `samples span ${follow.spanS} s: the step is taken`);
  assert.ok(follow.log.some((l) => l.level === 'warn' && /wall clock stepped forward by 10 min .*takes the new time at once/.test(l.message)), JSON.stringify(follow.log));
  const done = follow.log.find((l) => l.samplesIn !== undefined);
  assert.ok(done !== undefined && done.delivered === done.samplesIn, `every sample delivered: ${JSON.stringify(done)}`);
  const slew = await runThroughForwardStep('slew');
  assert.ok(slew.spanS < 60, `samples span ${slew.spanS} s: trusted time slews`);
  assert.ok(slew.log.some((l) => /wall clock stepped by (599|600)\d{3} ms; trusted time slews/.test(l.message)), JSON.stringify(slew.log));
});

test.run();
