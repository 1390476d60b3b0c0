/**
 * The Pipeline's back-pressure for sources that can wait (a file, stdin, replayed samples): they
 * pause while half of delivery.maxQueued (at least a full batch a lane) is queued, and resume at
 * half that (src/roomGate.ts).
 *
 * Without a spool, also while delivery.maxQueued + reorder.maxBuffered samples are anywhere in
 * the pipeline (the reorder buffer, samples it released that wait for room in the queue —
 * src/holdForRoom.ts —, the queue, the batches in flight), and resume at 90 % of that: what the
 * reorder buffer holds and hands on in runs is bounded by its maxBuffered, the queue by
 * maxQueued, so what waits for room stays within maxBuffered too and nothing from these sources
 * overflows. A ceiling of maxQueued alone (tried) capped a followed log whose reorder window holds
 * more: at 60 000 lines/s with maxDelayMs 2 000 (120 000 in the window) it was read at ~45 000/s,
 * falling behind for good; within maxQueued + maxBuffered it is read as written.
 *
 * With a spool, which takes such runs, the level is the backlog (queue and spool) — a backfill
 * is not copied into the spool ahead of delivery — and while the breaker is not closed (an
 * outage) there is room as long as the spool has (up to 90 % of spool.maxBytes): a followed log
 * that rotates during an outage is then safe in the spool, not left in files that the rotation
 * may delete.
 */
import type { ResolvedConfig } from './config/resolve.js';
import type { Spool } from './spool/spool.js';
import { type PipelineStats, backlogOf, queuedOf, reorderingOf } from './stats.js';
import { type RoomGate, createRoomGate, deliveryRoomGate } from './roomGate.js';

export interface SourceRoomOptions {
  readonly stats: PipelineStats;
  readonly config: ResolvedConfig;
  /** A full batch in every lane: the gate closes no lower (src/roomGate.ts). */
  readonly fullBatches: number;
  readonly spool: Spool | undefined;
  /** Room in delivery's queue: the Pipeline's `hasRoom` (the queue gate). */
  readonly queueRoom: RoomGate;
  /** Samples taken in and not yet delivered or dead-lettered. */
  readonly outstanding: () => number;
  readonly breakerClosed: () => boolean;
}

/** The samples the pipeline may hold in memory without a spool (taken and unsettled): the ceiling's and fitsWithoutSpool's bound. */
const inMemoryLimit = (config: ResolvedConfig): number => config.delivery.maxQueued + config.reorder.maxBuffered;

/** Closed once the pipeline holds inMemoryLimit, open again at 90 % of it. */
const inMemoryCeiling = (opts: SourceRoomOptions): RoomGate => {
  const highWater = inMemoryLimit(opts.config);
  return createRoomGate({ level: opts.outstanding, highWater, lowWater: Math.floor(highWater * 0.9) });
};

export const sourceRoomGate = (opts: SourceRoomOptions): RoomGate => {
  const { stats, config, fullBatches, spool } = opts;
  const maxQueued = config.delivery.maxQueued;
  if (spool !== undefined) {
    const backlogRoom = deliveryRoomGate(() => backlogOf(stats), maxQueued, fullBatches);
    return () => backlogRoom() || (!opts.breakerClosed() && spool.hasRoomFor(0.1));
  }
  const { queueRoom } = opts;
  const ceiling = inMemoryCeiling(opts);
  return () => {
    const belowCeiling = ceiling(); // asked every time: its open/closed state follows the level
    return queueRoom() && belowCeiling;
  };
};

/**
 * Room for a source that cannot wait: the otlp receiver, whose refused request is left with its
 * sender — which sends it again if it retries, and drops it if it does not (the JS gRPC exporter).
 * A file source's gate (half of delivery.maxQueued) refused such requests with most of the room
 * unused: with a spool, whenever the receiver was up but slower than the applications (or chronoq
 * had stopped for a moment and they sent in a burst), with the spool all but empty; without one,
 * behind a receiver slower than 8 applications, 95–111 requests a round of bench/gateway.ts with
 * three quarters of the memory the config allows unused. So:
 * - without a spool, room while the pipeline holds less than delivery.maxQueued +
 *   reorder.maxBuffered (the ceiling above; 54–80 refused there, once it holds that). What waits
 *   for the queue is held in order by holdForRoom.ts, and nothing overflows;
 * - with one, as long as the spool has room: refused from 90 % of spool.maxBytes, taken again
 *   below 80 %, before the spool itself refuses samples (dead letters `overflow`);
 * - while the spool cannot write (a full disk), samples wait for delivery in memory: delivery's
 *   queue is the gate, once the backlog in the spool is delivered. Behind it a sample cannot go
 *   (the spool stage makes it a dead letter `overflow`, told to its sender as rejected, which
 *   does not send it again), so until then requests are refused, and their senders keep them.
 *
 * The spool's level counts what is on its way to it (spoolBytesSoon): a request is taken ahead of
 * the spool by the reorder window, and the spool's bytes alone said "room" for the whole window —
 * with a 3 MB spool, the receiver down and 20 senders, 117–309 samples answered as taken became
 * `overflow` dead letters (test/cliOtlpSource.test.ts); counted, none do. What the window holds
 * when an outage begins is taken before the outage is known: a spool smaller than that overflows
 * then.
 */
