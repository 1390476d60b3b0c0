/**
 * What the attempts of one batch told deliverOrdered about its samples, and what becomes of each
 * when the batch ends.
 *
 * A send may emit, before it ends: RejectedSamples — samples the receiver refused on their own,
 * each with its detail (dead letters `rejected` whatever becomes of the rest) — and TakenSamples —
 * a part the receiver took while the sink narrowed a refusal down (delivered, whatever becomes of
 * the rest). When the batch succeeds, everything not refused is delivered; when it fails (attempts
 * exhausted, refused for good) or is cut short (shutdown), only the rest — neither taken nor
 * refused — shares the batch's fate. Before, a batch that failed after a part of it was taken
 * became dead letters whole: replayed, the taken part arrived twice (a delta counted twice).
 *
 * ```
 * batch [a..h], too large: halves [a..d] taken, [e..h] fails until attempts run out
 * before: dead letters a..h (retries-exhausted)
 * now:    Delivered [a..d], dead letters e..h (retries-exhausted)
 * ```
 */
import type { Sample } from './sample.js';
import { isRejectedSamples, partRefusalDetail } from './delivery.js';

/** What a `send` emits for a part of its batch the receiver took before the batch ended. */
export interface TakenSamples {
  readonly kind: 'taken-samples';
  readonly samples: readonly Sample[];
}
export const isTakenSamples = (v: unknown): v is TakenSamples =>
  typeof v === 'object' && v !== null && (v as TakenSamples).kind === 'taken-samples' && Array.isArray((v as TakenSamples).samples);

/** Samples refused with one detail (and the receiver's error when it refused them as a request). */
export interface RefusedGroup {
  readonly samples: readonly Sample[];
  readonly detail: string;
  readonly error?: unknown;
}

export interface BatchEnd {
  /** Delivered, in batch order. */
  readonly delivered: readonly Sample[];
  readonly refused: readonly RefusedGroup[];
  /** Neither taken nor refused: the batch's failure is theirs (empty on success). */
  readonly rest: readonly Sample[];
}

export interface BatchOutcome {
  /** A value the batch's send emitted, after `attempts` attempts; `mayHaveLanded` hedges a refusal on a resend. */
  see(v: unknown, attempts: number, mayHaveLanded: unknown): void;
  end(succeeded: boolean): BatchEnd;
}

export const createBatchOutcome = (batch: readonly Sample[]): BatchOutcome => {
  /** Each refused sample and its detail (a retried attempt may name it again). */
  const refused = new Map<Sample, string>();
  const errorOf = new Map<string, unknown>();
  let taken: Set<Sample> | undefined;
  return {
    see: (v, attempts, mayHaveLanded) => {
      if (isTakenSamples(v)) {
        taken ??= new Set();
        for (const s of v.samples) taken.add(s);
        return;
      }
      if (!isRejectedSamples(v)) return;
      const detail = v.detail === undefined ? `the receiver rejected this data point (partial success): ${v.message || 'no message'}`
        : v.error === undefined ? v.detail : partRefusalDetail(v.detail, attempts, mayHaveLanded);
      for (const s of v.samples) refused.set(s, detail);
      if (v.error !== undefined) errorOf.set(detail, v.error);
    },
    end: (succeeded) => {
      if (refused.size === 0 && (succeeded || taken === undefined)) return { delivered: succeeded ? batch : [], refused: [], rest: succeeded ? [] : batch };
      const delivered = batch.filter((s) => !refused.has(s) && (succeeded || taken?.has(s) === true));
      const rest = succeeded ? [] : batch.filter((s) => !refused.has(s) && taken?.has(s) !== true);
      const groups = [...new Set(refused.values())].map((detail): RefusedGroup => {
        const error = errorOf.get(detail);
        return { samples: batch.filter((s) => refused.get(s) === detail), detail, ...(error !== undefined ? { error } : {}) };
      });
      return { delivered, refused: groups, rest };
    },
  };
};
