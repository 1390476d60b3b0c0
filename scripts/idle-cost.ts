/**
 * What `chronoq run` costs as a host agent: the host source every 10 s, through a spool, into a
 * real collector (nop exporter); after 15 s of warm-up, the process's CPU time and its threads'
 * context switches (how often it wakes) over MINUTES minutes, from /proc. Not a test (wall-clock
 * driven; Linux only).
 *   npm run build && npx tsx scripts/idle-cost.ts [MINUTES 1]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCollector, startCollector } from '../test/support/collector.js';

const minutes = Number(process.argv[2] ?? 1);
const found = findCollector();
if (!('path' in found)) throw new Error(found.missing);
const collector = await startCollector(found.path, { exporter: 'nop' });
const dir = mkdtempSync(join(tmpdir(), 'chronoq-idle-cost-'));
writeFileSync(join(dir, 'c.yaml'), `sources: [{type: host, intervalMs: 10000}]
sink: {type: otlp-grpc, endpoint: "${collector.endpoint}"}
deadLetter: {path: ${join(dir, 'dead.ndjson')}}
spool: {path: ${join(dir, 'spool.db')}}
`);
const BIN = new URL('../bin/chronoq.js', import.meta.url).pathname;
const child = spawn(process.execPath, [BIN, 'run', join(dir, 'c.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
let logs = '';
child.stderr!.on('data', (d) => (logs += d));
/** CPU ticks of the process (user + system) and context switches summed over its threads. */
const sample = (): { ticks: number; switches: number } => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const switches = readdirSync(`/proc/${child.pid}/task`).reduce((sum, tid) => {
    const status = readFileSync(`/proc/${child.pid}/task/${tid}/status`, 'utf8');
    return sum + Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]);
  }, 0);
  return { ticks: Number(fields[11]) + Number(fields[12]), switches };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  await sleep(15_000);
  const before = sample();
  await sleep(minutes * 60_000);
  const after = sample();
  const seconds = minutes * 60;
  console.log(`CPU ${((after.ticks - before.ticks) / 100 / seconds * 100).toFixed(2)} % of a core, ${((after.switches - before.switches) / seconds).toFixed(1)} context switches a second (all threads), over ${minutes} minute(s)`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  await collector.stop();
  console.log(logs.split('\n').filter((l) => /WARN|ERROR|done:/.test(l)).slice(-3).join('\n'));
  rmSync(dir, { recursive: true, force: true });
}
