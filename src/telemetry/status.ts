/** The one-line status: rates since the last line, queue (and what waits before it), breaker, clock trouble by kind (when any), dead letters by reason. */
import { type PipelineStats, queuedOf, reorderingOf } from '../stats.js';

export interface StatusSnapshot {
  readonly atMs: number;
  readonly samplesIn: number;
  readonly delivered: number;
}

export const snapshot = (s: PipelineStats, atMs: number): StatusSnapshot => ({ atMs, samplesIn: s.samplesIn, delivered: s.delivered });

export const formatStatus = (s: PipelineStats, prev: StatusSnapshot, now: StatusSnapshot, sink: string): string => {
  const secs = Math.max(0.001, (now.atMs - prev.atMs) / 1000);
  const rate = (n: number) => (n / secs).toFixed(n / secs < 10 ? 1 : 0);
  const dead = Object.entries(s.deadLetters).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
  const reordering = reorderingOf(s);
  // "samples wait" only when some do: the last line of a run whose samples were all dead-lettered said so too.
  const waiting = queuedOf(s) + reordering + s.waitingInSpool + s.inFlightBatches > 0;
  const breaker = s.breakerState === 'closed' ? 'closed' : `${s.breakerState.toUpperCase()} (${sink} ${s.failingAs ?? 'unreachable'}${waiting ? ': samples wait' : ''})`;
  const before = [reordering > 0 ? `+${reordering} in reorder` : '', s.waitingInSpool > 0 ? `+${s.waitingInSpool} in the spool` : ''].filter(Boolean).join(', ');
  const spool = s.spoolFailing ? ' · SPOOL NOT WRITABLE (samples not durable)' : '';
  const skew = Object.entries(s.skew).filter(([, n]) => n > 0).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return `in ${rate(now.samplesIn - prev.samplesIn)}/s · delivered ${rate(now.delivered - prev.delivered)}/s · queued ${queuedOf(s)}${before ? ` (${before})` : ''} · in flight ${s.inFlightBatches} · retries ${s.retries} · breaker ${breaker}${spool}${skew ? ` · clock skew: ${skew}` : ''} · dead letters: ${dead}`;
};
