/**
 * The Pipeline's back-pressure for sources that can wait (a file, stdin, replayed samples), with
 * the delivery gate's thresholds (src/roomGate.ts: closed at half of delivery.maxQueued, open
 * again at half that).
 *
 * Without a spool, the level is everything taken in and not yet settled (the reorder buffer, the
 * queue, the batches in flight) — not the queue alone: the reorder buffer hands samples on in
 * bursts (a watermark step releases a whole timestamp's samples, a max-wait timer a run of
 * them), and with the queue near its gate those bursts went past maxQueued as `overflow` dead
 * letters (a 500 000-line file of 50 000 series, maxDelayMs 5 000, into a healthy collector:
 * 36 000). The price: a reorder window wider than the gate (many series, a long maxDelayMs) is
 * read at about the gate's size per maxDelayMs, as its samples go when they have waited it —
 * reported once (`onReorderWait`) so the run can say which settings make it faster.
 *
 * With a spool, which takes such bursts, the level is the backlog (queue and spool) — a backfill
 * is not copied into the spool ahead of delivery — and while the breaker is not closed (an
 * outage) there is room as long as the spool has (up to 90 % of spool.maxBytes): a followed log
 * that rotates during an outage is then safe in the spool, not left in files that the rotation
 * may delete.
 */
import type { ResolvedConfig } from './config/resolve.js';
import type { Spool } from './spool/spool.js';
import { type PipelineStats, backlogOf, reorderingOf } from './stats.js';
import { type RoomGate, createRoomGate, deliveryHighWater, deliveryRoomGate } from './roomGate.js';

export interface ReorderWait {
  readonly type: 'reading-waits-for-reorder';
  /** Samples in the reorder buffer when reading first waited with most of them there. */
  readonly reordering: number;
  /** What reading may have outstanding. */
  readonly highWater: number;
  readonly maxQueued: number;
  readonly maxDelayMs: number;
}

export interface SourceRoomOptions {
  readonly stats: PipelineStats;
  readonly config: ResolvedConfig;
  /** A full batch in every lane: the gate closes no lower (src/roomGate.ts). */
  readonly fullBatches: number;
  readonly spool: Spool | undefined;
  /** Samples taken in and not yet delivered or dead-lettered. */
  readonly outstanding: () => number;
  readonly breakerClosed: () => boolean;
  /** Once a run: reading waits, and at least half of what it may have outstanding is in the reorder buffer. */
  readonly onReorderWait: (e: ReorderWait) => void;
}

export const sourceRoomGate = (opts: SourceRoomOptions): RoomGate => {
  const { stats, config, fullBatches, spool } = opts;
  const maxQueued = config.delivery.maxQueued;
  if (spool !== undefined) {
    const backlogRoom = deliveryRoomGate(() => backlogOf(stats), maxQueued, fullBatches);
    return () => backlogRoom() || (!opts.breakerClosed() && spool.hasRoomFor(0.1));
  }
  const highWater = deliveryHighWater(maxQueued, fullBatches);
  const outstandingRoom = createRoomGate({ level: opts.outstanding, highWater, lowWater: Math.floor(highWater / 2) });
  let said = false;
  return () => {
    if (outstandingRoom()) return true;
    const reordering = reorderingOf(stats);
    if (!said && reordering >= highWater / 2) {
      said = true;
      opts.onReorderWait({ type: 'reading-waits-for-reorder', reordering, highWater, maxQueued, maxDelayMs: config.reorder.maxDelayMs });
    }
    return false;
  };
};
