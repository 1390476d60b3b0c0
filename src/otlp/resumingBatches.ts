/**
 * A batch's attempts pick up where the one before left off (narrowingDown's outer layer).
 *
 * retryBackoff sends the same batch object again after a retryable failure. Narrowing a refusal
 * down makes several requests for one attempt, and the receiver settles parts of the batch on the
 * way: a part answered in full is taken, a delta in a request answered with partial success is
 * taken or rejected (unnamed, and counted either way), a sample found rejected is rejected. A
 * retry sends only the rest: a delta sent again would be counted twice, and a part the receiver
 * holds, sent again, is refused by a backend that takes no older repeat (Prometheus behind a
 * Collector) — before, a retryable failure while narrowing down sent the whole batch again.
 * Each part taken is also said to deliverOrdered (TakenSamples), which counts it delivered if the
 * batch then fails or is cut short (src/batchOutcome.ts).
 *
 * ```
 * receiver rejects sample 6 (partial success); 7 and 8 are deltas; × = UNAVAILABLE
 * attempt 1: [1..8]→1 (7, 8 taken)   [1..6]→×
 * attempt 2: [1..6]→1   [1..3]→0   [4..6]→1   [4,5]→0   [6]→1      rejected [6]; 7, 8 sent once
 * ```
 */
import { Observable, tap } from 'rxjs';
import type { Sample } from '../sample.js';
import type { RejectedSamples } from '../delivery.js';
import type { TakenSamples } from '../batchOutcome.js';
import { isRetryable } from '../errors.js';

/** One request of `batch`: completes on success; emits RejectedSamples when the receiver rejected some. */
export type Attempt = (batch: readonly Sample[]) => Observable<RejectedSamples>;

/** What the attempts of one batch have settled so far. */
interface BatchProgress {
  /** Not to be sent again: taken, or found rejected. */
  readonly settled: Set<Sample>;
  readonly rejected: Set<Sample>;
  /** Requests holding deltas answered with partial success: how many it rejected, and its other samples. */
  readonly deltaAnswers: { readonly others: readonly Sample[]; readonly rejected: number; readonly message: string }[];
}

/** A point a backend adds up: sending it again counts it twice (a delta gauge is only a gauge). */
export const isDelta = (s: Sample): boolean => s.temporality === 'delta' && s.kind !== 'gauge';

/**
 * `send` for deliverOrdered: each attempt of a batch runs `narrow` (the narrowing down of one
 * attempt, making its requests through the `request` it is given) on what earlier attempts left
 * unsettled. When the batch is done, the rejected deltas that partial success counted and never
 * named are said through `onUnidentifiedDeltas` — a request's count less its other samples found
 * rejected by then, after a retry too; as an upper bound ("at most") when the batch is refused
 * for good or cut short before they were all counted.
 */
export const resumingBatches = (
  attempt: Attempt,
  narrow: (request: Attempt) => Attempt,
  onUnidentifiedDeltas?: (count: number, message: string) => void,
): ((batch: readonly Sample[]) => Observable<RejectedSamples | TakenSamples>) => {
  const progressOf = new WeakMap<readonly Sample[], BatchProgress>();
  return (batch) =>
    new Observable<RejectedSamples | TakenSamples>((subscriber) => {
      const known = progressOf.get(batch);
      const rest = known === undefined ? batch : batch.filter((s) => !known.settled.has(s));
      if (rest.length === 0) return subscriber.complete();
      const progress = (): BatchProgress => {
        let p = progressOf.get(batch);
        if (p === undefined) progressOf.set(batch, (p = { settled: new Set(), rejected: new Set(), deltaAnswers: [] }));
        return p;
      };
      /** A part the receiver took: not sent again, and delivered whatever becomes of the rest (batchOutcome.ts). */
      const taken = (samples: readonly Sample[]): void => {
        const { settled } = progress();
        for (const s of samples) settled.add(s);
        subscriber.next({ kind: 'taken-samples', samples });
      };
      // A request of the whole rest answered in full ends the attempt: nothing to remember then.
      const request: Attempt = (part) => {
        let partial: RejectedSamples | undefined;
        return attempt(part).pipe(
          tap({
            next: (r) => (partial = r),
            complete: () => {
              if (partial === undefined) return part !== rest && taken(part);
              const deltas = part.filter(isDelta);
              if (deltas.length === 0) return;
              taken(deltas);
              progress().deltaAnswers.push({ others: part.filter((s) => !isDelta(s)), rejected: partial.rejectedDataPoints, message: partial.message });
            },
          }),
        );
      };
      /** The deltas partial success rejected: its count less the request's other samples found rejected. */
      const sayDeltas = (hedge: string): void => {
        const p = progressOf.get(batch);
        for (const a of p?.deltaAnswers.splice(0) ?? []) {
          const deltas = a.rejected - a.others.filter((s) => p!.rejected.has(s)).length;
          if (deltas > 0) onUnidentifiedDeltas?.(deltas, a.message + hedge);
        }
      };
      const uncounted = ' (at most: the request\'s other samples were not all counted)';
      let ended = false;
      const sub = narrow(request)(rest)
        .pipe(
          tap({
            next: (r) => {
              const p = progress();
              for (const s of r.samples) p.settled.add(s), p.rejected.add(s);
            },
            complete: () => ((ended = true), sayDeltas('')),
            // Refused for good before the others were all counted: what the count allows. (After a
            // retryable failure the next attempt counts them; when attempts run out, or a shutdown
            // comes before the next, there is none, and they go unsaid: the sink cannot tell.)
            error: (e: unknown) => ((ended = true), isRetryable(e) || sayDeltas(uncounted)),
          }),
        )
        .subscribe(subscriber);
      return () => {
        sub.unsubscribe();
        if (!ended) sayDeltas(uncounted); // cut short (a shutdown): no attempt follows
      };
    });
};
