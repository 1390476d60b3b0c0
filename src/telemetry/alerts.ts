/**
 * Alert rules over the pipeline's stats: dead letters per minute above N, breaker open longer than
 * N s, backlog (queue and spool) above N % of maxQueued, a clock step seen (in the last minute),
 * delivery more than N s behind (event time) while samples wait. Each rule is an
 * episode: it reports once when it starts and once when it ends, never on every check.
 */
import { type PipelineStats, backlogOf, deliveryLagMs, reorderingOf, totalDeadLetters } from '../stats.js';
import { failingWord } from './failingAs.js';

export interface AlertRules {
  readonly deadLettersPerMinute?: number;
  readonly breakerOpenSeconds?: number;
  readonly queuePercent?: number;
  readonly clockStep?: boolean;
  /** Samples wait and the newest delivered one is more than this many seconds old (event time). */
  readonly lagSeconds?: number;
}

export type AlertRule = 'dead-letters-per-minute' | 'breaker-open' | 'queue-full' | 'clock-step' | 'delivery-lag';

export interface AlertChange {
  readonly rule: AlertRule;
  readonly active: boolean;
  readonly message: string;
}

export const createAlerts = (rules: AlertRules) => {
  const active = new Map<AlertRule, boolean>();
  const history: { atMs: number; deadLetters: number; steps: number }[] = [];
  /**
   * Before the first delivery there is no newest delivered time to measure lag from: samples have
   * waited at least since the first check that saw them waiting with nothing delivered.
   */
  let undeliveredSinceMs: number | undefined;
  return {
    active: (): ReadonlyMap<AlertRule, boolean> => active,
    /** Checks every rule now; returns the rules whose state changed. */
    evaluate(s: PipelineStats, nowMs: number): AlertChange[] {
      // The stats count from the pipeline's start: what came before the first check (a clock step,
      // dead letters) is measured from 0, as in the last minute. The first check was the baseline:
      // dead letters before it were never counted, and a step before it was an alert for one check.
      if (history.length === 0) history.push({ atMs: nowMs, deadLetters: 0, steps: 0 });
      history.push({ atMs: nowMs, deadLetters: totalDeadLetters(s), steps: s.skew.step });
      while (history.length > 1 && history[0]!.atMs < nowMs - 60_000) history.shift();
      const minuteAgo = history[0]!;
      const checks: [AlertRule, boolean, string][] = [];
      if (rules.deadLettersPerMinute !== undefined) {
        const n = totalDeadLetters(s) - minuteAgo.deadLetters;
        checks.push(['dead-letters-per-minute', n > rules.deadLettersPerMinute, `${n} dead letters in the last minute (limit ${rules.deadLettersPerMinute})`]);
      }
      if (rules.breakerOpenSeconds !== undefined) {
        const openMs = s.breakerState !== 'closed' && s.breakerOpenedAtMs !== undefined ? nowMs - s.breakerOpenedAtMs : 0;
        checks.push(['breaker-open', openMs > rules.breakerOpenSeconds * 1000, `circuit breaker open for ${Math.round(openMs / 1000)} s (limit ${rules.breakerOpenSeconds} s): the receiver is ${failingWord(s.failingAs)}, samples are waiting`]);
      }
      if (rules.queuePercent !== undefined) {
        // The backlog, spool included: with a spool, the queue in memory stops at half of maxQueued
        // and the rest waits in the file, so the queue alone would never reach a higher limit.
        const pct = (backlogOf(s) / s.maxQueued) * 100;
        const spooled = s.waitingInSpool > 0 ? `, ${s.waitingInSpool} of them in the spool` : '';
        checks.push(['queue-full', pct > rules.queuePercent, `delivery backlog at ${pct.toFixed(1)} % of maxQueued ${s.maxQueued}${spooled} (limit ${rules.queuePercent} %)`]);
      }
      if (rules.clockStep) {
        checks.push(['clock-step', s.skew.step > minuteAgo.steps, `wall clock stepped by ${Math.round(s.lastStepDeltaMs ?? 0)} ms`]);
      }
      if (rules.lagSeconds !== undefined) {
        // Only while samples wait: a source that went quiet leaves the newest delivered sample old.
        const waiting = backlogOf(s) + reorderingOf(s);
        const deliveredLagMs = deliveryLagMs(s, nowMs);
        undeliveredSinceMs = deliveredLagMs === undefined && waiting > 0 ? (undeliveredSinceMs ?? nowMs) : undefined;
        // Nothing delivered yet (a receiver down, or a wrong endpoint, since the start): how long
        // samples have waited. It was 0, and the alert never fired for a pipeline that had never delivered.
        const lagMs = deliveredLagMs ?? (undeliveredSinceMs === undefined ? 0 : nowMs - undeliveredSinceMs);
        const behind = deliveredLagMs === undefined
          ? `nothing delivered yet, samples waiting for ${(lagMs / 1000).toFixed(1)} s (limit ${rules.lagSeconds} s)`
          : `delivery is ${(lagMs / 1000).toFixed(1)} s behind (the newest delivered sample's time; limit ${rules.lagSeconds} s)`;
        checks.push(['delivery-lag', waiting > 0 && lagMs > rules.lagSeconds * 1000, `${behind}, ${waiting} samples waiting`]);
      }
      const changes: AlertChange[] = [];
      for (const [rule, now, message] of checks) {
        if ((active.get(rule) ?? false) !== now) changes.push({ rule, active: now, message });
        active.set(rule, now);
      }
      return changes;
    },
  };
};
export type Alerts = ReturnType<typeof createAlerts>;
