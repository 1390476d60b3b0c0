/**
 * What the Pipeline (src/pipeline.ts) does as delivery goes: its deliverOrdered hooks. A delivered
 * batch is settled in the spool, handed to deps.onSettled sample by sample, counted and reported;
 * a dead-lettered one is written through to the dead-letter file before it is settled, so a crash
 * between the two delivers it again rather than losing it.
 */
import type { Subject } from 'rxjs';
import type { Sample } from './sample.js';
import type { DeliverOptions } from './delivery.js';
import { noteDelivered, recordLatency, type PipelineStats } from './stats.js';
import type { PipelineDeps, PipelineEvent } from './pipelineTypes.js';
import { howFailing } from './telemetry/failingAs.js';
import { isExportError } from './errors.js';

export interface DeliveryHookContext {
  readonly stats: PipelineStats;
  readonly deps: PipelineDeps;
  readonly events: Subject<PipelineEvent>;
  /** Samples in delivery the spool could not write: forgotten here once they settle. */
  readonly unspooled: Set<Sample>;
  /** Whether a sample counts in `stats` (chronoq's own self-metrics do not). */
  readonly counted: (x: Sample) => boolean;
}

export const pipelineDeliveryHooks = ({ stats: s, deps, events, unspooled, counted }: DeliveryHookContext): Pick<DeliverOptions, 'onRetry' | 'onDelivered' | 'onBatch' | 'onDeadLetter'> => {
  // A settle the spool cannot write (disk full) leaves the samples unsettled: the spool makes it
  // again with the next settle, and if none comes, they are delivered again after a restart (a
  // duplicate, never a loss). It must not escape from delivery's hooks.
  const settle = (samples: readonly Sample[]): void => {
    try {
      deps.spool?.settle(samples);
    } catch (error) {
      events.next({ type: 'spool-write-failed', error });
    }
  };
  const onSettled = deps.onSettled;
  return {
    onRetry: (e) => {
      s.retries++;
      s.deliveryFailing = true;
      s.failingAs = howFailing(e.error);
      events.next({ type: 'retry', lane: e.lane, attempt: e.attempt, delayMs: e.delayMs, error: e.error });
    },
    onDelivered: (d) => {
      s.deliveryFailing = false;
      settle(d.samples);
      if (unspooled.size > 0) for (const x of d.samples) unspooled.delete(x);
      if (onSettled) for (const x of d.samples) onSettled(x);
      events.next({ type: 'delivered', delivered: d });
      const own = deps.uncounted ? d.samples.filter(counted) : d.samples;
      s.delivered += own.length;
      s.batchesDelivered++;
      noteDelivered(s, own);
      recordLatency(s, d.deliveredAtMs - d.firstAttemptAtMs);
      deps.onDelivered?.(d);
    },
    onBatch: (e) => (s.inFlightBatches += e.phase === 'sent' ? 1 : -1),
    // The batch's Lefts are in the dead-letter file by now: write them through, then settle.
    onDeadLetter: (e) => {
      s.deadLetteredInDelivery += deps.uncounted ? e.samples.filter(counted).length : e.count;
      // Under at-most-once nothing is retried: a retryable failure is a dead letter at once, and
      // the status word (an open breaker's) stayed "unreachable" whatever the receiver did.
      if (isExportError(e.error) && e.error.retryable) s.failingAs = howFailing(e.error);
      if (deps.spool === undefined) return;
      deps.flushDeadLetters?.();
      settle(e.samples);
    },
  };
};
