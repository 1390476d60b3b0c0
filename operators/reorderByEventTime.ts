import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { type Sample, seriesMemo, msToNanos } from '../src/sample.js';
import { type Routed, deadLetter } from '../src/routed.js';
import { createTimeHeap } from '../src/timeHeap.js';
import { type TimeKey, setTimeKey, keyBefore, subtractKey, timeKey } from '../src/timeKey.js';

export interface LateEvent {
  readonly sample: Sample;
  /** The last released time it is older than (of its series, or of the stream under 'global'). */
  readonly lastReleasedUnixNano: bigint;
}
export interface OverflowEvent {
  /** The sample released early to make room. */
  readonly sample: Sample;
  readonly maxBuffered: number;
}

export interface ReorderOptions {
  /** How much disorder to repair: a sample waits at most this long, in event and in scheduler time. */
  readonly maxDelayMs: number;
  /** What "late" is measured against: the sample's own series (default) or the whole stream. */
  readonly order?: 'series' | 'global';
  /** Buffer bound; one more releases the oldest early (never drops it). Default 100 000. */
  readonly maxBuffered?: number;
  readonly scheduler?: SchedulerLike;
  readonly onLate?: (e: LateEvent) => void;
  readonly onOverflow?: (e: OverflowEvent) => void;
}

/** Last released time of one series (or of the stream, under 'global'), as a key and a bigint. */
interface Released extends TimeKey {
  last: bigint | undefined;
}

/** A buffered sample; (hi, lo) is its exact time as a key (see src/timeKey.ts). */
interface Entry extends TimeKey {
  readonly item: Routed<Sample>;
  readonly sample: Sample;
  readonly seq: number;
  readonly deadlineMs: number;
  readonly released: Released;
  done: boolean;
}

const before = (a: Entry, b: Entry): boolean =>
  a.hi < b.hi || (a.hi === b.hi && (a.lo < b.lo || (a.lo === b.lo && a.seq < b.seq)));

/**
 * Repairs bounded disorder: buffers samples and releases them in ascending `timeUnixNano`
 * (ties in arrival order). A sample is released when the watermark (largest time seen −
 * maxDelayMs) reaches it or when it has waited maxDelayMs, whichever is first; releasing one
 * first releases every buffered sample with an earlier time. A sample older than the last
 * released one of its series (or of the stream, under order 'global') comes out at once as a
 * Left `late`. Lefts pass through untouched and in place. O(log n) per sample.
 *
 * ```
 * maxDelayMs: 3, one frame = 1 ms, event times a=5 ms, b=3 ms, c=6 ms
 * source: ab--c-----|
 * result: ---(ba)c--|
 *            └ a has waited 3 ms: released, and b (earlier) with it; c waits its own 3 ms
 * ```
 *
 * @example
 * samples$.pipe(routed(), reorderByEventTime({ maxDelayMs: 2_000, onLate: (e) => log(e) }))
 */
export function reorderByEventTime(opts: ReorderOptions): OperatorFunction<Routed<Sample>, Routed<Sample>> {
  const maxDelayMs = opts.maxDelayMs;
  const maxDelayKey = timeKey(msToNanos(maxDelayMs));
  const bySeries = (opts.order ?? 'series') === 'series';
  const maxBuffered = Math.max(1, opts.maxBuffered ?? 100_000);
  const scheduler = opts.scheduler ?? asyncScheduler;

  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const heap = createTimeHeap<Entry>();
      const arrivals: Entry[] = [];
      let arrivalsHead = 0;
      let seq = 0;
      let seenAny = false;
      const maxSeen: TimeKey = { hi: 0, lo: 0 };
      const watermark: TimeKey = { hi: 0, lo: 0 };
      const arriving: TimeKey = { hi: 0, lo: 0 };
      const stream: Released = { last: undefined, hi: 0, lo: 0 };
      const releasedOf = bySeries ? seriesMemo<Released>(() => ({ last: undefined, hi: 0, lo: 0 })) : () => stream;
      let timer: Subscription | undefined;

      const release = (e: Entry): void => {
        e.done = true;
        const r = e.released;
        r.last = e.sample.timeUnixNano;
        r.hi = e.hi;
        r.lo = e.lo;
        subscriber.next(e.item);
      };
      const releaseThrough = (limit: Entry): void => {
        for (let top = heap.peek(); top !== undefined && !before(limit, top); top = heap.peek()) release(heap.pop()!);
      };
      const releaseToWatermark = (): void => {
        for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
          if (keyBefore(watermark, top)) return;
          release(heap.pop()!);
        }
      };
      const headOfArrivals = (): Entry | undefined => {
        while (arrivalsHead < arrivals.length && arrivals[arrivalsHead]!.done) arrivalsHead++;
        if (arrivalsHead > 1024 && arrivalsHead * 2 > arrivals.length) {
          arrivals.splice(0, arrivalsHead);
          arrivalsHead = 0;
        }
        return arrivals[arrivalsHead];
      };
      const armTimer = (): void => {
        if (timer !== undefined) return;
        const head = headOfArrivals();
        if (head === undefined) return;
        timer = scheduler.schedule(onTimer, Math.max(0, head.deadlineMs - scheduler.now()));
      };
      const onTimer = (): void => {
        timer = undefined;
        const now = scheduler.now();
        for (let head = headOfArrivals(); head !== undefined && head.deadlineMs <= now; head = headOfArrivals()) {
          releaseThrough(head);
        }
        armTimer();
      };
      const late = (sample: Sample, last: bigint): void => {
        opts.onLate?.({ sample, lastReleasedUnixNano: last });
        const scope = bySeries ? 'its series' : 'the stream';
        const detail = `sample at ${sample.timeUnixNano} ns is older than the last released sample of ${scope} (${last} ns); maxDelayMs ${maxDelayMs}`;
        subscriber.next(deadLetter('late', sample, detail, scheduler.now()));
      };
      const accept = (item: Routed<Sample>, sample: Sample): void => {
        setTimeKey(arriving, sample.timeUnixNano);
        const released = releasedOf(sample);
        if (released.last !== undefined && keyBefore(arriving, released)) return late(sample, released.last);
        const { hi, lo } = arriving;
        const entry: Entry = { item, sample, hi, lo, seq: seq++, deadlineMs: scheduler.now() + maxDelayMs, released, done: false };
        heap.push(entry);
        arrivals.push(entry);
        if (arrivals[arrivalsHead]!.done) headOfArrivals(); // keeps the FIFO O(buffered)
        if (!seenAny || keyBefore(maxSeen, arriving)) {
          seenAny = true;
          maxSeen.hi = hi;
          maxSeen.lo = lo;
          subtractKey(watermark, maxSeen, maxDelayKey);
        }
        releaseToWatermark();
        if (heap.size > maxBuffered) {
          const oldest = heap.pop()!;
          opts.onOverflow?.({ sample: oldest.sample, maxBuffered });
          release(oldest);
        }
        if (timer === undefined) armTimer();
      };
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        while (heap.size > 0) release(heap.pop()!);
      };

      const upstream = source.subscribe({
        next: (item) => (isLeft(item) ? subscriber.next(item) : accept(item, item.right)),
        error: (err: unknown) => {
          flush();
          subscriber.error(err);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        timer?.unsubscribe();
        timer = undefined;
      };
    });
}
