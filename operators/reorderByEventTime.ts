import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { type Sample, seriesKey, msToNanos } from '../src/sample.js';
import { type Routed, deadLetter } from '../src/routed.js';
import { createHeap } from '../src/heap.js';

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

interface Entry {
  readonly item: Routed<Sample>;
  readonly sample: Sample;
  readonly t: bigint;
  readonly seq: number;
  readonly deadlineMs: number;
  released: boolean;
}

const before = (a: Entry, b: Entry): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);

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
  const maxDelayNs = msToNanos(maxDelayMs);
  const bySeries = (opts.order ?? 'series') === 'series';
  const maxBuffered = Math.max(1, opts.maxBuffered ?? 100_000);
  const scheduler = opts.scheduler ?? asyncScheduler;

  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const heap = createHeap(before);
      const arrivals: Entry[] = [];
      let arrivalsHead = 0;
      let seq = 0;
      let maxSeen: bigint | undefined;
      let lastGlobal: bigint | undefined;
      const lastBySeries = new Map<string, bigint>();
      let timer: Subscription | undefined;

      const release = (e: Entry): void => {
        e.released = true;
        if (bySeries) lastBySeries.set(seriesKey(e.sample), e.t);
        else lastGlobal = e.t;
        subscriber.next(e.item);
      };
      const releaseThrough = (limit: Entry): void => {
        for (let top = heap.peek(); top !== undefined && !before(limit, top); top = heap.peek()) release(heap.pop()!);
      };
      const releaseUpToTime = (t: bigint): void => {
        for (let top = heap.peek(); top !== undefined && top.t <= t; top = heap.peek()) release(heap.pop()!);
      };
      const headOfArrivals = (): Entry | undefined => {
        while (arrivalsHead < arrivals.length && arrivals[arrivalsHead]!.released) arrivalsHead++;
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
      const accept = (item: Routed<Sample>, sample: Sample): void => {
        const t = sample.timeUnixNano;
        const last = bySeries ? lastBySeries.get(seriesKey(sample)) : lastGlobal;
        if (last !== undefined && t < last) {
          opts.onLate?.({ sample, lastReleasedUnixNano: last });
          const scope = bySeries ? 'its series' : 'the stream';
          const detail = `sample at ${t} ns is older than the last released sample of ${scope} (${last} ns); maxDelayMs ${maxDelayMs}`;
          subscriber.next(deadLetter('late', sample, detail, scheduler.now()));
          return;
        }
        const entry: Entry = { item, sample, t, seq: seq++, deadlineMs: scheduler.now() + maxDelayMs, released: false };
        heap.push(entry);
        arrivals.push(entry);
        if (maxSeen === undefined || t > maxSeen) maxSeen = t;
        releaseUpToTime(maxSeen - maxDelayNs);
        if (heap.size > maxBuffered) {
          const oldest = heap.pop()!;
          opts.onOverflow?.({ sample: oldest.sample, maxBuffered });
          release(oldest);
        }
        armTimer();
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
