/**
 * Host metrics, stamped at collection on the pipeline's Clock: CPU time and utilisation by state
 * (per CPU, or for the whole machine with `perCore: false`: cpuTimes.ts) and the CPU count, memory
 * by state (memInfo.ts), load averages, uptime, this process's CPU time and memory, network bytes,
 * packets, errors and drops where the OS gives them (/proc/net/dev), block devices' I/O
 * (diskStats.ts), each file system's space and inodes (filesystems.ts), swap and paging (paging.ts),
 * processes by status (processes.ts) and TCP connections by state (tcpConnections.ts). Names, units, types and
 * attributes as the Collector's hostmetrics receiver has them. The counters start where they
 * count from, as that receiver has them too: the machine's at boot, the process's at its start.
 * (They started at the first collection, which told a backend that converts to deltas or rates
 * that the bytes since boot went by in no time: a spike at every restart.)
 */
import { loadavg } from 'node:os';
import { parsedOr } from './procText.js';
import { Observable, type SchedulerAction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { type Sample, type Attributes, msToNanos } from '../sample.js';
import { type Clock, bootAndProcessStartMs, systemClock, timerMs } from '../clock.js';
import { CPU_STATES, type CpuState, type CpuTimes, cpuTimeDeltas, readCpuTimes, sumOverCpus } from './cpuTimes.js';
import { MEMORY_STATES, type MemoryStates, readMemoryStates } from './memInfo.js';
import { type FilesystemUsage, filesystemSamples, readMounts, statfsOffLoop } from './filesystems.js';
import { type DiskCounters, type DiskDirection, readDiskStats } from './diskStats.js';
import { type ActivityOptions, activitySamples, connectionsEachCollection, rootOf } from './hostActivity.js';
import { gauge, sum, upDown } from './hostShapes.js';
import { numberOption } from '../options.js';

/** With ActivityOptions: paging, processes, connections and their readers (hostActivity.ts). */
export interface HostSourceOptions extends ActivityOptions {
  readonly intervalMs?: number;
  /** system.cpu.time and .utilization per CPU, attribute `cpu` (default); false: per state for the whole machine. */
  readonly perCore?: boolean;
  readonly network?: boolean;
  /** system.filesystem.usage and .inodes.usage per mounted file system (default true). */
  readonly filesystem?: boolean;
  /** system.disk.* per block device (default true). */
  readonly disk?: boolean;
  readonly scheduler?: SchedulerLike;
  readonly clock?: Clock;
  /** Each CPU's time by state now (default: /proc/stat, else os.cpus(); cpuTimes.ts). */
  readonly readCpuTimes?: () => CpuTimes[];
  /** The machine's memory by state now (default: /proc/meminfo, else Node's; memInfo.ts). */
  readonly readMemoryStates?: () => MemoryStates;
  /** Each file system's usage now (default: /proc/1/mountinfo, and statfs off the event loop; filesystems.ts). */
  readonly readFilesystems?: () => FilesystemUsage[];
  /** Each block device's I/O counters now (default: /proc/diskstats; diskStats.ts). */
  readonly readDiskStats?: () => DiskCounters[];
  /** When the machine booted and this process started, wall ms (default: read from the clock and the OS at subscription). */
  readonly startTimes?: { readonly bootMs: number; readonly processMs: number };
}

/** One direction's counters of a network device. */
interface NetworkCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly errors: number;
  readonly dropped: number;
}

export interface DeviceCounters {
  readonly device: string;
  readonly receive: NetworkCounters;
  readonly transmit: NetworkCounters;
}

/** Per device, what the text of /proc/net/dev counts each way. */
export const parseNetDev = (text: string): DeviceCounters[] =>
  text.split('\n').slice(2).flatMap((line) => {
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop …
    const m = /^\s*([^:]+):\s*(\d+(?:\s+\d+){15})/.exec(line);
    if (!m) return [];
    const f = m[2]!.split(/\s+/).map(Number);
    const at = (i: number): NetworkCounters => ({ bytes: f[i]!, packets: f[i + 1]!, errors: f[i + 2]!, dropped: f[i + 3]! });
    return [{ device: m[1]!.trim(), receive: at(0), transmit: at(8) }];
  });

