/**
 * `chronoq run` restarted with the wall clock an hour behind the run before it (set back while
 * chronoq was stopped: a machine without a battery-backed clock after a power cut; the process's
 * Date is an hour back from its start, test/fixtures/stepWallClock.mjs). The spool's newest sample
 * time is where trusted time starts (src/trustedTime.ts notBeforeMs): no series goes back at the
 * receiver. Before, the new run stamped every sample an hour behind what the receiver held — after
 * a backlog the spool delivered first, 30 series went back an hour (measured with these configs).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLog, runningFor, sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq run restarted with the clock set back');
const FIXTURE = fileURLToPath(new URL('./fixtures/stepWallClock.mjs', import.meta.url));
const HOUR = 3_600_000;

interface Line {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly timeUnixNano: string;
  readonly correctedFromUnixNano?: string;
}

const configOf = (dir: string, sink: string, extra: readonly string[] = []): string =>
  writeConfig(dir, [
    ...extra,
    'sources: [{type: host, intervalMs: 200, network: false, disk: false, filesystem: false, connections: false, paging: false, processes: false, perCore: false}]',
    `sink: ${sink}`,
    'reorder: {maxDelayMs: 0}',
    `spool: {path: ${join(dir, 'spool.db')}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    '',
  ].join('\n'), `${sink.includes('console') ? 'console' : 'down'}.yaml`);

/** A run to the console sink, `env` given, stopped by SIGINT `ms` after its first delivered sample: its lines and log. */
const consoleRun = async (dir: string, ms: number, env: Record<string, string> = {}, extra: readonly string[] = []) => {
  const cli = startCli(['run', configOf(dir, '{type: console}', extra), '--log-format', 'json'], env);
  let out = 0;
  cli.child.stdout?.on('data', (d: Buffer) => (out += d.length));
  try {
    await until('the first delivered sample', () => out > 0, 30_000);
    await sleep(ms);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    return { lines: r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line), log: jsonLog(r.stderr) };
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
};
const clockHourBack = { NODE_OPTIONS: `--import ${FIXTURE}`, STEP_AT_MS: '0', STEP_MS: String(-HOUR) };
const keyOf = (l: Line): string => `${l.name}${JSON.stringify(l.attributes)}`;
/** Series that go back in time over `lines`, in order, with the first such step. */
const inversionsOf = (lines: readonly Line[]): string[] => {
  const last = new Map<string, bigint>();
  const back: string[] = [];
  for (const l of lines) {
    const t = BigInt(l.timeUnixNano);
    const before = last.get(keyOf(l));
    if (before !== undefined && t < before) back.push(`${keyOf(l)}: ${before} then ${t}`);
    last.set(keyOf(l), t);
  }
  return back;
};

test('nothing left in the spool: the next run, its clock an hour back, stamps after the newest sample the last one delivered', async () => {
  const dir = tempDir();
  const first = await consoleRun(dir, 1_000);
  const newest = first.lines.map((l) => BigInt(l.timeUnixNano)).reduce((a, b) => (b > a ? b : a));
  const second = await consoleRun(dir, 1_500, clockHourBack);
  assert.ok(second.lines.length > 0);
  assert.equal(second.lines.filter((l) => BigInt(l.timeUnixNano) <= newest).map(keyOf), [], 'no sample at or before the first run\'s newest');
  assert.ok(second.lines.every((l) => l.correctedFromUnixNano !== undefined && BigInt(l.correctedFromUnixNano) < newest - BigInt(HOUR - 60_000) * 1_000_000n), 'each re-stamped from the clock\'s hour-back time');
  assert.equal(inversionsOf([...first.lines, ...second.lines]), []);
  assert.ok(second.log.some((l) => l.level === 'warn' && /its newest sample \(.*\) is 60 min ahead of this machine's clock: the clock was set back while chronoq was stopped/.test(l.message)), JSON.stringify(second.log));
  assert.ok(second.log.some((l) => /wall clock stepped by -3(59|60)\d{4} ms; trusted time slews/.test(l.message)), JSON.stringify(second.log));
  const done = second.log.find((l) => l.samplesIn !== undefined)!;
  assert.is(done.delivered, done.samplesIn, 'every sample delivered, none dead-lettered');
});

test('a backlog from a run killed while its receiver was down: delivered first, then the new run\'s samples — no series goes back', async () => {
  const dir = tempDir();
  const down = startCli(['run', configOf(dir, `{type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}"}`)]);
  try {
    await runningFor(down.stderrSoFar, 2_000);
  } finally {
    down.child.kill('SIGKILL');
  }
  await down.result;
  const after = await consoleRun(dir, 1_500, clockHourBack);
  const backlog = after.lines.filter((l) => l.correctedFromUnixNano === undefined).length;
  assert.ok(backlog > 0 && backlog < after.lines.length, `${backlog} of ${after.lines.length} from the spool`);
  assert.equal(inversionsOf(after.lines), []);
});

test('skew.restartFrom: clock takes the clock\'s time at once, as before: no step, nothing re-stamped, each series an hour back', async () => {
  const dir = tempDir();
  const first = await consoleRun(dir, 1_000);
  const oldest = first.lines.map((l) => BigInt(l.timeUnixNano)).reduce((a, b) => (b < a ? b : a));
  const second = await consoleRun(dir, 1_500, clockHourBack, ['skew: {restartFrom: clock}']);
  assert.ok(second.lines.length > 0 && second.lines.every((l) => l.correctedFromUnixNano === undefined && BigInt(l.timeUnixNano) < oldest));
  assert.not.ok(second.log.some((l) => /newest sample|stepped/.test(l.message)), JSON.stringify(second.log));
});

test.run();
