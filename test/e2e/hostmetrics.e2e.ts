/**
 * The host source says it sends the Collector's hostmetrics receiver's metrics: held to it here.
 * The receiver (cpu with utilization on, memory, load, network, disk, filesystem, paging, processes, system scrapers) and `chronoq run` with the
 * host source (perCore false: the receiver's default shape, without `cpu`) send to one collector
 * at once; every system.* metric chronoq sends must be one the receiver sends, with its unit, type,
 * monotonicity, temporality, attribute keys and values (states, devices), its start time (boot),
 * and values that agree with the receiver's, read within a second of each other — the receiver's
 * paging counts divided by the 4096 gopsutil multiplies them by (src/sources/paging.ts). Where the
 * machine has no swap, a swap file is switched on for the test (root; under REQUIRE_E2E=1 its
 * absence fails, elsewhere system.paging.usage goes unchecked with a loud line).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { startCollector, metricsServiceYaml, otlpReceiverYaml, fileExporterYaml, readReceivedMetrics, attrValue, type JsonAttr } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { startCli, tempDir, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';
import { swapOn } from '../support/swapFile.js';

const test = suite('e2e: host source against the hostmetrics receiver');
const binary = collectorOrSkip('e2e host source');
const it = binary === undefined ? test.skip : test;
/** The swap file switched on for the test, off again after it. */
let swap: ReturnType<typeof swapOn> | undefined;
test.after(() => {
  if (swap !== undefined && !('missing' in swap)) swap.remove();
});

interface Point {
  readonly value: number;
  readonly timeUnixNano: bigint;
  readonly startTimeUnixNano: bigint;
}
/** What one sender said of one metric: its shape, and each series' points. */
interface MetricSeen {
  readonly shape: string;
  readonly attributeKeys: Set<string>;
  readonly series: Map<string, Point[]>;
}

/** Per sender (chronoq: its resource has service.name; the receiver's has none) and metric. */
const readMetrics = (output: string): { chronoq: Map<string, MetricSeen>; receiver: Map<string, MetricSeen> } => {
  const seen = { chronoq: new Map<string, MetricSeen>(), receiver: new Map<string, MetricSeen>() };
  for (const { resource, metric: m } of readReceivedMetrics(output)) {
    const sender = resource.some((a) => a.key === 'service.name') ? seen.chronoq : seen.receiver;
    const kind = 'gauge' in m ? 'gauge' : 'sum';
    const body = m[kind] as { dataPoints: Record<string, unknown>[]; isMonotonic?: boolean; aggregationTemporality?: number };
    const shape = `unit ${String(m['unit'])}, ${kind}${kind === 'sum' ? `, monotonic ${body.isMonotonic === true}, temporality ${body.aggregationTemporality}` : ''}`;
    const name = m['name'] as string;
    const metric = sender.get(name) ?? { shape, attributeKeys: new Set<string>(), series: new Map() };
    sender.set(name, metric);
    for (const dp of body.dataPoints) {
      const attrs = ((dp['attributes'] as JsonAttr[] | undefined) ?? []).map((a) => [a.key, String(attrValue(a.value))] as const).sort();
      for (const [k] of attrs) metric.attributeKeys.add(k);
      const key = JSON.stringify(attrs);
      const points = metric.series.get(key) ?? [];
      metric.series.set(key, points);
      points.push({ value: Number(dp['asDouble'] ?? dp['asInt']), timeUnixNano: BigInt(dp['timeUnixNano'] as string), startTimeUnixNano: BigInt((dp['startTimeUnixNano'] as string | undefined) ?? '0') });
    }
  }
  return seen;
};

