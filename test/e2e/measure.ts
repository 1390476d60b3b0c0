/**
 * What a receiver got, measured against what was sent: delivered, lost, per-series inversions,
 * re-stamped points, duplicates. Sent samples carry unique values (synthetic 'sequence'), so each
 * received point is matched to the sample it came from by value.
 *
 * An inversion is a point arriving for the first time behind a newer point of its series: data
 * the receiver gets out of order. A repeat of a point already received is a duplicate, counted as
 * such and not again as an inversion (a TSDB keeps the first copy: Prometheus rejects an older
 * repeat as out-of-order without changing what it stored).
 */
import type { ReceivedPoint } from '../support/collector.js';

export interface SentSample {
  readonly value: number;
  /** Undefined where the sender cannot know it (the stock SDK stamps at collection). */
  readonly timeUnixNano?: bigint;
}

export interface Measures {
  readonly sent: number;
  readonly delivered: number;
  readonly lost: number;
  readonly inversions: number;
  readonly restamped: number | undefined;
  readonly duplicates: number;
  readonly deadLettered: number;
}

export const measure = (sent: readonly SentSample[], received: readonly ReceivedPoint[], deadLettered: ReadonlySet<number>): Measures => {
  const sentByValue = new Map(sent.map((s) => [s.value, s]));
  const seen = new Set<number>();
  let duplicates = 0;
  let restamped = 0;
  let inversions = 0;
  const lastBySeries = new Map<string, bigint>();
  for (const p of received) {
    const s = sentByValue.get(p.value);
    if (s !== undefined && seen.has(p.value)) {
      duplicates++;
      continue;
    }
    if (s !== undefined) seen.add(p.value);
    if (s?.timeUnixNano !== undefined && s.timeUnixNano !== p.timeUnixNano) restamped++;
    const prev = lastBySeries.get(p.series);
    if (prev !== undefined && p.timeUnixNano < prev) inversions++;
    if (prev === undefined || p.timeUnixNano > prev) lastBySeries.set(p.series, p.timeUnixNano);
  }
  const knowsTimes = sent.every((s) => s.timeUnixNano !== undefined);
  const lost = sent.filter((s) => !seen.has(s.value) && !deadLettered.has(s.value)).length;
  return { sent: sent.length, delivered: seen.size, lost, inversions, restamped: knowsTimes ? restamped : undefined, duplicates, deadLettered: deadLettered.size };
};

export const formatTable = (rows: readonly (Measures & { scenario: string; path: string })[]): string => {
  const head = ['scenario', 'path', 'sent', 'delivered', 'lost', 'inversions', 're-stamped', 'duplicates', 'dead-lettered'];
  const cells = rows.map((r) => [r.scenario, r.path, r.sent, r.delivered, r.lost, r.inversions, r.restamped ?? 'n/a', r.duplicates, r.deadLettered].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
};

/**
 * The first series whose points, in the order received, go back in time (equal times are not a
 * step back), or undefined when each series is in order. `timeOf` reads a point's time.
 */
export const firstSeriesOutOfOrder = <P extends { readonly series: string }>(received: readonly P[], timeOf: (p: P) => bigint): string | undefined => {
  const last = new Map<string, bigint>();
  for (const p of received) {
    const t = timeOf(p);
    if ((last.get(p.series) ?? 0n) > t) return p.series;
    last.set(p.series, t);
  }
  return undefined;
};
