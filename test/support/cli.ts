/** Spawns the real `chronoq` binary (bin/chronoq.js over the built dist/) for CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killedOnExit } from './children.js';
import { freePort } from './collector.js';

const root = new URL('../..', import.meta.url).pathname;
export const BIN = join(root, 'bin/chronoq.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const made: string[] = [];
process.on('exit', () => {
  if (!process.env['CHRONOQ_KEEP_E2E']) for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temp folder, removed when the test process exits (kept with CHRONOQ_KEEP_E2E=1). */
export const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'chronoq-cli-'));
  made.push(d);
  return d;
};

export const writeConfig = (dir: string, yaml: string, name = 'chronoq.yaml'): string => {
  const p = join(dir, name);
  writeFileSync(p, yaml);
  return p;
};

/**
 * A config for `chronoq run` of the host source every 250 ms — its memory, CPU and load series, none
 * of its other scrapers — to the OTLP/gRPC receiver at `endpoint` as it comes (reorder.maxDelayMs 0),
 * dead letters to dir/dead.ndjson; `extra` lines (a resource, a spool) besides.
 */
export const quickHostConfig = (dir: string, endpoint: string, extra: readonly string[] = []): string =>
  writeConfig(dir, [
    ...extra,
    'sources: [{type: host, intervalMs: 250, network: false, disk: false, filesystem: false, connections: false, paging: false, processes: false, perCore: false}]',
    `sink: {type: otlp-grpc, endpoint: "${endpoint}"}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    'batch: {maxSize: 100, maxDelayMs: 100}',
    '',
  ].join('\n'));

/** A config sending the NDJSON file `input` to the OTLP/gRPC receiver at `endpoint` as it comes (reorder.maxDelayMs 0), dead letters to dir/dead.ndjson. */
export const ndjsonToOtlpConfig = (dir: string, input: string, endpoint: string): string =>
  writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "${endpoint}"}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'));

/** `stdin: true`: the child's standard input is a pipe the test writes to (child.stdin). */
/** `stderrSoFar`: what the child has written to standard error up to now (to wait for a line). */
export const startCli = (args: string[], env: Record<string, string | undefined> = {}, opts: { stdin?: boolean } = {}): { child: ChildProcess; result: Promise<CliResult>; stderrSoFar: () => string } => {
  const child = killedOnExit(spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, result, stderrSoFar: () => stderr };
};

/** Closes the child's standard output once `lines` lines have come through, as `| head -n lines` does. */
export const readerLeavesAfter = (child: ChildProcess, lines: number): void => {
  let seen = 0;
  child.stdout!.on('data', (d: Buffer) => {
    seen += d.toString().split('\n').length - 1;
    if (seen >= lines) child.stdout!.destroy();
  });
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`'s value, or undefined when it has none within `ms` (a call left unanswered fails a test, not hangs it). */
export const within = <T>(p: Promise<T>, ms: number): Promise<T | undefined> => Promise.race([p, sleep(ms).then(() => undefined)]);

/** Polls `ok` every 50 ms until it holds; throws, naming `what`, after timeoutMs. */
export const until = async (what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> => {
  for (const end = Date.now() + timeoutMs; !ok(); await sleep(50)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

/**
 * Waits until the child has written a line matching `started` (by then its stop signals are
 * handled), then `ms` more. A fixed sleep from the spawn instead let a slow start (a loaded
 * machine: node took over 1.5 s to load) meet the signal with Node's default, exit on the spot.
 */
export const runningFor = async (stderrSoFar: () => string, ms: number, started = /chronoq running/): Promise<void> => {
  await until(`a line matching ${started}`, () => started.test(stderrSoFar()), 30_000);
  await sleep(ms);
};

/** One line of `--log-format json` output. */
export interface JsonLogLine {
  readonly level: string;
  readonly message: string;
  readonly samplesIn?: number;
  readonly delivered?: number;
  readonly deadLetters?: Record<string, number>;
  readonly leftInSpool?: number;
  /** A source's stop line: the lines it had read, and the bytes of its file not read (of a compressed file, compressed bytes). */
  readonly linesRead?: number;
  readonly unreadBytes?: number;
  /** A config error's parts. */
  readonly path?: string;
  readonly expected?: string;
  readonly found?: string;
  readonly suggestion?: string;
}
/** A run's standard error under `--log-format json`, parsed line by line. */
export const jsonLog = (stderr: string): JsonLogLine[] =>
  stderr.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonLogLine);

/**
 * `chronoq run` of the NDJSON file `input` into a receiver that is not there, stopped (SIGTERM)
 * once reading has paused for room: its log, and source 0's line saying where it stopped.
 */
export const stopWhileWaitingForRoom = async (dir: string, input: string): Promise<{ stderr: string; logs: JsonLogLine[]; stopped: JsonLogLine | undefined }> => {
  const port = await freePort(); // nothing listens here: delivery waits, the queue fills, reading pauses
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: infinite}', 'reorder: {maxDelayMs: 0}',
    'delivery: {maxQueued: 1000, shutdownDeadlineMs: 300, retry: {initialDelayMs: 50, maxDelayMs: 200}}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  await runningFor(stderrSoFar, 1_500);
  child.kill('SIGTERM');
  const { stderr } = await result;
  const logs = jsonLog(stderr);
  return { stderr, logs, stopped: logs.find((l) => l.message.startsWith('source 0 (ndjson')) };
};

export const runCli = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> => {
  const { child, result } = startCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return result.finally(() => clearTimeout(timer));
};
