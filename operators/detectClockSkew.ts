import { Observable, type OperatorFunction } from 'rxjs';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { type Sample, copyWith, msToNanos, nanosToMs } from '../src/sample.js';
import { type Routed, deadLetter, invalidSample } from '../src/routed.js';
import { type Clock, readingReuseOf, systemClock } from '../src/clock.js';
import { createTrustedTime, type TrustedReading } from '../src/trustedTime.js';
import { DEFAULT_SOURCE_WINDOW, createSourceOffsets } from '../src/sourceOffsets.js';
import { createCorrectedSeries } from '../src/correctedSeries.js';
import { safeHook } from '../src/hooks.js';
import { bigintOption, numberOption } from '../src/options.js';

const OP = 'detectClockSkew';

export type SkewEvent =
  | { readonly kind: 'step'; readonly deltaMs: number; readonly atUnixMs: number }
  | { readonly kind: 'future'; readonly sample: Sample; readonly aheadMs: number }
  | { readonly kind: 'stale'; readonly sample: Sample; readonly behindMs: number }
  /** `alone`: the only source known, judged against this process's clock alone. */
  | { readonly kind: 'source-offset'; readonly source: string; readonly offsetMs: number; readonly alone?: true };

export type SkewPolicy = 'correct' | 'dead-letter' | 'pass';

export interface SkewOptions {
  readonly maxFutureMs?: number;
  readonly maxPastMs?: number;
  readonly stepThresholdMs?: number;
  readonly policy?: SkewPolicy;
  /**
   * Samples were stamped by this process's clock (host source, SDK bridge); false for ndjson,
   * replay. Or, for a stream that mixes both, a test of each sample: a step is corrected only in
   * the samples it holds true for (a host source beside a followed file had no step corrected at
   * all — its samples after a step back were dead letters `late`).
   */
  readonly stampedLocally?: boolean | ((s: Sample) => boolean);
  /** Attribute naming each sample's source (a data point's, else its resource's); enables per-source offset estimates. */
  readonly sourceAttribute?: string;
  readonly sourceOffsetThresholdMs?: number;
  /** Samples per source in the sliding offset window (whole, at least 1; Infinity: all since the source was first heard). Default 32. */
  readonly sourceWindow?: number;
  readonly maxSlewPpm?: number;
  /** A step forward: slewed to at maxSlewPpm like any step (default), or followed at once (src/trustedTime.ts says why one would). */
  readonly forwardSteps?: 'slew' | 'follow';
  /**
   * The newest time an earlier run of this stream stamped (createPipeline and `chronoq run` pass
   * their spool's): trusted time starts at the next whole millisecond after it (receivers such as
   * Prometheus keep milliseconds), and a wall clock more than stepThresholdMs behind it is a step
   * back made while the process was down (src/trustedTime.ts). Locally stamped streams only.
   */
  readonly notBeforeUnixNano?: bigint;
  readonly clock?: Clock;
  readonly onSkew?: (e: SkewEvent) => void;
}

/** What is wrong with one sample, if anything, and the time it should carry. */
interface Verdict {
  readonly correctedMs?: number;
  readonly problem?: string;
  /**
   * Set for a future sample and one moved by its source's offset (samples re-stamped together, onto
   * one time): each goes into a millisecond of its own in its series, up to trusted time +
   * maxFutureMs (src/correctedSeries.ts). Not for a step's: those are as far apart as trusted
   * time's pace makes them — and a series sampled every millisecond, put into milliseconds of their
   * own, ran ahead of trusted time's 95 % pace, an hour in a 20-hour slew.
   */
  readonly spread?: true;
}
const OK: Verdict = {};
/** Earlier than any sample time (a bigint of ns, at most 2⁶⁴ from 0). */
const BEFORE_ALL_TIME = -(1n << 128n);