export const pushSourceRoomGate = (opts: SourceRoomOptions & { readonly spoolFailing: () => boolean }): RoomGate => {
  const { spool, stats } = opts;
  if (spool === undefined) return inMemoryCeiling(opts);
  const spoolRoom = createRoomGate({ level: () => spoolBytesSoon(spool, stats, 0), highWater: 0.9 * spool.maxBytes, lowWater: 0.8 * spool.maxBytes });
  return () => (opts.spoolFailing() ? stats.waitingInSpool === 0 && opts.queueRoom() : spoolRoom());
};

/** What a spooled sample is taken to take before the spool holds any (a gauge with a few attributes takes 150–300 bytes). */
const SPOOL_BYTES_PER_SAMPLE_GUESS = 200;

/** The bytes a spooled sample takes now: those the spool holds over how many they are (a guess while it holds none). */
const spoolBytesPerSample = (spool: Spool, stats: PipelineStats): number => {
  // What the spool holds unsettled: delivery's queue (written before it was handed on) and the backlog.
  const held = queuedOf(stats) + stats.waitingInSpool;
  return held > 0 && spool.usedBytes > 0 ? spool.usedBytes / held : SPOOL_BYTES_PER_SAMPLE_GUESS;
};

/** Delivery is not taking samples now (failing, a breaker not closed, a silent receiver, a backlog in the spool). */
const deliveryStalled = (stats: PipelineStats): boolean =>
  stats.deliveryFailing || stats.breakerState !== 'closed' || stats.receiverSilentSinceMs !== undefined || stats.waitingInSpool > 0;

/**
 * The bytes the spool will hold once `more` samples and those on their way to it (in the reorder
 * window) are in — these counted only while delivery is stalled: then they stay in the spool,
 * where while it delivers they pass through (a spool smaller than the window's samples, which
 * never fills while the receiver takes them, is not closed by them).
 */
const spoolBytesSoon = (spool: Spool, stats: PipelineStats, more: number): number => {
  const onTheirWay = deliveryStalled(stats) ? reorderingOf(stats) : 0;
  return onTheirWay + more === 0 ? spool.usedBytes : spool.usedBytes + (onTheirWay + more) * spoolBytesPerSample(spool, stats);
};

/**
 * Whether a request of `n` samples taken at once fits the spool: what it holds, what is on its way
 * to it and the request itself within spool.maxBytes — past the gate's 90 %, a request larger than
 * the rest (a small spool) had most of its samples refused by the spool as `overflow` after its
 * sender was told they were taken. An empty spool takes any while delivery goes on (what does not
 * fit is then accounted for as overflow).
 */
const fitsSpool = (spool: Spool, stats: PipelineStats, n: number): boolean =>
  (spool.usedBytes === 0 && !deliveryStalled(stats)) || spoolBytesSoon(spool, stats, n) <= spool.maxBytes;

/**
 * Whether a request of `n` samples, taken whole by a source that cannot wait (an otlp receiver),
 * fits: in the spool with what is on its way to it, or without one (or while it cannot write) in
 * what the pipeline holds in memory.
 */
export const pushSourceFit = (opts: SourceRoomOptions & { readonly spoolFailing: () => boolean }) => (n: number): boolean =>
  opts.spool === undefined ? fitsWithoutSpool(opts.config, opts.outstanding(), n)
  : opts.spoolFailing() ? opts.stats.waitingInSpool === 0 && fitsWithoutSpool(opts.config, opts.outstanding(), n)
  : fitsSpool(opts.spool, opts.stats, n);

/**
 * Whether a batch of `n` samples taken at once (an OTLP request, answered as taken) fits what the
 * gate bounds without a spool: the gate is asked once per request, and a request of 5 000 points
 * into maxQueued 1 000 made 2 000 of them `overflow` dead letters while its sender was told they
 * were taken. The bound is the gate's own ceiling, delivery.maxQueued + reorder.maxBuffered (a
 * burst overflowed past maxQueued + 2 × maxBuffered, measured). An empty pipeline takes any (a
 * request larger than the bound must be taken some time: what does not fit then is accounted for
 * as overflow). With a spool, fitsSpool above.
 */
export const fitsWithoutSpool = (config: ResolvedConfig, outstanding: number, n: number): boolean =>
  outstanding === 0 || outstanding + n <= inMemoryLimit(config);
