/**
 * Each logical CPU's time by state, as the Collector's hostmetrics receiver breaks it down
 * (`state`: user, system, idle, interrupt, nice, softirq, steal, wait), in seconds. On Linux from
 * /proc/stat, whose unit is USER_HZ (100 a second: the kernel scales its ticks to it, as gopsutil,
 * the receiver's reader, assumes); elsewhere from os.cpus() (ms), which has only the first five.
 *
 * Why not os.cpus() everywhere: libuv leaves out iowait, softirq and steal, so on a virtual
 * machine the time the hypervisor took (steal: 2.4 % of this 2-core VM's, measured) and the time
 * spent waiting for the disk were no part of any state, and the rest was scaled up to cover them.
 */
import { cpus } from 'node:os';
import { parsedOr } from './procText.js';

export const CPU_STATES = ['user', 'system', 'idle', 'interrupt', 'nice', 'softirq', 'steal', 'wait'] as const;
export type CpuState = (typeof CPU_STATES)[number];

export interface CpuTimes {
  /** hostmetrics' `cpu` value: `cpu0`, `cpu1`, … */
  readonly cpu: string;
  /** Seconds in each state since boot, of the states the source knows (os.cpus() has no softirq, steal or wait). */
  readonly times: Partial<Record<CpuState, number>>;
}

/** /proc/stat's unit, a second's share. */
const USER_HZ = 100;

/**
 * The per-CPU lines of /proc/stat (`cpuN user nice system idle iowait irq softirq steal guest
 * guest_nice`; guest time is counted in user already). Fields a kernel does not have are left out.
 */
export const parseProcStat = (text: string): CpuTimes[] => {
  const order: (CpuState | undefined)[] = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'];
  return text.split('\n').flatMap((line) => {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) return [];
    const fields = m[2]!.trim().split(/\s+/).map(Number);
    const times: Partial<Record<CpuState, number>> = {};
    order.forEach((state, i) => {
      if (state !== undefined && Number.isFinite(fields[i])) times[state] = fields[i]! / USER_HZ;
    });
    return [{ cpu: m[1]!, times }];
  });
};

const fromOsCpus = (): CpuTimes[] =>
  cpus().map((c, i) => ({ cpu: `cpu${i}`, times: { user: c.times.user / 1000, nice: c.times.nice / 1000, system: c.times.sys / 1000, idle: c.times.idle / 1000, interrupt: c.times.irq / 1000 } }));

/** This machine's CPU times now: /proc/stat where there is one (under `root`, the host's file system mounted in a container), else os.cpus(). */
export const readCpuTimes = (root = ''): CpuTimes[] => {
  const parsed = parsedOr(`${root}/proc/stat`, parseProcStat, []); // none: not Linux
  return parsed.length > 0 ? parsed : fromOsCpus();
};

/** Time per state between two readings of one CPU, and their sum. */
export interface CpuTimeDeltas {
  readonly cpu: string;
  readonly deltas: Partial<Record<CpuState, number>>;
  readonly total: number;
}

/** The time each CPU spent in each state between two readings (a CPU new since `previous`: since boot). */
export const cpuTimeDeltas = (now: readonly CpuTimes[], previous: readonly CpuTimes[]): CpuTimeDeltas[] =>
  now.map((c) => {
    const before = previous.find((p) => p.cpu === c.cpu)?.times ?? {};
    const deltas: Partial<Record<CpuState, number>> = {};
    let total = 0;
    for (const state of CPU_STATES) {
      const v = c.times[state];
      if (v === undefined) continue;
      // A counter never goes back; one that did (a CPU taken offline and back) counts from zero.
      const d = v >= (before[state] ?? 0) ? v - (before[state] ?? 0) : v;
      deltas[state] = d;
      total += d;
    }
    return { cpu: c.cpu, deltas, total };
  });

/** Each state's time summed over CPUs (the whole machine's), of the states any CPU has. */
export const sumOverCpus = (perCpu: readonly Partial<Record<CpuState, number>>[]): Partial<Record<CpuState, number>> => {
  const machine: Partial<Record<CpuState, number>> = {};
  for (const times of perCpu) for (const state of CPU_STATES) if (times[state] !== undefined) machine[state] = (machine[state] ?? 0) + times[state]!;
  return machine;
};