/**
 * Detects clock trouble and, under policy 'correct' (default), repairs it so that a local clock
 * step never makes the output go backwards. Reports `step` once per wall-clock step, `future`
 * and `stale` per sample, `source-offset` once per episode per source. 'correct' re-stamps onto
 * trusted time (keeping `correctedFromUnixNano`) the samples a step or source offset made wrong and
 * future ones; it never moves a stale sample. 'dead-letter' turns every reported sample into a Left
 * `skew`; 'pass' only reports. Lefts pass through untouched and in place.
 *
 * The clocks are read when a sample arrives; with the system clock, samples arriving in one
 * synchronous burst may share a reading, but only those it judges as a fresh one would (see
 * reuseBandMs below). A step is found by comparing consecutive readings, so it is reported at
 * the next fresh one, and two wall-clock changes with no reading between them count as one (as
 * they do when no sample arrives between them).
 *
 * ```
 * 1 Hz source stamped by the local clock; the wall clock steps back 1 h at S:
 * wall:    1000 2000 3000 S -3596000 -3595000
 * result:  1000 2000 3000    ≈4000     ≈4950   (correctedFromUnixNano = the wall stamp)
 * onSkew:                 step(-3600000)
 * ```
 *
 * @example
 * samples$.pipe(routed(), detectClockSkew({ policy: 'correct', onSkew: (e) => log(e) }))
 */
