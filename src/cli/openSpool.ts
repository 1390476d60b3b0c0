/** Opens the config's spool for `chronoq run`, logging recovery and damage. */
import { type Either, isLeft, isRight } from 'fp-ts/lib/Either.js';
import { type Observable, ReplaySubject, firstValueFrom, map, race, timer } from 'rxjs';
import type { ResolvedConfig } from '../config/resolve.js';
import { type Spool, type OpenReport, type SpoolOptions, FILE_CHECK_MS } from '../spool/spool.js';
import { openConfiguredSpool, damageDetail, waitingForSpaceDetail } from '../spool/openConfigured.js';
import { isSpoolInUseError } from '../spool/spoolLock.js';
import type { Clock } from '../clock.js';
import type { DeadLetter } from '../routed.js';
import type { Logger } from './log.js';
import { nanosToMs } from '../sample.js';
import { formatDurationMs } from '../telemetry/skewLog.js';
import { isoOfNanos } from './inspectDeadLetters.js';

/** How often a spool another process has open is tried again while waiting for it. */
export const SPOOL_RETRY_MS = 250;

type Opened = Either<Error, { spool: Spool; report: OpenReport } | undefined>;

/**
 * The spool, undefined when the config uses none, 'failed' (logged), or 'stopped' when `stop$`
 * (the stop signals) emitted while waiting for it.
 *
 * A spool another chronoq has open is waited for, up to that process's drain
 * (delivery.shutdownDeadlineMs) and 5 s more: a rolling update starts the new process while the
 * old one drains, and the new one then takes over what the old one left in the spool. Nothing is
 * read in the meantime; a stop signal ends the wait.
 */
export const openSpool = async (
  c: ResolvedConfig,
  log: Logger,
  clock: Clock,
  deadLetter: (d: DeadLetter<unknown>) => void,
  stop$: Observable<unknown>,
  waitMs = c.delivery.shutdownDeadlineMs + 5_000,
): Promise<Spool | undefined | 'failed' | 'stopped'> => {
  const path = c.spool?.path ?? '';
  const open = (): Opened => openConfiguredSpool(c, clock, deadLetter, deletedSpoolLog(log, path));
  let opened = open();
  if (isLeft(opened) && isSpoolInUseError(opened.left) && waitMs > 0) {
    // Listening before saying so: a stop signal sent on reading the line must find the listener
    // (it came first, and a loaded machine now and then ended the process by the signal's default).
    const stopped = new ReplaySubject<'stopped'>(1);
    const listening = stop$.subscribe(() => stopped.next('stopped'));
    log('warn', `${opened.left.message}. Waiting up to ${Math.round(waitMs / 1000)} s for it to stop (delivery.shutdownDeadlineMs + 5 s); nothing is read meanwhile`);
    const waited = await waitForSpool(open, clock, waitMs, stopped).finally(() => listening.unsubscribe());
    if (waited === 'stopped') {
      log('info', 'stopped while waiting for the spool: nothing was read');
      return 'stopped';
    }
    opened = waited.opened;
    if (isRight(opened)) log('info', `spool ${c.spool?.path}: the other chronoq let it go after ${Math.round(waited.afterMs)} ms; this one takes over`);
    else if (isSpoolInUseError(opened.left)) {
      log('error', `${opened.left.message}. Still in use after ${Math.round(waitMs / 1000)} s; nothing was read or sent`);
      return 'failed';
    }
  }
  if (isLeft(opened)) {
    log('error', opened.left.message);
    return 'failed';
  }
  if (opened.right === undefined) return undefined;
  const { spool, report } = opened.right;
  if (report.waitingForSpace !== undefined) log('error', waitingForSpaceDetail(report.waitingForSpace), { spool: path });
  if (report.damage) log('error', damageDetail(path, report.damage), { spool: path, ...report.damage });
  if (report.tornWalBytes !== undefined) log('warn', `spool ${path}: its write-ahead log ended in a partial frame (${report.tornWalBytes} bytes, a commit cut off by a crash); SQLite discarded it, nothing acknowledged was lost`);
  if (report.pending > 0) log('info', `spool ${path}: ${report.pending} samples from an earlier run are delivered first`);
  return spool;
};

/** What `chronoq run` says of a spool deleted while it runs (a cleanup job, someone freeing space): put back, loudly. */
export const deletedSpoolLog = (log: Logger, path: string): NonNullable<SpoolOptions['onDeleted']> => (e) =>
  e.back ? log('info', `spool ${path} is at its path again: the ${e.samples} samples unsettled in it are safe`, { spool: path, samples: e.samples })
  : e.error === undefined
    ? log('error', `spool ${path} was deleted while chronoq ran: written again at ${path} with the ${e.samples} samples unsettled in it; delete a spool only while chronoq is stopped`, { spool: path, samples: e.samples })
    : e.atClose
      ? log('error', `spool ${path} was deleted while chronoq ran and could not be written again (${e.error.message}): the ${e.samples} samples unsettled in it are lost`, { spool: path, lost: e.samples })
      : log('error', `spool ${path} was deleted while chronoq ran and cannot be written again (${e.error.message}): the ${e.samples} samples unsettled in it are lost when chronoq stops unless it can; tried again every ${FILE_CHECK_MS / 1000} s`, { spool: path, samples: e.samples });

/**
 * What `chronoq run` says at start when the spool's newest sample (Spool.newestUnixNano) is more
 * than skew.stepThresholdMs ahead of the wall clock: the clock went back while chronoq was stopped,
 * and trusted time starts from that sample's time (detectClockSkew's notBeforeUnixNano), not the
 * clock's — only for locally stamped samples, the only ones a step is judged for.
 */
export const clockBehindSpool = (spool: Spool, path: string, nowMs: number, stepThresholdMs: number, stampedLocally: boolean): string | undefined => {
  const newest = spool.newestUnixNano;
  if (!stampedLocally || newest === undefined) return undefined;
  const aheadMs = nanosToMs(newest) - nowMs;
  if (!(aheadMs > stepThresholdMs)) return undefined;
  return `spool ${path}: its newest sample (${isoOfNanos(newest)}) is ${formatDurationMs(aheadMs)} ahead of this machine's clock: the clock was set back while chronoq was stopped (or the last run's was ahead). Taken as a step back from that sample's time (the step's line says what becomes of the samples; skew.restartFrom: clock takes the clock's time instead, and each series goes back by that much at the receiver)`;
};

/**
 * Tries `open` every SPOOL_RETRY_MS until the spool is free (or fails otherwise), waitMs passes,
 * or `stopped` emits — one subscription to the stop signals for the whole wait, made by the
 * caller (a listener that came and went with each poll would leave gaps in which a signal ends
 * the process by default).
 */
const waitForSpool = async (open: () => Opened, clock: Clock, waitMs: number, stopped: Observable<'stopped'>): Promise<{ opened: Opened; afterMs: number } | 'stopped'> => {
  const started = clock.monotonic();
  for (;;) {
    const next = await firstValueFrom(race(timer(SPOOL_RETRY_MS).pipe(map(() => 'again' as const)), stopped));
    if (next === 'stopped') return 'stopped';
    const opened = open();
    const afterMs = clock.monotonic() - started;
    if (isRight(opened) || !isSpoolInUseError(opened.left) || afterMs >= waitMs) return { opened, afterMs };
  }
};
