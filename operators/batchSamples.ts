import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import type { Sample } from '../src/sample.js';
import { timerMs } from '../src/clock.js';
import { numberOption } from '../src/options.js';

export interface BatchOptions {
  /** A batch is emitted as soon as it holds this many items. Default 1000. */
  readonly maxSize?: number;
  /** ... or when its oldest item has waited this long. Default 1000. */
  readonly maxDelayMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Groups items into order-preserving batches: a batch is emitted when it is full or when its
 * oldest item has waited maxDelayMs; the partial batch is flushed on complete (and before an
 * error); an empty batch is never emitted. One timer at most, armed by a batch's first item.
 *
 * ```
 * maxSize: 3, maxDelayMs: 4
 * source: abcd-e----f|
 * result: --x----y---(z|)     x = [a,b,c]  y = [d,e] (d waited 4)  z = [f]
 * ```
 *
 * @example
 * samples$.pipe(batchSamples({ maxSize: 500, maxDelayMs: 200 }))
 */
export function batchSamples<T = Sample>(opts: BatchOptions = {}): OperatorFunction<T, readonly T[]> {
  const maxSize = Math.max(1, numberOption('batchSamples', 'maxSize', opts.maxSize, 1000));
  const maxDelayMs = numberOption('batchSamples', 'maxDelayMs', opts.maxDelayMs, 1000);
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<readonly T[]>((subscriber) => {
      let batch: T[] = [];
      let timer: Subscription | undefined;
      const emit = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (batch.length === 0) return;
        const full = batch;
        batch = [];
        subscriber.next(full);
      };
      const upstream = source.subscribe({
        next: (item) => {
          batch.push(item);
          if (batch.length >= maxSize) emit();
          else if (timer === undefined) timer = scheduler.schedule(emit, timerMs(maxDelayMs));
        },
        error: (e: unknown) => {
          emit();
          subscriber.error(e);
        },
        complete: () => {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        timer?.unsubscribe();
      };
    });
}