/** The 1, 5 and 15 minute load averages of /proc/loadavg's text; throws for text that is not it. */
const parseLoadAvg = (text: string): number[] => {
  const v = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (v.length < 3 || !v.every(Number.isFinite)) throw new Error('not /proc/loadavg');
  return v;
};

/**
 * The load averages from /proc/loadavg (the host's, under rootPath, as every family here), else
 * Node's (os.loadavg, where there is no /proc; zeros on Windows) — asked only then.
 */
export const loadAverages = (root = ''): number[] => parsedOr(`${root}/proc/loadavg`, parseLoadAvg, undefined) ?? loadavg();

/** Per device, what /proc/net/dev counts each way since boot (empty where unavailable). */
export const networkCounters = (root = ''): DeviceCounters[] => parsedOr(`${root}/proc/net/dev`, parseNetDev, []);

/** Metrics of one device's counters in each direction: name, the field it reads, unit. */
type DirectionTable<C> = readonly (readonly [string, keyof C, string])[];
const NETWORK_METRICS: DirectionTable<NetworkCounters> = [
  ['system.network.io', 'bytes', 'By'], ['system.network.packets', 'packets', '{packets}'],
  ['system.network.errors', 'errors', '{errors}'], ['system.network.dropped', 'dropped', '{packets}'],
];
const DISK_METRICS: DirectionTable<DiskDirection> = [
  ['system.disk.io', 'bytes', 'By'], ['system.disk.operations', 'operations', '{operations}'],
  ['system.disk.merged', 'merged', '{operations}'], ['system.disk.operation_time', 'timeS', 's'],
];

