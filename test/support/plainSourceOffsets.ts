/**
 * detectClockSkew's per-source offsets as defined (src/sourceOffsets.ts) and as the code computed
 * them before: at every observation the source's window maximum afresh, and the median of every
 * source's maximum with this clock's 0, sorted afresh — O(sources) a sample — and the offset the
 * nearer zero of the source's from that median and from this clock; behind only once its window
 * maximum has held within the threshold for settleMs — beside another source, or after it was so
 * held within the threshold of this clock — or it was off already. The property test's
 * model and the bench's baseline.
 */
import { SETTLE_MS, type SourceVerdict } from '../../src/sourceOffsets.js';

export const plainOffsets = (windowSize: number, thresholdMs: number, settleMs = SETTLE_MS) => {
  const windows = new Map<string, number[]>();
  const steady = new Map<string, { aheadMs: number; sinceMs: number }>();
  const aheads = new Map<string, number>();
  const wasOff = new Map<string, boolean>();
  const seenInStep = new Set<string>();
  return (source: string, sampleMs: number, arrivalMs: number): SourceVerdict => {
    const w = windows.get(source) ?? [];
    windows.set(source, w);
    w.push(sampleMs - arrivalMs);
    if (w.length > windowSize) w.shift();
    aheads.set(source, Math.max(...w));
    const all = [0, ...aheads.values()].sort((a, b) => a - b);
    const mid = all.length >> 1;
    const reference = all.length % 2 === 1 ? all[mid]! : Math.abs(all[mid - 1]!) <= Math.abs(all[mid]!) ? all[mid - 1]! : all[mid]!;
    const ahead = aheads.get(source)!;
    const st = steady.get(source);
    if (st === undefined || Math.abs(ahead - st.aheadMs) > thresholdMs) steady.set(source, { aheadMs: ahead, sinceMs: arrivalMs });
    const held = arrivalMs - steady.get(source)!.sinceMs >= settleMs;
    if (held && Math.abs(ahead) <= thresholdMs) seenInStep.add(source);
    const settled = (aheads.size > 1 || seenInStep.has(source)) && held;
    // Off from the reference and from this clock the same way; the nearer of the two.
    const offsetMs = ahead > 0 && ahead - reference > 0 ? Math.min(ahead, ahead - reference) : ahead < 0 && ahead - reference < 0 ? Math.max(ahead, ahead - reference) : 0;
    const off = Math.abs(offsetMs) > thresholdMs && (offsetMs > 0 || settled || (wasOff.get(source) ?? false));
    const becameOff = off && !(wasOff.get(source) ?? false);
    wasOff.set(source, off);
    return { offsetMs, off, becameOff };
  };
};
