/**
 * Stock OTLP exporters in a child process (test/fixtures/otlpExporters.ts), for tests that stop
 * the receiver's thread while they export, and the stop itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killedOnExit } from './children.js';

const EXPORTERS = fileURLToPath(new URL('../fixtures/otlpExporters.ts', import.meta.url));

/** Runs them against `endpoint` (host:port) with the fixture's settings in `env`; resolves with its last line, `sent N failed M`. */
export const runExporters = (endpoint: string, env: Record<string, string>): Promise<string> => {
  const child = killedOnExit(spawn(process.execPath, ['--import', 'tsx', EXPORTERS, endpoint], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve) => child.once('exit', () => resolve(out.trim())));
};

/** The counts in runExporters' line (NaN when it is not that line). */
export const exported = (line: string): { readonly sent: number; readonly failed: number } => {
  const [, sent, failed] = /^sent (\d+) failed (\d+)$/.exec(line) ?? [];
  return { sent: Number(sent), failed: Number(failed) };
};

/** Holds this thread for `ms`, as a synchronous task does: the event loop runs nothing meanwhile. */
export const holdThread = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
