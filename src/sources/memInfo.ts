/**
 * The machine's memory by state, as the Collector's hostmetrics receiver breaks
 * `system.memory.usage` down on Linux (v0.159, gopsutil v4): `used` (MemTotal − MemAvailable, its
 * default since the UseLinuxMemAvailable gate), `free` (MemFree), `buffered` (Buffers), `cached`
 * (Cached + SReclaimable: gopsutil counts reclaimable slab as cache), `slab_reclaimable`
 * (SReclaimable) and `slab_unreclaimable` (SUnreclaim). The states overlap (reclaimable slab is in
 * `cached` and in `slab_reclaimable`, as the receiver has it): a share is `used` over MemTotal.
 * Elsewhere (no /proc/meminfo) what Node has: `used` and `free`.
 *
 * chronoq sent `used` and `available` instead: a dashboard made for the receiver found no
 * `free`, `cached` or `buffered`, and `available` is no state of its.
 */
import { freemem, totalmem } from 'node:os';
import { parsedOr } from './procText.js';

export const MEMORY_STATES = ['used', 'free', 'buffered', 'cached', 'slab_reclaimable', 'slab_unreclaimable'] as const;
export type MemoryState = (typeof MEMORY_STATES)[number];
export type MemoryStates = Partial<Record<MemoryState, number>>;

/** The states from the text of /proc/meminfo (kB → bytes); undefined without MemTotal and MemFree. */
export const parseMemInfo = (text: string): MemoryStates | undefined => {
  const kb = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)(?: kB)?$/gm)) kb.set(m[1]!, Number(m[2]) * 1024);
  const total = kb.get('MemTotal');
  const free = kb.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const buffers = kb.get('Buffers') ?? 0;
  const reclaimable = kb.get('SReclaimable') ?? 0;
  const cached = (kb.get('Cached') ?? 0) + reclaimable;
  // Kernels before 3.14 have no MemAvailable: gopsutil's fallback when it cannot estimate it.
  const available = kb.get('MemAvailable') ?? cached + free;
  return {
    used: total - available,
    free,
    buffered: buffers,
    cached,
    slab_reclaimable: reclaimable,
    slab_unreclaimable: kb.get('SUnreclaim') ?? 0,
  };
};

/** This machine's memory states now: /proc/meminfo where there is one, else Node's total and free. */
export const readMemoryStates = (root = ''): MemoryStates => {
  const parsed = parsedOr(`${root}/proc/meminfo`, parseMemInfo, undefined); // none: not Linux
  if (parsed !== undefined) return parsed;
  const free = freemem();
  return { used: totalmem() - free, free };
};
