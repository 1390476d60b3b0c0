/**
 * Log lines for samples that became dead letters: the first of each reason with its detail and
 * where the letters are, then at most a line a minute per reason with how many more
 * (summarizedLog.ts). deliveryLog words `rejected` (the receiver's refusals, an error); the
 * others — `invalid`, `late`, `skew`, `overflow`, `retries-exhausted` — are warnings worded here.
 * Before, only refusals were said: the command's status line counted the others, and a library
 * pipeline (ChronoqMetricExporter) said nothing at all — an observable gauge reporting NaN became
 * a dead letter `invalid` at every collection, and an outage longer than the queue made `overflow`
 * letters, without a line.
 * (`shutdown` letters are said by the shutdown itself.)
 */
import type { DeadLetterReason } from '../routed.js';
import type { Logger } from '../cli/log.js';
import { asClause } from '../otlp/classify.js';
import { createSummarizedLog, type SummarizedLog, type SummaryWording } from './summarizedLog.js';
import { isFarBehind, lateGapOf } from '../lateDetail.js';
import { DEFAULT_SOURCE_WINDOW, SETTLE_MS } from '../sourceOffsets.js';
import { formatDurationMs } from './skewLog.js';

/** What a person can do about each reason, beyond the letter's own detail. */
const HINTS: Partial<Record<DeadLetterReason, string>> = {
  skew: ' (skew.policy dead-letter)',
  overflow: ' (more samples waiting than delivery.maxQueued or the spool\'s maxBytes allow: the receiver was away longer than the queue lasts, or takes them slower than they come — or the limit is below what waits between two batches)',
};

/**
 * A `late` letter's hint: disorder beyond the window, unless the sample is far older than what was
 * sent (lateDetail.ts) — then a larger maxDelayMs, which the first hint suggests, would not help,
 * and would hold every sample that much longer; and when no source's clock is watched
 * (skew.sourceAttribute unset), that watching them would find a sender seen in step and then set back.
 */
const lateHint = (detail: string, watchesSourceClocks: boolean | undefined): string => {
  const gap = lateGapOf(detail);
  if (gap === undefined || !isFarBehind(gap)) return ' (older than what was already sent of its series: disorder beyond reorder.maxDelayMs)';
  const watch = watchesSourceClocks === false
    ? ` — with skew.sourceAttribute set to what names each sender (service.instance.id, host.name), a sender whose clock is set back is found after ${DEFAULT_SOURCE_WINDOW} more of its samples and ${SETTLE_MS / 1000} s, and its samples re-stamped from then on`
    : '';
  return ` (${formatDurationMs(gap.behindMs)} older than what was already sent of its series: not disorder a larger reorder.maxDelayMs would take in — the clock that stamped it was set back, or it is data sent before, read again; docs/clock.md)${watch}`;
};

/** How one reason's lines read. */
export type LetterWording = SummaryWording;

export interface DeadLetterLogOptions {
  readonly log: Logger;
  /** Where the letters are. */
  readonly deadLetterPath: string;
  /**
   * What a person can do about a letter's detail beyond the reason's own hint (deliveryLog's
   * hints for a failed attempt's error, for `retries-exhausted`), '' for nothing.
   */
  readonly hintOf?: (reason: DeadLetterReason, detail: string) => string;
  /** Other words for some reasons (deliveryLog's for `rejected`). */
  readonly wording?: Partial<Record<DeadLetterReason, LetterWording>>;
  /** skew.sourceAttribute is set (false: a late sample far behind says what would watch the senders' clocks). */
  readonly watchesSourceClocks?: boolean | undefined;
  /** Repeats fn every ms until cancelled (default platformTimers.every, which never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
}

/** `note(reason, detail, name)`: one more sample (of metric `name`, when it has one) became a dead letter for `reason`. */
export type DeadLetterLog = SummarizedLog<DeadLetterReason>;

export const createDeadLetterLog = (opts: DeadLetterLogOptions): DeadLetterLog => {
  const path = opts.deadLetterPath;
  return createSummarizedLog<DeadLetterReason>({
    log: opts.log, field: 'reason', ...(opts.every ? { every: opts.every } : {}),
    wordingOf: (reason) => opts.wording?.[reason] ?? {
      level: 'warn',
      first: (detail, name) => `samples became dead letters (${reason})${name === undefined ? '' : ` (the first: ${name})`}: ${asClause(detail)}${reason === 'late' ? lateHint(detail, opts.watchesSourceClocks) : HINTS[reason] ?? ''}${opts.hintOf?.(reason, detail) ?? ''}; they are in ${path}`,
      more: (count, latest) => `${count} more samples became dead letters (${reason}) in the last minute (the latest: ${latest}); they are in ${path}`,
    },
  });
};
