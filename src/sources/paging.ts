/**
 * Swap and paging, as the Collector's hostmetrics receiver's paging scraper has them (v0.159):
 * each swap device's bytes used and free (/proc/swaps, its name as the kernel writes it), and the
 * machine's paging operations and page faults since boot (/proc/vmstat). Linux only (elsewhere
 * none).
 *
 * The values are the kernel's counts. The receiver's are 4096 times as large: gopsutil, which it
 * reads them through, multiplies each /proc/vmstat count by 4·1024 (a page size it assumes, also
 * for pgpgin and pgpgout, which the kernel counts in KiB), so its `system.paging.faults` went up
 * by 4096 a fault.
 */
import { parsedOr } from './procText.js';

export interface SwapDevice {
  /** The first column of /proc/swaps (a path; the kernel writes a space in it as \040). */
  readonly device: string;
  readonly usedBytes: number;
  readonly freeBytes: number;
}

/** Paging counters since boot, from /proc/vmstat. */
export interface PagingCounters {
  /** Pages swapped in and out (pswpin, pswpout): the receiver's `major` operations. */
  readonly swappedIn: number;
  readonly swappedOut: number;
  /** KiB paged in from and out to disk (pgpgin, pgpgout): the receiver's `minor` operations. */
  readonly pagedIn: number;
  readonly pagedOut: number;
  /** Page faults (pgfault) and the major ones among them (pgmajfault). */
  readonly faults: number;
  readonly majorFaults: number;
}

export interface Paging {
  readonly swaps: readonly SwapDevice[];
  /** Undefined where /proc/vmstat is not there or lacks a counter. */
  readonly counters: PagingCounters | undefined;
}

/** The swap devices of a /proc/swaps text (`Filename Type Size Used Priority`, sizes in KiB). */
export const parseSwaps = (text: string): SwapDevice[] =>
  text.split('\n').slice(1).flatMap((line) => {
    const [device, , size, used] = line.trim().split(/\s+/);
    const sizeKiB = Number(size);
    const usedKiB = Number(used);
    if (device === undefined || device === '' || !Number.isFinite(sizeKiB) || !Number.isFinite(usedKiB)) return [];
    return [{ device, usedBytes: usedKiB * 1024, freeBytes: (sizeKiB - usedKiB) * 1024 }];
  });

const VMSTAT_KEYS = { pswpin: 'swappedIn', pswpout: 'swappedOut', pgpgin: 'pagedIn', pgpgout: 'pagedOut', pgfault: 'faults', pgmajfault: 'majorFaults' } as const;

/** The paging counters of a /proc/vmstat text, undefined when one is missing. */
export const parseVmstat = (text: string): PagingCounters | undefined => {
  const found: Partial<Record<keyof PagingCounters, number>> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.split(' ');
    const field = VMSTAT_KEYS[key as keyof typeof VMSTAT_KEYS];
    if (field !== undefined && value !== undefined && /^\d+$/.test(value)) found[field] = Number(value);
  }
  return Object.values(VMSTAT_KEYS).every((f) => found[f] !== undefined) ? (found as PagingCounters) : undefined;
};

/** This machine's swap devices and paging counters (none where /proc has no such files). */
export const readPaging = (root = ''): Paging => ({
  swaps: parsedOr(`${root}/proc/swaps`, parseSwaps, []),
  counters: parsedOr(`${root}/proc/vmstat`, parseVmstat, undefined),
});
