import { Observable, type OperatorFunction, type Subscription, asyncScheduler, filter, merge } from 'rxjs';
import { isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from '../src/sample.js';
import { type Routed, toDeadLetter, type DeadLetterReason, invalidSample } from '../src/routed.js';
import { isRetriesExhaustedError } from '../src/errors.js';
import { createCircuitBreaker } from '../src/breaker.js';
import {
  type SendBatch, type DeliveryResult, type Delivered,
  seriesLanes, abortDetail, type DeliverOptions, refusalDetail,
} from '../src/delivery.js';
import { type BatchEnd, createBatchOutcome } from '../src/batchOutcome.js';
import { createLaneTable, laneWithOldest, type Lane } from '../src/deliveryLanes.js';
import { safeHook } from '../src/hooks.js';
import { checkRetryOptions } from './retryBackoff.js';
import { batchAttempts, exhaustedDetail } from '../src/batchAttempts.js';
import { timerMs } from '../src/clock.js';
import { numberOption } from '../src/options.js';

export type { DeliverOptions } from '../src/delivery.js';

/**
 * Delivers samples in order through `send`, per lane strictly one batch in flight: batch k+1 of
 * a lane is not sent before batch k has succeeded or been dead-lettered, so every series reaches
 * the sink in order however long a retry takes. Each batch runs
 * `send(batch).pipe(circuitBreaker(breaker), retryBackoff(retry))`: the same batch object is
 * resent, timestamps untouched. Success → Right Delivered; permanent error → a Left `rejected`
 * per sample; exhaustion → Left `retries-exhausted`. A send may name samples refused on their own
 * and parts already taken before it ends: those keep their outcome whatever becomes of the rest
 * (src/batchOutcome.ts). Upstream Lefts pass through at once.
 *
 * ```
 * lanes 1, batch maxSize 2; the first send of [a,b] fails, its retry succeeds
 * source:  a-b-c-d----|
 * send:    --x(fail) x--y      x = [a,b] resent bit for bit, y = [c,d] only after x
 * result:  ------X---Y|        X = Delivered{[a,b], attempts 2}, Y = Delivered{[c,d]}
 * ```
 *
 * @example
 * samples$.pipe(routed(), reorderByEventTime({ maxDelayMs: 2_000 }), deliverOrdered(otlpGrpcSink(opts).send, { lanes: 4 }))
 */
export function deliverOrdered(send: SendBatch, opts: DeliverOptions = {}): OperatorFunction<Routed<Sample>, DeliveryResult> {
  const laneCount = opts.order === 'global' ? 1 : Math.max(1, Math.floor(numberOption('deliverOrdered', 'lanes', opts.lanes, 1, true)));
  const maxSize = Math.max(1, numberOption('deliverOrdered', 'batch.maxSize', opts.batch?.maxSize, 1000));
  const maxDelayMs = numberOption('deliverOrdered', 'batch.maxDelayMs', opts.batch?.maxDelayMs, 1000);
  const maxQueued = Math.max(1, numberOption('deliverOrdered', 'maxQueued', opts.maxQueued, 100_000));
  const scheduler = opts.scheduler ?? asyncScheduler;
  const atMostOnce = opts.guarantee === 'at-most-once';
  const fenceMs = numberOption('deliverOrdered', 'fenceMs', opts.fenceMs, 1_000);
  checkRetryOptions(opts.retry ?? {}, 'deliverOrdered', 'retry.'); // each batch's retryBackoff would throw it later, in the stream
  // Lanes take batches of maxSize, and overflow under 'dead-letter-oldest' takes one sample.
  const queueBatchSize = opts.overflow === 'dead-letter-oldest' ? 1 : maxSize;
  // The user's hooks: one that throws is reported, and the batch or sample goes on (src/hooks.ts).
  const onDeadLetter = safeHook(opts.onDeadLetter);
  const onRetry = safeHook(opts.onRetry);
  const onDelivered = safeHook(opts.onDelivered);
  const onBatch = safeHook(opts.onBatch);
  const onOverflow = safeHook(opts.onOverflow);

  return (source) =>
    new Observable<DeliveryResult>((subscriber) => {
      const breaker = opts.breaker ?? createCircuitBreaker({ scheduler });
      // A batch held back by an open breaker goes as soon as the breaker half-opens or closes,
      // not when its own wait (the breaker's estimate when it was turned away) runs out.
      const breakerMoved$ = breaker.state$.pipe(filter((t) => t.to !== 'open'));
      const retryNow$ = opts.retry?.retryNow$ === undefined ? breakerMoved$ : merge(opts.retry.retryNow$, breakerMoved$);
      // Made at their first sample (src/deliveryLanes.ts).
      const { lanes, at: laneAt } = createLaneTable(queueBatchSize);
      let queued = 0;
      /** Lanes with a batch in flight. */
      let busyLanes = 0;
      let draining = false;
      let upstreamError: { error: unknown } | undefined;

      const deadLetters = (samples: readonly Sample[], reason: DeadLetterReason, detail: string, lane: number, extra: { attempts?: number; error?: unknown } = {}): void => {
        const at = scheduler.now();
        for (const s of samples) subscriber.next(left(toDeadLetter(reason, s, detail, at, extra)));
        onDeadLetter?.({ reason, count: samples.length, lane, samples, ...(extra.error !== undefined ? { error: extra.error } : {}) });
      };
      const finishIfDrained = (): void => {
        if (!draining || queued > 0 || busyLanes > 0) return;
        if (upstreamError) subscriber.error(upstreamError.error);
        else subscriber.complete();
      };

      const sendBatch = (lane: Lane, batch: readonly Sample[], settleNow: () => void): Subscription => {
        const run = batchAttempts(send, batch, {
          breaker, retry: opts.retry, atMostOnce, retryNow$, scheduler,
          onRetry: (e) => onRetry?.({ ...e, lane: lane.index, batchSize: batch.length }),
        });
        const settle = (): void => {
          if (!run.uncertain || fenceMs <= 0) return settleNow();
          lane.fence = scheduler.schedule(() => {
            lane.fence = undefined;
            settleNow();
          }, timerMs(fenceMs));
        };
        const outcome = createBatchOutcome(batch);
        lane.cutShort = () => ended(lane, outcome.end(false), run.attempts, run.firstAttemptAtMs).rest;
        return run.attempt$.subscribe({
          next: (v) => outcome.see(v, run.attempts, run.mayHaveLanded),
          error: (e: unknown) => {
            const { rest } = ended(lane, outcome.end(false), run.attempts, run.firstAttemptAtMs);
            if (rest.length === 0) return settle(); // every sample taken or refused on its own before
            if (isRetriesExhaustedError(e)) deadLetters(rest, 'retries-exhausted', exhaustedDetail(e, atMostOnce), lane.index, { attempts: e.attempts, error: e.cause });
            else deadLetters(rest, 'rejected', refusalDetail(e, run.attempts, run.mayHaveLanded), lane.index, { attempts: run.attempts, error: e });
            settle();
          },
          complete: () => {
            ended(lane, outcome.end(true), run.attempts, run.firstAttemptAtMs);
            settle();
          },
        });
      };
      /** The delivered part of a batch that ended, and its samples refused on their own; returns the rest. */
      const ended = (lane: Lane, end: BatchEnd, attempts: number, firstAttemptAtMs: number): BatchEnd => {
        lane.cutShort = undefined;
        if (end.delivered.length > 0) {
          const delivered: Delivered = { samples: end.delivered, lane: lane.index, attempts, firstAttemptAtMs, deliveredAtMs: scheduler.now() };
          onDelivered?.(delivered);
          subscriber.next(right(delivered));
        }
        for (const g of end.refused) deadLetters(g.samples, 'rejected', g.detail, lane.index, { attempts, ...(g.error !== undefined ? { error: g.error } : {}) });
        return end;
      };

      const pump = (lane: Lane): void => {
        if (lane.pumping) return;
        lane.pumping = true;
        try {
          while (!lane.busy && lane.queue.length > 0 && !subscriber.closed) {
            const waitedMs = scheduler.now() - lane.queue.oldestArrivalMs()!;
            // A full queue (maxQueued) does not wait for batches to fill: they cannot.
            if (!draining && lane.flushing === 0 && lane.queue.length < maxSize && waitedMs < maxDelayMs && queued < maxQueued) {
              lane.timer ??= scheduler.schedule(() => {
                lane.timer = undefined;
                pump(lane);
              }, timerMs(maxDelayMs - waitedMs));
              break;
            }
            lane.timer?.unsubscribe();
            lane.timer = undefined;
            // Frozen: a send that emptied it (b.length = 0, in JavaScript) made its samples vanish — no delivery, no dead letter.
            const batch = Object.freeze(lane.queue.take(maxSize));
            queued -= batch.length;
            lane.flushing = Math.max(0, lane.flushing - batch.length);
            lane.busy = true;
            busyLanes++;
            lane.current = batch;
            onBatch?.({ lane: lane.index, size: batch.length, phase: 'sent' });
            let settledSync = false;
            const sub = sendBatch(lane, batch, () => {
              onBatch?.({ lane: lane.index, size: batch.length, phase: 'settled' });
              lane.busy = false;
              busyLanes--;
              lane.current = undefined;
              lane.inFlight = undefined;
              settledSync = true;
              if (!lane.pumping) pump(lane);
            });
            if (!settledSync) lane.inFlight = sub;
          }
        } finally {
          lane.pumping = false;
        }
        finishIfDrained();
      };

      const overflow = (incoming: Sample, laneIndex: number): void => {
        const newest = opts.overflow !== 'dead-letter-oldest';
        const victimLane = newest ? laneAt(laneIndex) : laneWithOldest(lanes, laneAt(laneIndex));
        const victim = newest ? incoming : victimLane.queue.take(1)[0]!;
        if (!newest) {
          if (victimLane.flushing > 0) victimLane.flushing--;
          queued--;
          laneAt(laneIndex).queue.push(incoming, scheduler);
          queued++;
        }
        onOverflow?.({ sample: victim, queued });
        deadLetters([victim], 'overflow', `more than maxQueued ${maxQueued} samples waiting for delivery`, victimLane.index);
      };

      const laneIndexOf = seriesLanes(laneCount);
      const accept = (s: Sample): void => {
        let index: number;
        try {
          index = laneIndexOf(s);
        } catch (e) {
          // No series key (no attributes, not an object): a Left 'invalid', not a lost sample.
          return subscriber.next(invalidSample(s, e, scheduler.now()));
        }
        const lane = laneAt(index);
        if (queued >= maxQueued) overflow(s, index);
        else {
          lane.queue.push(s, scheduler);
          if (++queued === maxQueued) {
            // Full: every idle lane sends what it holds now. With maxQueued below what fills the
            // batches, they waited for their timers while the samples after them overflowed — a
            // healthy receiver, and all but maxQueued samples per batch.maxDelayMs dead-lettered.
            // (`flushing`: each sends all it holds, though the first batch leaves the queue not full.)
            for (const l of lanes.slice()) {
              if (l.busy || l.queue.length === 0) continue;
              l.flushing = l.queue.length;
              pump(l);
            }
            return;
          }
        }
        // A busy lane is pumped when its batch settles; an armed timer fires unless the batch fills.
        if (!lane.busy && (lane.timer === undefined || lane.queue.length >= maxSize)) pump(lane);
      };

      const cancelLanes = (): void => {
        for (const l of lanes) {
          l.inFlight?.unsubscribe();
          l.timer?.unsubscribe();
          l.fence?.unsubscribe();
        }
      };
      const upstream = source.subscribe({
        next: (item) => (isLeft(item) ? subscriber.next(item) : accept(item.right)),
        error: (error: unknown) => {
          upstreamError = { error };
          draining = true;
          lanes.forEach(pump);
          finishIfDrained(); // no lanes made: nothing came
        },
        complete: () => {
          draining = true;
          lanes.forEach(pump);
          finishIfDrained(); // no lanes made: nothing came
        },
      });
      const abort = (why: unknown): void => {
        cancelLanes();
        for (const l of lanes) {
          // A batch in flight is settled here (as dead letters, but for what it had delivered): onBatch hears it, as it heard it sent.
          if (l.current !== undefined) onBatch?.({ lane: l.index, size: l.current.length, phase: 'settled' });
          // A batch in its fence has had its outcome (delivered or dead letters): it was dead-lettered
          // again here as `shutdown`, a sample both delivered and a letter to replay. Of a batch in
          // flight, the parts taken and the samples refused so far have theirs (batchOutcome.ts).
          const unsettled = l.fence !== undefined ? [] : (l.cutShort?.() ?? l.current ?? []);
          const left = [...unsettled, ...l.queue.drainAll()];
          l.current = undefined;
          l.busy = false;
          if (left.length > 0) deadLetters(left, 'shutdown', abortDetail(why), l.index);
        }
        queued = 0;
        busyLanes = 0;
        upstream.unsubscribe();
        subscriber.complete();
      };
      // An abort$ that errors aborts nothing (without an error callback RxJS threw it as an uncaught exception).
      const abortSub = opts.abort$?.subscribe({ next: abort, error: () => undefined });
      // Subscribed after upstream: an operator before this one that flushes on the same signal
      // (reorderByEventTime's flushNow$) has handed its samples on by the time the lanes flush.
      const flushSub = opts.flushNow$?.subscribe({
        next: () => {
          for (const l of lanes) {
            l.flushing = l.queue.length;
            pump(l);
          }
        },
        error: () => undefined,
      });
      return () => {
        upstream.unsubscribe();
        abortSub?.unsubscribe();
        flushSub?.unsubscribe();
        cancelLanes();
        if (opts.breaker === undefined) breaker.dispose();
      };
    });
}
