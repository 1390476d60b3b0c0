/**
 * The Pipeline's back-pressure for sources that can wait (a file, stdin, replayed samples), with
 * the delivery gate's thresholds (src/roomGate.ts: closed at half of delivery.maxQueued queued,
 * open again at half that).
 *
 * Without a spool, also a ceiling on everything taken in and not yet settled (the reorder
 * buffer, the queue, the batches in flight): maxQueued. The queue gate alone let the reorder
 * buffer fill far beyond it, and it hands samples on in bursts (a watermark step releases a whole
 * timestamp's samples): with the queue near its gate those bursts went past maxQueued as
 * `overflow` dead letters (a 500 000-line file of 50 000 series, maxDelayMs 5 000, into a healthy
 * collector: 36 000). The whole of maxQueued, not the gate's half: a followed file's reorder
 * window holds rate × maxDelayMs samples in steady state (60 000 at 30 000 lines/s and 2 s), and
 * a ceiling below that would cap reading at ceiling / maxDelayMs — the samples would then leave
 * only when they had waited maxDelayMs, the watermark no longer moving. A window wider than the
 * ceiling (many series, a long maxDelayMs) is read at about that pace: reported once
 * (`onReorderWait`) so the run can say which settings make it faster.
 *
 * With a spool, which takes such bursts, the level is the backlog (queue and spool) — a backfill
 * is not copied into the spool ahead of delivery — and while the breaker is not closed (an
 * outage) there is room as long as the spool has (up to 90 % of spool.maxBytes): a followed log
 * that rotates during an outage is then safe in the spool, not left in files that the rotation
 * may delete.
 */
import type { ResolvedConfig } from './config/resolve.js';
import type { Spool } from './spool/spool.js';
import { type PipelineStats, backlogOf, queuedOf, reorderingOf } from './stats.js';
import { type RoomGate, createRoomGate, deliveryRoomGate } from './roomGate.js';

export interface ReorderWait {
  readonly type: 'reading-waits-for-reorder';
  /** Samples in the reorder buffer when reading first waited with all of them there. */
  readonly reordering: number;
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
  /** Once a run: reading waits at the ceiling with all of it in the reorder buffer. */
  readonly onReorderWait: (e: ReorderWait) => void;
}

export const sourceRoomGate = (opts: SourceRoomOptions): RoomGate => {
  const { stats, config, fullBatches, spool } = opts;
  const maxQueued = config.delivery.maxQueued;
  if (spool !== undefined) {
    const backlogRoom = deliveryRoomGate(() => backlogOf(stats), maxQueued, fullBatches);
    return () => backlogRoom() || (!opts.breakerClosed() && spool.hasRoomFor(0.1));
  }
  const queueRoom = deliveryRoomGate(() => queuedOf(stats), maxQueued, fullBatches);
  // Reading resumes with a tenth of the ceiling free: in runs, not a sample at a time.
  const ceiling = createRoomGate({ level: opts.outstanding, highWater: maxQueued, lowWater: Math.floor(maxQueued * 0.9) });
  let said = false;
  return () => {
    const belowCeiling = ceiling();
    const open = queueRoom() && belowCeiling;
    if (open || belowCeiling || said) return open;
    // Held at the ceiling with nothing queued or in flight: all of it is in the reorder buffer,
    // which lets it go only as samples have waited maxDelayMs. (At the ceiling with a queue, the
    // queue's progress opens it again.)
    const reordering = reorderingOf(stats);
    if (queuedOf(stats) === 0 && reordering > 0) {
      said = true;
      opts.onReorderWait({ type: 'reading-waits-for-reorder', reordering, maxQueued, maxDelayMs: config.reorder.maxDelayMs });
    }
    return false;
  };
};
