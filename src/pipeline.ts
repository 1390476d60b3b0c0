/**
 * A running chronoq pipeline, built from a resolved config: sources → validate → detectClockSkew
 * → reorderByEventTime → fillStartTimes → deliverOrdered → sink, with dead letters to the
 * dead-letter file and every event counted in `stats`. It has a lifecycle: `start()`, then
 * `shutdown()` drains with a deadline, and whatever is left becomes dead letters `shutdown` —
 * never lost silently.
 */
import { EMPTY, Observable, Subject, catchError, merge, takeUntil, map, tap, share, type SchedulerLike, Subscription, firstValueFrom, timer, race } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Sample } from './sample.js';
import { type DeadLetter, toDeadLetter, validated, startInOrder } from './routed.js';
import { type Clock, systemClock, steadyScheduler, timerMs } from './clock.js';
import { createCircuitBreaker, type CircuitBreaker } from './breaker.js';
import { type ResolvedConfig, deliveryLaneCount } from './config/resolve.js';
import { detectClockSkew } from '../operators/detectClockSkew.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { fillStartTimes } from '../operators/fillStartTimes.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { type AbortReason, abortDetail } from './delivery.js';
import { createStats, queuedOf, totalDeadLetters, type PipelineStats } from './stats.js';
import { pipelineDeliveryHooks } from './pipelineDeliveryHooks.js';
import { deliveryRoomGate, type RoomGate } from './roomGate.js';
import { pushSourceFit, pushSourceRoomGate, sourceRoomGate } from './sourceRoom.js';
import { backlogStage } from './backlogStage.js';
import { localStamps } from './localStamps.js';
import { keptSeriesStarts } from './spool/seriesStarts.js';

export type { PipelineDeps, PipelineEvent, ShutdownReport } from './pipelineTypes.js';
import type { PipelineDeps, PipelineEvent, ShutdownReport } from './pipelineTypes.js';

export class Pipeline {
  readonly stats: PipelineStats;
  readonly breaker: CircuitBreaker;
  private readonly pushed = new Subject<Sample>();
  private readonly stop$ = new Subject<void>();
  /** Give up on what is left: delivery and the room gate dead-letter it (with an AbortReason's detail). */
  private readonly abort$ = new Subject<AbortReason | undefined>();
  private readonly hurry$ = new Subject<void>();
  private readonly flushNow$ = new Subject<void>();
  private readonly completed = new Subject<void>();
  private readonly events = new Subject<PipelineEvent>();
  /** Everything that happens, as it happens. */
  readonly events$: Observable<PipelineEvent> = this.events.asObservable();
  private subscription: Subscription | undefined;
  /** The sink's news: reachable again, silent. */
  private readonly sinkNews = new Subscription();
  private finished = false;
  private stopping = false;
  private failures = 0;
  /** Wall time (deps.clock, else the system's): validation and every dead letter's atUnixMs. */
  private readonly clock: Clock;
  /** The operators' timers and waits (deps.scheduler, else steadyScheduler). */
  private readonly scheduler: SchedulerLike;
  /** Samples in delivery the spool could not write (disk full): not in it when a shutdown gives up. */
  private readonly unspooled = new Set<Sample>();

  /**
   * Room in delivery's queue, for the spool's backlog and for sources without a spool: closed at
   * half of delivery.maxQueued queued (at least a full batch a lane, up to maxQueued), open again
   * at half that (src/roomGate.ts).
   */
  readonly hasRoom: RoomGate;
  /**
   * Back-pressure for sources that can wait (a file, stdin, replayed samples): see
   * src/sourceRoom.ts. Sources built before the pipeline take `() => pipeline.sourceHasRoom()`.
   */
  readonly sourceHasRoom: RoomGate;
  /** Room for a source that cannot wait (an otlp receiver): with a spool, while the spool has; without, while memory has (src/sourceRoom.ts). */
  readonly pushSourceHasRoom: RoomGate;
  /** Whether such a source's request of `n` samples, taken whole, fits (src/sourceRoom.ts pushSourceFit). */
  readonly pushSourceFits: (n: number) => boolean;

