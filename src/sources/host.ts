/**
 * Host metrics, stamped at collection on the pipeline's Clock: CPU utilisation by state (per CPU,
 * or for the whole machine with `perCore: false`: cpuTimes.ts), memory used/available, load
 * averages, this process's CPU time and memory, and network bytes where the OS gives them
 * (/proc/net/dev). Names and units as the Collector's hostmetrics receiver has them. The two
 * counters start where they count from, as that receiver has them too: network bytes at boot, CPU
 * time at the process's start. (Both started at the first collection, which told a backend that
 * converts to deltas or rates that the bytes since boot went by in no time: a spike at every
 * restart.)
 */
import { loadavg, totalmem, freemem } from 'node:os';
import { readFileSync } from 'node:fs';
import { Observable, type SchedulerAction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { type Sample, type Attributes, msToNanos } from '../sample.js';
import { type Clock, bootAndProcessStartMs, systemClock } from '../clock.js';
import { CPU_STATES, type CpuState, type CpuTimes, cpuTimeDeltas, readCpuTimes } from './cpuTimes.js';

export interface HostSourceOptions {
  readonly intervalMs?: number;
  /** system.cpu.utilization per core, attribute `cpu` (default); false: one series for the whole machine. */
  readonly perCore?: boolean;
  readonly network?: boolean;
  readonly scheduler?: SchedulerLike;
  readonly clock?: Clock;
  /** Each CPU's time by state now (default: /proc/stat, else os.cpus(); cpuTimes.ts). */
  readonly readCpuTimes?: () => CpuTimes[];
  /** When the machine booted and this process started, wall ms (default: read from the clock and the OS at subscription). */
  readonly startTimes?: { readonly bootMs: number; readonly processMs: number };
}

const memAvailable = (): number => {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux: fall back to free memory */
  }
  return freemem();
};

/** Bytes received/transmitted per device from /proc/net/dev (empty where unavailable). */
export const networkBytes = (): { device: string; rx: number; tx: number }[] => {
  try {
    return readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).flatMap((line) => {
      const m = /^\s*([^:]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)/.exec(line);
      return m ? [{ device: m[1]!, rx: Number(m[2]), tx: Number(m[3]) }] : [];
    });
  } catch {
    return [];
  }
};

export const hostSamples = (opts: HostSourceOptions = {}): Observable<Sample> =>
  new Observable<Sample>((subscriber) => {
    const scheduler = opts.scheduler ?? asyncScheduler;
    const clock = opts.clock ?? systemClock;
    const starts = opts.startTimes ?? bootAndProcessStartMs(clock);
    const bootNanos = msToNanos(Math.round(starts.bootMs));
    const processNanos = msToNanos(Math.round(starts.processMs));
    let previous: CpuTimes[] | undefined;
    const gauge = (name: string, value: number, attributes: Attributes, t: bigint, unit: string): Sample => ({ name, kind: 'gauge', value, timeUnixNano: t, attributes, unit });
    const sum = (name: string, value: number, attributes: Attributes, t: bigint, unit: string, start: bigint): Sample => ({ name, kind: 'sum', value, timeUnixNano: t, startTimeUnixNano: start, attributes, unit });
    // Memory in use goes up and down: a non-monotonic sum (an UpDownCounter), as the receiver has it.
    const upDown = (name: string, value: number, attributes: Attributes, t: bigint, start: bigint): Sample => ({ ...sum(name, value, attributes, t, 'By', start), monotonic: false });
    const collect = (): void => {
      const t = msToNanos(clock.now());
      const now = (opts.readCpuTimes ?? readCpuTimes)();
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
      else {
        const machine: Partial<Record<CpuState, number>> = {};
        for (const c of spent) for (const state of CPU_STATES) if (c.deltas[state] !== undefined) machine[state] = (machine[state] ?? 0) + c.deltas[state]!;
        shares(machine, spent.reduce((n, c) => n + c.total, 0), {});
      }
      const available = memAvailable();
      out.push(upDown('system.memory.usage', totalmem() - available, { state: 'used' }, t, bootNanos));
      out.push(upDown('system.memory.usage', available, { state: 'available' }, t, bootNanos));
      const [l1, l5, l15] = loadavg();
      // The hostmetrics receiver's unit: with "1", a Prometheus backend names a gauge …_ratio.
      const load = (name: string, v: number | undefined) => gauge(name, v ?? 0, {}, t, '{thread}');
      out.push(load('system.cpu.load_average.1m', l1), load('system.cpu.load_average.5m', l5), load('system.cpu.load_average.15m', l15));
      const cpu = process.cpuUsage();
      out.push(sum('process.cpu.time', cpu.user / 1e6, { state: 'user' }, t, 's', processNanos), sum('process.cpu.time', cpu.system / 1e6, { state: 'system' }, t, 's', processNanos));
      out.push(upDown('process.memory.usage', process.memoryUsage().rss, {}, t, processNanos));
      if (opts.network !== false) {
        for (const n of networkBytes()) {
          out.push(sum('system.network.io', n.rx, { device: n.device, direction: 'receive' }, t, 'By', bootNanos), sum('system.network.io', n.tx, { device: n.device, direction: 'transmit' }, t, 'By', bootNanos));
        }
      }
      for (const s of out) subscriber.next(s);
    };
    const interval = opts.intervalMs ?? 10_000;
    const sub = scheduler.schedule(function (this: SchedulerAction<unknown>) {
      collect();
      if (!subscriber.closed) this.schedule(undefined, interval);
    }, interval);
    collect();
    return () => sub.unsubscribe();
  });
