/**
 * What a running pipeline has to say besides delivery trouble (deliveryLog.ts), for `chronoq run`
 * and, through OpenTelemetry's diag, for the library's pipelines (createPipeline,
 * ChronoqMetricExporter): its alerts (telemetry.alerts), clock trouble (skewLog.ts), a spool that
 * cannot be written, a source that failed, the pipeline failing. The library's pipelines said none
 * of it — `telemetry.alerts` in their options was decoded and then never evaluated.
 */
import type { Observable, Subscription } from 'rxjs';
import { platformTimers } from '../clock.js';
import type { PipelineEvent } from '../pipeline.js';
import type { PipelineStats } from '../stats.js';
import type { Logger } from '../cli/log.js';
import type { Alerts } from './alerts.js';
import type { DeadLetterFileOptions } from '../deadletter/deadLetterFile.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { createSkewLog } from './skewLog.js';
import { type SummarizedLog, createSummarizedLog } from './summarizedLog.js';
import { damageDetail } from '../spool/openConfigured.js';

/** How often the alert rules are checked. */
export const ALERT_CHECK_MS = 1_000;

export interface PipelineLogOptions {
  readonly log: Logger;
  /** The spool's path, for its lines (undefined: no spool). */
  readonly spoolPath?: string | undefined;
  /** How a source is named in its failure line (default `source N`). */
  readonly sourceName?: (index: number) => string;
  /** The config's skew settings, for the clock-trouble lines (skewLog.ts; default policy 'correct'). */
  readonly skew?: Pick<ResolvedConfig['skew'], 'policy' | 'sourceAttribute' | 'maxSlewPpm'> & Partial<Pick<ResolvedConfig['skew'], 'forwardSteps'>>;
  /** Repeats fn every ms until cancelled (the skew log's minute lines; default platformTimers.every). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Logs the pipeline's events that are not about delivery; unsubscribe to stop. */
export const logPipelineEvents = (events$: Observable<PipelineEvent>, opts: PipelineLogOptions): Subscription => {
  const { log } = opts;
  let spoolFailing = false;
  const skew = createSkewLog({ log, policy: opts.skew?.policy ?? 'correct', sourceAttribute: opts.skew?.sourceAttribute, maxSlewPpm: opts.skew?.maxSlewPpm, forwardSteps: opts.skew?.forwardSteps, ...(opts.every ? { every: opts.every } : {}) });
  /** The maxSeries cap's lines: made at its first event (most pipelines never reach it: no timer for them). */
  let capped: SummarizedLog<'series-capped'> | undefined;
  const cappedLog = (): SummarizedLog<'series-capped'> =>
    (capped ??= createSummarizedLog<'series-capped'>({
      log, field: 'kind', ...(opts.every ? { every: opts.every } : {}),
      wordingOf: () => ({
        level: 'warn',
        first: (detail) =>
          `${detail}, so that memory stays bounded (~340 bytes a series; raise it if that many are expected): attributes with ever-new values (an id, a time) make every sample a series of its own. ` +
          'A later sample of one of them older than the newest one forgotten becomes a dead letter late; a counter of one without start times starts afresh',
        more: (count, latest) => `series forgotten early ${count} more time(s) in the last minute, the latest: ${latest}`,
      }),
    }));
  const subscription = events$.subscribe((e) => {
    if (e.type === 'series-capped') {
      cappedLog().note('series-capped', `more than ${e.maxSeries} series (reorder.maxSeries): the ${e.forgotten} least recently seen were forgotten early`);
    } else if (e.type === 'source-failed') {
      log('error', `${opts.sourceName?.(e.index) ?? `source ${e.index}`} failed: ${messageOf(e.error)}; it has stopped, the other sources go on`);
    } else if (e.type === 'failed') log('error', `the pipeline failed: ${messageOf(e.error)}`);
    else if (e.type === 'skew') skew.note(e.event);
    else if (e.type === 'spool-write-failed' && !spoolFailing) {
      spoolFailing = true; // once an episode: it fails for every burst and batch while the disk is full
      // A spool waiting for disk space since the start was said then (waitingForSpaceDetail).
      if ((e.error as { waitingForSpace?: unknown } | undefined)?.waitingForSpace !== true) log('error', `spool ${opts.spoolPath} cannot be written (${messageOf(e.error)}): samples go on without it, not durable across a crash, until it can`);
    } else if (e.type === 'spool-write-recovered') {
      spoolFailing = false;
      log('info', `spool ${opts.spoolPath} is written again`);
    } else if (e.type === 'spool-opened') {
      if (e.damage) log('error', damageDetail(opts.spoolPath ?? '', e.damage), { spool: opts.spoolPath, ...e.damage });
      log(e.pending > 0 ? 'warn' : 'info', `spool ${opts.spoolPath} opened: its disk has room again${e.pending > 0 ? `; the ${e.pending} samples an earlier run left in it are delivered now, after newer ones this run sent without it (a receiver that keeps each series in order, such as Prometheus, may refuse them)` : ''}`, { spool: opts.spoolPath, pending: e.pending });
    }
  });
  subscription.add(() => skew.cancel());
  subscription.add(() => capped?.cancel());
  return subscription;
};

/**
 * Checks the alert rules every ALERT_CHECK_MS (whatever the status line's interval: checked with
 * it, an alert came up to statusIntervalMs late) and logs each change: an error when an alert
 * starts, info when it ends. `now` is the time the pipeline's breaker and rates use.
 */
export const watchAlerts = (
  alerts: Alerts,
  stats: PipelineStats,
  opts: { readonly log: Logger; readonly now: () => number; readonly every?: (ms: number, fn: () => void) => { cancel(): void } },
): { cancel(): void } =>
  (opts.every ?? platformTimers.every)(ALERT_CHECK_MS, () => {
    for (const change of alerts.evaluate(stats, opts.now())) {
      opts.log(change.active ? 'error' : 'info', `${change.active ? 'ALERT' : 'resolved'} ${change.rule}: ${change.message}`, { alert: change.rule, active: change.active });
    }
  });

/**
 * The dead-letter file's trouble as log lines: letters it cannot take (disk full, directory gone)
 * go to the log, never nowhere — without this a library pipeline's file threw from a microtask,
 * an uncaught exception that ended the application; a file removed by rotation is a warning.
 * The failure is said once (again if its error changes), then one line a letter, and a line when
 * the file is written again; it was said before each write that failed, which on a full disk
 * with samples overflowing one by one was a second line for every letter (60 MB of log in 40 s).
 */
export const deadLetterFileLog = (c: ResolvedConfig['deadLetter'], log: Logger): Pick<DeadLetterFileOptions, 'onWriteError' | 'onWriteRecovered' | 'onRemove' | 'onRotateError'> => {
  let failing: string | undefined;
  return {
    onWriteError: (error, lines) => {
      const message = messageOf(error);
      if (message !== failing) log('error', `cannot write dead letters to ${c.path}: ${message}; they follow in this log, one a line, until it can be written again`);
      failing = message;
      for (const line of lines) log('error', `dead letter: ${line.trimEnd()}`);
    },
    onWriteRecovered: (meanwhile) => {
      failing = undefined;
      log('info', `the dead-letter file ${c.path} is written again (${meanwhile} dead letter(s) went to this log meanwhile)`);
    },
    onRotateError: (error) => log('warn', `cannot rotate the dead-letter file ${c.path}: ${messageOf(error)}; letters go on into it, and rotation is tried again at the next write`),
    onRemove: (e) =>
      log('warn', `dead-letter rotation removed ${e.path}: its ${e.letters} dead letters are gone (deadLetter.maxFiles ${c.maxFiles} files of maxBytes ${c.maxBytes}; raise them to keep more)`, { path: e.path, letters: e.letters }),
  };
};
