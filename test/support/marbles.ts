/**
 * Marble-test support: a TestScheduler whose assertion compares errors by name and message
 * (uvu's `equal` treats any two Errors as equal), and compact views of Routed samples so that
 * diagrams stay readable.
 */
import { TestScheduler } from 'rxjs/testing';
import { map, type OperatorFunction, type VirtualTimeScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as assert from 'uvu/assert';
import type { Routed } from '../../src/routed.js';
import { type Sample, type Attributes, msToNanos, nanosToMs } from '../../src/sample.js';

/** Replaces every Error (deeply) by `{ name, message }` so two errors compare by those. */
export const normalize = (v: unknown, seen = new WeakSet<object>()): unknown => {
  if (v instanceof Error) return { name: v.name, message: v.message };
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return '[cycle]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => normalize(x, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = normalize(x, seen);
  return out;
};

interface Frame {
  frame: number;
  notification: { kind: string; value?: unknown; error?: unknown };
}
const isFrames = (v: unknown): v is Frame[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && 'frame' in x && 'notification' in x);
const show = (v: unknown): string =>
  JSON.stringify(normalize(v), (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? 'undefined';
/** One line per notification, `frame kind value`, so a failing diagram diffs line by line. */
const frameLines = (frames: Frame[]): string[] =>
  frames.map(({ frame, notification: n }) =>
    `${frame} ${n.kind} ${n.kind === 'N' ? show(n.value) : n.kind === 'E' ? show(n.error) : ''}`.trimEnd(),
  );

/** Deep equality in which errors compare by name and message; marble frames compare as lines. */
export const equalNormalized = (actual: unknown, expected: unknown): void =>
  isFrames(actual) && isFrames(expected)
    ? assert.equal(frameLines(actual), frameLines(expected))
    : assert.equal(normalize(actual), normalize(expected));

/** True when `fn` throws anything (uvu's `throws` re-throws its own assertion errors). */
export const failsWith = (fn: () => void): boolean => {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
};

export const testScheduler = (): TestScheduler => new TestScheduler(equalNormalized);

/** Every action the scheduler still holds that would run: none may remain after unsubscribe. */
export const pendingActions = (scheduler: VirtualTimeScheduler): number =>
  (scheduler as unknown as { actions: { closed: boolean }[] }).actions.filter((a) => !a.closed).length;

/** A gauge sample at tMs (fractions of a ms kept to the ns). */
export const sample = (tMs: number, name = 'cpu', attributes: Attributes = {}, value = tMs): Sample => ({
  name,
  kind: 'gauge',
  value,
  timeUnixNano: msToNanos(tMs),
  attributes,
});

const tag = (s: Sample): string => {
  const t = nanosToMs(s.timeUnixNano);
  return s.name === 'cpu' ? `${t}` : `${s.name}@${t}`;
};

/** `'5'` for a Right cpu sample at 5 ms, `'mem@5'` for another series, `'late:5'` for a Left. */
export const view = (r: Routed<Sample>): string => (isLeft(r) ? `${r.left.reason}:${tag(r.left.item)}` : tag(r.right));

export const viewAll = (): OperatorFunction<Routed<Sample>, string> => map(view);
