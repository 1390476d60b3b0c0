import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { type ExponentialHistogramValue, type HistogramValue, type Sample, copyWith, msToNanos } from '../src/sample.js';
import type { Routed } from '../src/routed.js';
import { createSeriesTable } from '../src/seriesTable.js';
import { numberOption } from '../src/options.js';

export interface FillStartTimesOptions {
  /**
   * Forget a series whose newest sample is this far (event time) behind the newest sample seen;
   * its next sample starts it afresh, as a true reset point. Default Infinity: every series is kept.
   */
  readonly forgetSeriesAfterMs?: number;
  /** At most this many series kept; past it the least recently seen are forgotten. Default Infinity. */
  readonly maxSeries?: number;
  /**
   * What an earlier run kept of its series (its `onEnd`'s states): a series seen again goes on
   * from its state — its start, and a reset told from the value it had — instead of starting
   * afresh as a true reset point, which a receiver turning cumulatives into deltas reads as a
   * reset (no rate for the interval across a restart). One not seen within `forgetSeriesAfterMs`
   * of the newest state's time is forgotten.
   */
  readonly initial?: Iterable<SeriesStartState>;
  /** At the end of the stream (complete): the state of every series kept, for the next run's `initial`. */
  readonly onEnd?: (states: SeriesStartState[]) => void;
  /**
   * At subscription: hands over `changes`, which returns what changed since its last call — the
   * state of each series a sample changed, and the key of each series forgotten (idle, or past
   * maxSeries) — for a store that keeps them as the stream goes (the command writes them into the
   * spool every second, after the samples they follow, so that a run killed before its end hands
   * them on too).
   */
  readonly trackChanges?: (changes: () => SeriesStartChanges) => void;
}

/** What changed of the series kept since `changes` was last called (FillStartTimesOptions.trackChanges). */
export interface SeriesStartChanges {
  /** The state of each series a sample changed since, now. */
  readonly kept: SeriesStartState[];
  /** The keys of the series forgotten since and not seen again. */
  readonly forgotten: string[];
}

/** What is kept of a series between runs: its key (seriesKey), the start its samples are given, its newest sample's time and value. */
export interface SeriesStartState {
  readonly series: string;
  readonly start: bigint;
  readonly lastTime: bigint;
  readonly lastValue: Sample['value'];
}

/** What is kept of a series whose samples come without a start time (none until its first). */
interface SeriesStart {
  forgotten: boolean;
  /** Its key (seriesKey). */
  readonly series: string;
  /** The start its samples are given: its first sample's time, or the time before a reset. */
  start: bigint | undefined;
  /** Its newest sample's time and value. */
  lastTime: bigint;
  lastValue: Sample['value'];
}

/** What is handed on of a series' state (none before its first sample gave it a start). */
const stateOf = (v: SeriesStart): SeriesStartState[] =>
  v.start === undefined ? [] : [{ series: v.series, start: v.start, lastTime: v.lastTime, lastValue: v.lastValue }];

/** A cumulative series or a delta one (gauges carry no interval). */
const intervalKind = (s: Sample): 'cumulative' | 'delta' | undefined =>
  s.kind === 'gauge' ? undefined : s.temporality === 'delta' ? 'delta' : 'cumulative';

const histogramReset = (before: HistogramValue, now: HistogramValue): boolean =>
  now.count < before.count ||
  now.boundaries.length !== before.boundaries.length ||
  now.boundaries.some((b, i) => b !== before.boundaries[i]) ||
  now.counts.some((c, i) => c < (before.counts[i] ?? 0));

/** The cumulative value went down: the counter started again from zero after the sample before. */
const isReset = (s: Sample, before: Sample['value']): boolean => {
  const now = s.value;
  switch (s.kind) {
    case 'sum':
      // An up-down counter goes down on its own: no resets can be told from its values.
      return s.monotonic !== false && typeof now === 'number' && typeof before === 'number' && now < before;
    case 'histogram':
      return typeof now === 'object' && typeof before === 'object' && histogramReset(before as HistogramValue, now as HistogramValue);
    case 'exponential-histogram': {
      if (typeof now !== 'object' || typeof before !== 'object') return false;
      const b = before as ExponentialHistogramValue;
      const n = now as ExponentialHistogramValue;
      return n.count < b.count || n.zeroCount < b.zeroCount;
    }
    default:
      return false;
  }
};

/**
 * Gives counters and histograms that come without a start time the start a receiver needs to
 * make rates of them, as the OpenTelemetry data model's "true reset points" (and the Collector's
 * metricstarttime processor) do. A cumulative point's start says since when it counts: with none,
 * the sink used to send each point's own time, and a receiver that turns cumulatives into deltas
 * (a backend that stores deltas, the Collector's cumulativetodelta) read every point as a reset —
 * no rate at all. Now, per series:
 * - its first sample is a true reset point: start = its own time (what it counts since is unknown);
 * - each later one starts where that one was, so rates are measured from it;
 * - a value that went down (a monotonic counter, a histogram's count or a bucket) is a reset: the
 *   counter started again after the sample before, whose time becomes the start from then on;
 * - a delta sample starts at the time of the sample before it (its first at its own time).
 *
 * Across a restart, `onEnd` hands over what is kept of each series and the next run's `initial`
 * takes it up, so a series goes on from its start rather than from a new reset point (the command
 * keeps them in the spool); `trackChanges` tells what changed as the stream goes, for a store that
 * must not wait for the end (a process can be killed before it).
 *
 * Samples that have a start time, gauges and Lefts pass unchanged, and a sample given a start is
 * a copy (its own properties, symbols too, and the start). Place it after reorderByEventTime: it
 * expects each series in time order (a sample older than its series' newest gets a start no later
 * than its time and changes nothing kept).
 *
 * ```
 * one counter, one frame = 1 ms: a = 5 at 1 ms, b = 7 at 2, c = 2 at 3 (went down), d = 4 at 4
 * source: -abcd|
 * result: -abcd|      starts: a 1 (its own time), b 1, c 2 (a reset: the time of b), d 2
 * ```
 *
 * @example
 * samples$.pipe(routed(), reorderByEventTime({ maxDelayMs: 2_000 }), fillStartTimes(), deliverOrdered(sink.send))
 */
