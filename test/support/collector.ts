/**
 * End-to-end harness: a real OpenTelemetry Collector (built by scripts/build-collector.sh) on a
 * free 127.0.0.1 port, writing what it receives to a temp file, which the harness parses back
 * into data points. It can SIGKILL, SIGSTOP, SIGCONT and restart the collector on the same port,
 * and `stop()` always ends it (tests call it in a finally).
 *
 * The file exporter is configured with `rotation` rather than `append: true`: with append it
 * writes through a bufio buffer flushed on a timer, so a SIGKILL would lose points the collector
 * had already acknowledged — a loss that is the collector's, not the sender's. With rotation it
 * writes straight to the file, and on restart reopens the existing file and appends to it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './freePort.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killedOnExit } from './children.js';

const root = new URL('../..', import.meta.url).pathname;

/** The collector binary, or why there is none. */
export const findCollector = (): { path: string } | { missing: string } => {
  const fromEnv = process.env['CHRONOQ_OTELCOL'];
  if (fromEnv && existsSync(fromEnv)) return { path: fromEnv };
  const r = spawnSync('bash', [join(root, 'scripts/build-collector.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
  const path = r.stdout?.trim().split('\n').at(-1) ?? '';
  if (r.status === 0 && path && existsSync(path)) {
    process.env['CHRONOQ_OTELCOL'] = path;
    return { path };
  }
  return { missing: `scripts/build-collector.sh failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
};

export { freePort };

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CollectorOptions {
  /** 'file' writes every point to the output file; 'nop' discards (for throughput benches). */
  readonly exporter?: 'file' | 'nop';
  /** gRPC max_recv_msg_size_mib of the OTLP receiver. */
  readonly maxRecvMiB?: number;
  /** Extra YAML merged by hand: replaces the whole config when given. */
  readonly configYaml?: (p: { port: number; output: string }) => string;
}

/** The OTLP/gRPC receiver on 127.0.0.1:port. */
export const otlpReceiverYaml = (port: number, maxRecvMiB?: number): string => `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${port}
${maxRecvMiB !== undefined ? `        max_recv_msg_size_mib: ${maxRecvMiB}\n` : ''}`;

/** One metrics pipeline from the OTLP receiver to `exporter`, the collector's own telemetry quiet and off the network. */
export const metricsServiceYaml = (exporter: string, extensions: string[] = []): string => `service:
${extensions.length ? `  extensions: [${extensions.join(', ')}]\n` : ''}  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [${exporter}]
`;

/** The file exporter writing every request to `output`, one JSON line each (see the header for why `rotation`). */
export const fileExporterYaml = (output: string): string => `  file:
    path: ${output}
    format: json
    rotation:
      max_megabytes: 4096
`;

const defaultConfig = (port: number, output: string, o: CollectorOptions): string => `${otlpReceiverYaml(port, o.maxRecvMiB)}
exporters:
${fileExporterYaml(output)}  nop:
${metricsServiceYaml(o.exporter ?? 'file')}`;

export interface Collector {
  readonly port: number;
  readonly endpoint: string;
  readonly output: string;
  signal(sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM'): void;
  /** Starts it again on the same port (after SIGKILL or stop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export const startCollector = async (binary: string, o: CollectorOptions = {}): Promise<Collector> => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-e2e-'));
  const port = await freePort();
  const output = join(dir, 'received.jsonl');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, o.configYaml?.({ port, output }) ?? defaultConfig(port, output, o));
  let child: ChildProcess | undefined;
  let log = '';
  const launch = async (): Promise<void> => {
    const p = killedOnExit(spawn(binary, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] }));
    child = p;
    p.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 400; i++) {
      if (p.exitCode !== null) throw new Error(`collector exited with ${p.exitCode}: ${log.slice(-2000)}`);
      if (await canConnect(port)) return;
      await sleep(50);
    }
    throw new Error(`collector did not listen on ${port} within 20 s: ${log.slice(-2000)}`);
  };
  const waitExit = async (): Promise<void> => {
    const p = child;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => p.once('exit', () => resolve()));
  };
  await launch();
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    output,
    signal: (sig) => void child?.kill(sig),
    restart: async () => {
      await waitExit();
      await launch();
    },
    stop: async () => {
      const p = child;
      if (p && p.exitCode === null && p.signalCode === null) {
        p.kill('SIGCONT');
        p.kill('SIGTERM');
        const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
        await waitExit();
        clearTimeout(timer);
      }
      if (!process.env['CHRONOQ_KEEP_E2E']) rmSync(dir, { recursive: true, force: true });
    },
    logs: () => log,
  };
};

export interface ReceivedPoint {
  readonly series: string;
  readonly name: string;
  readonly timeUnixNano: bigint;
  readonly value: number;
}

export type JsonAttr = { key: string; value: Record<string, unknown> };
/** An attribute's value (its AnyValue's one field). */
export const attrValue = (v: Record<string, unknown>): unknown => Object.values(v)[0];
const attrsKey = (attrs: JsonAttr[] | undefined): string =>
  JSON.stringify((attrs ?? []).map((a) => [a.key, attrValue(a.value)]).sort());

/** One metric of the file exporter's output, with its resource's attributes. */
export interface ReceivedMetric {
  readonly resource: JsonAttr[];
  readonly metric: Record<string, unknown>;
}

type ReceivedRequest = { resourceMetrics?: { resource?: { attributes?: JsonAttr[] }; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[] };

const requestStart = '{"resourceMetrics"';

/**
 * The requests on one line of the file exporter's output. The exporter writes a request, then its
 * newline, in two writes, and a SIGKILL can land between them or cut a long write part way (the
 * kernel stops a write between pages for a fatal signal). The restarted collector then appends its
 * next request to that line. A request cut off that way was never answered, so the sender sent it
 * again: it is left out. A whole request without its newline is kept (the collector received it).
 */
const requestsOnLine = (line: string): ReceivedRequest[] => {
  const starts = [0];
  for (let at = line.indexOf(requestStart, 1); at > 0; at = line.indexOf(requestStart, at + 1)) starts.push(at);
  return starts.flatMap((start, i) => {
    try {
      return [JSON.parse(line.slice(start, starts[i + 1] ?? line.length)) as ReceivedRequest];
    } catch (e) {
      if (i === starts.length - 1) throw e; // the line's last request: nothing came after it to cut it off
      return []; // cut off by the collector's SIGKILL, and followed by the restarted collector's request
    }
  });
};

/**
 * Every metric in the file exporter's output, in the order the collector wrote them. Only whole
 * lines: a test that polls the file while the collector writes it can read a line cut off part
 * way; it is read at the next poll. A line can also hold a request cut off by a SIGKILL of the
 * collector followed by the restarted collector's first one (see requestsOnLine; CI failed on
 * JSON.parse of such a line in cli.e2e's outage test).
 */
export const readReceivedMetrics = (output: string): ReceivedMetric[] => {
  if (!existsSync(output)) return [];
  const metrics: ReceivedMetric[] = [];
  const text = readFileSync(output, 'utf8');
  for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
    if (!line.trim()) continue;
    for (const req of requestsOnLine(line)) {
      for (const rm of req.resourceMetrics ?? []) {
        for (const sm of rm.scopeMetrics ?? []) for (const metric of sm.metrics ?? []) metrics.push({ resource: rm.resource?.attributes ?? [], metric });
      }
    }
  }
  return metrics;
};

/** Every data point in the file exporter's output, in the order the collector wrote them (whole lines only). */
export const readReceived = (output: string): ReceivedPoint[] =>
  readReceivedMetrics(output).flatMap(({ resource, metric: m }) => {
    const name = m['name'] as string;
    const body = (m['gauge'] ?? m['sum'] ?? m['histogram']) as { dataPoints?: Record<string, unknown>[] } | undefined;
    return (body?.dataPoints ?? []).map((dp) => ({
      series: `${name}|${attrsKey(resource)}|${attrsKey(dp['attributes'] as JsonAttr[])}`,
      name,
      timeUnixNano: BigInt(dp['timeUnixNano'] as string),
      value: Number(dp['asDouble'] ?? dp['asInt'] ?? dp['sum'] ?? 0),
    }));
  });
