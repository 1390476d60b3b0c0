/**
 * A real Prometheus (Debian's `prometheus`, 2.42) on a free 127.0.0.1 port with the remote-write
 * receiver on, for end-to-end tests; `series(name)` reads raw samples back over the HTTP API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './collector.js';
import { killedOnExit } from './children.js';

export const findPrometheus = (): { path: string } | { missing: string } => {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? { path: 'prometheus' } : { missing: 'no prometheus on PATH (apt-get install prometheus)' };
};

export interface PromSample {
  readonly labels: Record<string, string>;
  readonly points: { readonly ms: number; readonly value: number }[];
}

export interface Prometheus {
  readonly port: number;
  readonly writeUrl: string;
  series(metric: string): Promise<PromSample[]>;
  stop(): Promise<void>;
  logs(): string;
}

/** A value as Prometheus's API writes it: "+Inf" and "-Inf" (which Number reads as NaN), "NaN", or a decimal. */
const promNumber = (v: string): number => (v === '+Inf' ? Number.POSITIVE_INFINITY : v === '-Inf' ? Number.NEGATIVE_INFINITY : Number(v));

const get = async (url: string): Promise<unknown> => {
  const res = await fetch(url);
  return res.json();
};

export const startPrometheus = async (): Promise<Prometheus> => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  let log = '';
  const child: ChildProcess = killedOnExit(spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver', '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-1500)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) break;
    } catch {
      /* not yet */
    }
    if (i > 200) throw new Error(`prometheus not ready: ${log.slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    writeUrl: `http://127.0.0.1:${port}/api/v1/write`,
    async series(metric) {
      const at = Date.now() / 1000 + 60;
      const body = (await get(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(`${metric}[3h]`)}&time=${at}`)) as {
        data?: { result?: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      return (body.data?.result ?? []).map((r) => ({ labels: r.metric, points: r.values.map(([ts, v]) => ({ ms: Math.round(ts * 1000), value: promNumber(v) })) }));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => log,
  };
};
