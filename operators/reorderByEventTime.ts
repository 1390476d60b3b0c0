import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { type Routed, deadLetter, invalidSample } from '../src/routed.js';
import { createReorderCore, newReleased, type Released } from '../src/reorderCore.js';
import { createSeriesRecords } from '../src/seriesRecords.js';
import { safeHook } from '../src/hooks.js';
import { timerMs } from '../src/clock.js';
import { numberOption, requiredNumberOption } from '../src/options.js';
import { lateDetail } from '../src/lateDetail.js';

const OP = 'reorderByEventTime';
/** A delay longer than any span of sample times (they lie within 2⁶⁴ ns). */
const BEYOND_ALL_TIME_NS = 1n << 128n;

/**
 * A max-wait timer that fires more than this late found the process stopped — a long synchronous
 * task of the application, a GC pause, a spool write the disk held up: the samples that would
 * have come meanwhile are queued behind it (the sources' own timers that were due, their I/O).
 * Released at once, the buffer's newest would go out ahead of them and they would be late
 * (measured: 104–120 `late` dead letters, 10–30 ms behind, in 20 s of `chronoq run` beside a
 * disk writer, with 1–1.7 s stalls). So such a timer releases one turn later instead, after them;
 * again if that turn comes late too.
 *
 * A stall longer than maxDelayMs is more: what senders sent meanwhile arrives after it in a burst,
 * in any order — an exporter's concurrent requests, each on its own HTTP/1.1 connection or held by
 * HTTP/2 flow control, come in as they get through, not as they were sent (measured: an otlp
 * source stopped for 6 s under 20 apps exporting every second took requests up to 5 s behind newer
 * ones of the same app, the last of them 90–230 ms after the stall). The watermark would release
 * each newer sample as it came, and the older ones after it would be late (`chronoq run` as that
 * gateway, stopped for 6 s three times: 13 800 of 372 000 samples dead letters `late`). So the
 * watermark is held for maxDelayMs after such a stall: the burst has the window any sample has to
 * come in, and meanwhile samples go out at their max-wait deadlines, counted from their arrival,
 * each with every earlier sample — in order. (Holding every release as long as the stall lasted,
 * tried first, also sorted the burst, but let out the live samples of the hold at its end in one
 * run: the otlp source's backlog gate then refused 109 requests, which the apps' JS gRPC exporters
 * dropped.)
 */
const STALLED_MS = 20;

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
  /**
   * Under order 'series': forget a series whose last released sample is this far (event time)
   * behind the watermark, so memory follows the series seen lately, not every series ever seen.
   * A sample older than the newest forgotten time, of a series with nothing released, is then
   * late: forgetting never lets an out-of-order sample through. Default Infinity (never).
   */
  readonly forgetSeriesAfterMs?: number;
  /**
   * Under order 'series': at most this many series records; past it the least recently released
   * are forgotten as idle ones are (bounded memory when attributes hold ever-new values, such as
   * a request id). Default Infinity.
   */
  readonly maxSeries?: number;
  /**
   * Release now: when this emits, every buffered sample is released, in order, as on complete
   * (an application's forceFlush). A sample that comes later and is older than one released is late.
   */
  readonly flushNow$?: Observable<unknown>;
  readonly scheduler?: SchedulerLike;
  readonly onLate?: (e: LateEvent) => void;
  readonly onOverflow?: (e: OverflowEvent) => void;
  /** The maxSeries cap forgot `forgotten` series that were not idle. */
  readonly onSeriesCapped?: (e: SeriesCappedEvent) => void;
}

export interface SeriesCappedEvent {
  readonly forgotten: number;
  readonly maxSeries: number;
}