export function detectClockSkew(opts: SkewOptions = {}): OperatorFunction<Routed<Sample>, Routed<Sample>> {
  const maxFutureMs = numberOption(OP, 'maxFutureMs', opts.maxFutureMs, 5_000);
  const maxPastMs = numberOption(OP, 'maxPastMs', opts.maxPastMs, 3_600_000);
  const policy = opts.policy ?? 'correct';
  const localTest = typeof opts.stampedLocally === 'function' ? opts.stampedLocally : undefined;
  /** Whether any sample may be stamped locally (a test may say so of some). */
  const stampedLocally = localTest !== undefined || opts.stampedLocally !== false;
  const isLocal = localTest ?? ((): boolean => stampedLocally);
  const clock = opts.clock ?? systemClock;
  const sourceAttribute = opts.sourceAttribute;
  const report = safeHook(opts.onSkew) ?? (() => undefined);
  const stepThresholdMs = numberOption(OP, 'stepThresholdMs', opts.stepThresholdMs, 1_000);
  const maxSlewPpm = numberOption(OP, 'maxSlewPpm', opts.maxSlewPpm, 50_000);
  const sourceWindow = numberOption(OP, 'sourceWindow', opts.sourceWindow, DEFAULT_SOURCE_WINDOW);
  const sourceOffsetThresholdMs = numberOption(OP, 'sourceOffsetThresholdMs', opts.sourceOffsetThresholdMs, 2_000);
  const notBeforeUnixNano = bigintOption(OP, 'notBeforeUnixNano', opts.notBeforeUnixNano);
  // From the next whole millisecond: Prometheus keeps milliseconds, and refuses a sample in the same
  // one as its series' newest with another value (a duplicate). Starting 1 µs after it had 5 and 12
  // of a restart's 322 samples refused so (test/e2e/clockBackPrometheus.e2e.ts).
  const notBeforeMs = stampedLocally && notBeforeUnixNano !== undefined ? Number(notBeforeUnixNano / 1_000_000n) + 1 : undefined;
  // A reading of the clocks may stand for a later one taken in the same burst (see readingReuseOf)
  // for a sample no later than its trusted time and at most reuseBandMs before it: any reading of
  // that burst judges such a sample OK. It is not in the future; it is half of maxPastMs from
  // turning stale; and if stamped locally, it was not stamped after a step the reading missed (a
  // forward step would put its stamp after the reading, a backward one more than half of
  // stepThresholdMs before it). Anything else gets a fresh reading. Only with bands of 0.5 s and
  // more, so that no burst could outlast them. Under per-source offsets such a sample is still
  // judged, for its source's offset, with the shared reading as its arrival time: the samples of
  // a burst came in one task (a request, a chunk of a file), and reading the clocks for each sample
  // was half the operator's cost (a gateway's requests: 0.17 against 0.09 µs a point).
  const reuseBandMs = Math.min(maxPastMs, stampedLocally ? stepThresholdMs : Infinity) / 2;
  const reuse = maxFutureMs >= 0 && reuseBandMs >= 500 ? readingReuseOf(clock) : undefined;

  return (source) =>
    new Observable<Routed<Sample>>((subscriber) => {
      const trusted = createTrustedTime(clock, { stepThresholdMs, maxSlewPpm, forwardSteps: opts.forwardSteps ?? 'slew', notBeforeMs });
      // The burst's shared reading: samples timed in [sharedLoNs, sharedHiNs] may use it, usesLeft
      // more. Kept here as bigint bounds and plain variables, because the check runs for every
      // sample: converting each sample's time to ms and asking trustedTime cost ~27 ns more.
      let usesLeft = 0;
      let sharedHiNs = 0n;
      let sharedLoNs = 0n;
      /** The shared reading itself (trustedTime rewrites one object at each read, and only a fresh reading reads). */
      let shared: TrustedReading | undefined;
      let burstOpen = false;
      const endBurst = (): void => {
        burstOpen = false;
        usesLeft = 0;
      };
      const share = (now: TrustedReading): void => {
        if (reuse === undefined) return;
        if (now.stepping) {
          usesLeft = 0;
          return;
        }
        usesLeft = reuse.maxUses;
        shared = now;
        sharedHiNs = msToNanos(now.trustedMs);
        const loMs = now.trustedMs - reuseBandMs;
        sharedLoNs = Number.isFinite(loMs) ? msToNanos(loMs) : BEFORE_ALL_TIME; // maxPastMs: Infinity
        if (!burstOpen) {
          burstOpen = true;
          reuse.onBurstEnd(endBurst);
        }
      };
      const corrected = createCorrectedSeries();
      const offsets = createSourceOffsets({
        windowSize: sourceWindow,
        thresholdMs: sourceOffsetThresholdMs,
      });

      // Just after the latest stamp a locally stamped sample went out with ahead of trusted time (the
      // next whole millisecond: receivers such as Prometheus keep milliseconds). A wall clock stepped
      // forward by less than stepThresholdMs (no step) stamps samples so, and a step right after it
      // re-stamped the next samples onto trusted time, before them: the series went back (a property
      // test drew it), and once those were raised to that stamp, several samples of a series had one
      // time, which Prometheus refuses as duplicates (28 and 47 of 772 samples in two runs of
      // test/e2e/clockStepPrometheus.e2e.ts, a jump of 800 ms a second before the step). So a step
      // (or the wall clock going back by less, which trustedTime corrects as one) moves trusted time
      // on to it (raiseTo), and the samples re-stamped after it come after it, as far apart as they
      // were stamped. A correction that still lands less than stepThresholdMs before it (a sample
      // stamped before the reading that found the step) is raised to it; one further back is left
      // (old data, or disorder reorder sorts). Such samples are never passed by a shared reading
      // (they are past its band), so this is the same with shared readings as with a reading for
      // each sample. An earlier run's newest stamp (notBeforeUnixNano) counts as one: notBeforeMs
      // is the millisecond after it, where trusted time starts.
      let aheadFloorMs = notBeforeMs ?? Number.NEGATIVE_INFINITY;
      const notBeforeAhead = (ms: number): number => (ms < aheadFloorMs && aheadFloorMs - ms <= stepThresholdMs ? aheadFloorMs : ms);
      const judge = (s: Sample, now: TrustedReading): Verdict => {
        const stampedMs = nanosToMs(s.timeUnixNano);
        let ms = stampedMs;
        let problem: string | undefined;
        let spread: true | undefined;
        // A step made this sample wrong if it is nearer the stepped wall clock than trusted time. A
        // clock gone back by less than stepThresholdMs (no step reported) is corrected under 'correct'
        // alone, so that no series goes back: 'dead-letter' and 'pass' leave such samples as they were.
        const local = isLocal(s);
        if (local && now.stepping && (policy === 'correct' || !now.belowThreshold) && Math.abs(ms - now.wallMs) <= Math.abs(ms - now.trustedMs)) {
          ms = notBeforeAhead(ms - now.errorMs);
          problem = `stamped by a wall clock ${Math.round(now.errorMs)} ms off trusted time (clock step)`;
        }
        // A data point's attribute, else its resource's: what tells an application from another over OTLP (service.instance.id, host.name) is on the resource.
        const src = sourceAttribute === undefined ? undefined : (s.attributes[sourceAttribute] ?? s.resource?.[sourceAttribute]);
        if (src !== undefined) {
          const v = offsets.observe(String(src), ms, now.trustedMs);
          if (v.becameOff) report({ kind: 'source-offset', source: String(src), offsetMs: v.offsetMs, ...(offsets.size() === 1 ? { alone: true as const } : {}) });
          // Not when the sample would still be stale corrected (old data besides the clock's offset):
          // ms − offsetMs is its corrected time. (This subtracted the offset instead: a source behind by
          // more than half of maxPastMs was reported and never corrected.)
          if (v.off && now.trustedMs - (ms - v.offsetMs) <= maxPastMs) {
            ms -= v.offsetMs;
            problem = `source ${String(src)} clock is ${Math.round(v.offsetMs)} ms off ${offsets.size() === 1 ? "this machine's clock" : 'the other sources'}`;
            spread = true;
          }
        }
        const aheadMs = ms - now.trustedMs;
        if (aheadMs > maxFutureMs) {
          report({ kind: 'future', sample: s, aheadMs });
          // After the latest stamp that went out ahead of trusted time, however far (a wall clock
          // running ahead by less than maxFutureMs passes its samples as stamped): the correction is
          // "now", not old data, and onto trusted time alone it put the series back by up to
          // maxFutureMs (a sample 4 s ahead, then one 10 s ahead: the second went out 4 s before the
          // first, a dead letter `late` once reorderByEventTime had released the first).
          const correctedMs = local ? Math.max(now.trustedMs, aheadFloorMs) : now.trustedMs;
          return { correctedMs, problem: `${Math.round(aheadMs)} ms in the future (maxFutureMs ${maxFutureMs})`, spread: true };
        }
        if (-aheadMs > maxPastMs) {
          report({ kind: 'stale', sample: s, behindMs: -aheadMs });
          return { problem: `${Math.round(-aheadMs)} ms in the past (maxPastMs ${maxPastMs})` };
        }
        if (local && aheadMs > 0 && ms >= aheadFloorMs) aheadFloorMs = Math.floor(ms) + 1;
        return problem === undefined ? OK : { correctedMs: ms, problem, spread };
      };

      /** The item itself when nothing changes (no allocation on the common path). */
      const handle = (item: Routed<Sample>, s: Sample): Routed<Sample> => {
        const now = trusted.read();
        if (now.stepping && now.trustedMs < aheadFloorMs) trusted.raiseTo(aheadFloorMs);
        share(now);
        if (now.stepDeltaMs !== undefined) report({ kind: 'step', deltaMs: now.stepDeltaMs, atUnixMs: now.trustedMs });
        return judged(item, s, now);
      };
      const judged = (item: Routed<Sample>, s: Sample, now: TrustedReading): Routed<Sample> => {
        const v = judge(s, now);
        if (v === OK || v.problem === undefined || policy === 'pass') return item;
        if (policy === 'dead-letter') return deadLetter('skew', s, v.problem, now.trustedMs);
        if (v.correctedMs === undefined) return item;
        const timeUnixNano = msToNanos(v.spread ? corrected.place(s, v.correctedMs, now.trustedMs + maxFutureMs) : v.correctedMs);
        if (timeUnixNano === s.timeUnixNano) return item;
        const correctedFromUnixNano = s.correctedFromUnixNano ?? s.timeUnixNano;
        // A start time stamped by the same wrong clock must not end up after the sample's time.
        const start = s.startTimeUnixNano;
        const startTooLate = start !== undefined && start > timeUnixNano;
        return right(copyWith(s, startTooLate ? { timeUnixNano, correctedFromUnixNano, startTimeUnixNano: timeUnixNano } : { timeUnixNano, correctedFromUnixNano }));
      };

      return source.subscribe({
        next: (item) => {
          if (isLeft(item)) return subscriber.next(item);
          let out: Routed<Sample>;
          try {
            const t = item.right.timeUnixNano;
            if (typeof t === 'bigint' && usesLeft > 0 && t <= sharedHiNs && t >= sharedLoNs) {
              usesLeft--;
              out = sourceAttribute === undefined ? item : judged(item, item.right, shared!);
            } else out = handle(item, item.right);
          } catch (e) {
            out = invalidSample(item.right, e, clock.now());
          }
          subscriber.next(out);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
