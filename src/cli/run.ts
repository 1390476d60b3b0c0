/**
 * `chronoq run [config]`: the pipeline with a status line (refreshing on a terminal, a plain line
 * every statusIntervalMs elsewhere), self-metrics, the Prometheus endpoint and alert rules.
 * SIGINT/SIGTERM/SIGHUP drain with the config's deadline; what is left becomes dead letters `shutdown`.
 */
import type { Server } from 'node:http';
import { type Observable, fromEvent, map, merge } from 'rxjs';
import { type Clock, systemClock, platformTimers, steadyScheduler } from '../clock.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { Pipeline, type ShutdownReport } from '../pipeline.js';
import { buildParts, describeSource, openPositionFiles } from './build.js';
import { createTerminalLines, type Logger, type StatusLine } from './log.js';
import { createAlerts } from '../telemetry/alerts.js';
import { deadLetterFileLog, logPipelineEvents, watchAlerts } from '../telemetry/pipelineLog.js';
import { renderProcessMetrics, renderPrometheus, servePrometheus } from '../telemetry/prometheus.js';
import { type ProcessWatch, watchProcess } from '../telemetry/processReadings.js';
import { registerSelfMetrics } from '../telemetry/selfMetrics.js';
import { formatStatus, snapshot, statusFields } from '../telemetry/status.js';
import { totalDeadLetters } from '../stats.js';
import { clockBehindSpool, openSpool } from './openSpool.js';
import { logDeliveryTrouble, sinkLogOptions } from '../telemetry/deliveryLog.js';
import { type InPlaceTruncation, restCommand, restInWords } from '../sources/ndjson.js';
import { settleRead } from '../sources/readPositions.js';
import { settleReceived } from '../sources/otlpReceiver.js';
import type { ResumeEvent } from '../sources/resumeFollowed.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { createDeadLetterLog } from '../telemetry/deadLetterLog.js';
import { letterWithResource } from '../routed.js';
import { unusedSettings } from '../config/unusedSettings.js';
import { otlpSourceHooks } from './otlpSourceHooks.js';
import { createReadiness } from '../telemetry/readiness.js';

export interface RunOptions {
  readonly quiet: boolean;
  /** Exit code 3 (not 0) when the run ended without failing but some samples became dead letters. */
  readonly failOnDeadLetters?: boolean;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly isTTY?: boolean;
  /** Where the status line is drawn on a terminal (log lines written through `log` go above it). */
  readonly statusLine?: StatusLine;
}

/** Signals that drain and stop the pipeline. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The stop signals, each as its name. While subscribed, Node's default for them (ending the
 * process on the spot) is off: the subscriber decides. Used by run and replay, and by the wait
 * for a spool another chronoq has open.
 */
export const stopSignal$: Observable<NodeJS.Signals> = merge(...STOP_SIGNALS.map((sig) => fromEvent(process, sig).pipe(map(() => sig))));

