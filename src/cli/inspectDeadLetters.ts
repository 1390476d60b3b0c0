/**
 * `chronoq inspect DEAD-LETTERS.ndjson`: what a dead-letter file holds before anyone replays it —
 * letters per reason with their time range, the kinds of detail in each (numbers folded, so
 * "sample at 1764… ns is older than …" of a thousand samples is one kind), the metrics and series
 * they concern, and how many were refused on a resend (possibly delivered already: see the README).
 * Before, answering "what did we lose, and why?" after an incident took jq. Read only, a line at a
 * time (a file of any size).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { withoutByteOrderMark } from '../sources/fileLines.js';

const TOP = 5;
/** Distinct series counted at most (their keys are held in memory while the file is read). */
const MAX_SERIES = 1_000_000;
/** Distinct kinds of detail, and metric names, told apart at most; more are summed as OTHERS. */
const MAX_KINDS = 10_000;
const OTHERS = '(other kinds)';

export interface ReasonSummary {
  letters: number;
  /** Oldest and newest sample time (ns, as decimal strings), where the letters carry samples. */
  oldestUnixNano?: string;
  newestUnixNano?: string;
  /** The most frequent kinds of detail (digits folded to N), with their counts. */
  details: { detail: string; letters: number }[];
}

export interface DeadLetterSummary {
  path: string;
  letters: number;
  /** Lines that are not dead letters (not JSON, or without a reason). */
  unreadable: number;
  reasons: Record<string, ReasonSummary>;
  /** The most frequent metric names, with their counts. */
  metrics: { name: string; letters: number }[];
  series: number;
  /** More than MAX_SERIES distinct series: `series` is a lower bound. */
  seriesAtLeast?: true;
  /** Letters `rejected` on a resend after an attempt the receiver may have processed (may be delivered already). */
  refusedOnResend: number;
}

const foldDigits = (detail: string): string => detail.replace(/\d+(\.\d+)?/g, 'N').slice(0, 300);
const top = (counts: Map<string, number>): [string, number][] => [...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP);
const bump = (counts: Map<string, number>, key: string): void => {
  const k = counts.size >= MAX_KINDS && !counts.has(key) ? OTHERS : key;
  counts.set(k, (counts.get(k) ?? 0) + 1);
};

interface Letter {
  reason?: unknown;
  detail?: unknown;
  item?: { name?: unknown; timeUnixNano?: unknown; attributes?: unknown; resource?: unknown };
}

/** Reads the file once and sums it up. */
export const summarizeDeadLetters = async (path: string): Promise<DeadLetterSummary> => {
  const perReason = new Map<string, { letters: number; oldest?: bigint; newest?: bigint; details: Map<string, number> }>();
  const metrics = new Map<string, number>();
  const series = new Set<string>();
  let letters = 0;
  let unreadable = 0;
  let refusedOnResend = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of lines) {
    const line = withoutByteOrderMark(text);
    if (line.trim() === '') continue;
    let d: Letter;
    try {
      d = JSON.parse(line) as Letter;
    } catch {
      unreadable++;
      continue;
    }
    if (typeof d !== 'object' || d === null || typeof d.reason !== 'string') {
      unreadable++;
      continue;
    }
    letters++;
    const r = perReason.get(d.reason) ?? { letters: 0, details: new Map<string, number>() };
    perReason.set(d.reason, r);
    r.letters++;
    const detail = typeof d.detail === 'string' ? d.detail : '';
    bump(r.details, foldDigits(detail));
    if (d.reason === 'rejected' && detail.includes('on a resend')) refusedOnResend++;
    const item = d.item;
    if (typeof item?.name === 'string') {
      bump(metrics, item.name);
      if (series.size < MAX_SERIES) series.add(JSON.stringify([item.name, item.attributes, item.resource]));
    }
    if (typeof item?.timeUnixNano === 'string' && /^-?\d+$/.test(item.timeUnixNano)) {
      const t = BigInt(item.timeUnixNano);
      if (r.oldest === undefined || t < r.oldest) r.oldest = t;
      if (r.newest === undefined || t > r.newest) r.newest = t;
    }
  }
  const reasons: Record<string, ReasonSummary> = {};
  for (const [reason, r] of [...perReason].sort((a, b) => b[1].letters - a[1].letters)) {
    reasons[reason] = {
      letters: r.letters,
      ...(r.oldest !== undefined ? { oldestUnixNano: String(r.oldest), newestUnixNano: String(r.newest) } : {}),
      details: top(r.details).map(([detail, n]) => ({ detail, letters: n })),
    };
  }
  return { path, letters, unreadable, reasons, metrics: top(metrics).map(([name, n]) => ({ name, letters: n })), series: series.size, ...(series.size >= MAX_SERIES ? { seriesAtLeast: true as const } : {}), refusedOnResend };
};

/** A nanosecond time as ISO 8601 (ms), '-' for none. */
export const isoOfNanos = (ns: bigint | undefined): string => (ns === undefined ? '-' : new Date(Number(ns / 1_000_000n)).toISOString());
const iso = (ns: string | undefined): string => isoOfNanos(ns === undefined ? undefined : BigInt(ns));

/** The summary as text lines. */
export const formatDeadLetterSummary = (s: DeadLetterSummary): string => {
  const out = [`dead letters ${s.path}: ${s.letters} letters, ${s.seriesAtLeast ? 'at least ' : ''}${s.series} series${s.unreadable > 0 ? `, ${s.unreadable} lines that are not dead letters` : ''}`];
  for (const [reason, r] of Object.entries(s.reasons)) {
    out.push(`${reason}: ${r.letters}${r.oldestUnixNano === undefined ? '' : `, samples from ${iso(r.oldestUnixNano)} to ${iso(r.newestUnixNano)}`}`);
    for (const d of r.details) out.push(`  ${String(d.letters).padStart(8)} × ${d.detail}`);
  }
  if (s.metrics.length > 0) out.push(`metrics: ${s.metrics.map((m) => `${m.name} ${m.letters}`).join(', ')}`);
  if (s.refusedOnResend > 0) {
    out.push(`${s.refusedOnResend} of the rejected were refused on a resend after an attempt the receiver may have processed: check the backend for them before replaying`);
  }
  return `${out.join('\n')}\n`;
};