  constructor(readonly config: ResolvedConfig, private readonly deps: PipelineDeps) {
    this.stats = createStats(config.delivery.maxQueued);
    this.clock = deps.clock ?? systemClock;
    this.scheduler = deps.scheduler ?? steadyScheduler;
    const fullBatches = deliveryLaneCount(config) * config.batch.maxSize;
    this.hasRoom = deliveryRoomGate(() => queuedOf(this.stats), config.delivery.maxQueued, fullBatches);
    const room = {
      stats: this.stats, config, fullBatches, spool: deps.spool, queueRoom: this.hasRoom, outstanding: () => this.outstanding,
      breakerClosed: () => this.breaker.state === 'closed', spoolFailing: () => this.stats.spoolFailing,
    };
    this.sourceHasRoom = sourceRoomGate(room);
    this.pushSourceHasRoom = pushSourceRoomGate(room);
    this.pushSourceFits = pushSourceFit(room);
    this.breaker = createCircuitBreaker({ ...config.delivery.breaker, scheduler: this.scheduler });
    // The stats first: a listener of the event reads them (the first opening read no breakerOpenedAtMs).
    this.breaker.state$.subscribe((t) => {
      this.stats.breakerState = t.to;
      this.stats.breakerOpenedAtMs = t.to === 'open' && t.from === 'closed' ? t.atMs : t.to === 'closed' ? undefined : this.stats.breakerOpenedAtMs;
      this.events.next({ type: 'breaker', ...t });
    });
    // One that errors only stops telling (without an error callback RxJS threw it as an uncaught exception).
    this.sinkNews.add(deps.reachable$?.subscribe({ next: (news) => this.breaker.halfOpenNow(news), error: () => undefined }));
    this.sinkNews.add(deps.silent$?.subscribe({ next: (e) => void (this.stats.receiverSilentSinceMs = e.kind === 'silent' ? this.scheduler.now() : undefined), error: () => undefined }));
  }

  /**
   * Feeds one sample in (for applications that produce samples themselves). Once shutdown() has
   * begun the input is closed: the sample is a dead letter `shutdown` at once (it used to vanish).
   */
  push(sample: Sample): void {
    if (!this.stopping) return this.pushed.next(sample);
    if (this.counts(sample)) this.stats.samplesIn++;
    this.deadLettered(toDeadLetter('shutdown', sample, 'pushed after the pipeline began shutting down', this.clock.now()));
  }

  /** Whether `x` counts in `stats` (deps.uncounted: chronoq's own self-metrics do not). */
  private counts(x: Sample): boolean {
    return !(this.deps.uncounted?.(x) ?? false);
  }

  /**
   * A dead letter reaches its end: counted, written, settled (deps.onSettled), reported. Stamped
   * with the pipeline's wall clock: the operators stamp theirs with scheduler time, which on
   * steadyScheduler is fractional and, after the wall clock steps, off it by the step — one file
   * mixed both.
   */
  private deadLettered(letter: DeadLetter<Sample>): void {
    const d = { ...letter, atUnixMs: this.clock.now() };
    if (this.unspooled.size > 0) this.unspooled.delete(d.item);
    if (this.counts(d.item)) this.stats.deadLetters[d.reason]++;
    this.deps.deadLetters(d);
    this.deps.onSettled?.(d.item, d);
    this.events.next({ type: 'dead-letter', deadLetter: d });
  }

  /**
   * A stream the application feeds in with push() failed (createPipeline's fromObservable): it
   * is reported as a source failure, `index` numbering such streams; the pipeline goes on.
   */
  pushedStreamFailed(index: number, error: unknown): void {
    this.failures++;
    this.events.next({ type: 'source-failed', index, error });
  }

  /** True when a source or the pipeline itself failed (each reported as an event). */
  get failed(): boolean {
    return this.failures > 0;
  }

  /** Resolves when the pipeline has completed (all sources ended and delivery drained). */
  get done(): Promise<void> {
    return this.finished ? Promise.resolve() : firstValueFrom(this.completed, { defaultValue: undefined });
  }

  start(): this {
    const c = this.config;
    const s = this.stats;
    const { scheduler, clock } = this;
    const counted = (x: Sample): boolean => this.counts(x);
    // A source that errors (a file that cannot be read, say) ends alone and is reported; before,
    // its error ended every source and the run finished as if all had simply run out.
    const fail = (event: PipelineEvent & { error: unknown }): Observable<never> => {
      this.failures++;
      this.events.next(event);
      return EMPTY;
    };
    const local = localStamps(this.deps.stampedLocally, (this.deps.sources ?? []).length, this.deps.acceptPush === true);
    const sources = (this.deps.sources ?? []).map((source, index) => local.mark(source, index).pipe(catchError((error: unknown) => fail({ type: 'source-failed', index, error }))));
    const inputs = [...(this.deps.acceptPush ? [local.mark(this.pushed, 'pushed')] : []), ...sources];
    const input$ = merge(...inputs).pipe(takeUntil(this.stop$), share());
    this.subscription = input$
      .pipe(
        tap((x) => (counted(x) ? s.samplesIn++ : undefined)),
        // The start time's order is checked after detectClockSkew, below.
        validated(clock),
        detectClockSkew({
          ...c.skew, clock, stampedLocally: local.test,
          // A restart does not take the series back: trusted time starts just after the newest sample the spool was given.
          notBeforeUnixNano: c.skew.restartFrom === 'clock' ? undefined : this.deps.spool?.newestUnixNano,
          onSkew: (e) => {
            this.events.next({ type: 'skew', event: e });
            s.skew[e.kind]++;
            if (e.kind === 'step') s.lastStepDeltaMs = e.deltaMs;
            this.deps.onSkew?.(e);
          },
        }),
        // Counters stamped before a step back are in order again once the step is corrected.
        startInOrder(clock),
        reorderByEventTime({
          ...c.reorder, scheduler, flushNow$: this.flushNow$, onLate: () => s.late++, onOverflow: () => s.reorderOverflow++,
          onSeriesCapped: (e) => { s.seriesCapped += e.forgotten; this.events.next({ type: 'series-capped', ...e }); },
        }),
        // In time order here; before the spool, so a sample keeps the start it was given. With a
        // spool, series go on from where the run before left them: a restart is no counter reset.
        fillStartTimes({ forgetSeriesAfterMs: c.reorder.forgetSeriesAfterMs, maxSeries: c.reorder.maxSeries, ...keptSeriesStarts(this.deps.spool?.seriesStarts) }),
        // Where samples wait while delivery's queue has no room: in memory, or in the spool.
        backlogStage({
          config: c, stats: s, spool: this.deps.spool, hasRoom: () => this.hasRoom(), scheduler, now: () => clock.now(),
          abort$: this.abort$, flushNow$: this.flushNow$, report: (e) => this.events.next(e), onSettled: this.deps.onSettled,
          onUnspooled: (xs) => xs.forEach((x) => this.unspooled.add(x)),
        }),
        tap((r) => (isLeft(r) || !counted(r.right) ? undefined : s.enteredDelivery++)),
        deliverOrdered(this.deps.send, {
          // reorder.order 'global' holds at the receiver too: delivery then uses one lane.
          ...c.delivery, order: c.reorder.order, batch: c.batch, breaker: this.breaker, scheduler, abort$: this.abort$, flushNow$: this.flushNow$,
          ...pipelineDeliveryHooks({ stats: s, deps: this.deps, events: this.events, unspooled: this.unspooled, counted }),
        }),
      )
      .subscribe({
        next: (r) => (isLeft(r) ? this.deadLettered(r.left) : undefined),
        error: (error: unknown) => {
          fail({ type: 'failed', error });
          this.finish();
        },
        complete: () => this.finish(),
      });
    return this;
  }