export const hostSamples = (opts: HostSourceOptions = {}): Observable<Sample> => {
  const intervalMs = numberOption('hostSamples', 'intervalMs', opts.intervalMs, 10_000);
  return new Observable<Sample>((subscriber) => {
    const scheduler = opts.scheduler ?? asyncScheduler;
    const clock = opts.clock ?? systemClock;
    const starts = opts.startTimes ?? bootAndProcessStartMs(clock);
    const bootNanos = msToNanos(Math.round(starts.bootMs));
    const processNanos = msToNanos(Math.round(starts.processMs));
    let previous: CpuTimes[] | undefined;
    /** Samples of a collection read off the event loop (file systems, connections), when they come. */
    const emitLate = (s: Sample): void => {
      if (!subscriber.closed) subscriber.next(s);
    };
    const connections = connectionsEachCollection(opts, emitLate);
    const root = rootOf(opts);
    const statfsEach = statfsOffLoop(undefined, root);
    const collect = (): void => {
      const t = msToNanos(clock.now());
      const now = opts.readCpuTimes !== undefined ? opts.readCpuTimes() : readCpuTimes(root);
      // The first collection has no interval to measure over, so no utilization, as the receiver
      // has it: the share since boot it sent instead was a false dip or peak at every start.
      const spent = previous === undefined ? [] : cpuTimeDeltas(now, previous);
      previous = now;
      // Each state's share of the time, per CPU, as the hostmetrics receiver has it ({cpu, state};
      // a CPU's shares add up to 1). One metric's series must add up across its attributes
      // (OpenTelemetry's data model): per CPU, or for the whole machine, never both.
      const out: Sample[] = [];
      const shares = (deltas: Partial<Record<CpuState, number>>, total: number, attributes: Attributes) => {
        if (total > 0) for (const state of CPU_STATES) if (deltas[state] !== undefined) out.push(gauge('system.cpu.utilization', deltas[state]! / total, { ...attributes, state }, t, '1'));
      };
      if (opts.perCore !== false) for (const c of spent) shares(c.deltas, c.total, { cpu: c.cpu });
      else shares(sumOverCpus(spent.map((c) => c.deltas)), spent.reduce((n, c) => n + c.total, 0), {});
      // CPU time since boot, as the receiver sends by default (utilization it leaves off).
      const seconds = (times: Partial<Record<CpuState, number>>, attributes: Attributes) => {
        for (const state of CPU_STATES) if (times[state] !== undefined) out.push(sum('system.cpu.time', times[state]!, { ...attributes, state }, t, 's', bootNanos));
      };
      if (opts.perCore !== false) for (const c of now) seconds(c.times, { cpu: c.cpu });
      else seconds(sumOverCpus(now.map((c) => c.times)), {});
      out.push(upDown('system.cpu.logical.count', now.length, {}, t, bootNanos, '{cpu}'));
      const memory = opts.readMemoryStates !== undefined ? opts.readMemoryStates() : readMemoryStates(root);
      for (const state of MEMORY_STATES) if (memory[state] !== undefined) out.push(upDown('system.memory.usage', memory[state]!, { state }, t, bootNanos));
      const [l1, l5, l15] = loadAverages(root);
      // The hostmetrics receiver's unit: with "1", a Prometheus backend names a gauge …_ratio.
      const load = (name: string, v: number | undefined) => gauge(name, v ?? 0, {}, t, '{thread}');
      out.push(load('system.cpu.load_average.1m', l1), load('system.cpu.load_average.5m', l5), load('system.cpu.load_average.15m', l15));
      // The receiver's system scraper: seconds since boot, time asleep included (CLOCK_BOOTTIME, where the clock has it).
      out.push(gauge('system.uptime', (clock.sinceBootMs?.() ?? clock.now() - starts.bootMs) / 1000, {}, t, 's'));
      const cpu = process.cpuUsage();
      out.push(sum('process.cpu.time', cpu.user / 1e6, { state: 'user' }, t, 's', processNanos), sum('process.cpu.time', cpu.system / 1e6, { state: 'system' }, t, 's', processNanos));
      out.push(upDown('process.memory.usage', process.memoryUsage().rss, {}, t, processNanos));
      // Counters since boot per device and direction, each metric reading one field (the tables below).
      const perDirection = <C,>(device: string, counters: Readonly<Record<string, C>>, table: DirectionTable<C>): void => {
        for (const [direction, c] of Object.entries(counters)) {
          for (const [name, field, unit] of table) out.push(sum(name, c[field] as number, { device, direction }, t, unit, bootNanos));
        }
      };
      if (opts.network !== false) for (const n of networkCounters(root)) perDirection(n.device, { receive: n.receive, transmit: n.transmit }, NETWORK_METRICS);
      if (opts.disk !== false) {
        for (const d of opts.readDiskStats !== undefined ? opts.readDiskStats() : readDiskStats(root)) {
          perDirection(d.device, { read: d.read, write: d.write }, DISK_METRICS);
          const device = { device: d.device };
          out.push(
            sum('system.disk.io_time', d.ioTimeS, device, t, 's', bootNanos),
            sum('system.disk.weighted_io_time', d.weightedIoTimeS, device, t, 's', bootNanos),
            upDown('system.disk.pending_operations', d.pendingOperations, device, t, bootNanos, '{operations}'),
          );
        }
      }
      if (opts.filesystem !== false) {
        if (opts.readFilesystems !== undefined) for (const f of opts.readFilesystems()) out.push(...filesystemSamples(f, t, bootNanos));
        else statfsEach(readMounts(root), (f) => filesystemSamples(f, t, bootNanos).forEach(emitLate));
      }
      out.push(...connections(t, bootNanos), ...activitySamples(opts, t, bootNanos));
      for (const s of out) subscriber.next(s);
    };
    const interval = timerMs(intervalMs);
    const sub = scheduler.schedule(function (this: SchedulerAction<unknown>) {
      collect();
      if (!subscriber.closed) this.schedule(undefined, interval);
    }, interval);
    collect();
    return () => sub.unsubscribe();
  });
};
