/** The spool's options and what opening it reports (src/spool/spool.ts). */
import type { Clock } from '../clock.js';
import type { Attributes } from '../sample.js';

export type SpoolFsync = 'always' | { intervalMs: number };

export interface SpoolOptions {
  readonly lanes?: number;
  /** Unsettled bytes at most; past it, new samples are refused (they become dead letters `overflow`). */
  readonly maxBytes?: number;
  readonly fsync?: SpoolFsync;
  /**
   * The pipeline's resource, which samples without one of their own go out with: recorded, so that
   * an earlier run's backlog is read back with the resource it was written under (resourceEras.ts).
   */
  readonly resource?: Attributes;
  /** Names the moved-aside file of a damaged spool. */
  readonly clock?: Clock;
  /**
   * The spool's file was deleted while it was open: its contents were written again at the path
   * (`samples` unsettled in it), or could not be (`error`: they go when this process stops); or,
   * after that was said, `back`: the file is at its path again (its directory was moved back).
   */
  readonly onDeleted?: (e: { samples: number; error?: Error; atClose?: true; back?: true }) => void;
  /** Free space at which the file is shrunk once the spool is empty (default SHRINK_AT_FREE_BYTES). */
  readonly shrinkAtFreeBytes?: number;
  /**
   * When its disk has no room to open the file (or take its lock): open anyway, without the file
   * — every append fails, as on a disk that filled while running — and open the file as soon as
   * it can be (tried every FILE_CHECK_MS; `opened$` tells). Without it, such an open is a Left.
   */
  readonly waitForSpace?: boolean;
  /**
   * Whether appends raise the newest sample time kept (Spool.newestUnixNano; default true). Off
   * under skew.policy pass, which lets samples stamped in the future through: one stamped a year
   * ahead would have started the next run's trusted time a year ahead.
   */
  readonly keepNewest?: boolean;
}

/** How often the spool looks whether its file is still at its path (or, waiting for space, whether it can be opened). */
export const FILE_CHECK_MS = 5_000;

export interface OpenReport {
  /** Samples found unsettled at open (to be delivered first). */
  readonly pending: number;
  /** Set when the file was damaged: what was salvaged and where the damaged file was moved. */
  readonly damage?: { readonly message: string; readonly salvagedSamples: number; readonly movedTo: string };
  /** Set when the write-ahead log ended in a partial frame (a commit cut off by a crash): reported, nothing acknowledged was lost. */
  readonly tornWalBytes?: number;
  /** Set when the file could not be opened for lack of disk space (SpoolOptions.waitForSpace): why. */
  readonly waitingForSpace?: string;
}
