/**
 * Log lines for samples that became dead letters: the first of each reason with its detail and
 * where the letters are, then at most a line a minute per reason with how many more. deliveryLog
 * words `rejected` (the receiver's refusals, an error); the others — `invalid`, `late`, `skew`,
 * `overflow`, `retries-exhausted` — are warnings worded here. Before, only refusals were said: the
 * command's status line counted the others, and a library pipeline (ChronoqMetricExporter) said
 * nothing at all — an observable gauge reporting NaN became a dead letter `invalid` at every
 * collection, and an outage longer than the queue made `overflow` letters, without a line.
 * (`shutdown` letters are said by the shutdown itself.)
 */
import { platformTimers } from '../clock.js';
import type { DeadLetterReason } from '../routed.js';
import type { Logger } from '../cli/log.js';

/** How often further dead letters of a reason are summed up. */
const SUMMARY_EVERY_MS = 60_000;

/** What a person can do about each reason, beyond the letter's own detail. */
const HINTS: Partial<Record<DeadLetterReason, string>> = {
  late: ' (older than what was already sent of its series: disorder beyond reorder.maxDelayMs)',
  skew: ' (skew.policy dead-letter)',
  overflow: ' (more samples waiting than delivery.maxQueued or the spool\'s maxBytes allow: the receiver was away longer than the queue lasts)',
};

/** How one reason's lines read. */
export interface LetterWording {
  readonly level: 'warn' | 'error';
  /** The first letter's line; `name`: its metric, when it has one. */
  readonly first: (detail: string, name: string | undefined) => string;
  /** The minute's line: how many more, and the latest one's detail. */
  readonly more: (count: number, latest: string) => string;
}

export interface DeadLetterLogOptions {
  readonly log: Logger;
  /** Where the letters are. */
  readonly deadLetterPath: string;
  /** Other words for some reasons (deliveryLog's for `rejected`). */
  readonly wording?: Partial<Record<DeadLetterReason, LetterWording>>;
  /** Repeats fn every ms until cancelled (default platformTimers.every, which never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
}

export interface DeadLetterLog {
  /** One more sample (of metric `name`, when it has one) became a dead letter for `reason`, with this detail. */
  readonly note: (reason: DeadLetterReason, detail: string, name?: string) => void;
  readonly cancel: () => void;
}

export const createDeadLetterLog = (opts: DeadLetterLogOptions): DeadLetterLog => {
  const path = opts.deadLetterPath;
  const wordingOf = (reason: DeadLetterReason): LetterWording => opts.wording?.[reason] ?? {
    level: 'warn',
    first: (detail, name) => `samples became dead letters (${reason})${name === undefined ? '' : ` (the first: ${name})`}: ${detail}${HINTS[reason] ?? ''}; they are in ${path}`,
    more: (count, latest) => `${count} more samples became dead letters (${reason}) in the last minute (the latest: ${latest}); they are in ${path}`,
  };
  const said = new Set<DeadLetterReason>();
  const more = new Map<DeadLetterReason, { count: number; latest: string }>();
  const summary = (opts.every ?? platformTimers.every)(SUMMARY_EVERY_MS, () => {
    for (const [reason, m] of more) {
      const w = wordingOf(reason);
      opts.log(w.level, w.more(m.count, m.latest), { reason, count: m.count });
    }
    more.clear();
  });
  return {
    note: (reason, detail, name) => {
      if (!said.has(reason)) {
        said.add(reason);
        const w = wordingOf(reason);
        return opts.log(w.level, w.first(detail, name), { reason });
      }
      const m = more.get(reason);
      if (m === undefined) more.set(reason, { count: 1, latest: detail });
      else {
        m.count++;
        m.latest = detail;
      }
    },
    cancel: () => summary.cancel(),
  };
};
