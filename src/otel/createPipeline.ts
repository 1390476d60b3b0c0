/**
 * A chronoq pipeline for applications: built from the same options as the config file (decoded,
 * not thrown: a Left lists every mistake), fed with `push(sample)` or `fromObservable(samples$)`.
 */
import { type Observable, type Subscription, filter, firstValueFrom, timer, race, map } from 'rxjs';
import { type Either, chain, left, right, isLeft } from 'fp-ts/lib/Either.js';
import type { FileConfig } from '../config/schema.js';
import { decodeConfigValue } from '../config/decode.js';
import { resourceFromEnv } from '../config/resourceEnv.js';
import { checkResolvedConfig } from '../config/files.js';
import { pipe } from 'fp-ts/lib/function.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.js';
import type { ConfigError } from '../config/errors.js';
import { unusedSettings } from '../config/unusedSettings.js';
import { Pipeline, type PipelineEvent, type ShutdownReport } from '../pipeline.js';
import type { PipelineStats } from '../stats.js';
import type { Sample } from '../sample.js';
import { letterWithResource } from '../routed.js';
import { type Clock, platformTimers, systemClock, timerMs, unrefScheduler } from '../clock.js';
import { openConfiguredSpool, waitingForSpaceDetail } from '../spool/openConfigured.js';
import { DeadLetterFile } from '../deadletter/deadLetterFile.js';
import { createSink } from '../sinks.js';
import { registerSelfMetrics } from '../telemetry/selfMetrics.js';
import { createAlerts } from '../telemetry/alerts.js';
import { deadLetterFileLog, logPipelineEvents, watchAlerts } from '../telemetry/pipelineLog.js';
import { type Meter, diag } from '@opentelemetry/api';
import { logDeliveryTrouble, sinkLogOptions } from '../telemetry/deliveryLog.js';
import type { Logger } from '../cli/log.js';

/**
 * chronoq's log lines as OpenTelemetry diag messages, where an application on the SDK sees its
 * exporters' trouble (`diag.setLogger(...)`).
 */
const diagLog: Logger = (level, message) => diag[level === 'error' ? 'error' : level === 'warn' ? 'warn' : level === 'info' ? 'info' : 'debug'](`chronoq: ${message}`);

export type PipelineOptions = FileConfig;

export interface PipelineHandle {
  readonly config: ResolvedConfig;
  readonly events$: Observable<PipelineEvent>;
  readonly stats: PipelineStats;
  /** Samples taken in and not yet delivered or dead-lettered. */
  readonly outstanding: number;
  push(sample: Sample): void;
  fromObservable(samples$: Observable<Sample>): Subscription;
  /**
   * Sends what was pushed so far without waiting out the reorder window or the batch wait, and
   * resolves when it is delivered or dead-lettered; rejects after timeoutMs without progress. A
   * sample pushed after it that is older than one it sent is late.
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Drains for at most deadlineMs, then spools or dead-letters the rest (reason `shutdown`); once (a second call gets the first report). Also run at the process's beforeExit. */
  shutdown(deadlineMs?: number): Promise<ShutdownReport>;
}

export interface HandleDeps {
  readonly clock?: Clock;
  /** Where self-metrics are registered (default: the global MeterProvider's 'chronoq' meter). */
  readonly meter?: Meter;
}

/**
 * Options only `chronoq run` acts on. An application's pipeline is fed by export(), push() and
 * fromObservable(), and its self-metrics go to the MeterProvider: sources and a /metrics endpoint
 * in its options were decoded and then dropped without a word.
 */
const commandOnlyOptions = (c: FileConfig): ConfigError[] => [
  ...(c.sources === undefined || c.sources.length === 0 ? [] : [{
    path: 'config.sources',
    expected: 'no sources in an application\'s pipeline (feed it with export(), push() or fromObservable(); sources are read by `chronoq run`)',
    found: `${c.sources.length} source${c.sources.length === 1 ? '' : 's'} (${c.sources.map((s) => s.type).join(', ')})`,
  }]),
  ...(c.telemetry?.prometheus === undefined ? [] : [{
    path: 'config.telemetry.prometheus',
    expected: 'no /metrics endpoint in an application\'s pipeline (its self-metrics go to the MeterProvider: export them with your own reader, such as @opentelemetry/exporter-prometheus; the endpoint is served by `chronoq run`)',
    found: `port ${c.telemetry.prometheus.port}`,
  }]),
];

