/**
 * The detail of a dead letter `late` (reorderByEventTime), written and read here: the sample's
 * time, the newest time its series (or the stream) had sent, and the reorder window — so that the
 * log can tell a sample a little too late for the window (disorder: a larger maxDelayMs would take
 * it in) from one far older than what was sent (not disorder: a clock set back where the sample
 * was stamped, or data sent before read again, which no window takes in).
 */

/** `sample at T ns is older than the last released sample of SCOPE (L ns); maxDelayMs M`. */
export const lateDetail = (sampleUnixNano: bigint, lastUnixNano: bigint, scope: string, maxDelayMs: number): string =>
  `sample at ${sampleUnixNano} ns is older than the last released sample of ${scope} (${lastUnixNano} ns); maxDelayMs ${maxDelayMs}`;

const LATE = /^sample at (\d+) ns is older than the last released sample of .* \((\d+) ns\); maxDelayMs (\d+(?:\.\d+)?)$/s;

/** How far behind what was sent a `late` detail's sample was (ms), and the window; undefined for another text. */
export const lateGapOf = (detail: string): { behindMs: number; maxDelayMs: number } | undefined => {
  const m = LATE.exec(detail);
  if (m === null) return undefined;
  return { behindMs: Number(BigInt(m[2]!) - BigInt(m[1]!)) / 1e6, maxDelayMs: Number(m[3]) };
};

/** Behind by more than this many windows (and at least FAR_MIN_MS), a late sample is not disorder. */
export const FAR_WINDOWS = 10;
export const FAR_MIN_MS = 60_000;

/** Whether a `late` detail's sample is far behind what was sent: more than FAR_WINDOWS windows and FAR_MIN_MS. */
export const isFarBehind = (gap: { behindMs: number; maxDelayMs: number }): boolean =>
  gap.behindMs > Math.max(FAR_MIN_MS, FAR_WINDOWS * gap.maxDelayMs);
