/**
 * The spool as a stream stage: each synchronous burst of Rights is written to the spool in one
 * transaction, and only then are they handed on (with the burst's Lefts, in stream order).
 * Samples the spool refuses (full) come out as Lefts `overflow`, counted, never silently.
 *
 * The spool is also the backlog beyond memory. While delivery has no room (`hasRoom`, the
 * pipeline's gate on its delivery queue), written samples are not handed on: they wait in the
 * file, and so does everything after them, so that order holds. When there is room again they
 * are read back, a chunk per lane at a time, oldest first, before anything new — or, up to
 * `maxHeld` of them, handed on from memory, where they are kept as well (heldBacklog.ts). What
 * an earlier run left unsettled is such a backlog from the start. Before, samples were handed on whatever
 * the queue held: an outage longer than delivery.maxQueued samples (100 000: half an hour of the
 * host source) turned the newest into `overflow` dead letters although the spool had room — and
 * as the spool still held them, they were delivered after a restart as well.
 *
 * ```
 * hasRoom:  yes  no ............ yes
 * source:   a    b   c           d
 * spool:    a    b   c           d        (written at once, always)
 * result:   a                    b c d    (b, c read back from the file, then d)
 * ```
 */
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asapScheduler, asyncScheduler } from 'rxjs';
import { isLeft, left, right } from 'fp-ts/lib/Either.js';
import { type Sample, copyWith } from '../sample.js';
import { type Routed, toDeadLetter } from '../routed.js';
import type { Spool, OpenReport } from './spool.js';
import { type RoomGate, ROOM_POLL_MS } from '../roomGate.js';
import { createHeldBacklog } from './heldBacklog.js';

/** Samples written in one transaction at most. */
const MAX_BURST = 4_096;

export interface SpoolStageOptions {
  /** Room in delivery for more samples; without it everything is handed on at once. */
  readonly hasRoom?: RoomGate;
  /** When a burst is written: after the current synchronous work (asap, default). */
  readonly scheduler?: SchedulerLike;
  /** Where the read-back is scheduled (default async). */
  readonly readBackScheduler?: SchedulerLike;
  /** Samples read back per lane at a time. Default 1 000. */
  readonly readBackChunk?: number;
  /** Samples written and waiting that are kept in memory too, handed on from there rather than read back (heldBacklog.ts). Default 0. */
  readonly maxHeld?: number;
  /** Write the burst and hand it on now, not after the current synchronous work (a flush). */
  readonly flushNow$?: Observable<unknown>;
  /** How many samples wait in the spool, not handed on, each time that may have changed. */
  readonly onWaiting?: (samples: number) => void;
  /** The spool could not be written (disk full, say): called when that starts (per burst after a write that worked), with the error... */
  readonly onWriteError?: (error: unknown) => void;
  /** ...and when a write works again. */
  readonly onWriteRecovered?: () => void;
  /** Samples now in the spool (durable: delivered after a crash too), after each write. */
  readonly onWritten?: (samples: readonly Sample[]) => void;
  /**
   * Samples handed on although the spool could not write them: in memory only, so whoever gives
   * up on delivery with the rest left in the spool must account for these itself.
   */
  readonly onHandedOnUnwritten?: (samples: readonly Sample[]) => void;
  /** A spool that waited for disk space opened its file, holding `pending` samples of an earlier run (handed on next). */
  readonly onOpened?: (e: { readonly pending: number; readonly damage?: OpenReport['damage'] }) => void;
}

/**
 * The burst's samples, each an object of its own: one the source emitted again (in this burst, or
 * while the spool still holds it unsettled) is replaced by a copy, in `items` too. The spool knows
 * a sample by its object: the second was placed over the first, whose row was then never settled
 * — its lane's watermark stopped there for good, the spool kept every later row of the lane, and a
 * restart delivered them all again.
 */
const ownObjects = (items: Routed<Sample>[], spool: Spool): Sample[] => {
  const rights: Sample[] = [];
  const inBurst = new Set<Sample>();
  for (let i = 0; i < items.length; i++) {
    const r = items[i]!;
    if (isLeft(r)) continue;
    let s = r.right;
    if (inBurst.has(s) || spool.placeOf(s) !== undefined) items[i] = right((s = copyWith(s, {})));
    inBurst.add(s);
    rights.push(s);
  }
  return rights;
};

