/**
 * The Pipeline's stage between reorderByEventTime and deliverOrdered, where samples wait while
 * delivery's queue has no room: without a spool in memory, up to reorder.maxBuffered
 * (holdForRoom.ts); with one in the spool file, which also hands on first what an earlier run left
 * unsettled (spool/spoolSamples.ts).
 *
 * ```
 * room:   yyyyn----y--
 * source: ab--cd-e----|
 * result: ab-------cde|
 * ```
 */
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import type { Sample } from './sample.js';
import type { Routed } from './routed.js';
import type { Spool } from './spool/spool.js';
import type { ResolvedConfig } from './config/resolve.js';
import type { AbortReason } from './delivery.js';
import type { PipelineEvent } from './pipelineTypes.js';
import { type PipelineStats, queuedOf } from './stats.js';
import type { RoomGate } from './roomGate.js';
import { holdForRoom } from './holdForRoom.js';
import { spoolSamples } from './spool/spoolSamples.js';

export interface BacklogStageOptions {
  readonly config: ResolvedConfig;
  readonly stats: PipelineStats;
  readonly spool: Spool | undefined;
  /** Room in delivery's queue (the Pipeline's `hasRoom`), for the spool's read-back. */
  readonly hasRoom: RoomGate;
  readonly scheduler: SchedulerLike;
  /** Wall time, ms. */
  readonly now: () => number;
  /** A shutdown gives up: what is held in memory becomes dead letters. */
  readonly abort$: Observable<AbortReason | undefined>;
  /** A flush: what the spool stage holds for its next write is written and handed on now. */
  readonly flushNow$?: Observable<unknown>;
  readonly report: (e: PipelineEvent) => void;
  readonly onSettled: ((s: Sample) => void) | undefined;
  /** With a spool: samples handed on that the spool could not write (disk full), in memory only. */
  readonly onUnspooled: (samples: readonly Sample[]) => void;
}

export const backlogStage = (o: BacklogStageOptions): MonoTypeOperatorFunction<Routed<Sample>> => {
  const { config: c, stats: s, spool, scheduler } = o;
  if (spool === undefined) {
    const maxQueued = c.delivery.maxQueued;
    return holdForRoom({ hasRoom: () => queuedOf(s) < maxQueued, maxHeld: c.reorder.maxBuffered, scheduler, abort$: o.abort$, now: o.now });
  }
  return (live$) => {
    // What an earlier run left unsettled counts as taken in; it goes first, ahead of anything new.
    s.samplesIn += spool.inspect().waiting;
    return live$.pipe(spoolSamples(spool, {
      // Half of delivery.maxQueued kept in memory beside the half delivery's queue holds (its room
      // gate): a backlog of a receiver that is up but slower than the sources (an otlp source takes
      // requests while the spool has room) is then partly handed on as written, not read back.
      hasRoom: o.hasRoom, readBackScheduler: scheduler, maxHeld: Math.ceil(c.delivery.maxQueued / 2), onWaiting: (n) => (s.waitingInSpool = n), ...(o.flushNow$ ? { flushNow$: o.flushNow$ } : {}),
      onWriteError: (error) => {
        s.spoolFailing = true;
        o.report({ type: 'spool-write-failed', error });
      },
      onWriteRecovered: () => {
        s.spoolFailing = false;
        o.report({ type: 'spool-write-recovered' });
      },
      onHandedOnUnwritten: o.onUnspooled,
      // What an earlier run left counts as taken in once the spool that waited for space opens.
      onOpened: (e) => {
        s.samplesIn += e.pending;
        o.report({ type: 'spool-opened', pending: e.pending, ...(e.damage ? { damage: e.damage } : {}) });
      },
      ...(o.onSettled ? { onWritten: (written: readonly Sample[]) => { for (const x of written) o.onSettled!(x); } } : {}),
    }));
  };
};
