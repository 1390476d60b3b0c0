/**
 * The operators' numeric options, checked where the operator is made.
 *
 * An option that is not a number — NaN (`Number(process.env.LANES)` with the variable unset), a
 * string from an untyped config — slipped past every `?? default` and `Math.max(1, …)` and made
 * each operator misbehave in its own way, far from the call that caused it: deliverOrdered with
 * `lanes: NaN` threw a TypeError for every sample as an uncaught exception (the end of the
 * process) and never completed; `initialDelayMs: NaN` retried a failing receiver every
 * millisecond; a breaker with `failureThreshold: NaN` never opened; `maxSize: NaN` never filled a
 * batch; `maxQueued: NaN` never overflowed; detectClockSkew with `maxFutureMs: NaN` judged every
 * sample fine; reorderByEventTime threw at subscribe. Such an option now throws an
 * InvalidOptionError naming the operator and the option, at once.
 *
 * Numbers out of range are not errors: they keep their documented clamping (a count below 1 is
 * 1, a wait beyond a timer's reach is cut to it: timerMs in src/clock.ts). ±Infinity is a number:
 * "no limit" where an option means a limit; only where it can mean nothing (a count of lanes) is
 * a finite number asked for.
 */
import { InvalidOptionError } from './errors.js';

const shown = (v: unknown): string =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v;

/** `value` when it is a number (finite, if asked), `fallback` when undefined; otherwise throws InvalidOptionError. */
export const numberOption = (operator: string, option: string, value: unknown, fallback: number, finite = false): number => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && !Number.isNaN(value) && (!finite || Number.isFinite(value))) return value;
  throw new InvalidOptionError(operator, option, finite ? 'a finite number' : 'a number', shown(value));
};

/** A required numeric option. */
export const requiredNumberOption = (operator: string, option: string, value: unknown, finite = false): number => {
  if (value === undefined) throw new InvalidOptionError(operator, option, finite ? 'a finite number' : 'a number', 'nothing');
  return numberOption(operator, option, value, 0, finite);
};

/** An optional bigint option (a time in ns): undefined, or a bigint; anything else throws InvalidOptionError. */
export const bigintOption = (operator: string, option: string, value: unknown): bigint | undefined => {
  if (value === undefined || typeof value === 'bigint') return value;
  throw new InvalidOptionError(operator, option, 'a bigint', shown(value));
};
