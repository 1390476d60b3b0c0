/**
 * How fast a spooled backlog is caught up after an outage: `chronoq run` (100 synthetic series at
 * 10 000 samples/s, 4 lanes, batches of 2 000 as in outage-soak.ts, a spool, delivery.maxQueued at
 * its default, so that most of the backlog is in the file) into a real collector (nop exporter) SIGKILLed
 * for DOWN_S seconds (default 60) and restarted; from the restart, the time until what waits
 * (`chronoq_queue_depth` + `chronoq_spool_waiting` on /metrics) is down to the live level. ROOT is
 * a chronoq checkout to run (default this one), so that two versions can be compared in one hour.
 * Not a test (wall-clock driven).
 *   npm run build && npx tsx scripts/outage-catch-up.ts [DOWN_S] [ROOT]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCollector, freePort, startCollector } from '../test/support/collector.js';

const downS = Number(process.argv[2] ?? 60);
const root = process.argv[3] ?? fileURLToPath(new URL('..', import.meta.url));
const found = findCollector();
if (!('path' in found)) throw new Error(found.missing);
const collector = await startCollector(found.path, { exporter: 'nop' });
const dir = mkdtempSync(join(tmpdir(), 'chronoq-catchup-'));
const port = await freePort();
writeFileSync(join(dir, 'c.yaml'), `sources: [{type: synthetic, series: 100, ratePerSecond: 100, disorderMs: 20}]
reorder: {maxDelayMs: 200}
batch: {maxSize: 2000, maxDelayMs: 200}
delivery: {lanes: 4}
sink: {type: otlp-grpc, endpoint: "${collector.endpoint}"}
deadLetter: {path: ${join(dir, 'dead.ndjson')}}
spool: {path: ${join(dir, 'spool.db')}}
telemetry: {statusIntervalMs: 60000, prometheus: {port: ${port}}}
`);
const child = spawn(process.execPath, [join(root, 'bin/chronoq.js'), 'run', join(dir, 'c.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
child.stderr!.on('data', (d) => (logs += d));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backlog = async (): Promise<number> => {
  const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const v = (n: string) => Number(new RegExp(`^${n} (\\S+)$`, 'm').exec(t)?.[1] ?? NaN);
  return v('chronoq_queue_depth') + v('chronoq_spool_waiting');
};
try {
  await sleep(10_000);
  collector.signal('SIGKILL');
  await sleep(downS * 1000);
  const before = await backlog();
  await collector.restart();
  const t0 = performance.now();
  let n = before;
  while (n > 20_000 && performance.now() - t0 < 300_000) {
    await sleep(250);
    n = await backlog();
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${root}: backlog ${before} after ${downS} s down, caught up in ${s.toFixed(1)} s: ${((before + 10_000 * s) / s / 1000).toFixed(0)} k samples/s delivered beside the live 10 k/s`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  await collector.stop();
  console.log(logs.split('\n').filter((l) => /done:/.test(l)).slice(-1).join('\n'));
  rmSync(dir, { recursive: true, force: true });
}
