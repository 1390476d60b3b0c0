/**
 * A chronoq pipeline for applications: built from the same options as the config file (decoded,
 * not thrown: a Left lists every mistake), fed with `push(sample)` or `fromObservable(samples$)`.
 */
import { type Observable, type Subscription, filter, firstValueFrom, timer, race, map } from 'rxjs';
import { type Either, left, right, isLeft, map as mapRight } from 'fp-ts/lib/Either.js';
import type { FileConfig } from '../config/schema.js';
import { decodeConfigValue } from '../config/decode.js';
import { checkOtlpEnv } from '../config/grpcValues.js';
import { pipe } from 'fp-ts/lib/function.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.js';
import type { ConfigError } from '../config/errors.js';
import { Pipeline, type PipelineEvent, type ShutdownReport } from '../pipeline.js';
import type { PipelineStats } from '../stats.js';
import type { Sample } from '../sample.js';
import { type Clock, systemClock } from '../clock.js';
import { openConfiguredSpool } from '../spool/openConfigured.js';
import { DeadLetterFile } from '../deadletter/deadLetterFile.js';
import { createSink } from '../sinks.js';
import { registerSelfMetrics } from '../telemetry/selfMetrics.js';
import { type Meter, diag } from '@opentelemetry/api';
import { logDeliveryTrouble, presentsClientCertificate } from '../telemetry/deliveryLog.js';
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
  /** Resolves when everything pushed so far is delivered or dead-lettered; rejects after timeoutMs. */
  flush(timeoutMs?: number): Promise<void>;
  /** Drains for at most deadlineMs, then dead-letters the rest (reason `shutdown`). */
  shutdown(deadlineMs?: number): Promise<ShutdownReport>;
}

export interface HandleDeps {
  readonly clock?: Clock;
  /** Where self-metrics are registered (default: the global MeterProvider's 'chronoq' meter). */
  readonly meter?: Meter;
}

export const decodeOptions = (options: unknown): Either<ConfigError[], ResolvedConfig> =>
  pipe(decodeConfigValue(options), mapRight(resolveConfig));

/** Samples of chronoq's own instrumentation scope: delivered, never counted in its own stats. */
export const isSelfTelemetry = (s: Sample): boolean => s.scope?.name === 'chronoq';

export const createPipeline = (options: PipelineOptions | unknown, deps: HandleDeps = {}): Either<ConfigError[], PipelineHandle> => {
  const decoded = decodeOptions(options ?? {});
  if (isLeft(decoded)) return decoded;
  const config = { ...decoded.right, sources: [] };
  // The OTLP exporter conventions take headers and the endpoint from the environment (grpcValues.ts).
  const envErrors = config.sink.type === 'otlp-grpc' ? checkOtlpEnv(process.env, config.sink.endpoint) : [];
  if (envErrors.length > 0) return left(envErrors);
  const clock = deps.clock ?? systemClock;
  const deadLetterFile = new DeadLetterFile(config.deadLetter.path, config.deadLetter);
  const opened = openConfiguredSpool(config, clock, (d) => deadLetterFile.append(d));
  if (isLeft(opened)) return left([{ path: 'config.spool.path', expected: 'a spool file that can be opened', found: opened.left.message }]);
  const spool = opened.right?.spool;
  const sink = createSink(config.sink, config.resource, clock);
  const pipeline = new Pipeline(config, {
    ...(spool ? { spool } : {}),
    send: sink.send, reachable$: sink.reachable$, acceptPush: true, deadLetters: (d) => deadLetterFile.append(d), flushDeadLetters: () => deadLetterFile.flush(), clock, uncounted: isSelfTelemetry,
    onDelivered: (d) => selfMetrics.recordLatency(d.deliveredAtMs - d.firstAttemptAtMs),
  });
  const selfMetrics = registerSelfMetrics(pipeline.stats, undefined, deps.meter, () => clock.now());
  // Delivery trouble is said as `run` says it: export() answers SUCCESS whatever happens next, so
  // without these lines an application saw nothing when its samples stopped being delivered.
  const troubleLog = logDeliveryTrouble(pipeline.events$, {
    sink: sink.describe, log: diagLog, deadLetterPath: config.deadLetter.path,
    tlsFiles$: sink.tlsFiles$, tlsFileSettings: sink.tlsFileSettings, clientCertificate: presentsClientCertificate(config),
  });
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
    fromObservable: (samples$) => samples$.subscribe((s) => pipeline.push(s)),
    async flush(timeoutMs = 30_000) {
      const deadline = timer(timeoutMs).pipe(map(() => false));
      while (pipeline.outstanding > 0) {
        const progressed = await firstValueFrom(race(settled$.pipe(map(() => true)), deadline), { defaultValue: false });
        if (!progressed && pipeline.outstanding > 0) throw new Error(`flush: ${pipeline.outstanding} samples still waiting for delivery after ${timeoutMs} ms (is the receiver reachable?)`);
      }
    },
    async shutdown(deadlineMs) {
      const report = await pipeline.shutdown(deadlineMs);
      troubleLog.unsubscribe();
      deadLetterFile.close();
      sink.close();
      spool?.close();
      return report;
    },
  });
};
