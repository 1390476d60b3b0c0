/**
 * The OTLP sink's `send`: one attempt, and — when the receiver refused part of it or all of it for
 * something the samples carry — narrowing down to the samples at fault, so the rest is delivered
 * and only those become dead letters, each with the reason.
 *
 * - Partial success (the receiver rejected some points, naming how many, never which): halving,
 *   `rejectedOf` below — of the cumulative samples only: a delta sent again would be counted
 *   again where it was taken, so rejected deltas are counted and said, not found.
 * - A request larger than the receiver's limit: the batch again in halves, down to a sample too
 *   large on its own.
 * - A request refused whole, permanently, maybe for some of its samples (a Collector before
 *   Prometheus, which stores none of a request for one out-of-order sample): in halves too, within
 *   MAX_NARROWING_REQUESTS requests.
 * - A batch that cannot be encoded (a time OTLP cannot carry, a malformed sample from an app that
 *   composes the operators without validating): the samples at fault refused by name, the rest
 *   sent without them (each sample is encoded alone only after such a failure, never on the
 *   common path).
 *
 * A retry of the batch (a retryable failure on the way) sends only what no request settled
 * (resumingBatches.ts).
 *
 * ```
 * 8 samples, the receiver rejects sample 6 (partial success, 1 point)
 * requests: [1..8]→1   [1..4]→0   [5..8]→1   [5,6]→1   [5]→0   [6]→1
 * result:   rejected [6]; the rest delivered, some more than once (bit-identical)
 * ```
 */
import { EMPTY, type Observable, catchError, concat, concatMap, defer, filter, from, map, of, reduce, tap, throwError, toArray } from 'rxjs';
import type { Sample } from '../sample.js';
import { sampleProblem } from '../routed.js';
import type { RejectedSamples } from '../delivery.js';
import { isExportError } from '../errors.js';
import { type Attempt, isDelta, resumingBatches } from './resumingBatches.js';
import type { TakenSamples } from '../batchOutcome.js';
import { GrpcStatus } from './classify.js';
import { hasOtlpTimes } from './toResourceMetrics.js';

export type { Attempt };

export interface NarrowingOptions {
  /** The attempt failed because its batch could not be encoded (nothing was sent). */
  readonly isEncodeFailure: (error: unknown) => boolean;
  /** Encodes one sample alone; throws what the batch's encoding threw for it. */
  readonly encodeAlone: (sample: Sample) => void;
  /** Partial success rejected `count` delta points of a request, which are not looked for (they count as delivered). */
  readonly onUnidentifiedDeltas?: (count: number, message: string) => void;
}

/** RESOURCE_EXHAUSTED because the request exceeded the receiver's message size limit (gRPC's own wording). */
const isTooLarge = (e: unknown): boolean =>
  isExportError(e) && e.code === GrpcStatus.RESOURCE_EXHAUSTED && !e.retryable && /larger than max|message too large|exceeds (the )?max/i.test(e.message);

/**
 * A permanent refusal of the whole request that may be about some of its samples, not about the
 * endpoint or the caller: INVALID_ARGUMENT (the OTLP spec's "malformed data") or INTERNAL (what a
 * Collector answers when its exporter failed for good — before Prometheus, for one out-of-order,
 * duplicate or too-old sample, after Prometheus rolled the whole request back).
 */
const mayBeSomeSamples = (e: unknown): boolean =>
  isExportError(e) && !e.retryable && (e.code === GrpcStatus.INVALID_ARGUMENT || e.code === GrpcStatus.INTERNAL);

/** Requests a batch refused whole may take to find the samples at fault (one bad sample in 1 000 takes ~20). */
export const MAX_NARROWING_REQUESTS = 32;
/**
 * Batches in a row refused in every part after which refusals are no longer narrowed down, until
 * a request is taken again: a receiver that refuses everything (an exporter misconfigured behind
 * a Collector) costs one request a batch, not the budget.
 */
export const REFUSING_ALL_AFTER = 3;