export const spoolSamples = (spool: Spool, opts: SpoolStageOptions = {}): OperatorFunction<Routed<Sample>, Routed<Sample>> =>
  (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const scheduler = opts.scheduler ?? asapScheduler;
      const hasRoom = opts.hasRoom ?? (() => true);
      const chunk = Math.max(1, opts.readBackChunk ?? 1_000);
      const held = createHeldBacklog(opts.maxHeld ?? 0);
      // Per lane, the last sequence number handed on; a lane whose spool holds more is behind.
      const handedOn = new Map<number, number>();
      const behind = new Map<number, number>(); // lane → last sequence number written
      // An earlier run's backlog, per lane: all of it is handed on before anything of this run,
      // whatever lane this run puts a series in (the lane count may have changed since). Taken at
      // the start, or when a spool that waited for disk space opens (nothing of this run is in it).
      const earlier = new Map<number, number>();
      const takeEarlierBacklog = (): void => {
        for (const l of spool.lanesState()) {
          handedOn.set(l.lane, l.ackedSeq);
          if (l.nextSeq - 1 <= l.ackedSeq) continue;
          behind.set(l.lane, l.nextSeq - 1);
          earlier.set(l.lane, l.nextSeq - 1);
        }
      };
      takeEarlierBacklog();
      let readBackTask: Subscription | undefined;
      /** The next turn: at once after a yield while there is room, else when room may be back. */
      const readBackLater = (yieldOnly = false): void => {
        readBackTask = (opts.readBackScheduler ?? asyncScheduler).schedule(readBack, yieldOnly ? 0 : ROOM_POLL_MS);
      };
      let upstreamDone: { error: unknown } | 'complete' | undefined;

      const reportWaiting = (): void => {
        let n = 0;
        for (const [lane, last] of behind) n += last - (handedOn.get(lane) ?? -1);
        opts.onWaiting?.(n);
      };
      const finishIfCaughtUp = (): void => {
        if (behind.size > 0 || upstreamDone === undefined) return;
        if (upstreamDone === 'complete') subscriber.complete();
        else subscriber.error(upstreamDone.error);
      };
      /**
       * Hands on one chunk per lane that is behind, while there is room; then yields and goes on.
       * One chunk per lane a turn: reading on while delivery had room handed on up to half of
       * delivery.maxQueued (50 000) in one synchronous turn, with the batches it filled encoded
       * in it too — 200–350 ms in which no timer ran, so live samples a source emitted meanwhile
       * arrived after their reorder window had closed (`late` dead letters while a collector's
       * backlog was caught up on).
       */
      /** Hands on the lane's sample `seq`; the lane has caught up once it is the last written (`last`). */
      const handOn = (lane: number, seq: number, last: number, s: Sample): void => {
        handedOn.set(lane, seq);
        if (seq >= last) behind.delete(lane);
        subscriber.next(right(s));
      };
      const readBack = (): void => {
        readBackTask = undefined;
        if (behind.size > 0 && hasRoom() && !subscriber.closed) {
          for (const [lane, until] of earlier) if ((handedOn.get(lane) ?? -1) >= until) earlier.delete(lane);
          for (const [lane, last] of behind) {
            const after = handedOn.get(lane) ?? -1;
            if (earlier.size > 0 && !earlier.has(lane)) continue; // the earlier backlog first
            const upTo = earlier.get(lane) ?? last;
            if (upTo <= after) continue;
            const heldFrom = held.firstSeq(lane);
            if (heldFrom === after + 1) {
              // The next ones are in memory: handed on as they were written, not read back.
              for (let seq = after + 1; seq <= Math.min(upTo, after + chunk) && held.firstSeq(lane) === seq && hasRoom() && !subscriber.closed; seq++) {
                handOn(lane, seq, last, held.take(lane));
              }
              continue;
            }
            const samples = spool.readBack(lane, after, Math.min(chunk, upTo - after, heldFrom - after - 1));
            if (samples.length === 0) behind.delete(lane); // (cannot happen: nothing after `after` is settled)
            // Sample by sample while there is room; the rest of the chunk is read again later.
            let i = 0;
            for (; i < samples.length; i++) {
              if (!hasRoom() || subscriber.closed) break;
              const s = samples[i]!;
              handOn(lane, spool.placeOf(s)!.seq, last, s);
            }
            if (i < samples.length) spool.forget(samples.slice(i));
          }
        }
        reportWaiting();
        if (behind.size > 0) readBackLater(hasRoom());
        else finishIfCaughtUp();
      };

      let burst: Routed<Sample>[] = [];
      let pending: Subscription | undefined;
      let writeFailing = false;
      const flush = (): void => {
        pending?.unsubscribe();
        pending = undefined;
        if (burst.length === 0) return;
        const items = burst;
        burst = [];
        const rights = ownObjects(items, spool);
        let refused: Set<Sample>;
        try {
          refused = new Set(spool.append(rights));
        } catch (error) {
          // Not written (disk full, say). Before, the stage errored and the burst was lost with
          // the pipeline. Now, with nothing waiting in the spool ahead of them, the samples go on
          // without it (not durable); behind a backlog they cannot, and become dead letters.
          if (!writeFailing) opts.onWriteError?.(error);
          writeFailing = true;
          const at = scheduler.now();
          const why = `the spool could not write it (${error instanceof Error ? error.message : String(error)}) and samples wait in it ahead of this one`;
          const handOn = behind.size === 0;
          if (handOn) opts.onHandedOnUnwritten?.(rights);
          for (const r of items) subscriber.next(handOn || isLeft(r) ? r : left(toDeadLetter('overflow', r.right, why, at)));
          return;
        }
        if (writeFailing) opts.onWriteRecovered?.();
        writeFailing = false;
        opts.onWritten?.(refused.size === 0 ? rights : rights.filter((x) => !refused.has(x)));
        // A sample is handed on only when nothing waits in the spool ahead of it and there is room;
        // once one is not, the rest of the burst waits behind it.
        const at = scheduler.now();
        const leftInFile: Sample[] = [];
        for (const r of items) {
          if (isLeft(r)) subscriber.next(r);
          else if (refused.has(r.right)) subscriber.next(left(toDeadLetter('overflow', r.right, 'the spool is full (spool.maxBytes): sample refused', at)));
          else {
            const { lane, seq } = spool.placeOf(r.right)!;
            if (behind.size === 0 && hasRoom()) {
              handedOn.set(lane, seq);
              subscriber.next(r);
            } else {
              behind.set(lane, seq);
              if (!held.hold(lane, seq, r.right)) leftInFile.push(r.right);
            }
          }
        }
        spool.forget(leftInFile); // read back as new objects when there is room (the held ones stay placed)
        if (behind.size > 0) reportWaiting();
        if (behind.size > 0 && readBackTask === undefined) readBackLater();
      };
      const upstream = source.subscribe({
        next: (r) => {
          burst.push(r);
          // A long synchronous burst (a file source's turn) is written as it goes, so that what it
          // spills is counted (onWaiting) while the source is still asking for room.
          if (burst.length >= MAX_BURST) flush();
          else pending ??= scheduler.schedule(flush);
        },
        error: (e: unknown) => {
          flush();
          upstreamDone = { error: e };
          finishIfCaughtUp();
        },
        complete: () => {
          flush();
          upstreamDone = 'complete';
          finishIfCaughtUp();
        },
      });
      if (behind.size > 0) readBack(); // an earlier run's backlog goes first
      const opened = spool.opened$.subscribe((e) => {
        opts.onOpened?.(e);
        takeEarlierBacklog();
        if (behind.size > 0 && readBackTask === undefined) readBack();
      });
      // After upstream: the reorder buffer released on the same signal is in the burst by now.
      const flushSub = opts.flushNow$?.subscribe({ next: flush, error: () => undefined });
      return () => {
        opened.unsubscribe();
        flushSub?.unsubscribe();
        upstream.unsubscribe();
        pending?.unsubscribe();
        readBackTask?.unsubscribe();
      };
    });