/** How far apart two readings of the same thing may be, `apartS` seconds apart on a busy machine. */
const TOLERANCE: Record<string, (receiver: number, apartS: number) => number> = {
  'system.cpu.time': (_, apartS) => cpus().length * (apartS + 0.5), // each CPU adds 1 s a second to some state
  'system.cpu.logical.count': () => 0,
  'system.memory.usage': (v) => Math.max(128 * 2 ** 20, 0.05 * v), // processes start and stop beside
  'system.network.io': (v) => Math.max(2 ** 20, 0.05 * v), // this test's own traffic on lo
  'system.network.packets': (v) => Math.max(2_000, 0.05 * v),
  'system.network.errors': () => 10,
  'system.network.dropped': () => 10,
  'system.cpu.load_average.1m': (v) => 0.5 + 0.3 * v,
  'system.cpu.load_average.5m': (v) => 0.5 + 0.3 * v,
  'system.cpu.load_average.15m': (v) => 0.5 + 0.3 * v,
  'system.filesystem.usage': (v) => Math.max(256 * 2 ** 20, 0.01 * v), // the tests beside write files
  'system.filesystem.inodes.usage': (v) => Math.max(10_000, 0.01 * v),
  'system.disk.io': (v) => Math.max(256 * 2 ** 20, 0.05 * v),
  'system.disk.operations': (v) => Math.max(20_000, 0.05 * v),
  'system.disk.merged': (v) => Math.max(20_000, 0.05 * v),
  'system.disk.operation_time': (v) => Math.max(30, 0.05 * v),
  'system.disk.io_time': (_, apartS) => apartS + 1, // at most a second a second
  'system.disk.weighted_io_time': (v) => Math.max(30, 0.05 * v),
  'system.disk.pending_operations': () => 256,
  'system.network.connections': (v) => Math.max(10, 0.25 * v), // this test's own, and TIME_WAIT
  'system.paging.usage': (v) => Math.max(16 * 2 ** 20, 0.05 * v),
  'system.paging.operations': (v) => Math.max(256 * 2 ** 10, 0.05 * v), // minor: KiB paged in and out
  'system.paging.faults': (v, apartS) => Math.max(500_000 * (apartS + 1), 0.01 * v),
  'system.processes.count': (v) => Math.max(8, 0.1 * v), // processes start and stop beside
  'system.processes.created': (_, apartS) => 500 * (apartS + 1),
  'system.uptime': (_, apartS) => apartS + 1.5, // the receiver's is in whole seconds
};
/** The receiver's value over chronoq's: gopsutil multiplies /proc/vmstat counts by 4·1024. */
const RECEIVER_SCALE: Record<string, number> = { 'system.paging.operations': 4096, 'system.paging.faults': 4096 };
/**
 * Series the two may not share at a given moment. The receiver sends a FIN_WAIT1 (FIN_WAIT2) series
 * beside its FIN_WAIT_1 while a connection is in that state (gopsutil's name, not in its list);
 * processes by status have those that happened to be in a status (a zombie for a moment), and
 * `unknown` when the walk and /proc/stat disagree: the statuses both have are compared, and those
 * always there must be.
 */
const comparedSeries = (name: string, receivers: readonly string[], ours: readonly string[]): { mine: string[]; theirs: string[] } => {
  if (name === 'system.network.connections') return { mine: [...ours], theirs: receivers.filter((k) => !/FIN_WAIT\d/.test(k)) };
  if (name !== 'system.processes.count') return { mine: [...ours], theirs: [...receivers] };
  for (const status of ['running', 'blocked', 'sleeping']) {
    const key = JSON.stringify([['status', status]]);
    assert.ok(ours.includes(key) && receivers.includes(key), `system.processes.count: ${status} from both`);
  }
  const both = ours.filter((k) => receivers.includes(k));
  return { mine: both, theirs: both };
};