/** `send` for deliverOrdered: see above; it also says which parts the receiver took before the batch ended (batchOutcome.ts). */
export const narrowingDown = (attempt: Attempt, opts: NarrowingOptions): ((batch: readonly Sample[]) => Observable<RejectedSamples | TakenSamples>) => {
  /** Batches in a row refused in every part since a request was last taken (REFUSING_ALL_AFTER). */
  let refusedWholeInARow = 0;

  /** The narrowing down of one attempt, making its requests through `attempt`. */
  const narrower = (attempt: Attempt): Attempt => {
    /**
     * One request, with partial success narrowed down: among all its samples, or — when it holds
     * deltas — among the others, sent again once to count theirs; the rest of the rejected points
     * are deltas, reported by count (before, the halves went again whole, deltas and all).
     */
    const sendOnce: Attempt = (batch) =>
      attempt(batch).pipe(
        concatMap((partial) => {
          const resendable = batch.some(isDelta) ? batch.filter((s) => !isDelta(s)) : batch;
          // The rejected deltas are said when the batch is done (the wrapper above): the others
          // found rejected by then tell how many they were, after a retry too.
          const found$ = resendable === batch ? rejectedOf(batch, partial.rejectedDataPoints)
            : (resendable.length === 0 ? of(0) : rejectedIn(resendable)).pipe(concatMap((inResendable) => rejectedOf(resendable, inResendable)));
          return found$.pipe(
            filter((samples) => samples.length > 0),
            map((samples): RejectedSamples => ({ kind: 'rejected-samples', samples, rejectedDataPoints: samples.length, message: partial.message })),
          );
        }),
      );
    /** How many points the receiver rejects of `part`, sent on its own. */
    const rejectedIn = (part: readonly Sample[]): Observable<number> => attempt(part).pipe(reduce((n, r) => n + r.rejectedDataPoints, 0));
    const send: Attempt = (batch) =>
      sendOnce(batch).pipe(
        tap({ complete: () => (refusedWholeInARow = 0) }),
        catchError((e: unknown) =>
          opts.isEncodeFailure(e) ? sendWithoutUnsendable(batch, e)
          : isTooLarge(e) ? sendInHalves(batch, e)
          : mayBeSomeSamples(e) && batch.length > 1 && refusedWholeInARow < REFUSING_ALL_AFTER ? sendAroundRefused(batch, e)
          : throwError(() => e),
        ),
      );

    /**
     * Which `rejected` samples of `batch` the receiver rejected: each half is sent again, in order,
     * and only a half still holding rejected points is halved further; a half the counts show clean
     * is not sent. About 2 requests a level, log2(n) levels a rejected point — sending the samples
     * one by one, as before, took n requests (1 000 for a full batch, and every batch while the
     * backend rejected one series). The accepted samples of a half sent again arrive again,
     * bit-identical.
     */
    const rejectedOf = (batch: readonly Sample[], rejected: number): Observable<readonly Sample[]> => {
      if (rejected <= 0) return of([]);
      if (rejected >= batch.length) return of(batch);
      const half = Math.ceil(batch.length / 2);
      const first = batch.slice(0, half);
      const second = batch.slice(half);
      return rejectedIn(first).pipe(
        concatMap((inFirst) =>
          concat(rejectedOf(first, inFirst), rejected - inFirst > 0 ? rejectedIn(second).pipe(concatMap((inSecond) => rejectedOf(second, inSecond))) : EMPTY),
        ),
        reduce((all: Sample[], some) => [...all, ...some], []),
      );
    };

    /**
     * The receiver refused the request as larger than its limit (the Collector's OTLP receiver
     * takes 4 MiB by default): not the samples' fault, so the batch goes again in two halves, in
     * order, and so on down; only a sample too large on its own is refused, by name, with the
     * receiver's error. (Before, the whole batch — up to 1 000 good samples — became dead letters.)
     * A later half failing retryably fails the attempt; retryBackoff's next attempt sends only
     * what no half delivered (resumingBatches.ts).
     */
    const sendInHalves = (batch: readonly Sample[], error: unknown): Observable<RejectedSamples> => {
      if (batch.length === 1) {
        const detail = `the receiver refused it as too large for one request: ${(error as Error).message}`;
        return from([{ kind: 'rejected-samples' as const, samples: batch, rejectedDataPoints: 1, message: (error as Error).message, detail, error }]);
      }
      const half = Math.ceil(batch.length / 2);
      return concat(send(batch.slice(0, half)), send(batch.slice(half)));
    };

    /**
     * The receiver refused the whole request permanently, maybe for some of its samples (above): the
     * batch goes again in halves, in order, depth first — so what is delivered stays in time order —
     * and only a part refused again is halved further, down to single samples, while fewer than
     * MAX_NARROWING_REQUESTS requests were made; a part refused after that is refused whole (the
     * second halves still pending then are each tried once: at most one request more a level).
     * When nothing of the batch was taken (a resend of what the receiver has already), the original
     * error stands, as it did before narrowing. A retryable failure on the way fails the attempt,
     * whose retry sends only what no part delivered (resumingBatches.ts).
     */
    const sendAroundRefused = (batch: readonly Sample[], error: unknown): Observable<RejectedSamples> => {
      let requests = 0;
      let taken = 0;
      const message = (error as Error).message;
      const refused = (samples: readonly Sample[]): RejectedSamples => ({
        kind: 'rejected-samples', samples, rejectedDataPoints: samples.length, message, error,
        detail: samples.length === 1
          ? `the receiver refused the request holding it: ${message}; its batch went again in parts, and the rest was delivered without it`
          : `the receiver refused the request holding these ${samples.length} samples: ${message}; its batch went again in parts (${MAX_NARROWING_REQUESTS} requests), and the rest was delivered without them`,
      });
      const part = (samples: readonly Sample[]): Observable<RejectedSamples> =>
        defer(() => {
          requests++;
          return sendOnce(samples).pipe(
            toArray(),
            concatMap((rejected) => {
              taken += samples.length - rejected.reduce((n, r) => n + r.samples.length, 0);
              return from(rejected);
            }),
            catchError((e: unknown) => (mayBeSomeSamples(e) ? inParts(samples) : throwError(() => e))),
          );
        });
      const inParts = (samples: readonly Sample[]): Observable<RejectedSamples> => {
        if (samples.length === 1 || requests >= MAX_NARROWING_REQUESTS) return of(refused(samples));
        const half = Math.ceil(samples.length / 2);
        return concat(part(samples.slice(0, half)), part(samples.slice(half)));
      };
      return inParts(batch).pipe(
        toArray(),
        concatMap((rejected) => {
          refusedWholeInARow = taken === 0 ? refusedWholeInARow + 1 : 0;
          return taken === 0 ? throwError(() => error) : from(rejected);
        }),
      );
    };

    /** Why `s` cannot be encoded, or undefined when it can. */
    const unsendableBecause = (s: Sample): string | undefined => {
      try {
        if (hasOtlpTimes(s)) {
          opts.encodeAlone(s);
          return undefined;
        }
      } catch (e) {
        return `not sent: it cannot be encoded: ${sampleProblem(s, e)}`;
      }
      return 'not sent: its time is outside what OTLP carries (0 ≤ t < 2^64 ns) and would arrive as another time';
    };
    const sendWithoutUnsendable = (batch: readonly Sample[], error: unknown): Observable<RejectedSamples> => {
      const byDetail = new Map<string, Sample[]>();
      const rest: Sample[] = [];
      for (const s of batch) {
        const detail = unsendableBecause(s);
        if (detail === undefined) rest.push(s);
        else {
          const same = byDetail.get(detail);
          if (same === undefined) byDetail.set(detail, [s]);
          else same.push(s);
        }
      }
      if (byDetail.size === 0) return throwError(() => error);
      const refused = [...byDetail].map(([detail, samples]): RejectedSamples => ({ kind: 'rejected-samples', samples, rejectedDataPoints: samples.length, message: '', detail }));
      return concat(from(refused), rest.length > 0 ? send(rest) : EMPTY);
    };

    return send;
  };
  return resumingBatches(attempt, narrower, opts.onUnidentifiedDeltas);
};
