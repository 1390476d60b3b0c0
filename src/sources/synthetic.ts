/**
 * A synthetic sample source for demos, load tests and end-to-end tests: `series` series, each
 * sampled `ratePerSecond` times a second on an exact grid starting at `startUnixNano`, emitted in
 * real (scheduler) time as the grid passes, optionally out of order by up to `disorderMs`.
 * With valuePattern 'sequence' every sample's value is its global index, so a receiver can tell
 * exactly which samples arrived, twice, or never.
 */
import { Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Sample, Attributes } from '../sample.js';
import { type Clock, systemClock, steadyScheduler, timerMs } from '../clock.js';
import { msToNanos } from '../sample.js';
import { requiredNumberOption } from '../options.js';

export interface SyntheticOptions {
  readonly series: number;
  /** Samples per second per series. */
  readonly ratePerSecond: number;
  /** Stop after this many samples in all (default: never). */
  readonly count?: number;
  readonly name?: string;
  readonly valuePattern?: 'sequence' | 'sine' | 'random';
  /**
   * Emit each sample up to this much later than its grid time, at random: no sample comes out
   * after one more than this much newer, however late the source's ticks run.
   */
  readonly disorderMs?: number;
  /** Grid start; default the clock's wall time at subscription. */
  readonly startUnixNano?: bigint;
  readonly attributes?: (series: number) => Attributes;
  /** How often the source wakes to emit what is due. Default 10 ms. */
  readonly tickMs?: number;
  readonly random?: () => number;
  /** Default steadyScheduler: the grid is elapsed scheduler time, which must not step with the wall clock. */
  readonly scheduler?: SchedulerLike;
  readonly clock?: Clock;
}

/**
 * Most samples one tick emits; when more are due (a rate above what the pipeline takes, or a tick
 * that came late), the next tick comes at once, after the event loop has had its turn. A late
 * tick used to emit all that was due in one synchronous burst: at 1 M samples/s into a pipeline
 * that takes 300 k, bursts of millions held the event loop for minutes — SIGTERM went unheard
 * for 10 minutes — each burst making the next one larger.
 */
export const MAX_PER_TICK = 20_000;

export const syntheticSamples = (opts: SyntheticOptions): Observable<Sample> => {
  const series = requiredNumberOption('syntheticSamples', 'series', opts.series, true);
  const ratePerSecond = requiredNumberOption('syntheticSamples', 'ratePerSecond', opts.ratePerSecond);
  return new Observable<Sample>((subscriber) => {
    const scheduler = opts.scheduler ?? steadyScheduler;
    const clock = opts.clock ?? systemClock;
    const random = opts.random ?? Math.random;
    const periodNs = BigInt(Math.round(1e9 / ratePerSecond));
    const start = opts.startUnixNano ?? msToNanos(clock.now());
    const startMono = scheduler.now();
    const attrs = Array.from({ length: series }, (_, s) => opts.attributes?.(s) ?? { series: `s${s}` });
    const name = opts.name ?? 'chronoq.synthetic';
    const disorderMs = opts.disorderMs ?? 0;
    const count = opts.count ?? Infinity;
    let next = 0;
    const held: { dueMs: number; sample: Sample }[] = [];

    const valueOf = (i: number, k: number): number =>
      opts.valuePattern === 'sine' ? Math.sin(k / 10) : opts.valuePattern === 'random' ? random() : i;
    const make = (i: number): Sample => {
      const k = Math.floor(i / series);
      return { name, kind: 'gauge', value: valueOf(i, k), timeUnixNano: start + BigInt(k) * periodNs, attributes: attrs[i % series]! };
    };
    const tick = (): boolean => {
      const elapsedMs = scheduler.now() - startMono;
      const dueCount = Math.floor((elapsedMs * ratePerSecond) / 1000 + 1) * series;
      const due = Math.min(dueCount, count);
      const limit = Math.min(due, next + MAX_PER_TICK);
      for (; next < limit && !subscriber.closed; next++) {
        const sample = make(next);
        // Due up to disorderMs after its own grid time, not after this tick: a tick that comes
        // late (a busy event loop) must not scramble the samples it catches up on by more.
        if (disorderMs > 0) held.push({ dueMs: (Math.floor(next / series) * 1000) / ratePerSecond + random() * disorderMs, sample });
        else subscriber.next(sample);
      }
      if (held.length > 0) {
        held.sort((a, b) => a.dueMs - b.dueMs);
        while (held.length > 0 && (held[0]!.dueMs <= elapsedMs || next >= count)) subscriber.next(held.shift()!.sample);
      }
      if (next >= count && held.length === 0) subscriber.complete();
      return due > next; // more due than one tick emits
    };
    tick();
    const tickMs = timerMs(opts.tickMs ?? 10);
    const sub = scheduler.schedule(function (this: SchedulerAction<unknown>) {
      const behind = tick();
      if (!subscriber.closed) this.schedule(undefined, behind ? 0 : tickMs);
    }, tickMs);
    return () => sub.unsubscribe();
  });
};
