/**
 * The spool as a stream stage: each synchronous burst of Rights is written to the spool in one
 * transaction, and only then are they handed on (with the burst's Lefts, in stream order).
 * Samples the spool refuses (full) come out as Lefts `overflow`, counted, never silently.
 */
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asapScheduler } from 'rxjs';
import { isLeft, left } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { type Routed, toDeadLetter } from '../routed.js';
import type { Spool } from './spool.js';

export interface SpoolStageOptions {
  /** When a burst is written: after the current synchronous work (asap, default). */
  readonly scheduler?: SchedulerLike;
}

export const spoolSamples = (spool: Spool, opts: SpoolStageOptions = {}): OperatorFunction<Routed<Sample>, Routed<Sample>> =>
  (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const scheduler = opts.scheduler ?? asapScheduler;
      let burst: Routed<Sample>[] = [];
      let pending: Subscription | undefined;
      const flush = (): void => {
        pending?.unsubscribe();
        pending = undefined;
        if (burst.length === 0) return;
        const items = burst;
        burst = [];
        let refused: Set<Sample> = new Set();
        try {
          refused = new Set(spool.append(items.flatMap((r) => (isLeft(r) ? [] : [r.right]))));
        } catch (e) {
          subscriber.error(e); // a spool that cannot write must stop the pipeline, not drop samples
          return;
        }
        const at = scheduler.now();
        for (const r of items) {
          if (!isLeft(r) && refused.has(r.right)) subscriber.next(left(toDeadLetter('overflow', r.right, 'the spool is full (spool.maxBytes): sample refused', at)));
          else subscriber.next(r);
        }
      };
      const upstream = source.subscribe({
        next: (r) => {
          burst.push(r);
          pending ??= scheduler.schedule(flush);
        },
        error: (e: unknown) => {
          flush();
          subscriber.error(e);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        pending?.unsubscribe();
      };
    });
