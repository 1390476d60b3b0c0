import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { type Sample, seriesMemo, msToNanos } from '../src/sample.js';
import { type Routed, deadLetter } from '../src/routed.js';
import { createReorderBuffer } from '../src/reorderBuffer.js';
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

/** Last released time of one series (or of the stream, under 'global'). */
interface Released {
  key: number;
  hi: number;
  lo: number;
  sample: Sample | undefined;
}

const EXACT = 2 ** 53;
const newReleased = (): Released => ({ key: 0, hi: 0, lo: 0, sample: undefined });

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
  const maxDelayNsNumber = Number(msToNanos(maxDelayMs));
  const bySeries = (opts.order ?? 'series') === 'series';
  const maxBuffered = Math.max(1, opts.maxBuffered ?? 100_000);
  const scheduler = opts.scheduler ?? asyncScheduler;

  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const buf = createReorderBuffer<Routed<Sample>, Released>();
      // Max-wait FIFO of (slot, seq) in arrival order; entries whose slot moved on are skipped.
      let fifoSlots: number[] = [];
      let fifoSeqs: number[] = [];
      let fifoHead = 0;
      let seq = 0;
      let seenAny = false;
      let maxKey = 0;
      const maxSeen: TimeKey = { hi: 0, lo: 0 };
      let wmKey = 0;
      const watermark: TimeKey = { hi: 0, lo: 0 };
      const arriving: TimeKey = { hi: 0, lo: 0 };
      const stream = newReleased();
      const releasedOf = bySeries ? seriesMemo<Released>(newReleased) : () => stream;
      let timer: Subscription | undefined;

      const release = (slot: number): void => {
        const item = buf.item(slot);
        const r = buf.tag(slot);
        r.key = buf.key(slot);
        r.hi = buf.hi(slot);
        r.lo = buf.lo(slot);
        r.sample = (item as { right: Sample }).right;
        buf.release(slot);
        subscriber.next(item);
      };
      const releaseThrough = (limit: number): void => {
        for (let top = buf.top(); top >= 0 && buf.notAfter(top, limit); top = buf.top()) release(buf.pop());
      };
      const releaseToWatermark = (): void => {
        for (let top = buf.top(); top >= 0; top = buf.top()) {
          const k = buf.key(top);
          if (k > wmKey) return;
          if (k === wmKey && Math.abs(k) >= EXACT && keyBefore(watermark, { hi: buf.hi(top), lo: buf.lo(top) })) return;
          release(buf.pop());
        }
      };
      const headOfArrivals = (): number => {
        while (fifoHead < fifoSlots.length && !buf.isLive(fifoSlots[fifoHead]!, fifoSeqs[fifoHead]!)) fifoHead++;
        if (fifoHead > 1024 && fifoHead * 2 > fifoSlots.length) {
          fifoSlots = fifoSlots.slice(fifoHead);
          fifoSeqs = fifoSeqs.slice(fifoHead);
          fifoHead = 0;
        }
        return fifoHead < fifoSlots.length ? fifoSlots[fifoHead]! : -1;
      };
      const armTimer = (): void => {
        if (timer !== undefined) return;
        const head = headOfArrivals();
        if (head < 0) return;
        timer = scheduler.schedule(onTimer, Math.max(0, buf.deadline(head) - scheduler.now()));
      };
      const onTimer = (): void => {
        timer = undefined;
        const now = scheduler.now();
        for (let head = headOfArrivals(); head >= 0 && buf.deadline(head) <= now; head = headOfArrivals()) releaseThrough(head);
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
        const key = buf.keyOf(arriving);
        const r = releasedOf(sample);
        if (r.sample !== undefined && (key < r.key || (key === r.key && Math.abs(key) >= EXACT && keyBefore(arriving, r)))) {
          return late(sample, r.sample.timeUnixNano);
        }
        const slot = buf.push(item, r, arriving, key, seq, scheduler.now() + maxDelayMs);
        fifoSlots.push(slot);
        fifoSeqs.push(seq++);
        if (fifoHead < fifoSlots.length && !buf.isLive(fifoSlots[fifoHead]!, fifoSeqs[fifoHead]!)) headOfArrivals();
        if (!seenAny || key > maxKey || (key === maxKey && keyBefore(maxSeen, arriving))) {
          seenAny = true;
          maxKey = key;
          maxSeen.hi = arriving.hi;
          maxSeen.lo = arriving.lo;
          wmKey = key - maxDelayNsNumber;
          subtractKey(watermark, maxSeen, maxDelayKey);
        }
        releaseToWatermark();
        if (buf.size > maxBuffered) {
          const oldest = buf.pop();
          opts.onOverflow?.({ sample: (buf.item(oldest) as { right: Sample }).right, maxBuffered });
          release(oldest);
        }
        if (timer === undefined) armTimer();
      };
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        while (buf.size > 0) release(buf.pop());
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
