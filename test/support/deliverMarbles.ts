/**
 * deliverOrdered's marble spec (marbles/deliverOrdered.marbles.ts) and the cases of its other options
 * (test/deliverOrderedOptions.test.ts, test/deliveryLanes.test.ts) run through this:
 * a source in virtual time, a fake sink answering each call, and what came out when.
 */
import type { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { deliverOrdered, type DeliverOptions } from '../../operators/deliverOrdered.js';
import type { DeliveryResult } from '../../src/delivery.js';
import { right } from 'fp-ts/lib/Either.js';
import type { Routed } from '../../src/routed.js';
import { ExportError } from '../../src/errors.js';
import type { Sample } from '../../src/sample.js';
import { fakeSink, type Answer } from './fakeSink.js';
import { laneOf } from '../../src/delivery.js';
import { sample } from './marbles.js';

/** A sample as a Right, as deliverOrdered takes it. */
export const R = (s: Sample): Routed<Sample> => right(s);
/** A receiver that is down: retryable. */
export const unavailable = new ExportError('14 UNAVAILABLE: connection refused', { retryable: true, code: 14 });

/** The first series, of m0, m1, …, that deliverOrdered puts in `lane` of `lanes`. */
export const seriesInLane = (lane: number, lanes = 2): string => {
  // Bounded: a hash that put every name in one lane would otherwise keep the search going for ever.
  for (let n = 0; n < 10_000; n++) if (laneOf(sample(0, `m${n}`), lanes) === lane) return `m${n}`;
  throw new Error(`no series name m0…m9999 falls in lane ${lane} of ${lanes}`);
};

/** Retries at 0.5, 1, 2, 4 … s, capped at 30 s: plain times to write down. */
export const noJitter = { jitter: 'none' as const, initialDelayMs: 500, maxDelayMs: 30_000 };

/** Runs `source$` through deliverOrdered in virtual time; returns outputs, sink and when it ended (completed, or errored and with what). */
export const deliver = (
  scheduler: TestScheduler,
  source: (h: { cold: TestScheduler['createColdObservable'] }) => Observable<Routed<Sample>>,
  answer: (batch: readonly Sample[], call: number, atMs: number) => Answer,
  opts: DeliverOptions = {},
) => {
  const out: { atMs: number; r: DeliveryResult }[] = [];
  const sink = fakeSink(scheduler, answer);
  let completedAt = -1;
  let failed: { atMs: number; error: unknown } | undefined;
  scheduler.run(({ cold }) => {
    source({ cold: cold as TestScheduler['createColdObservable'] })
      .pipe(deliverOrdered(sink.send, { retry: noJitter, ...opts }))
      .subscribe({
        next: (r) => out.push({ atMs: scheduler.now(), r }),
        complete: () => (completedAt = scheduler.now()),
        error: (error: unknown) => (failed = { atMs: scheduler.now(), error }),
      });
  });
  return { out, sink, completedAt, failed };
};