/**
 * The options decoded as the config file is, and resolved for an application's pipeline: what
 * only `chronoq run` acts on is an error (commandOnlyOptions), and it has no sources (the
 * command's default, a host source, is not taken).
 */
export const decodeOptions = (options: unknown, env: Readonly<Record<string, string | undefined>> = process.env): Either<ConfigError[], ResolvedConfig> =>
  pipe(
    decodeConfigValue(options),
    chain((file) => {
      const commandOnly = commandOnlyOptions(file);
      const envResource = resourceFromEnv(env);
      const errors = [...commandOnly, ...envResource.errors];
      return errors.length > 0 ? left(errors) : right(resolveConfig({ ...file, sources: [] }, envResource.attributes));
    }),
  );

/** Samples of chronoq's own instrumentation scope: delivered, never counted in its own stats. */
export const isSelfTelemetry = (s: Sample): boolean => s.scope?.name === 'chronoq';

/** The drains of the pipelines not shut down yet, run at the process's beforeExit (one listener for all of them). */
const drainedAtExit = new Set<() => void>();
/** The pipelines not finished yet, abandoned at the process's exit (process.exit() skips beforeExit). */
const abandonedAtExit = new Set<Pipeline>();
const EXIT_DETAIL = 'not delivered: the process exited (process.exit()) before they could be sent';
let listeningForExit = false;
const drainAtExitToo = (drain: () => void, pipeline: Pipeline): void => {
  if (!listeningForExit) {
    process.on('beforeExit', () => [...drainedAtExit].forEach((d) => d()));
    process.on('exit', () => [...abandonedAtExit].forEach((p) => p.abandonNow(EXIT_DETAIL)));
  }
  listeningForExit = true;
  drainedAtExit.add(drain);
  abandonedAtExit.add(pipeline);
};

