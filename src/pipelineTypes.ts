/**
 * The Pipeline's types (src/pipeline.ts): what it is built from, what it reports while running,
 * and what a shutdown says.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import type { Spool, OpenReport } from './spool/spool.js';
import type { Sample } from './sample.js';
import type { DeadLetter } from './routed.js';
import type { Clock } from './clock.js';
import type { ReachableNews } from './breaker.js';
import type { SilentHoldEvent } from './otlp/silentHold.js';
import type { Delivered, SendBatch } from './delivery.js';
import type { SkewEvent } from '../operators/detectClockSkew.js';

export interface PipelineDeps {
  /** The export attempt (from the config's sink, see sinks.ts). */
  readonly send: SendBatch;
  /** The receiver is reachable again (the sink's `reachable$`): an open breaker half-opens at once. */
  readonly reachable$?: Observable<ReachableNews> | undefined;
  /** The sink holds calls for a receiver that answers nothing (its `silent$`): said in stats and the status line. */
  readonly silent$?: Observable<SilentHoldEvent> | undefined;
  readonly sources?: readonly Observable<Sample>[];
  /** Accept `push()`: the input then ends only at shutdown, not when the sources end. */
  readonly acceptPush?: boolean;
  /** Where dead letters go (the dead-letter file). */
  readonly deadLetters: (d: DeadLetter<Sample>) => void;
  /** Makes what `deadLetters` took durable; called before dead-lettered samples are settled in the spool. */
  readonly flushDeadLetters?: () => void;
  /**
   * Samples were stamped by this process's clock (host source, SDK bridge). Default true. Or one
   * flag per source, in `sources`' order (pushed samples, and sources past the list's end, count as
   * stamped locally): a step is then corrected in the samples of the sources that stamp locally only.
   */
  readonly stampedLocally?: boolean | readonly boolean[];
  readonly clock?: Clock;
  readonly scheduler?: SchedulerLike;
  readonly onSkew?: (e: SkewEvent) => void;
  readonly onDelivered?: (d: Delivered) => void;
  /**
   * Each sample that has reached the end: delivered, dead-lettered (with its dead letter), or
   * written to the spool (a followed file's read position moves on with them:
   * src/sources/readPositions.ts; an otlp request's answer waits for them: otlpReceiver.ts).
   */
  readonly onSettled?: (s: Sample, deadLetter?: DeadLetter<Sample>) => void;
  /**
   * Samples that are not counted in `stats` (still delivered): chronoq's own self-metrics, when the
   * MeterProvider that exports through chronoq also carries them, so they do not count themselves.
   */
  readonly uncounted?: (s: Sample) => boolean;
  /**
   * The durable spool: samples are written before delivery and settled after it; what an earlier
   * run left unsettled is delivered first. At shutdown the undelivered rest stays in the spool
   * (for the next start) instead of becoming dead letters.
   */
  readonly spool?: Spool;
}

export type PipelineEvent =
  | { readonly type: 'delivered'; readonly delivered: Delivered }
  | { readonly type: 'dead-letter'; readonly deadLetter: DeadLetter<Sample> }
  | { readonly type: 'retry'; readonly lane: number; readonly attempt: number; readonly delayMs: number; readonly error: unknown }
  | { readonly type: 'skew'; readonly event: SkewEvent }
  | { readonly type: 'breaker'; readonly from: string; readonly to: string; readonly atMs: number }
  /** Source `index` (of deps.sources) errored: it has ended; the other sources go on. */
  | { readonly type: 'source-failed'; readonly index: number; readonly error: unknown }
  /** The spool could not be written (disk full, say): samples go on without it, not durable, and delivered ones stay unsettled ... */
  | { readonly type: 'spool-write-failed'; readonly error: unknown }
  /** ... until a write works again. */
  | { readonly type: 'spool-write-recovered' }
  /** A spool that waited for disk space (chronoq started on a full disk) opened its file, holding `pending` samples of an earlier run. */
  | { readonly type: 'spool-opened'; readonly pending: number; readonly damage?: OpenReport['damage'] }
  /** reorder.maxSeries was reached: the `forgotten` least recently released series were forgotten early. */
  | { readonly type: 'series-capped'; readonly forgotten: number; readonly maxSeries: number }
  /** The pipeline itself errored (after draining what it held): it has ended. */
  | { readonly type: 'failed'; readonly error: unknown };

export interface ShutdownReport {
  readonly drained: boolean;
  readonly shutdownDeadLetters: number;
  /** Samples left unsettled in the spool (delivered first at the next start). */
  readonly leftInSpool: number;
}
