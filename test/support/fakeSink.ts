/**
 * A scripted `send` for delivery tests: records every call (time, samples) and answers each
 * attempt as `answer` says — after an optional delay, with success or an error.
 */
import { type Observable, type SchedulerLike, defer, timer, throwError, EMPTY, concat, concatMap, from, tap } from 'rxjs';
import type { Sample } from '../../src/sample.js';

export interface SinkCall {
  readonly atMs: number;
  readonly samples: readonly Sample[];
  ok?: boolean;
}

/** `emit`: values the attempt emits (a sink's RejectedSamples, TakenSamples) before its outcome. */
export type Answer = { delayMs?: number; error?: unknown; emit?: readonly unknown[] };

export const fakeSink = (scheduler: SchedulerLike, answer: (batch: readonly Sample[], call: number, atMs: number) => Answer) => {
  const calls: SinkCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (batch: readonly Sample[]): Observable<unknown> =>
    defer(() => {
      const atMs = scheduler.now();
      const call: SinkCall = { atMs, samples: batch };
      calls.push(call);
      const a = answer(batch, calls.length - 1, atMs);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done$ = concat(from(a.emit ?? []), a.error === undefined ? EMPTY : throwError(() => a.error));
      const answered$ = (a.delayMs ?? 0) > 0 ? timer(a.delayMs!, scheduler).pipe(concatMap(() => done$)) : done$;
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        inFlight--;
      };
      // Settle before the answer reaches the caller (tap runs before forwarding), so the next
      // attempt the caller starts in reaction is not counted as overlapping this one.
      return answered$.pipe(
        tap({
          complete: () => {
            call.ok = true;
            settle();
          },
          error: () => {
            call.ok = false;
            settle();
          },
          finalize: settle,
        }),
      );
    });
  return {
    send,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Samples the receiver accepted, in acceptance order. */
    accepted: (): Sample[] => calls.filter((c) => c.ok === true).flatMap((c) => c.samples),
  };
};