export const createPipeline = (options: PipelineOptions | unknown, deps: HandleDeps = {}): Either<ConfigError[], PipelineHandle> => {
  const decoded = decodeOptions(options ?? {});
  if (isLeft(decoded)) return decoded;
  const config = decoded.right;
  // The files it names (dead letters, spool, TLS) and the OTLP environment are checked as `chronoq
  // run` checks them: a TLS file that could not be read threw ENOENT out of createPipeline (and
  // the exporter's constructor).
  const errors = checkResolvedConfig(config);
  if (errors.length > 0) return left(errors);
  const clock = deps.clock ?? systemClock;
  const deadLetterFile = new DeadLetterFile(config.deadLetter.path, { ...config.deadLetter, ...deadLetterFileLog(config.deadLetter, diagLog) });
  const opened = openConfiguredSpool(config, clock, (d) => deadLetterFile.append(d));
  if (isLeft(opened)) return left([{ path: 'config.spool.path', expected: 'a spool file that can be opened', found: opened.left.message }]);
  const spool = opened.right?.spool;
  const sink = createSink(config.sink, config.resource, clock);
  // Letters carry the resource their samples would have gone with (letterWithResource).
  const asSent = letterWithResource(config.resource);
  const pipeline = new Pipeline(config, {
    ...(spool ? { spool } : {}),
    send: sink.send, reachable$: sink.reachable$, silent$: sink.silent$, acceptPush: true, deadLetters: (d) => deadLetterFile.append(asSent(d)), flushDeadLetters: () => deadLetterFile.flush(), clock, uncounted: isSelfTelemetry,
    onDelivered: (d) => selfMetrics.recordLatency(d.deliveredAtMs - d.firstAttemptAtMs),
    // Its timers do not keep the application alive; it drains at beforeExit instead (below).
    scheduler: unrefScheduler,
  });
  const alerts = createAlerts(config.telemetry.alerts);
  const selfMetrics = registerSelfMetrics(pipeline.stats, alerts, deps.meter, () => clock.now());
  // Delivery trouble, alerts, clock steps and the spool's failures are said as `run` says them:
  // export() answers SUCCESS whatever happens next, so without these lines an application saw
  // nothing when its samples stopped being delivered.
  const troubleLog = logDeliveryTrouble(pipeline.events$, { ...sinkLogOptions(sink, config), log: diagLog, deadLetterPath: config.deadLetter.path });
  for (const warning of [...(sink.startWarnings ?? []), ...unusedSettings(config)]) diagLog('warn', warning);
  const waitingForSpace = opened.right?.report.waitingForSpace;
  if (waitingForSpace !== undefined) diagLog('error', waitingForSpaceDetail(waitingForSpace));
  /** Streams given to fromObservable so far (numbered in their failure lines). */
  let streams = 0;
  troubleLog.add(logPipelineEvents(pipeline.events$, { log: diagLog, spoolPath: config.spool?.path, skew: config.skew, sourceName: (index) => `the stream given to fromObservable (#${index + 1})` }));
  const alertChecks = watchAlerts(alerts, pipeline.stats, { log: diagLog, now: () => unrefScheduler.now() });
  troubleLog.add(() => alertChecks.cancel());
  let stopping: Promise<ShutdownReport> | undefined;
  /** Drains once (a second call gets the first's report), holding the process open meanwhile. */
  const shutdown = (deadlineMs?: number): Promise<ShutdownReport> =>
    (stopping ??= (async () => {
      drainedAtExit.delete(drainAtExit);
      const release = platformTimers.holdOpen();
      try {
        const report = await pipeline.shutdown(deadlineMs);
        abandonedAtExit.delete(pipeline);
        troubleLog.unsubscribe();
        deadLetterFile.close();
        sink.close();
        spool?.close();
        return report;
      } finally {
        release();
      }
    })());
  // The application's work is done and nothing else keeps the process alive (a job that ran to its
  // end without shutting the exporter down): what is left is delivered, spooled or dead-lettered
  // before it exits, within delivery.shutdownDeadlineMs. process.exit() skips this: what is left
  // then is spooled, or written as dead letters, synchronously at its `exit` (Pipeline.abandonNow).
  const drainAtExit = (): void => void shutdown();
  drainAtExitToo(drainAtExit, pipeline);
  pipeline.start();
  const settled$ = pipeline.events$.pipe(filter((e) => e.type === 'delivered' || e.type === 'dead-letter'));

  return right({
    config,
    events$: pipeline.events$,
    stats: pipeline.stats,
    get outstanding() {
      return pipeline.outstanding;
    },
    push: (s) => pipeline.push(s),
    // An error of the stream ends that stream, reported (a 'source-failed' event and a diag
    // error): subscribed without an error callback, RxJS threw it as an uncaught exception, which
    // ended the application with its samples in flight.
    fromObservable: (samples$) => {
      const index = streams++;
      return samples$.subscribe({ next: (s) => pipeline.push(s), error: (error: unknown) => pipeline.pushedStreamFailed(index, error) });
    },
    // What is held goes now — the reorder window and the batch wait cut short — and again after
    // each settle, for what reached the lanes since (from the spool, or past a full queue): a
    // flush waited for both windows (3 s with the defaults, where the stock exporter took ~20 ms).
    async flush(timeoutMs = 30_000) {
      const deadline = timer(timerMs(timeoutMs)).pipe(map(() => false));
      while (pipeline.outstanding > 0) {
        // Listening before the flush: a sink that answers at once settles within flushNow().
        const progress = firstValueFrom(race(settled$.pipe(map(() => true)), deadline), { defaultValue: false });
        pipeline.flushNow();
        const progressed = await progress;
        if (!progressed && pipeline.outstanding > 0) throw new Error(`flush: ${pipeline.outstanding} samples still waiting for delivery after ${timeoutMs} ms (is the receiver reachable?)`);
      }
    },
    shutdown,
  });
};
