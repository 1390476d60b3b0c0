/**
 * Log lines for clock trouble detectClockSkew reports: a wall-clock step; samples stamped in the
 * future (re-stamped under policy 'correct') or older than maxPastMs (sent as they are) — the first
 * of each with its series and time, then at most a line a minute with how many more; a source
 * whose clock is off the others' (skew.sourceAttribute), once each time it goes off. Before, only
 * steps were said: a host whose clock ran 10 minutes ahead had every sample re-stamped, and samples
 * timed in milliseconds where nanoseconds belong were sent as 1970's, without a line — counted only
 * in /metrics. Under policy 'dead-letter' future and stale samples are dead letters `skew`, which
 * deadLetterLog.ts says.
 */
import type { SkewEvent, SkewPolicy } from '../../operators/detectClockSkew.js';
import type { Sample } from '../sample.js';
import type { Logger } from '../cli/log.js';
import { createSummarizedLog } from './summarizedLog.js';

export interface SkewLogOptions {
  readonly log: Logger;
  readonly policy: SkewPolicy;
  /** The attribute that names a sample's source (source-offset lines name it). */
  readonly sourceAttribute?: string | undefined;
  /** How fast trusted time approaches the wall clock after a step (the step line says how long it takes). */
  readonly maxSlewPpm?: number | undefined;
  /** Whether trusted time follows a step forward at once (skew.forwardSteps). */
  readonly forwardSteps?: 'slew' | 'follow' | undefined;
  /** Repeats fn every ms until cancelled (default platformTimers.every, which never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
}

/** A duration as a person reads it: 850 ms, 12.5 s, 10 min, 3.2 h, 12 days, 56 years. */
export const formatDurationMs = (ms: number): string => {
  const a = Math.abs(ms);
  if (a < 1_000) return `${Math.round(a)} ms`;
  if (a < 120_000) return `${(a / 1_000).toFixed(1)} s`;
  if (a < 2 * 3_600_000) return `${Math.round(a / 60_000)} min`;
  if (a < 2 * 86_400_000) return `${(a / 3_600_000).toFixed(1)} h`;
  if (a < 2 * 365.25 * 86_400_000) return `${Math.round(a / 86_400_000)} days`;
  return `${Math.round(a / (365.25 * 86_400_000))} years`;
};

const MAX_ATTRIBUTES_SHOWN = 4;

/** `name{k=v,…} at 2026-12-03T10:00:00.000Z`: which sample, for a log line. */
const describe = (s: Sample): string => {
  const attrs = Object.entries(s.attributes);
  const shown = attrs.slice(0, MAX_ATTRIBUTES_SHOWN).map(([k, v]) => `${k}=${String(v)}`);
  if (attrs.length > MAX_ATTRIBUTES_SHOWN) shown.push('…');
  const ms = Number(s.timeUnixNano / 1_000_000n);
  const at = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${s.timeUnixNano} ns`;
  return `${s.name}${shown.length > 0 ? `{${shown.join(',')}}` : ''} at ${at}`;
};

const UNITS = [['seconds', 9], ['milliseconds', 6], ['microseconds', 3]] as const;

/**
 * When an old sample's timeUnixNano, read in a coarser unit, is within a month of now: that unit's
 * name (a writer that put milliseconds where nanoseconds belong), else undefined.
 */
export const coarserUnitOf = (timeUnixNano: bigint, nowMs: number): string | undefined => {
  for (const [unit, digits] of UNITS) {
    const ms = (Number(timeUnixNano) * 10 ** digits) / 1e6;
    if (Math.abs(ms - nowMs) < 31 * 86_400_000) return unit;
  }
  return undefined;
};

export const createSkewLog = (opts: SkewLogOptions): { note(e: SkewEvent): void; cancel(): void } => {
  const { log, policy } = opts;
  const handled = policy === 'correct' ? 're-stamped with this machine\'s time' : 'sent as they are (skew.policy pass)';
  const samples = createSummarizedLog<'future' | 'stale'>({
    log, field: 'kind', ...(opts.every ? { every: opts.every } : {}),
    wordingOf: (kind) => kind === 'future'
      ? {
          level: 'warn',
          first: (detail) => `samples stamped ahead of this machine's clock (more than skew.maxFutureMs), the first ${detail}: ${handled} — the clock that stamped them is ahead, or the time is not in UTC`,
          more: (count, latest) => `${count} more samples stamped ahead of this machine's clock in the last minute (the latest ${latest}); ${handled}`,
        }
      : {
          level: 'warn',
          first: (detail) => `samples older than skew.maxPastMs, the first ${detail}: sent as they are, and a backend may refuse samples that old (for a backfill, skew: {maxPastMs: infinite} says nothing of them)`,
          more: (count, latest) => `${count} more samples older than skew.maxPastMs in the last minute (the latest ${latest}); sent as they are`,
        },
  });
  /**
   * How long trusted time takes to reach the wall clock, and what that means: after a step forward
   * (NTP setting right a machine that booted with a stale clock, as one without a battery-backed
   * clock does) samples are stamped behind for all of it — a day's step takes 20 days at 5 % —
   * and a receiver may refuse them as too old; a restart takes the new time at once.
   */
  const catchUp = (deltaMs: number): string => {
    if (opts.maxSlewPpm === undefined) return '';
    const takes = ` onto trusted time, which reaches the wall clock in ${formatDurationMs(Math.abs(deltaMs) / (opts.maxSlewPpm / 1e6))} (skew.maxSlewPpm ${opts.maxSlewPpm})`;
    return deltaMs > 0 ? `${takes}; until then they are stamped behind the wall clock (if the new time is right, a restart takes it at once)` : `${takes}, so that no series goes back in time`;
  };
  /**
   * What becomes of the samples a step made wrong, by policy: re-stamped onto trusted time
   * ('correct'); dead letters until trusted time reaches the wall clock ('dead-letter'); sent as
   * stamped ('pass'). The line said "re-stamped" under every policy.
   */
  const stepHandled = (deltaMs: number): string => {
    if (policy === 'correct') return `trusted time slews, samples are re-stamped${catchUp(deltaMs)}`;
    if (policy === 'pass') return `samples are sent as stamped (skew.policy pass)${deltaMs < 0 ? ': every series goes back by the step at the receiver' : ''}`;
    const until = opts.maxSlewPpm === undefined ? '' : ` for ${formatDurationMs(Math.abs(deltaMs) / (opts.maxSlewPpm / 1e6))}, until trusted time, which slews (skew.maxSlewPpm ${opts.maxSlewPpm}), reaches the wall clock`;
    return `samples stamped by it are dead letters (skew.policy dead-letter)${until}`;
  };
  const offsetHandled = policy === 'correct' ? 'its samples are re-stamped by that much' : policy === 'dead-letter' ? 'its samples are dead letters (skew)' : 'its samples are sent as they are (skew.policy pass)';
  return {
    note: (e) => {
      if (e.kind === 'step' && e.deltaMs > 0 && opts.forwardSteps === 'follow') {
        log('warn', `wall clock stepped forward by ${formatDurationMs(e.deltaMs)} (a virtual machine resumed after a pause, or the clock set right): trusted time takes the new time at once (skew.forwardSteps follow); samples are stamped by it`, { deltaMs: e.deltaMs });
      } else if (e.kind === 'step') {
        log('warn', `wall clock stepped by ${Math.round(e.deltaMs)} ms; ${stepHandled(e.deltaMs)}`, { deltaMs: e.deltaMs });
      } else if (e.kind === 'source-offset') {
        const source = opts.sourceAttribute === undefined ? e.source : `${opts.sourceAttribute}=${e.source}`;
        const against = !e.alone ? "the other sources' (their median) and this machine's clock"
          : e.offsetMs > 0 ? "this machine's clock (the only source)" : "this machine's clock, after it was in step with it (the only source: its clock was set back)";
        log('warn', `the clock of source ${source} is ${formatDurationMs(e.offsetMs)} ${e.offsetMs > 0 ? 'ahead of' : 'behind'} ${against}: ${offsetHandled}`, { source: e.source, offsetMs: Math.round(e.offsetMs) });
      } else if (policy !== 'dead-letter') {
        if (e.kind === 'future') samples.note('future', `${formatDurationMs(e.aheadMs)} ahead: ${describe(e.sample)}`);
        else {
          const unit = coarserUnitOf(e.sample.timeUnixNano, Number(e.sample.timeUnixNano / 1_000_000n) + e.behindMs);
          const hint = unit === undefined ? '' : ` — its timeUnixNano ${e.sample.timeUnixNano} reads as now in ${unit}: the writer puts ${unit} where nanoseconds belong`;
          samples.note('stale', `${formatDurationMs(e.behindMs)} old: ${describe(e.sample)}${hint}`);
        }
      }
    },
    cancel: () => samples.cancel(),
  };
};
