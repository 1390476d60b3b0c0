/**
 * `chronoq inspect DEAD-LETTERS.ndjson`: what a dead-letter file holds before anyone replays it —
 * letters per reason with their time range, the kinds of detail in each (numbers folded, so
 * "sample at 1764… ns is older than …" of a thousand samples is one kind), the metrics and series
 * they concern, and how many were refused on a resend (possibly delivered already: see docs/guarantees.md).
 * Before, answering "what did we lose, and why?" after an incident took jq. Read only, a line at a
 * time (a file of any size).
 *
 * A kind is shown as its first detail with only the numbers that differed within it folded to N:
 * folding them all turned "RFC 3339" into "RFC N", a lone letter's "line 2" into "line N" and a
 * receiver's "13 INTERNAL" into "N INTERNAL" — the very figures a reader needs.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isRight } from 'fp-ts/lib/Either.js';
import { withoutByteOrderMark } from '../sources/fileLines.js';
import { parseSampleLine } from '../sampleJson.js';
import { isOtlpJsonLine } from '../otlpJson.js';
import { type Sample, seriesKey } from '../sample.js';
import { isAttributeSet } from '../attributeJson.js';
import { isFarBehind, lateGapOf } from '../lateDetail.js';
import { formatDurationMs } from '../telemetry/skewLog.js';

const TOP = 5;
/** A letter's series as seriesKey has it; a letter whose attributes are not an object, by its text. */
const letterSeriesKey = (name: string, item: { readonly attributes?: unknown; readonly resource?: unknown }): string =>
  isAttributeSet(item.attributes) && (item.resource === undefined || isAttributeSet(item.resource))
    ? seriesKey({ name, attributes: item.attributes, resource: item.resource } as Sample)
    : JSON.stringify([name, item.attributes, item.resource]);

/** Distinct series counted at most (their keys are held in memory while the file is read). */
const MAX_SERIES = 1_000_000;
/** Distinct kinds of detail, and metric names, told apart at most; more are summed as OTHERS. */
const MAX_KINDS = 10_000;
const OTHERS = '(other kinds)';

/** How far behind what their series had sent `late` letters were (ms), least and most, and how many far behind it (lateDetail.ts isFarBehind). */
export interface LateGaps {
  least: number;
  most: number;
  far: number;
}

export interface ReasonSummary {
  letters: number;
  /** Oldest and newest sample time (ns, as decimal strings), where the letters carry samples. */
  oldestUnixNano?: string;
  newestUnixNano?: string;
  /** The most frequent kinds of detail (numbers that differ within a kind folded to N), with their counts. */
  details: { detail: string; letters: number }[];
  /** The kinds past the most frequent, and their letters (they were left out without a word). */
  moreKinds?: { kinds: number; letters: number };
  /** `late` letters: how far behind their series (far behind: not disorder, which a larger window would take in). */
  behindMs?: LateGaps;
}

export interface DeadLetterSummary {
  path: string;
  letters: number;
  /** Lines that are not dead letters (not JSON, or without a reason). */
  unreadable: number;
  /** Of those, the lines that are samples (a file of samples given for one of letters); absent when none. */
  samples?: number;
  reasons: Record<string, ReasonSummary>;
  /** The most frequent metric names, with their counts. */
  metrics: { name: string; letters: number }[];
  /** The metric names past the most frequent, and their letters. */
  moreMetrics?: { names: number; letters: number };
  series: number;
  /** More than MAX_SERIES distinct series: `series` is a lower bound. */
  seriesAtLeast?: true;
  /** Letters `rejected` on a resend after an attempt the receiver may have processed (may be delivered already). */
  refusedOnResend: number;
}

/** Details shown (and told apart) up to this many characters. */
const DETAIL_CHARS = 300;
const NUMBER = /(\d+(?:\.\d+)?)/;
const foldDigits = (detail: string): string => detail.replace(/\d+(\.\d+)?/g, 'N').slice(0, DETAIL_CHARS);
const top = (counts: Map<string, number>): [string, number][] => [...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP);
/** What the most frequent TOP leave out of `counts`: how many, and their total. */
const rest = (counts: readonly number[]): { count: number; total: number } | undefined => {
  if (counts.length <= TOP) return undefined;
  const left = [...counts].sort((a, b) => b - a).slice(TOP);
  return { count: left.length, total: left.reduce((a, b) => a + b, 0) };
};
const bump = (counts: Map<string, number>, key: string): void => {
  const k = counts.size >= MAX_KINDS && !counts.has(key) ? OTHERS : key;
  counts.set(k, (counts.get(k) ?? 0) + 1);
};

