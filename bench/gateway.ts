/**
 * chronoq as an OTLP gateway — `chronoq run` with an otlp source, as
 * examples/kubernetes/otlp-gateway.yaml runs it — against the OpenTelemetry Collector as one (otlp
 * receiver → otlp exporter with its sending_queue), in the same run, into one receiving collector
 * (nop exporter, counting what it takes). Durable (chronoq's spool against the Collector's queue on
 * file_storage) at the same durability — each flushing to the disk at every write, then neither
 * (the Collector's default: its file_storage never flushes) — and in memory. `apps` stock OTLPMetricExporter senders, each sending its
 * own pre-built requests one after another as an SDK's periodic reader does (1 000 series of its
 * own, a point each; a refused request — no room — is sent again after 50 ms, as exporters with
 * retries do). Measured: points a second
 * answered by the gateway, and points a second at the receiver, from the first request to the
 * last point there. Rounds alternate chronoq and the Collector; medians. Not a test; ~4 minutes.
 *   npm run build && npx tsx bench/gateway.ts [--quick] [--series N] [--sdk-resource] [--lanes N] [--only fsync|no-fsync|memory]
 * CHRONOQ_GATEWAY_NODE_ARGS (say `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to chronoq's node.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { toResourceMetrics } from '../src/otlp/toResourceMetrics.js';
import type { Sample } from '../src/sample.js';
import { findCollector, freePort, metricsServiceYaml, otlpReceiverYaml, startCollector } from '../test/support/collector.js';
import { median } from './measure.js';
import { sdkDetected } from '../test/support/sdkResource.js';

const quick = process.argv.includes('--quick');
/** `--series N`: each app's series, taken in turn by its requests (default 1 000: every request holds all of them). */
const seriesArg = process.argv.indexOf('--series');
const seriesPerApp = seriesArg >= 0 ? Number(process.argv[seriesArg + 1]) : 1_000;
const requests = quick ? 80 : 800;
/** `--sdk-resource`: each app's resource as an application's SDK on Kubernetes sends it (test/support/sdkResource.ts: 24 attributes, ~800 bytes of JSON), not two. */
const withSdkResource = process.argv.includes('--sdk-resource');
/** `--lanes N`: chronoq's delivery.lanes (default: the example's, examples/kubernetes/otlp-gateway.yaml). */
const lanesArg = process.argv.indexOf('--lanes');
const exampleConfig = parseAllDocuments(readFileSync(new URL('../examples/kubernetes/otlp-gateway.yaml', import.meta.url), 'utf8'))
  .map((d) => d.toJS() as { kind: string; data?: Record<string, string> }).find((d) => d.kind === 'ConfigMap')!.data!['chronoq.yaml']!;
const lanes = lanesArg >= 0 ? Number(process.argv[lanesArg + 1]) : ((parse(exampleConfig) as { delivery?: { lanes?: number } }).delivery?.lanes ?? 1);
/** `--only fsync|no-fsync|memory`: that pair alone. */
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined;
const pointsPerRequest = 1_000;
/** Senders, each an app with series of its own, one request in flight at a time. */
const apps = 8;
const rounds = quick ? 1 : 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const found = findCollector();
if (!('path' in found)) throw new Error(found.missing);
const binary = found.path;