export const runCommand = async (c: ResolvedConfig, o: RunOptions): Promise<number> => {
  const clock = o.clock ?? systemClock;
  let pipeline!: Pipeline;
  // What /readyz says: starting (the spool, the otlp listeners), ready, stopping.
  const readiness = createReadiness();
  // Followed files' read positions: opened first, so that a damaged file stops the run before anything is read.
  const positions = openPositionFiles(c, {
    scheduler: steadyScheduler,
    beforeWrite: () => parts.deadLetterFile.flush(),
    onWriteError: (e) => o.log('error', `cannot write a position file: ${e instanceof Error ? e.message : String(e)}; until it can, a restart would read the followed files again from the last position written`),
    onWriteRecovered: () => o.log('info', 'position files are written again'),
  });
  if (isLeft(positions)) return o.log('error', positions.left), 2;
  const positionFiles = positions.right;
  const invalidLines = createDeadLetterLog({ log: o.log, deadLetterPath: c.deadLetter.path });
  const parts = buildParts(c, clock, {
    positionFiles,
    onResume: (index, e) => logResume(o.log, index, e),
    onMissing: (index, path) => o.log('warn', `source ${index} (ndjson ${path}): no such file yet; reading starts when it appears`, { source: index }),
    onTruncatedInPlace: (index, e) => logTruncatedInPlace(o.log, index, e),
    onNextFileUnreadable: (index, e) => (e.error === undefined
      ? o.log('info', `source ${index} (ndjson ${e.path}): the new file under its name can be read now; it is read after the old one`, { source: index })
      : o.log('warn', `source ${index} (ndjson ${e.path}): a new file is under its name (rotated) but cannot be opened (${e.error}): the old one is read on, and the new one's lines wait unread until it can be${/EACCES|EPERM/.test(e.error) ? " (logrotate's create: give it an owner or mode this process may read)" : ''}`, { source: index })),
    // A line that is not a sample was read and is a dead letter: counted on both sides, so that
    // in = delivered + dead-lettered + outstanding (the count left in the spool at shutdown is the
    // last term; with the lines left out of `in` it came out short by one per bad line).
    onInvalid: (e) => {
      pipeline.stats.samplesIn++;
      pipeline.stats.deadLetters.invalid++;
      // Said as the pipeline's own dead letters are (deadLetterLog.ts): a file of lines that are
      // not samples showed only as a count in the status line.
      invalidLines.note('invalid', `${e.source} line ${e.line}: ${e.reason}`);
    },
    ...otlpSourceHooks(c, o.log, () => pipeline, (line) => invalidLines.note('invalid', line), readiness),
    deadLetterFile: deadLetterFileLog(c.deadLetter, o.log),
    // A file source reads only while there is room (the file holds the rest)...
    hasRoom: () => pipeline.sourceHasRoom(),
    // ...so a shutdown can stop it before the file's end.
    // A followed file's position is kept: the next run reads the rest (a `tail` of it, fed to
    // chronoq as well, sent it twice).
    onUnread: (index, e) => {
      const s = c.sources[index];
      const positions = s?.type === 'ndjson' ? s.positionFile : undefined;
      const rest = positions === undefined ? `(the rest: ${restCommand(e)})` : `yet: the next run reads on from where this one's samples settled (the position is kept in ${positions})`;
      o.log('warn', `source ${index} (ndjson ${e.source}) stopped after line ${e.linesRead}: ${restInWords(e)} ${rest}`, { source: index, linesRead: e.linesRead, unreadBytes: e.unreadBytes });
    },
  });
  const alerts = createAlerts(c.telemetry.alerts);
  // The self-metrics endpoint first: a port already in use is a clear error before anything is
  // read, not a crash with a stack trace.
  let server: Server | undefined;
  let processWatch: ProcessWatch | undefined;
  const closeSelfMetrics = (): void => {
    server?.close();
    processWatch?.stop();
  };
  if (c.telemetry.prometheus) {
    const { port, host } = c.telemetry.prometheus;
    const watch = (processWatch = watchProcess(clock));
    const render = (): string =>
      // (A scrape before the pipeline exists gets the process's metrics alone.)
      ((pipeline as Pipeline | undefined) === undefined ? '' : renderPrometheus(pipeline.stats, alerts, steadyScheduler.now())) + renderProcessMetrics(watch.read());
    try {
      server = await servePrometheus(port, host, render, readiness.status);
    } catch (e) {
      o.log('error', `cannot serve self-metrics on ${host}:${port} (telemetry.prometheus): ${(e as Error).message}; nothing was read or sent`);
      watch.stop();
      parts.deadLetterFile.close();
      parts.sink.close();
      return 1;
    }
    o.log('info', `self-metrics at http://${host}:${port}/metrics`);
  }
  // A stop signal while it waits for a spool another chronoq has open ends the wait.
  const spoolOpened = c.spool === undefined ? undefined : readiness.awaiting(`the spool ${c.spool.path}`);
  const spool = await openSpool(c, o.log, clock, (d) => parts.deadLetterFile.append(d), stopSignal$);
  spoolOpened?.();
  if (spool === 'failed' || spool === 'stopped') {
    closeSelfMetrics();
    parts.deadLetterFile.close();
    parts.sink.close();
    return spool === 'failed' ? 1 : 0;
  }
  // Letters carry the resource their samples would have gone with (letterWithResource).
  const asSent = letterWithResource(c.resource);
  pipeline = new Pipeline(c, {
    ...(spool ? { spool } : {}),
    send: parts.sink.send,
    reachable$: parts.sink.reachable$,
    silent$: parts.sink.silent$,
    sources: parts.sources,
    deadLetters: (d) => parts.deadLetterFile.append(asSent(d)),
    flushDeadLetters: () => parts.deadLetterFile.flush(),
    stampedLocally: parts.stampedLocally,
    clock,
    onDelivered: (d) => selfMetrics.recordLatency(d.deliveredAtMs - d.firstAttemptAtMs),
    ...(positionFiles.size > 0 || c.sources.some((x) => x.type === 'otlp') ? { onSettled: (x, d) => (settleRead(x), settleReceived(x, d)) } : {}),
  });
  const selfMetrics = registerSelfMetrics(pipeline.stats, alerts, undefined, () => steadyScheduler.now());
  logDeliveryTrouble(pipeline.events$, { ...sinkLogOptions(parts.sink, c), log: o.log, deadLetterPath: c.deadLetter.path });
  logPipelineEvents(pipeline.events$, {
    log: o.log, spoolPath: c.spool?.path, skew: c.skew,
    sourceName: (index) => {
      const source = c.sources[index];
      return source === undefined ? `source ${index}` : `source ${index} (${source.type}${'path' in source ? ` ${source.path}` : ''})`;
    },
  });
  // `sources: []` (every entry commented out, say) ran nothing and said `chronoq running:  → …`.
  const sources = c.sources.length > 0 ? c.sources.map(describeSource).join(', ') : `no sources (${c.spool ? 'what the spool holds, then it stops' : 'nothing to send; without the key, the host source'})`;
  // The spool named too (the default config has one): where samples wait across restarts was said only at a stop.
  const spoolNamed = c.spool ? `; spool ${c.spool.path}` : '';
  o.log(c.sources.length > 0 || c.spool ? 'info' : 'warn', `chronoq running: ${sources} → ${parts.sink.describe}${spoolNamed}; dead letters → ${c.deadLetter.path}`);
  if (parts.readOrder !== undefined) o.log('info', parts.readOrder);
  const behind = spool && c.skew.restartFrom === 'spool' ? clockBehindSpool(spool, c.spool?.path ?? '', clock.now(), c.skew.stepThresholdMs, parts.stampedLocally.some(Boolean)) : undefined;
  if (behind !== undefined) o.log('warn', behind);
  for (const warning of [...(parts.sink.startWarnings ?? []), ...unusedSettings(c)]) o.log('warn', warning);
  // Rates and alert windows on the pipeline's scheduler time, which does not step (the breaker's
  // opening time is on it too): on the wall clock a step back of an hour gave "in 57000/s". Taken
  // before the start: a source that emits as it is subscribed (synthetic, a file) had its first
  // samples left out of the first rate ("in 286/s · delivered 305/s" for 50 samples).
  let last = snapshot(pipeline.stats, steadyScheduler.now());
  pipeline.start();
  readiness.started();

  const tty = o.isTTY ?? process.stderr.isTTY === true;
  const statusLine = o.statusLine ?? createTerminalLines((s) => process.stderr.write(s), () => process.stderr.columns).status;
  const alertChecks = watchAlerts(alerts, pipeline.stats, { log: o.log, now: () => steadyScheduler.now() });
  const tick = (): void => {
    if (o.quiet) return;
    const now = snapshot(pipeline.stats, steadyScheduler.now());
    const line = formatStatus(pipeline.stats, last, now, parts.sink.describe);
    const fields = statusFields(pipeline.stats, last, now);
    last = now;
    if (tty) statusLine.show(line);
    else o.log('info', line, undefined, fields);
  };
  const ticker = platformTimers.every(tty ? 1_000 : c.telemetry.statusIntervalMs, tick);

  let stopping: Promise<ShutdownReport> | undefined;
  let cutShort = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping !== undefined) return;
    // A spool that cannot be written (a full disk) holds only what it wrote: the rest is dead letters.
    const rest = !spool ? `becomes dead letters in ${c.deadLetter.path}`
      : pipeline.stats.spoolFailing || spool.isWaitingForSpace ? `stays in the spool ${c.spool?.path} as far as it could write it, the rest becomes dead letters in ${c.deadLetter.path}`
        : `stays in the spool ${c.spool?.path}`;
    o.log('info', `${signal}: draining for at most ${c.delivery.shutdownDeadlineMs} ms (${signal.startsWith('SIG') ? 'again' : 'a stop signal'} to stop at once: what is left ${rest})`);
    readiness.stopping(`${signal}, draining for at most ${c.delivery.shutdownDeadlineMs} ms`);
    stopping = pipeline.shutdown();
    const report = await stopping;
    const why = cutShort ? 'drain cut short' : 'deadline passed';
    if (report.leftInSpool > 0) o.log('warn', `${why}: ${report.leftInSpool} samples stay in the spool ${c.spool?.path} and are delivered first at the next start`);
    else if (!report.drained) o.log('warn', `${why}: ${report.shutdownDeadLetters} samples written to ${c.deadLetter.path} as dead letters (reason shutdown); replay them with: chronoq replay ${c.deadLetter.path}`);
  };
  // A second stop signal while draining stops at once, everything accounted for as at the deadline
  // (before, it was ignored: an impatient user's next step was kill -9, and without a spool the
  // samples in memory went with it, unaccounted).
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping === undefined) return void shutdown(sig);
    if (cutShort) return;
    cutShort = true;
    o.log('warn', `${sig} again: stopping now instead of draining`);
    pipeline.endDrainNow();
  };
  // The receiver is gone for good (nothing reads standard output any more): stop as on a signal;
  // what could not be written becomes dead letters `rejected` saying so.
  let sinkGone = false;
  const goneSub = parts.sink.gone$?.subscribe((e) => {
    sinkGone = true;
    o.log('error', `${parts.sink.describe}: ${e.message}; stopping, what was not written goes to ${c.deadLetter.path}`);
    void shutdown('output closed');
  });
  // SIGHUP too (the terminal closed): by default it ends the process on the spot, and the samples
  // in memory went with it, without a dead letter or a log line.
  const signals = stopSignal$.subscribe(onSignal);
  // An end nobody planned (an uncaught exception, a process.exit() in a dependency): at `exit`
  // only synchronous work is left, so what the pipeline holds goes to the spool or the dead-letter
  // file, and the followed files' positions are written after it, so a restart neither loses
  // those samples nor reads them again. It went with the process.
  const atExit = (): void => {
    pipeline.abandonNow('not delivered: chronoq exited unexpectedly before they could be sent');
    for (const f of positionFiles.values()) f.close();
  };
  process.on('exit', atExit);
  await pipeline.done;
  readiness.stopping('the run has ended');
  process.off('exit', atExit);
  // After a signal, the shutdown's own lines come before the last ones.
  const leftInSpool = stopping === undefined ? 0 : (await stopping).leftInSpool;
  ticker.cancel();
  alertChecks.cancel();
  invalidLines.cancel();
  signals.unsubscribe();
  goneSub?.unsubscribe();
  tick();
  statusLine.end();
  for (const f of positionFiles.values()) f.close();
  parts.deadLetterFile.close();
  parts.sink.close();
  if (spool) spool.close();
  closeSelfMetrics();
  const s = pipeline.stats;
  const left = leftInSpool > 0 ? `, ${leftInSpool} left in the spool` : '';
  o.log('info', `done: ${s.samplesIn} in, ${s.delivered} delivered, ${totalDeadLetters(s)} dead-lettered${left}`, { samplesIn: s.samplesIn, delivered: s.delivered, deadLetters: s.deadLetters, leftInSpool });
  return pipeline.failed || sinkGone || parts.deadLetterFile.failed > 0 ? 1 : o.failOnDeadLetters === true && totalDeadLetters(s) > 0 ? 3 : 0;
};