/**
 * The details of one kind (equal once every number is folded): the first one's pieces, text and
 * numbers alternating, a number replaced by N once another detail of the kind has a different
 * one there. Past DETAIL_CHARS details of a kind may differ in their text too: the shown detail
 * ends where they first do.
 */
interface DetailKind {
  letters: number;
  pieces: string[];
  /** Pieces shown: the details of the kind differ in their text within the next one. */
  end: number;
  /** The details differ past what is shown. */
  cut: boolean;
  /** The kind of every detail past MAX_KINDS kinds: shown as OTHERS. */
  others?: true;
}
/** A detail's pieces, of its first 2 × DETAIL_CHARS characters (a kind holds its first detail's). */
const piecesOf = (detail: string): string[] => detail.slice(0, 2 * DETAIL_CHARS).split(NUMBER);
const newKind = (detail: string): DetailKind => {
  const pieces = piecesOf(detail);
  return { letters: 0, pieces, end: pieces.length, cut: false };
};
const commonPrefix = (a: string, b: string): string => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
};
const addToKind = (kind: DetailKind, detail: string): void => {
  kind.letters++;
  if (kind.letters === 1 || kind.others) return;
  const pieces = piecesOf(detail);
  for (let i = 0; i < kind.end; i++) {
    const mine = kind.pieces[i]!;
    const theirs = pieces[i];
    if (theirs === mine) continue;
    if (i % 2 === 1 && theirs !== undefined) kind.pieces[i] = 'N';
    else {
      kind.pieces[i] = commonPrefix(mine, theirs ?? '');
      kind.end = i + 1;
      kind.cut = true;
    }
  }
  if (pieces.length > kind.end && kind.end === kind.pieces.length) kind.cut = true;
};
const shownKind = (kind: DetailKind): string => {
  const text = kind.pieces.slice(0, kind.end).join('');
  return kind.cut || text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS)}…` : text;
};

/** What replay and inspect say of a file of samples given for one of dead letters (`path` `-` for stdin). */
export const samplesFileHint = (path: string): string => `a file of samples is sent by \`chronoq run\` with a source {type: ndjson, path: ${path}}`;

interface Letter {
  reason?: unknown;
  detail?: unknown;
  item?: { name?: unknown; timeUnixNano?: unknown; attributes?: unknown; resource?: unknown };
}

/** Reads the file once and sums it up; `input` instead of the file (standard input), `path` naming it. */
export const summarizeDeadLetters = async (path: string, input: NodeJS.ReadableStream = createReadStream(path)): Promise<DeadLetterSummary> => {
  const perReason = new Map<string, { letters: number; oldest?: bigint; newest?: bigint; details: Map<string, DetailKind>; behind?: LateGaps }>();
  const metrics = new Map<string, number>();
  const series = new Set<string>();
  let letters = 0;
  let unreadable = 0;
  let samples = 0;
  let refusedOnResend = 0;
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const text of lines) {
    const line = withoutByteOrderMark(text);
    if (line.trim() === '') continue;
    let d: Letter | undefined;
    try {
      d = JSON.parse(line) as Letter;
    } catch {
      d = undefined;
    }
    if (typeof d !== 'object' || d === null || typeof d.reason !== 'string') {
      unreadable++;
      // A sample's line, as an NDJSON sink or an application writes them (a bare NaN too): replay's test of them.
      if (isRight(parseSampleLine(line)) || isOtlpJsonLine(line)) samples++;
      continue;
    }
    letters++;
    const r = perReason.get(d.reason) ?? { letters: 0, details: new Map<string, DetailKind>() };
    perReason.set(d.reason, r);
    r.letters++;
    const detail = typeof d.detail === 'string' ? d.detail : '';
    const folded = foldDigits(detail);
    const key = r.details.size >= MAX_KINDS && !r.details.has(folded) ? OTHERS : folded;
    let kind = r.details.get(key);
    if (kind === undefined) r.details.set(key, (kind = key === OTHERS ? { letters: 0, pieces: [OTHERS], end: 1, cut: false, others: true } : newKind(detail)));
    addToKind(kind, detail);
    if (d.reason === 'rejected' && detail.includes('on a resend')) refusedOnResend++;
    const gap = d.reason === 'late' ? lateGapOf(detail) : undefined;
    if (gap !== undefined) {
      const b = (r.behind ??= { least: gap.behindMs, most: gap.behindMs, far: 0 });
      b.least = Math.min(b.least, gap.behindMs);
      b.most = Math.max(b.most, gap.behindMs);
      if (isFarBehind(gap)) b.far++;
    }
    const item = d.item;
    if (typeof item?.name === 'string') {
      bump(metrics, item.name);
      // As delivery tells series apart (seriesKey: attributes in any order are one series).
      if (series.size < MAX_SERIES) series.add(letterSeriesKey(item.name, item));
    }
    if (typeof item?.timeUnixNano === 'string' && /^-?\d+$/.test(item.timeUnixNano)) {
      const t = BigInt(item.timeUnixNano);
      if (r.oldest === undefined || t < r.oldest) r.oldest = t;
      if (r.newest === undefined || t > r.newest) r.newest = t;
    }
  }
  const reasons: Record<string, ReasonSummary> = {};
  for (const [reason, r] of [...perReason].sort((a, b) => b[1].letters - a[1].letters)) {
    const kinds = [...r.details.values()];
    const moreKinds = rest(kinds.map((k) => k.letters));
    reasons[reason] = {
      letters: r.letters,
      ...(r.oldest !== undefined ? { oldestUnixNano: String(r.oldest), newestUnixNano: String(r.newest) } : {}),
      details: kinds.sort((a, b) => b.letters - a.letters).slice(0, TOP).map((k) => ({ detail: shownKind(k), letters: k.letters })),
      ...(moreKinds !== undefined ? { moreKinds: { kinds: moreKinds.count, letters: moreKinds.total } } : {}),
      ...(r.behind !== undefined ? { behindMs: r.behind } : {}),
    };
  }
  const moreMetrics = rest([...metrics.values()]);
  return {
    path, letters, unreadable, ...(samples > 0 ? { samples } : {}), reasons, metrics: top(metrics).map(([name, n]) => ({ name, letters: n })),
    ...(moreMetrics !== undefined ? { moreMetrics: { names: moreMetrics.count, letters: moreMetrics.total } } : {}),
    series: series.size, ...(series.size >= MAX_SERIES ? { seriesAtLeast: true as const } : {}), refusedOnResend,
  };
};

