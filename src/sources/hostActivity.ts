/**
 * The host source's TCP connections by state, swap and paging, and processes by status — the
 * hostmetrics receiver's `system.network.connections` and its paging and processes scrapers —
 * at time `t`, counting since boot (`start`). Each family read by its reader, off when its
 * option is false (host.ts); the connections off the event loop.
 */
import type { Sample } from '../sample.js';
import { type Paging, readPaging } from './paging.js';
import { type ProcessCounts, readProcesses } from './processes.js';
import { type TcpConnectionCounts, readTcpConnections } from './tcpConnections.js';
import { sum, upDown } from './hostShapes.js';

export interface ActivityOptions {
  /**
   * Where the host's file system is (`/hostfs`: the machine's / mounted into a container, as the
   * Collector's hostmetrics receiver takes it with `root_path`): its /proc and /sys are read, and its
   * file systems' usage, named as the host names them. Default: this process's own view.
   */
  readonly rootPath?: string;
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
  /** TCP connections by state now, or a promise of them (default: /proc/net/tcp, tcp6, read off the event loop; tcpConnections.ts). */
  readonly readTcpConnections?: () => TcpConnectionCounts | Promise<TcpConnectionCounts>;
}

/** The root the default readers read under: rootPath without its trailing `/` ('' for this process's own view). */
export const rootOf = (opts: ActivityOptions): string => (opts.rootPath ?? '').replace(/\/+$/, '');

const connectionSamples = (byState: TcpConnectionCounts, t: bigint, start: bigint): Sample[] =>
  Object.entries(byState ?? {}).map(([state, n]) => upDown('system.network.connections', n, { protocol: 'tcp', state }, t, start, '{connections}'));

/**
 * The connections of each collection, for `emit`: a reader's counts at once (returned), a
 * promise's when it settles, stamped at the collection all the same. A collection while a read
 * is still in flight reads none, so a series never goes back in time.
 */
export const connectionsEachCollection = (opts: ActivityOptions, emit: (s: Sample) => void): ((t: bigint, start: bigint) => Sample[]) => {
  let reading = false;
  return (t, start) => {
    if (opts.connections === false || reading) return [];
    const read = opts.readTcpConnections !== undefined ? opts.readTcpConnections() : readTcpConnections(rootOf(opts));
    if (!(read instanceof Promise)) return connectionSamples(read, t, start);
    reading = true;
    read.then((byState) => {
      reading = false;
      for (const s of connectionSamples(byState, t, start)) emit(s);
    }, () => (reading = false));
    return [];
  };
};

/** Paging and processes at `t` (connections: connectionsEachCollection). */
export const activitySamples = (opts: ActivityOptions, t: bigint, start: bigint): Sample[] => {
  const out: Sample[] = [];
  if (opts.paging !== false) {
    const { swaps, counters: c } = opts.readPaging !== undefined ? opts.readPaging() : readPaging(rootOf(opts));
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
  const processes = opts.processes === false ? undefined : opts.readProcesses !== undefined ? opts.readProcesses() : readProcesses(rootOf(opts));
  if (processes !== undefined) {
    for (const [status, n] of Object.entries(processes.byStatus)) out.push(upDown('system.processes.count', n, { status }, t, start, '{processes}'));
    out.push(sum('system.processes.created', processes.created, {}, t, '{processes}', start));
  }
  return out;
};