/**
 * Repairs bounded disorder: buffers samples and releases them in ascending `timeUnixNano`
 * (ties in arrival order). A sample is released when the watermark (largest time seen −
 * maxDelayMs) reaches it or when it has waited maxDelayMs, whichever is first; releasing one
 * first releases every buffered sample with an earlier time. A sample older than the last
 * released one of its series (or of the stream, under order 'global') comes out at once as a
 * Left `late`. Lefts pass through untouched and in place. After the process stalled for longer
 * than maxDelayMs (its max-wait timer came that late), the watermark releases nothing for
 * maxDelayMs: what senders sent during the stall comes in after it in any order (STALLED_MS).
 * O(log n) per sample; one record per series, for every series ever seen unless
 * `forgetSeriesAfterMs` lets idle ones go (and `maxSeries` the least recently released).
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
  const maxDelayMs = Math.max(0, requiredNumberOption(OP, 'maxDelayMs', opts.maxDelayMs));
  const bySeries = (opts.order ?? 'series') === 'series';
  const maxBuffered = Math.max(1, numberOption(OP, 'maxBuffered', opts.maxBuffered, 100_000));
  const forgetAfterMs = numberOption(OP, 'forgetSeriesAfterMs', opts.forgetSeriesAfterMs, Infinity);
  const forgetAfterNs = forgetAfterMs * 1e6;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const onLate = safeHook(opts.onLate);
  const onOverflow = safeHook(opts.onOverflow);
  const onSeriesCapped = safeHook(opts.onSeriesCapped);
  const maxSeries = numberOption(OP, 'maxSeries', opts.maxSeries, Infinity);

  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const core = createReorderCore({
        // Infinity: released only by maxBuffered, a flush or the end (sorting a finite stream whole).
        maxDelayNs: Number.isFinite(maxDelayMs) ? msToNanos(maxDelayMs) : BEYOND_ALL_TIME_NS,
        maxBuffered,
        emit: (item) => subscriber.next(item),
        deadlineMs: () => scheduler.now() + maxDelayMs,
        onOverflow: (sample) => onOverflow?.({ sample, maxBuffered }),
      });
      const stream = newReleased();
      const records = createSeriesRecords({
        forgetAfterNs, watermarkKey: core.watermarkKey, bufferedRecords: core.bufferedRecords, maxSeries,
        onCapped: (forgotten) => onSeriesCapped?.({ forgotten, maxSeries }),
      });
      const releasedOf = bySeries ? records.recordOf : () => stream;
      let timer: Subscription | undefined;
      /** When the armed timer is due (scheduler time). */
      let dueAtMs = 0;

      const armTimer = (): void => {
        const head = core.oldestArrival();
        if (head < 0) return;
        const now = scheduler.now();
        dueAtMs = Math.max(core.deadline(head), now);
        timer = scheduler.schedule(onTimer, timerMs(dueAtMs - now));
      };
      /** Ends the watermark's hold after a stall (STALLED_MS). */
      let holdEnd: Subscription | undefined;
      const endHold = (): void => {
        holdEnd = undefined;
        core.holdWatermark(false);
      };
      const onTimer = (): void => {
        timer = undefined;
        const now = scheduler.now();
        const lateMs = now - dueAtMs;
        if (lateMs > STALLED_MS) {
          // What was held up behind the stall comes first; after a stall longer than the window,
          // the burst that follows it has a window of its own (STALLED_MS).
          if (lateMs > maxDelayMs) {
            holdEnd?.unsubscribe();
            core.holdWatermark(true);
            holdEnd = scheduler.schedule(endHold, timerMs(maxDelayMs));
          }
          dueAtMs = now;
          timer = scheduler.schedule(onTimer, 0);
          return;
        }
        for (let head = core.oldestArrival(); head >= 0 && core.deadline(head) <= now; head = core.oldestArrival()) core.releaseThrough(head);
        armTimer();
      };
      const late = (sample: Sample, last: bigint, forgotten = false): void => {
        onLate?.({ sample, lastReleasedUnixNano: last });
        const scope = forgotten ? `a series forgotten after ${forgetAfterMs} ms idle (forgetSeriesAfterMs), which may be its own` : bySeries ? 'its series' : 'the stream';
        subscriber.next(deadLetter('late', sample, lateDetail(sample.timeUnixNano, last, scope, maxDelayMs), scheduler.now()));
      };
      const accept = (item: Routed<Sample>, sample: Sample): void => {
        let r: Released;
        try {
          // What throws here (a time that is not a bigint, no attributes) throws before the
          // buffer changes: the sample comes out as a Left 'invalid' instead of being lost.
          r = releasedOf(sample);
          if (r.timeUnixNano === undefined && bySeries) {
            const floor = records.floor();
            if (floor !== undefined && sample.timeUnixNano < floor) return late(sample, floor, true);
          }
          if (!core.offer(item, sample, r)) return late(sample, r.timeUnixNano!);
        } catch (e) {
          return subscriber.next(invalidSample(sample, e, scheduler.now()));
        }
        if (timer === undefined) armTimer();
      };
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        holdEnd?.unsubscribe();
        holdEnd = undefined;
        core.releaseAll();
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
      const flushSub = opts.flushNow$?.subscribe({ next: flush, error: () => undefined });
      return () => {
        upstream.unsubscribe();
        flushSub?.unsubscribe();
        timer?.unsubscribe();
        timer = undefined;
        holdEnd?.unsubscribe();
      };
    });
}
