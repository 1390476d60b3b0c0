/**
 * The Pipeline's stage between the reorder buffer and delivery when there is no spool: what the
 * reorder buffer hands on while delivery's queue is full waits here, in order, and goes on as the
 * queue has room again (looked at every ROOM_POLL_MS) — up to `maxHeld`; beyond, it goes on at
 * once and delivery's overflow policy applies, as it did to everything before.
 *
 * Why: the reorder buffer hands samples on in runs (a watermark step releases a whole timestamp's
 * samples, up to reorder.maxBuffered of them), and a queue near its gate could not take them: a
 * 500 000-line file of 50 000 series (maxDelayMs 5 000) read into a healthy collector made 36 000
 * `overflow` dead letters. A file can wait; its samples were not in excess, they came in one go.
 * (With a spool, the spool stage takes such runs.)
 *
 * At a shutdown whose deadline passed (`abort$`), what is held becomes dead letters `shutdown`,
 * as delivery's queue does.
 *
 * ```
 * room:   yyyyn----y--
 * source: ab--cd-e----|
 * result: ab-------cde|
 * ```
 */
import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Sample } from './sample.js';
import { type Routed, deadLetter } from './routed.js';
import { type PumpStep, pumpWithRoom } from './roomGate.js';
import { abortDetail } from './delivery.js';

export interface HoldForRoomOptions {
  /** True while delivery's queue can take another sample. */
  readonly hasRoom: () => boolean;
  /** Held beyond this, samples go on without room. */
  readonly maxHeld: number;
  readonly scheduler: SchedulerLike;
  /** The drain deadline passed: what is held becomes dead letters `shutdown`. */
  readonly abort$: Observable<unknown>;
  /** Wall time for the dead letters. */
  readonly now: () => number;
}

export const holdForRoom = (opts: HoldForRoomOptions): MonoTypeOperatorFunction<Routed<Sample>> => (source) =>
  new Observable<Routed<Sample>>((subscriber) => {
    const { hasRoom, maxHeld, scheduler } = opts;
    /** The held items are held[head…]. */
    let held: (Routed<Sample> | undefined)[] = [];
    let head = 0;
    let ended = false;
    /** Looking for room again every ROOM_POLL_MS while something is held. */
    let waiting: Subscription | undefined;
    const size = (): number => held.length - head;
    const take = (): Routed<Sample> => {
      const item = held[head]!;
      held[head++] = undefined;
      if (head === held.length) [held, head] = [[], 0];
      else if (head >= 1_024 && head * 2 >= held.length) [held, head] = [held.slice(head), 0];
      return item;
    };
    /** Lets go what the queue has room for (and what is beyond maxHeld): true when nothing is left. */
    const release = (): boolean => {
      while (size() > 0 && !subscriber.closed && (size() > maxHeld || hasRoom())) subscriber.next(take());
      if (size() > 0) return false;
      if (ended) subscriber.complete();
      return true;
    };
    /** Releases now, and while some is left looks again every ROOM_POLL_MS (one look-out at a time). */
    const pump = (): void => {
      if (release()) return;
      waiting ??= pumpWithRoom(scheduler, (): PumpStep => (release() ? ((waiting = undefined), 'done') : 'wait'), 'wait');
    };
    const upstream = source.subscribe({
      next: (item) => {
        if (size() === 0 && hasRoom()) return subscriber.next(item);
        held.push(item);
        pump();
      },
      error: (e: unknown) => {
        while (size() > 0) subscriber.next(take()); // delivery's overflow policy, rather than lost
        subscriber.error(e);
      },
      complete: () => {
        ended = true;
        pump();
      },
    });
    // Subscribed before delivery subscribes to abort$ (it subscribes to this stage first): the held
    // samples are dead letters before delivery's own queue is.
    const aborted = opts.abort$.subscribe((why) => {
      const at = opts.now();
      while (size() > 0) {
        const item = take();
        subscriber.next(isLeft(item) ? item : deadLetter('shutdown', item.right, abortDetail(why), at));
      }
    });
    return () => {
      upstream.unsubscribe();
      aborted.unsubscribe();
      waiting?.unsubscribe();
    };
  });