  /** Stops the sources, drains for at most deadlineMs, then dead-letters the rest as `shutdown`. */
  async shutdown(deadlineMs = this.config.delivery.shutdownDeadlineMs): Promise<ShutdownReport> {
    const before = this.stats.deadLetters.shutdown;
    this.stopInput();
    const deadline$ = merge(timer(timerMs(deadlineMs), this.scheduler), this.hurry$).pipe(map(() => false));
    const drained = this.finished || (await firstValueFrom(race(this.completed.pipe(map(() => true)), deadline$), { defaultValue: true }));
    const leftInSpool = drained ? 0 : this.giveUp();
    await this.done;
    this.subscription?.unsubscribe();
    this.sinkNews.unsubscribe();
    this.breaker.dispose();
    return { drained, shutdownDeadLetters: this.stats.deadLetters.shutdown - before, leftInSpool };
  }

  /**
   * The process is exiting (process.exit(), from an `exit` listener): only synchronous work is
   * left, so nothing can be sent any more, but nothing may vanish. The sources stop and the reorder
   * buffer hands on what it held; with a spool, what it wrote stays there (delivered first at the
   * next start); everything else outstanding is a dead letter `shutdown` with `detail`, written
   * through at once. Before, process.exit() took it all with it, spool or not.
   */
  abandonNow(detail: string): void {
    if (this.finished || this.subscription === undefined) return;
    this.stopInput();
    this.giveUp({ abortDetail: detail });
    this.deps.flushDeadLetters?.();
  }

  /** Closes the input: the sources stop, and a sample pushed from now on is a dead letter `shutdown`. */
  private stopInput(): void {
    this.stopping = true;
    this.stop$.next();
  }

  /**
   * Ends delivery of what is left; how many samples stay in the spool. Durable with a spool: the
   * rest stays there and is delivered first at the next start. Without one it becomes dead letters
   * `shutdown` (with `reason`'s detail, else the drain deadline's); so do samples the spool could
   * not write (disk full) — counted as left in it before, they were lost (18 578 of 21 000 so).
   */
  private giveUp(reason?: AbortReason): number {
    if (!this.deps.spool) {
      this.abort$.next(reason);
      return 0;
    }
    this.subscription?.unsubscribe();
    const detail = `${abortDetail(reason)}; not in the spool, which could not write it`;
    for (const x of [...this.unspooled]) this.deadLettered(toDeadLetter('shutdown', x, detail, this.clock.now()));
    const leftInSpool = this.outstanding;
    this.finish();
    return leftInSpool;
  }

  /**
   * Sends what the pipeline holds now: the reorder buffer is released (in order) and the lanes
   * send without waiting for full batches or maxDelayMs (an application's flush).
   */
  flushNow(): void {
    this.flushNow$.next();
  }

  /** Ends the drain of a shutdown in progress now, as if its deadline had passed (a second Ctrl-C). */
  endDrainNow(): void {
    this.hurry$.next();
  }

  /** Samples taken in and not yet delivered or dead-lettered (buffered, queued or in flight). */
  get outstanding(): number {
    return this.stats.samplesIn - this.stats.delivered - totalDeadLetters(this.stats);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.events.complete();
    this.completed.next();
    this.completed.complete();
  }
}
