/**
 * The host source's TCP connections by state, swap and paging, and processes by status — the
 * hostmetrics receiver's `system.network.connections` and its paging and processes scrapers —
 * at time `t`, counting since boot (`start`). Each family read by its reader, off when its
 * option is false (host.ts).
 */
import type { Sample } from '../sample.js';
import { type Paging, readPaging } from './paging.js';
import { type ProcessCounts, readProcesses } from './processes.js';
import { readTcpConnections } from './tcpConnections.js';
import { sum, upDown } from './hostShapes.js';

export interface ActivityOptions {
  /** system.paging.usage per swap device, .operations and .faults (default true). */
  readonly paging?: boolean;
  /** system.processes.count by status and .created (default true). */
  readonly processes?: boolean;
  /** system.network.connections, TCP by state (default true). */
  readonly connections?: boolean;
  /** Swap devices and paging counters now (default: /proc/swaps and /proc/vmstat; paging.ts). */
  readonly readPaging?: () => Paging;
  /** Processes by status now (default: /proc; processes.ts). */
  readonly readProcesses?: () => ProcessCounts | undefined;
  /** TCP connections by state now (default: /proc/net/tcp, tcp6; tcpConnections.ts). */
  readonly readTcpConnections?: () => Readonly<Record<string, number>> | undefined;
}

export const activitySamples = (opts: ActivityOptions, t: bigint, start: bigint): Sample[] => {
  const out: Sample[] = [];
  if (opts.connections !== false) {
    const byState = (opts.readTcpConnections ?? readTcpConnections)() ?? {};
    for (const [state, n] of Object.entries(byState)) out.push(upDown('system.network.connections', n, { protocol: 'tcp', state }, t, start, '{connections}'));
  }
  if (opts.paging !== false) {
    const { swaps, counters: c } = (opts.readPaging ?? readPaging)();
    for (const s of swaps) {
      out.push(upDown('system.paging.usage', s.usedBytes, { device: s.device, state: 'used' }, t, start), upDown('system.paging.usage', s.freeBytes, { device: s.device, state: 'free' }, t, start));
    }
    if (c !== undefined) {
      const operations = (v: number, direction: string, type: string) => sum('system.paging.operations', v, { direction, type }, t, '{operations}', start);
      const faults = (v: number, type: string) => sum('system.paging.faults', v, { type }, t, '{faults}', start);
      out.push(operations(c.swappedIn, 'page_in', 'major'), operations(c.swappedOut, 'page_out', 'major'), operations(c.pagedIn, 'page_in', 'minor'), operations(c.pagedOut, 'page_out', 'minor'));
      out.push(faults(c.majorFaults, 'major'), faults(c.faults - c.majorFaults, 'minor'));
    }
  }
  const processes = opts.processes === false ? undefined : (opts.readProcesses ?? readProcesses)();
  if (processes !== undefined) {
    for (const [status, n] of Object.entries(processes.byStatus)) out.push(upDown('system.processes.count', n, { status }, t, start, '{processes}'));
    out.push(sum('system.processes.created', processes.created, {}, t, '{processes}', start));
  }
  return out;
};