export function fillStartTimes(opts: FillStartTimesOptions = {}): MonoTypeOperatorFunction<Routed<Sample>> {
  const forgetAfterMs = numberOption('fillStartTimes', 'forgetSeriesAfterMs', opts.forgetSeriesAfterMs, Infinity);
  const maxSeries = numberOption('fillStartTimes', 'maxSeries', opts.maxSeries, Infinity);
  const forgetAfterNs = Number.isFinite(forgetAfterMs) ? msToNanos(forgetAfterMs) : undefined;
  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      let newest: bigint | undefined;
      /** The earlier run's states not taken up yet (dropped once forgetAfterNs past the newest of them). */
      const initial = opts.initial === undefined ? undefined : [...opts.initial];
      const beforeNewest = initial === undefined || initial.length === 0 ? undefined : initial.reduce((n, b) => (b.lastTime > n ? b.lastTime : n), 0n);
      // States idle by forgetAfterNs behind the newest of them are let go at once (a store written as runs go holds series of long ago too).
      const beforeLimit = beforeNewest === undefined || forgetAfterNs === undefined ? undefined : beforeNewest - forgetAfterNs;
      /** With trackChanges: what changed since `changes` was last called (null: forgotten). */
      const changed = opts.trackChanges === undefined ? undefined : new Map<string, SeriesStart | null>();
      /** Earlier states let go are forgotten too, so that a store written as runs go does not keep them for ever. */
      const letGo = (keys: Iterable<string>): void => {
        if (changed !== undefined) for (const k of keys) changed.set(k, null);
      };
      const isIdle = (b: SeriesStartState): boolean => beforeLimit !== undefined && b.lastTime < beforeLimit;
      letGo((initial ?? []).filter(isIdle).map((b) => b.series));
      let before: Map<string, SeriesStartState> | undefined = initial === undefined ? undefined : new Map(initial.filter((b) => !isIdle(b)).map((b) => [b.series, b]));
      const series = createSeriesTable<SeriesStart>({
        make: (key) => {
          const kept = before?.get(key);
          if (kept === undefined) return { forgotten: false, series: key, start: undefined, lastTime: 0n, lastValue: 0 };
          before!.delete(key);
          return { forgotten: false, series: key, start: kept.start, lastTime: kept.lastTime, lastValue: kept.lastValue };
        },
        ...(changed === undefined ? {} : { onForget: (v: SeriesStart) => void changed.set(v.series, null) }),
        idleTest: () => {
          if (forgetAfterNs === undefined || newest === undefined) return undefined;
          const limit = newest - forgetAfterNs;
          return (state) => state.lastTime < limit;
        },
        maxSeries,
        activity: () => (state) => Number(state.lastTime),
      });

      /** The start `s` is given, and what its series keeps of it. */
      const startOf = (s: Sample, kind: 'cumulative' | 'delta'): bigint => {
        const t = s.timeUnixNano;
        if (newest === undefined || t > newest) {
          newest = t;
          if (before !== undefined && forgetAfterNs !== undefined && beforeNewest !== undefined && newest - beforeNewest > forgetAfterNs) {
            letGo(before.keys());
            before = undefined;
          }
        }
        const state = series.valueOf(s);
        if (state.start === undefined) state.start = t;
        else if (t < state.lastTime) return kind === 'delta' || t < state.start ? t : state.start;
        else if (kind === 'delta' || isReset(s, state.lastValue)) state.start = state.lastTime;
        state.lastTime = t;
        state.lastValue = s.value;
        changed?.set(state.series, state);
        return state.start;
      };
      opts.trackChanges?.(() => {
        const kept: SeriesStartState[] = [];
        const forgotten: string[] = [];
        for (const [key, v] of changed!) {
          if (v === null) forgotten.push(key);
          else kept.push(...stateOf(v));
        }
        changed!.clear();
        return { kept, forgotten };
      });

      return source.subscribe({
        next: (item) => {
          if (isLeft(item) || item.right.startTimeUnixNano !== undefined || typeof item.right.timeUnixNano !== 'bigint') return subscriber.next(item);
          const kind = intervalKind(item.right);
          if (kind === undefined) return subscriber.next(item);
          let start: bigint;
          try {
            start = startOf(item.right, kind);
          } catch {
            // No series key (attributes missing): passed on as it is, for the sink to refuse by name.
            return subscriber.next(item);
          }
          subscriber.next(right(copyWith(item.right, { startTimeUnixNano: start })));
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (opts.onEnd !== undefined) {
            let states: SeriesStartState[] = [...(before?.values() ?? [])];
            for (const [, v] of series.entries()) states.push(...stateOf(v));
            // What this run would have forgotten is not handed on either: none idle, at most maxSeries, the most recent.
            const limit = forgetAfterNs === undefined || newest === undefined ? undefined : newest - forgetAfterNs;
            if (limit !== undefined) states = states.filter((st) => st.lastTime >= limit);
            if (states.length > maxSeries) states = states.sort((a, b) => (a.lastTime > b.lastTime ? -1 : a.lastTime < b.lastTime ? 1 : 0)).slice(0, maxSeries);
            try {
              opts.onEnd(states);
            } catch (e) {
              return subscriber.error(e);
            }
          }
          subscriber.complete();
        },
      });
    });
}