/** A followed file truncated in place while it was read, said: with the copy its rest was read from, or that none was found. */
const logTruncatedInPlace = (log: Logger, index: number, e: InPlaceTruncation): void => {
  const name = `source ${index} (ndjson ${e.source})`;
  const fields = { source: index, line: e.line, offset: e.offset, ...(e.copy ? { copy: e.copy } : {}) };
  if (e.copy !== undefined) log('info', `${name} was truncated in place (copytruncate): reading on in its copy ${e.copy} after line ${e.line}, then the file from its start`, fields);
  else log('warn', `${name} was truncated in place after line ${e.line} (byte ${e.offset}) was read, and no copy of it was found beside it (compressed at once?): any lines written after that and before the truncation were not read; reading the file from its start`, fields);
};

/** Where a followed file starts, said. */
const logResume = (log: Logger, index: number, e: ResumeEvent): void => {
  const name = `source ${index} (ndjson ${e.source})`;
  const at = `line ${e.saved.line} (byte ${e.saved.offset})`;
  const fields = { source: index, kind: e.kind, line: e.saved.line, offset: e.saved.offset, ...(e.from ? { from: e.from } : {}), then: e.then };
  const thenUnderName = `${e.then.length > 0 ? `the ${e.then.length} rotated since (${e.then.join(', ')}), then ` : ''}the file under the name`;
  if (e.kind === 'resumed') log('info', `${name} resumed after ${at}, where the last run's samples had settled`, fields);
  else if (e.kind === 'rotated') log('info', `${name} was rotated while chronoq was stopped: reading on in ${e.from} after ${at}, then ${thenUnderName}`, fields);
  else if (e.kind === 'truncated') log('warn', `${name} holds other lines than the last run read up to ${at} (truncated since, no copy found): reading ${thenUnderName} from the start`, fields);
  else log('warn', `${name} is another file than the last run read, and that one is gone from its directory: what it held after ${at} was not read; reading ${thenUnderName} from the start`, fields);
};
