/**
 * Block devices' I/O since boot, from /proc/diskstats, as the Collector's hostmetrics receiver's
 * disk scraper has it (v0.159, gopsutil v4): per device that has done any I/O (one whose counters
 * are all zero — an unused loop or zram device — is left out, as the receiver leaves it out), bytes
 * (sectors of 512 bytes), operations and merged operations read and written, the time spent on
 * each, the time the device was busy and its weighted time, and the operations in progress.
 * Linux only (elsewhere none).
 */
import { parsedOr } from './procText.js';

/** One direction's counters of a block device. */
export interface DiskDirection {
  readonly bytes: number;
  readonly operations: number;
  readonly merged: number;
  /** Time spent on these operations, seconds. */
  readonly timeS: number;
}

export interface DiskCounters {
  readonly device: string;
  readonly read: DiskDirection;
  readonly write: DiskDirection;
  /** Time the device had I/O in flight, seconds. */
  readonly ioTimeS: number;
  /** That time weighted by the number of operations in flight, seconds. */
  readonly weightedIoTimeS: number;
  readonly pendingOperations: number;
}

const SECTOR_BYTES = 512;

/**
 * The devices of a /proc/diskstats text: `major minor name reads merged sectors ms writes merged
 * sectors ms in-flight io-ms weighted-ms [discards … flushes …]`.
 */
export const parseDiskStats = (text: string): DiskCounters[] =>
  text.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) return [];
    const n = f.slice(3, 14).map(Number);
    if (n.some((x) => !Number.isFinite(x)) || n.every((x) => x === 0)) return [];
    const [reads, readsMerged, sectorsRead, readMs, writes, writesMerged, sectorsWritten, writeMs, inFlight, ioMs, weightedMs] = n as [number, number, number, number, number, number, number, number, number, number, number];
    return [{
      device: f[2]!,
      read: { bytes: sectorsRead * SECTOR_BYTES, operations: reads, merged: readsMerged, timeS: readMs / 1000 },
      write: { bytes: sectorsWritten * SECTOR_BYTES, operations: writes, merged: writesMerged, timeS: writeMs / 1000 },
      ioTimeS: ioMs / 1000,
      weightedIoTimeS: weightedMs / 1000,
      pendingOperations: inFlight,
    }];
  });

/** This machine's block devices (empty where there is no /proc/diskstats). */
export const readDiskStats = (root = ''): DiskCounters[] => parsedOr(`${root}/proc/diskstats`, parseDiskStats, []);
