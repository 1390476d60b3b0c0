/**
 * A real Prometheus (Debian's `prometheus`, 2.42) on a free 127.0.0.1 port with the remote-write
 * receiver on, for end-to-end tests; `series(name)` reads raw samples back over the HTTP API. It
 * scrapes the targets it is given (every 500 ms, job `direct`), none by default.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, metricsServiceYaml, otlpReceiverYaml } from './collector.js';
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

export const startPrometheus = async (opts: { scrapeTargets?: readonly string[] } = {}): Promise<Prometheus> => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-prom-'));
  const port = await freePort();
  const scrapes = opts.scrapeTargets === undefined ? '' : `scrape_configs:\n  - job_name: direct\n    scrape_interval: 500ms\n    static_configs:\n      - targets: [${opts.scrapeTargets.join(', ')}]\n`;
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1h\n${scrapes}`);
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

/**
 * A Collector gateway in front of Prometheus: its OTLP/gRPC receiver → prometheusremotewrite, which
 * writes before it answers (its queue and retries off) and sends no target_info.
 */
export const remoteWriteGatewayYaml = (p: Prometheus) => ({ port }: { port: number }): string => `${otlpReceiverYaml(port)}
exporters:
  prometheusremotewrite:
    endpoint: ${p.writeUrl}
    remote_write_queue:
      enabled: false
    retry_on_failure:
      enabled: false
    target_info:
      enabled: false
${metricsServiceYaml('prometheusremotewrite')}`;

/** Prometheus's and the Collector's lines refusing samples as out of order. */
export const OUT_OF_ORDER = /out of order|out-of-order/i;
/** Those, and the refusal of a second sample of a series in one millisecond. */
export const OUT_OF_ORDER_OR_DUPLICATE = /out of order|out-of-order|duplicate sample/i;
/** The lines of these logs that match `pattern`. */
export const linesMatching = (pattern: RegExp, ...logs: string[]): string[] => logs.join('\n').split('\n').filter((l) => pattern.test(l));