/** The receiver both gateways deliver to: nop, its own telemetry counting the points it took. */
const telemetryPort = await freePort();
const receiver = await startCollector(binary, {
  configYaml: ({ port }) => `${otlpReceiverYaml(port)}exporters:\n  nop:\n${metricsServiceYaml('nop')
    .replace('      level: none', `      level: normal\n      readers:\n        - pull:\n            exporter:\n              prometheus: {host: 127.0.0.1, port: ${telemetryPort}}`)}`,
});
const takenByReceiver = async (): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${telemetryPort}/metrics`)).text();
  return [...text.matchAll(/^otelcol_receiver_accepted_metric_points(?:_total)?\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
};

/** Each app's requests: 1 000 of its series a point each (all of them by default), request k a second after request k − 1, ending 10 minutes ago. */
const perApp = Math.ceil(requests / apps);
const t0 = (BigInt(Date.now()) - BigInt(perApp + 600) * 1000n) * 1_000_000n;
const prebuilt: ResourceMetrics[][] = Array.from({ length: apps }, (_, app) => Array.from({ length: perApp }, (_, k) => {
  const batch: Sample[] = Array.from({ length: pointsPerRequest }, (_, i) => ({
    name: `app.metric.${i % 10}`, kind: 'gauge', value: k + i / 1000, timeUnixNano: t0 + BigInt(k) * 1_000_000_000n, attributes: { route: `/r${(k * pointsPerRequest + i) % seriesPerApp}` },
  }));
  return toResourceMetrics(batch, { 'service.name': 'bench-app', 'service.instance.id': `app-${app}`, ...(withSdkResource ? sdkDetected(`bench-app-7d9f8c6b5-x2v4${app}`) : {}) })[0]!;
}));
const total = apps * perApp * pointsPerRequest;

interface Gateway {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** `chronoq run` with an otlp source, ready when /readyz says so. reorder.maxDelayMs 0: each series comes in order, and the window would only add 2 s to the last point's time. */
/**
 * How each side keeps what it has answered: on disk with a flush to it at every write (chronoq's
 * `fsync: always`, its default; the Collector's file_storage with `fsync: true`), on disk without
 * one (chronoq's `fsync: interval`; the Collector's file_storage as it comes, `fsync: false`: both
 * survive a killed process, not a power loss), or in memory.
 */
type Keeping = 'fsync' | 'no-fsync' | 'memory';

const chronoqGateway = (keeping: Keeping) => async (): Promise<Gateway> => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-bench-gateway-'));
  const [grpc, metrics] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'c.yaml'), [
    `sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}}}]`,
    `sink: {type: otlp-grpc, endpoint: "${receiver.endpoint}"}`,
    ...(keeping === 'memory' ? [] : [`spool: {path: ${join(dir, 'spool.db')}${keeping === 'no-fsync' ? ', fsync: interval' : ''}}`]),
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    `delivery: {lanes: ${lanes}}`,
    // As the example: the apps stamp their own points, each app's clock watched.
    'skew: {maxPastMs: 86400000, sourceAttribute: service.instance.id}',
    `telemetry: {prometheus: {port: ${metrics}}}`,
    '',
  ].join('\n'));
  const nodeArgs = process.env['CHRONOQ_GATEWAY_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [];
  const child = spawn(process.execPath, [...nodeArgs, new URL('../bin/chronoq.js', import.meta.url).pathname, 'run', join(dir, 'c.yaml'), '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; ; i++) {
    const ready = await fetch(`http://127.0.0.1:${metrics}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (i > 400 || child.exitCode !== null) throw new Error(`chronoq did not become ready: ${log}`);
    await sleep(50);
  }
  return {
    endpoint: `http://127.0.0.1:${grpc}`,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      if (!/ 0 dead-lettered/.test(log)) throw new Error(`chronoq dead-lettered samples: ${log}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** The Collector: otlp receiver → otlp exporter, its sending_queue on file_storage unless in memory (defaults otherwise). */
const collectorGateway = (keeping: Keeping) => async (): Promise<Gateway> => {
  const durable = keeping !== 'memory';
  const c = await startCollector(binary, {
    configYaml: ({ port, output }) => `${durable ? `extensions:\n  file_storage:\n    directory: ${join(output, '..')}\n${keeping === 'fsync' ? '    fsync: true\n' : ''}` : ''}${otlpReceiverYaml(port)}exporters:
  otlp:
    endpoint: 127.0.0.1:${receiver.port}
    tls:
      insecure: true
    sending_queue:
      enabled: true
${durable ? '      storage: file_storage\n' : ''}${metricsServiceYaml('otlp', durable ? ['file_storage'] : [])}`,
  });
  return { endpoint: c.endpoint, stop: () => c.stop() };
};

interface Run {
  readonly answered: number;
  readonly delivered: number;
  readonly refused: number;
}

/** Every app's requests sent in turn until each is answered SUCCESS; then until the receiver has every point. */
const measured = async (make: () => Promise<Gateway>): Promise<Run> => {
  const gateway = await make();
  const exporter = new OTLPMetricExporter({ url: gateway.endpoint });
  try {
    const before = await takenByReceiver();
    let refused = 0;
    const exportOnce = (rm: ResourceMetrics) => new Promise<boolean>((resolve) => exporter.export(rm, (r) => resolve(r.code === ExportResultCode.SUCCESS)));
    const start = performance.now();
    await Promise.all(prebuilt.map(async (own) => {
      for (const rm of own) {
        while (!(await exportOnce(rm))) {
          refused++;
          await sleep(50);
        }
      }
    }));
    const answeredMs = performance.now() - start;
    let taken = 0;
    let movedAt = performance.now();
    while (taken < total) {
      const now = (await takenByReceiver()) - before;
      if (now > taken) [taken, movedAt] = [now, performance.now()];
      else if (performance.now() - movedAt > 10_000) throw new Error(`the receiver has ${taken} of ${total} points and took none in 10 s`);
      await sleep(20);
    }
    const deliveredMs = performance.now() - start;
    return { answered: (total / answeredMs) * 1000, delivered: (total / deliveredMs) * 1000, refused };
  } finally {
    await exporter.shutdown();
    await gateway.stop();
  }
};

try {
  const variants = ([
    ['fsync', 'chronoq, spool, fsync always', chronoqGateway('fsync'), 'Collector, file_storage, fsync', collectorGateway('fsync')],
    ['no-fsync', 'chronoq, spool, fsync interval', chronoqGateway('no-fsync'), 'Collector, file_storage', collectorGateway('no-fsync')],
    ['memory', 'chronoq, in memory', chronoqGateway('memory'), 'Collector, in-memory queue', collectorGateway('memory')],
  ] as const).filter(([keeping]) => only === undefined || only === keeping);
  await measured(chronoqGateway('fsync')); // warm-up: the page cache, the receiver's connections
  await measured(collectorGateway('fsync'));
  console.log(`\nOTLP gateway: ${apps} apps of ${seriesPerApp} series each sending ${perApp} requests of ${pointsPerRequest} points each (stock OTLPMetricExporter, one request in flight per app), into a collector (nop); medians of ${rounds} rounds, alternating`);
  console.log(`  chronoq with delivery.lanes ${lanes}${lanesArg >= 0 ? '' : ' (the example\'s)'}`);
  for (const [, ourLabel, ours, theirLabel, theirs] of variants) {
    const runs: Record<'ours' | 'theirs', Run[]> = { ours: [], theirs: [] };
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) runs[side].push(await measured(side === 'ours' ? ours : theirs));
    }
    const line = (label: string, rs: Run[]) =>
      `  ${label.padEnd(30)} answered ${(median(rs.map((r) => r.answered)) / 1000).toFixed(1).padStart(6)} k points/s   at the receiver ${(median(rs.map((r) => r.delivered)) / 1000).toFixed(1).padStart(6)} k points/s   refused ${rs.map((r) => r.refused).join(', ')}`;
    console.log(line(ourLabel, runs.ours));
    console.log(line(theirLabel, runs.theirs));
    const ratio = (k: 'answered' | 'delivered') => median(runs.ours.map((r, i) => r[k] / runs.theirs[i]![k])).toFixed(2);
    console.log(`  ratio ${ourLabel} / ${theirLabel}: answered ${ratio('answered')}, at the receiver ${ratio('delivered')}`);
  }
} finally {
  await receiver.stop();
}