it('every system.* metric of the host source is the receiver\'s: name, unit, type, attributes, start time, and values', async () => {
  const on = (swap = swapOn());
  if ('missing' in on) {
    if (process.env['REQUIRE_E2E'] === '1') throw new Error(`REQUIRE_E2E=1: ${on.missing}`);
    console.log(`\n!!! system.paging.usage unchecked: ${on.missing} !!!\n`);
  }
  const swapPath = 'missing' in on ? undefined : on.path;
  const c = await startCollector(binary!, {
    configYaml: ({ port, output }) => `${otlpReceiverYaml(port)}  hostmetrics:
    collection_interval: 1s
    scrapers:
      cpu:
        metrics:
          system.cpu.utilization: {enabled: true}
      memory:
      load:
      network:
      disk:
      filesystem:
      paging:
      processes:
      system:
exporters:
${fileExporterYaml(output)}${metricsServiceYaml('file').replace('receivers: [otlp]', 'receivers: [otlp, hostmetrics]')}`,
  });
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    'resource: {service.name: chronoq-host}',
    'sources: [{type: host, intervalMs: 1000, perCore: false}]',
    `sink: {type: otlp-grpc, endpoint: "${c.endpoint}"}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    'batch: {maxSize: 1000, maxDelayMs: 50}',
    '',
  ].join('\n')), '--quiet']);
  try {
    let seen = readMetrics(c.output);
    for (const end = Date.now() + 30_000; !seen.chronoq.has('system.cpu.utilization') || !seen.receiver.has('system.cpu.utilization'); seen = readMetrics(c.output)) {
      if (Date.now() > end) throw new Error(`no utilization from both after 30 s: ${run.stderrSoFar()} ${c.logs().slice(-1000)}`);
      await sleep(250);
    }
    run.child.kill('SIGINT');
    assert.is((await run.result).code, 0);
    seen = readMetrics(c.output);
    const ours = [...seen.chronoq.keys()].filter((n) => n.startsWith('system.')).sort();
    assert.equal(ours, [
      'system.cpu.load_average.15m', 'system.cpu.load_average.1m', 'system.cpu.load_average.5m', 'system.cpu.logical.count', 'system.cpu.time', 'system.cpu.utilization',
      'system.disk.io', 'system.disk.io_time', 'system.disk.merged', 'system.disk.operation_time', 'system.disk.operations', 'system.disk.pending_operations',
      'system.disk.weighted_io_time', 'system.filesystem.inodes.usage', 'system.filesystem.usage',
      'system.memory.usage', 'system.network.connections', 'system.network.dropped', 'system.network.errors', 'system.network.io', 'system.network.packets',
      ...('missing' in on ? [] : ['system.paging.usage']), 'system.paging.faults', 'system.paging.operations',
      'system.processes.count', 'system.processes.created', 'system.uptime',
    ].sort());
    for (const name of ours) {
      const mine = seen.chronoq.get(name)!;
      const theirs = seen.receiver.get(name);
      assert.ok(theirs !== undefined, `the receiver sends no ${name}`);
      assert.is(mine.shape, theirs.shape, name);
      assert.equal([...mine.attributeKeys].sort(), [...theirs.attributeKeys].sort(), `${name}: attribute keys`);
      const compared = comparedSeries(name, [...theirs.series.keys()], [...mine.series.keys()]);
      assert.equal(compared.mine.sort(), compared.theirs.sort(), `${name}: the same series (states, devices, directions)`);
      if (swapPath !== undefined && name === 'system.paging.usage') assert.ok(compared.mine.some((k) => k.includes(swapPath)), `the swap file in ${compared.mine.join(' ')}`);
      for (const [series, points] of mine.series) {
        if (!compared.mine.includes(series)) continue;
        // chronoq's latest point, against the receiver's nearest in time.
        const m = points.reduce((a, b) => (b.timeUnixNano > a.timeUnixNano ? b : a));
        const apart = (p: Point) => Math.abs(Number(p.timeUnixNano - m.timeUnixNano)) / 1e9;
        const nearest = theirs.series.get(series)!.reduce((a, b) => (apart(b) < apart(a) ? b : a));
        const point = { ...nearest, value: nearest.value / (RECEIVER_SCALE[name] ?? 1) };
        if (theirs.shape.includes(', sum')) { // a gauge's start time means nothing (OTLP)
          assert.ok(Math.abs(Number(m.startTimeUnixNano - point.startTimeUnixNano)) < 2e9, `${name} ${series}: start ${m.startTimeUnixNano} vs the receiver's ${point.startTimeUnixNano} (boot)`);
        }
        const tolerance = TOLERANCE[name];
        if (tolerance !== undefined) assert.ok(Math.abs(m.value - point.value) <= tolerance(point.value, apart(point)), `${name} ${series}: ${m.value} vs the receiver's ${point.value}, ${apart(point)} s apart`);
      }
    }
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.result;
    await c.stop();
  }
});

test.run();
