/** The one-line status: rates since the last line, queue (and what waits before it), breaker, clock trouble by kind and otlp requests refused by answer (when any), dead letters by reason. */
import { type PipelineStats, queuedOf, reorderingOf } from '../stats.js';
import { failingWord } from './failingAs.js';

export interface StatusSnapshot {
  readonly atMs: number;
  readonly samplesIn: number;
  readonly delivered: number;
}

export const snapshot = (s: PipelineStats, atMs: number): StatusSnapshot => ({ atMs, samplesIn: s.samplesIn, delivered: s.delivered });

/** Samples a second between two snapshots. */
const ratesOf = (prev: StatusSnapshot, now: StatusSnapshot): { inPerSecond: number; deliveredPerSecond: number } => {
  const secs = Math.max(0.001, (now.atMs - prev.atMs) / 1000);
  return { inPerSecond: (now.samplesIn - prev.samplesIn) / secs, deliveredPerSecond: (now.delivered - prev.delivered) / secs };
};

/**
 * Requests an otlp source refused, by answer (no room, too large, malformed, unauthenticated): its
 * senders kept or dropped them, and chronoq never took their points, so no dead letter says so.
 * Probes (HTTP requests that are no export: health checks) and CORS preflights let through are
 * none of them; a refused preflight (cross-origin) is: the page's export failed.
 */
const refusedRequests = (s: PipelineStats): Record<string, number> =>
  Object.fromEntries(Object.entries(s.otlpRequests).filter(([answer, n]) => n > 0 && answer !== 'taken' && answer !== 'partial' && answer !== 'probe' && answer !== 'preflight'));

/** The non-zero counts, `key n` joined by commas ('' when none). */
const countsInWords = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts).filter(([, n]) => n > 0).map(([key, n]) => `${key} ${n}`).join(', ');

/** Whole seconds the receiver has been silent at `now` (its snapshot's time is the same scheduler's). */
const silentSeconds = (s: PipelineStats, now: StatusSnapshot): number => Math.max(0, Math.round((now.atMs - (s.receiverSilentSinceMs ?? now.atMs)) / 1000));

/**
 * The status line's figures as fields of a JSON log line (`--log-format json`): the line carried
 * them in its words only, so a log pipeline had to parse "queued 1000 (+635 in the spool)".
 */
export const statusFields = (s: PipelineStats, prev: StatusSnapshot, now: StatusSnapshot): Record<string, unknown> => {
  const { inPerSecond, deliveredPerSecond } = ratesOf(prev, now);
  const refused = refusedRequests(s);
  return {
    inPerSecond: Math.round(inPerSecond * 10) / 10,
    deliveredPerSecond: Math.round(deliveredPerSecond * 10) / 10,
    queued: queuedOf(s),
    inReorder: reorderingOf(s),
    inSpool: s.waitingInSpool,
    inFlightBatches: s.inFlightBatches,
    retries: s.retries,
    breaker: s.breakerState,
    ...(s.breakerState !== 'closed' ? { failingAs: failingWord(s.failingAs) } : {}),
    ...(s.spoolFailing ? { spoolFailing: true } : {}),
    ...(s.receiverSilentSinceMs !== undefined ? { receiverSilentSeconds: silentSeconds(s, now) } : {}),
    skew: { ...s.skew },
    deadLetters: { ...s.deadLetters },
    ...(Object.keys(refused).length > 0 ? { otlpRequestsRefused: refused } : {}),
  };
};

export const formatStatus = (s: PipelineStats, prev: StatusSnapshot, now: StatusSnapshot, sink: string): string => {
  const { inPerSecond, deliveredPerSecond } = ratesOf(prev, now);
  const rate = (perSecond: number) => perSecond.toFixed(perSecond < 10 ? 1 : 0);
  const dead = countsInWords(s.deadLetters) || 'none';
  const reordering = reorderingOf(s);
  // "samples wait" only when some do: the last line of a run whose samples were all dead-lettered said so too.
  const waiting = queuedOf(s) + reordering + s.waitingInSpool + s.inFlightBatches > 0;
  const breaker = s.breakerState === 'closed' ? 'closed' : `${s.breakerState.toUpperCase()} (${sink} ${failingWord(s.failingAs)}${waiting ? ': samples wait' : ''})`;
  const before = [reordering > 0 ? `+${reordering} in reorder` : '', s.waitingInSpool > 0 ? `+${s.waitingInSpool} in the spool` : ''].filter(Boolean).join(', ');
  const spool = s.spoolFailing ? ' · SPOOL NOT WRITABLE (samples not durable)' : '';
  // Calls held for a receiver that answers nothing (silentHold.ts): in flight, the breaker closed.
  const silent = s.receiverSilentSinceMs !== undefined ? ` · ${sink} SILENT for ${silentSeconds(s, now)} s (requests held for its answer, not sent again)` : '';
  const skew = countsInWords(s.skew);
  const refused = countsInWords(refusedRequests(s));
  return `in ${rate(inPerSecond)}/s · delivered ${rate(deliveredPerSecond)}/s · queued ${queuedOf(s)}${before ? ` (${before})` : ''} · in flight ${s.inFlightBatches} · retries ${s.retries} · breaker ${breaker}${silent}${spool}${skew ? ` · clock skew: ${skew}` : ''}${refused ? ` · otlp requests refused: ${refused}` : ''} · dead letters: ${dead}`;
};