/** A nanosecond time as ISO 8601 (ms), '-' for none. */
export const isoOfNanos = (ns: bigint | undefined): string => (ns === undefined ? '-' : new Date(Number(ns / 1_000_000n)).toISOString());
const iso = (ns: string | undefined): string => isoOfNanos(ns === undefined ? undefined : BigInt(ns));

const duration = (ms: number): string => (ms < 1 ? 'under 1 ms' : formatDurationMs(ms));
/** How far behind `late` letters were, and whether that is disorder. */
const behindText = (b: LateGaps): string =>
  `${duration(b.least) === duration(b.most) ? duration(b.least) : `${duration(b.least)} to ${duration(b.most)}`}${b.far === 0 ? ' (disorder beyond reorder.maxDelayMs)'
    : `; ${b.far} far behind it (over ten reorder windows and a minute): not disorder — the clock that stamped them was set back, or they were sent before`}`;

/** The summary as text lines. */
export const formatDeadLetterSummary = (s: DeadLetterSummary): string => {
  const out = [`dead letters ${s.path}: ${s.letters} letters, ${s.seriesAtLeast ? 'at least ' : ''}${s.series} series${s.unreadable > 0 ? `, ${s.unreadable} lines that are not dead letters` : ''}`];
  for (const [reason, r] of Object.entries(s.reasons)) {
    out.push(`${reason}: ${r.letters}${r.oldestUnixNano === undefined ? '' : `, samples from ${iso(r.oldestUnixNano)} to ${iso(r.newestUnixNano)}`}`);
    for (const d of r.details) out.push(`  ${String(d.letters).padStart(8)} × ${d.detail}`);
    if (r.moreKinds) out.push(`  ${String(r.moreKinds.letters).padStart(8)} × (${r.moreKinds.kinds} more kind${r.moreKinds.kinds === 1 ? '' : 's'} of detail)`);
    if (r.behindMs) out.push(`  behind what their series had sent by ${behindText(r.behindMs)}`);
  }
  if (s.samples !== undefined) {
    out.push(`${s.samples} of the lines that are not dead letters are samples: ${samplesFileHint(s.path === 'stdin' ? '-' : s.path)}`);
  }
  const moreMetrics = s.moreMetrics ? `, and ${s.moreMetrics.names} more (${s.moreMetrics.letters} letters)` : '';
  if (s.metrics.length > 0) out.push(`metrics: ${s.metrics.map((m) => `${m.name} ${m.letters}`).join(', ')}${moreMetrics}`);
  if (s.refusedOnResend > 0) {
    out.push(`${s.refusedOnResend} of the rejected were refused on a resend after an attempt the receiver may have processed: check the backend for them before replaying`);
  }
  return `${out.join('\n')}\n`;
};
