/**
 * What `chronoq run`'s process itself uses, for its /metrics (renderProcessMetrics in
 * prometheus.ts): CPU time, resident and heap memory, open file descriptors and their limit, when
 * it started, how late its event loop runs, and the memory it may use before it is killed (a
 * container's cgroup limit, else the machine's memory). An operator alerts on these before the
 * out-of-memory killer or a saturated thread does harm: a backlog held in memory, series with
 * ever-new attributes, a file descriptor leak, all grow over days, and nothing else said so.
 *
 * The event loop's delay is sampled by Node (perf_hooks' monitorEventLoopDelay, every 10 ms) and
 * reported since the reading before, as Node's Prometheus client reports it — less the 10 ms
 * between samples, which Node's figures include (an idle loop read 10 ms, not 0); `stop()` ends
 * the sampling. Linux gives the file descriptors (/proc/self); elsewhere they are left out.
 */
import { readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bootAndProcessStartMs, type Clock } from '../clock.js';
import { parsedOr } from '../sources/procText.js';

export interface EventLoopDelay {
  readonly p50Seconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
}

export interface ProcessReadings {
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** The cgroup's memory limit when there is one below the machine's memory, else the machine's memory. */
  readonly memoryLimitBytes: number;
  readonly openFds?: number;
  readonly maxFds?: number;
  readonly startTimeSeconds: number;
  /** Since the reading before; undefined when the loop was not sampled since (a reading a moment after the last). */
  readonly eventLoopDelay?: EventLoopDelay;
  readonly nodeVersion: string;
}

export interface ProcessWatch {
  read(): ProcessReadings;
  stop(): void;
}

/** The soft limit on open files (`Max open files` in /proc/self/limits); undefined when unlimited or unknown. */
export const maxFdsOf = (limits: string): number | undefined => {
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
};

/**
 * The memory the process may use: a cgroup limit (Node's constrainedMemory) when it is below the
 * machine's memory — without one, cgroup v1 reports ~2⁶⁴ and v2 "max" — else the machine's.
 */
export const memoryLimitOf = (constrained: number | undefined, machine: number): number =>
  constrained !== undefined && constrained > 0 && constrained < machine ? constrained : machine;

/** Open file descriptors (Linux), less the directory's own, open while it is read; undefined elsewhere. */
const openFdCount = (): number | undefined => {
  try {
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
};

/** Node samples the event loop's delay this often; each figure it records includes it. */
const DELAY_RESOLUTION_MS = 10;
const delaySeconds = (ns: number): number => Math.max(0, ns - DELAY_RESOLUTION_MS * 1e6) / 1e9;

export const watchProcess = (clock: Clock): ProcessWatch => {
  const startTimeSeconds = bootAndProcessStartMs(clock).processMs / 1000;
  const maxFds = parsedOr('/proc/self/limits', maxFdsOf, undefined);
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  return {
    read: () => {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const openFds = openFdCount();
      const eventLoopDelay = delay.count === 0 ? undefined : { p50Seconds: delaySeconds(delay.percentile(50)), p99Seconds: delaySeconds(delay.percentile(99)), maxSeconds: delaySeconds(delay.max) };
      delay.reset();
      return {
        cpuUserSeconds: cpu.user / 1e6,
        cpuSystemSeconds: cpu.system / 1e6,
        residentBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        externalBytes: memory.external,
        memoryLimitBytes: memoryLimitOf(process.constrainedMemory?.(), totalmem()),
        ...(openFds !== undefined ? { openFds } : {}),
        ...(maxFds !== undefined ? { maxFds } : {}),
        startTimeSeconds,
        ...(eventLoopDelay !== undefined ? { eventLoopDelay } : {}),
        nodeVersion: process.version,
      };
    },
    stop: () => delay.disable(),
  };
};
