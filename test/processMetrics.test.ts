/**
 * The process's own metrics on `chronoq run`'s /metrics (src/telemetry/processReadings.ts,
 * renderProcessMetrics): what is read from the live process — memory, file descriptors, CPU, the
 * event loop's delay, the memory limit — and how it is written, in a form promtool accepts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, opendirSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { schedulerClock } from '../src/clock.js';
import { createStats } from '../src/stats.js';
import { createAlerts } from '../src/telemetry/alerts.js';
import { type ProcessReadings, maxFdsOf, memoryLimitOf, watchProcess } from '../src/telemetry/processReadings.js';
import { renderProcessMetrics, renderPrometheus } from '../src/telemetry/prometheus.js';
import { VERSION } from '../src/version.js';
import { tempDir } from './support/cli.js';
import { holdThread } from './support/otlpExporters.js';

const test = suite('process metrics');
const linux = process.platform === 'linux';
const WALL0 = Date.UTC(2026, 11, 5, 10);
const turn = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the soft limit on open files, from /proc/self/limits; none when unlimited', () => {
  const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax processes             95514                95514                processes\nMax open files            1024                 1048576              files\n';
  assert.is(maxFdsOf(limits), 1024);
  assert.is(maxFdsOf(limits.replace('1024 ', 'unlimited ')), undefined);
  assert.is(maxFdsOf(''), undefined);
});

test("the memory limit: a cgroup's when below the machine's memory; the machine's without one (cgroup v1 says ~2^64)", () => {
  const machine = 8 * 2 ** 30;
  assert.is(memoryLimitOf(512 * 2 ** 20, machine), 512 * 2 ** 20);
  assert.is(memoryLimitOf(18446744073709552000, machine), machine);
  assert.is(memoryLimitOf(undefined, machine), machine);
  assert.is(memoryLimitOf(0, machine), machine);
});

test('read from this process: memory, CPU, start time, file descriptors, the memory limit', () => {
  const watch = watchProcess(schedulerClock(undefined, WALL0));
  try {
    const before = watch.read();
    assert.ok(before.residentBytes > 10 * 2 ** 20, `RSS ${before.residentBytes}`);
    assert.ok(before.heapUsedBytes > 0 && before.heapUsedBytes < before.heapTotalBytes, 'the heap used, less than the heap V8 holds');
    assert.ok(before.memoryLimitBytes > 0 && before.memoryLimitBytes <= totalmem());
    assert.ok(before.startTimeSeconds < WALL0 / 1000 && before.startTimeSeconds > WALL0 / 1000 - 3600, 'started before now, by this process\'s uptime');
    assert.is(before.nodeVersion, process.version);
    holdThread(50);
    const after = watch.read();
    assert.ok(after.cpuUserSeconds + after.cpuSystemSeconds >= before.cpuUserSeconds + before.cpuSystemSeconds);
    // User and system time each as the process has them (apart by now: the thread held is user time).
    for (let i = 0; i < 10 && Math.abs(process.cpuUsage().user - process.cpuUsage().system) < 200_000; i++) holdThread(100);
    const cpu = watch.read();
    const { user, system } = process.cpuUsage();
    assert.ok(Math.abs(user - system) >= 200_000, 'user and system time 0.2 s apart');
    assert.ok(Math.abs(cpu.cpuUserSeconds - user / 1e6) < 0.02 && Math.abs(cpu.cpuSystemSeconds - system / 1e6) < 0.02, JSON.stringify([cpu.cpuUserSeconds, cpu.cpuSystemSeconds, user, system]));
    if (!linux) return;
    assert.is(before.maxFds, maxFdsOf(readFileSync('/proc/self/limits', 'utf8')));
    const fd = openSync(join(tempDir(), 'held'), 'w');
    const open = watch.read().openFds!;
    closeSync(fd);
    assert.is(watch.read().openFds, open - 1, 'a file opened is one more, closed one less');
    // Counted apart: each descriptor but the directory's own, told by where it leads (read again
    // should another thread — a worker of an earlier suite ending — open or close one in between).
    const countedApart = (): { own: number; others: number } => {
      const listing = opendirSync('/proc/self/fd');
      let others = 0;
      let own = 0;
      for (let e = listing.readSync(); e !== null; e = listing.readSync()) {
        let target: string | undefined;
        try {
          target = readlinkSync(`/proc/self/fd/${e.name}`);
        } catch {
          target = undefined; // closed in between
        }
        if (target === `/proc/${process.pid}/fd`) own++;
        else if (target !== undefined) others++;
      }
      listing.closeSync();
      return { own, others };
    };
    const readings = Array.from({ length: 5 }, () => ({ ...countedApart(), read: watch.read().openFds }));
    assert.ok(readings.every((r) => r.own === 1), JSON.stringify(readings));
    assert.ok(readings.some((r) => r.read === r.others), `the open descriptors, the directory read for them not counted: ${JSON.stringify(readings)}`);
  } finally {
    watch.stop();
  }
});

test("the event loop's delay since the reading before: a 300 ms synchronous task is its longest; none is read once stopped", async () => {
  const watch = watchProcess(schedulerClock(undefined, WALL0));
  try {
    await turn(50);
    watch.read();
    await turn(50);
    holdThread(300);
    await turn(50);
    const held = watch.read().eventLoopDelay!;
    assert.ok(held.maxSeconds >= 0.28, `longest ${held.maxSeconds} s`);
    assert.ok(held.p50Seconds < held.maxSeconds);
    await turn(100);
    const calm = watch.read().eventLoopDelay!;
    assert.ok(calm.maxSeconds < 0.28, `the 300 ms is not read again (${calm.maxSeconds} s)`);
    // Node's figures include the 10 ms between its samples: an idle loop read 0.010 s, not ~0.
    assert.ok(calm.p50Seconds < 0.009, `an idle loop's median delay ${calm.p50Seconds} s`);
  } finally {
    watch.stop();
  }
  await turn(50);
  assert.is(watch.read().eventLoopDelay, undefined, 'no sampling after stop()');
});

const readings: ProcessReadings = {
  cpuUserSeconds: 1.5, cpuSystemSeconds: 0.25, residentBytes: 120_000_000, heapUsedBytes: 30_000_000, heapTotalBytes: 40_000_000, externalBytes: 2_000_000,
  memoryLimitBytes: 512 * 2 ** 20, openFds: 22, maxFds: 1024, startTimeSeconds: 1_796_500_000.5,
  eventLoopDelay: { p50Seconds: 0.001, p99Seconds: 0.02, maxSeconds: 0.3 }, nodeVersion: 'v20.20.2',
};

test('written under the names of Node\'s Prometheus client, with the memory limit and the build beside them', () => {
  const text = renderProcessMetrics(readings);
  const rows = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(rows, [
    'process_cpu_user_seconds_total 1.5',
    'process_cpu_system_seconds_total 0.25',
    'process_cpu_seconds_total 1.75',
    'process_start_time_seconds 1796500000.5',
    'process_resident_memory_bytes 120000000',
    'process_open_fds 22',
    'process_max_fds 1024',
    'nodejs_heap_size_total_bytes 40000000',
    'nodejs_heap_size_used_bytes 30000000',
    'nodejs_external_memory_bytes 2000000',
    'nodejs_eventloop_lag_p50_seconds 0.001',
    'nodejs_eventloop_lag_p99_seconds 0.02',
    'nodejs_eventloop_lag_max_seconds 0.3',
    'chronoq_memory_limit_bytes 536870912',
    `chronoq_build_info{version="${VERSION}",nodejs_version="v20.20.2"} 1`,
  ]);
  const { openFds: _o, maxFds: _m, eventLoopDelay: _d, ...elsewhere } = readings;
  const without = renderProcessMetrics(elsewhere);
  assert.not.match(without, /process_open_fds|process_max_fds|nodejs_eventloop_lag/, 'left out where not read');
  const { maxFds: _unlimited, ...noLimit } = readings;
  assert.match(renderProcessMetrics(noLimit), /^process_open_fds 22$/m);
  assert.not.match(renderProcessMetrics(noLimit), /process_max_fds/, 'no limit on open files: none said');
  // Beside them on the page, the queue's capacity is delivery.maxQueued, not what it holds.
  const stats = createStats(1000);
  stats.otlpStaleMarkersSkipped = 8;
  const page = renderPrometheus(stats, createAlerts({}), WALL0);
  assert.match(page, /^chronoq_queue_depth 0\n[^]*^chronoq_queue_capacity 1000$/m);
  assert.match(page, /^chronoq_otlp_stale_markers_skipped_total 8$/m);
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool && process.env['REQUIRE_E2E'] !== '1') console.log('\n!!! promtool not found (apt-get install prometheus): skipping its check of the process metrics\n');
(promtool || process.env['REQUIRE_E2E'] === '1' ? test : test.skip)('promtool check metrics accepts the whole page, the pipeline\'s metrics and the process\'s', () => {
  const page = renderPrometheus(createStats(1000), createAlerts({}), WALL0) + renderProcessMetrics(readings);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
});

test.run();
