/**
 * Memory and delivery over time, measured: `chronoq run` at 10 000 samples/s (100 synthetic series
 * at 100 Hz, and the host source every second) into a real collector (nop exporter) that is
 * SIGKILLed for 15 s of every minute and restarted, for MINUTES minutes (with `spool`, through a
 * spool). Prints the process's RSS after each recovery and at the end of each outage, then the
 * run's last lines (its done line: in, delivered, dead-lettered). Not a test (wall-clock driven).
 *   npm run build && npx tsx scripts/outage-soak.ts [MINUTES 12] [spool]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCollector, startCollector } from '../test/support/collector.js';

const minutes = Number(process.argv[2] ?? 12);
const spool = process.argv[3] === 'spool';
const found = findCollector();
if (!('path' in found)) throw new Error(found.missing);
const collector = await startCollector(found.path, { exporter: 'nop' });
const dir = mkdtempSync(join(tmpdir(), 'chronoq-outage-soak-'));
writeFileSync(join(dir, 'c.yaml'), `sources: [{type: synthetic, series: 100, ratePerSecond: 100, disorderMs: 20}, {type: host, intervalMs: 1000}]
reorder: {maxDelayMs: 200}
batch: {maxSize: 2000, maxDelayMs: 200}
delivery: {lanes: 4, maxQueued: 1000000}
sink: {type: otlp-grpc, endpoint: "${collector.endpoint}"}
deadLetter: {path: ${join(dir, 'dead.ndjson')}}
${spool ? `spool: {path: ${join(dir, 'spool.db')}}` : ''}
telemetry: {statusIntervalMs: 60000}
`);
const BIN = new URL('../bin/chronoq.js', import.meta.url).pathname;
const child = spawn(process.execPath, [BIN, 'run', join(dir, 'c.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
child.stderr!.on('data', (d) => (logs += d));
const rssMb = (): number => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  for (let m = 1; m <= minutes; m++) {
    await sleep(40_000);
    const healthy = rssMb();
    collector.signal('SIGKILL');
    await sleep(15_000);
    const down = rssMb();
    await collector.restart();
    await sleep(5_000);
    console.log(`minute ${m}: RSS ${healthy} MB delivering, ${down} MB at the end of the outage`);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  await collector.stop();
  console.log(logs.split('\n').filter((l) => /WARN|ERROR|done:/.test(l)).slice(-4).join('\n'));
  rmSync(dir, { recursive: true, force: true });
}
