/**
 * A log for things that happen to many samples: the first of each kind is a line of its own, then
 * at most a line a minute per kind with how many more and the latest's detail. Dead letters
 * (deadLetterLog.ts) and samples with a clock problem (skewLog.ts) are said this way.
 */
import { platformTimers } from '../clock.js';
import type { Logger } from '../cli/log.js';

/** How often further occurrences of a kind are summed up. */
export const SUMMARY_EVERY_MS = 60_000;

/** How one kind's lines read. */
export interface SummaryWording {
  readonly level: 'warn' | 'error';
  /** The first one's line; `name`: its metric, when it has one. */
  readonly first: (detail: string, name: string | undefined) => string;
  /** The minute's line: how many more, and the latest one's detail. */
  readonly more: (count: number, latest: string) => string;
}

export interface SummarizedLogOptions<K extends string> {
  readonly log: Logger;
  readonly wordingOf: (kind: K) => SummaryWording;
  /** The field the kind is logged under (`reason`, `kind`). */
  readonly field: string;
  /** Repeats fn every ms until cancelled (default platformTimers.every, which never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
}

export interface SummarizedLog<K extends string> {
  /** One more sample (of metric `name`, when it has one) of this kind, with this detail. */
  readonly note: (kind: K, detail: string, name?: string) => void;
  readonly cancel: () => void;
}

export const createSummarizedLog = <K extends string>(opts: SummarizedLogOptions<K>): SummarizedLog<K> => {
  const said = new Set<K>();
  const more = new Map<K, { count: number; latest: string }>();
  const summary = (opts.every ?? platformTimers.every)(SUMMARY_EVERY_MS, () => {
    for (const [kind, m] of more) {
      const w = opts.wordingOf(kind);
      opts.log(w.level, w.more(m.count, m.latest), { [opts.field]: kind, count: m.count });
    }
    more.clear();
  });
  return {
    note: (kind, detail, name) => {
      if (!said.has(kind)) {
        said.add(kind);
        const w = opts.wordingOf(kind);
        return opts.log(w.level, w.first(detail, name), { [opts.field]: kind });
      }
      const m = more.get(kind);
      if (m === undefined) more.set(kind, { count: 1, latest: detail });
      else {
        m.count++;
        m.latest = detail;
      }
    },
    cancel: () => summary.cancel(),
  };
};
