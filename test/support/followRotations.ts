/** A followed NDJSON source under virtual time, and the lines written to it (followRotated*.test.ts). */
import { VirtualTimeScheduler } from 'rxjs';
import { ndjsonSamples, type InPlaceTruncation, type InvalidLine, type UnreadRest } from '../../src/sources/ndjson.js';

/** A sample line of about 110 bytes (the copy is found by the first 64 bytes or more). */
export const line = (v: number): string => `{"name":"app.requests","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000 + v * 1_000_000_000}","attributes":{"k":"v"}}\n`;
export const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => line(from + i)).join('');

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Follows `path` under virtual time — given `room`, with room for `room()` samples in all (reading
 * waits beyond: back-pressure); `step()` lets one more virtual second of polls run.
 */
export const follow = (path: string, room?: () => number, onNextFileUnreadable?: (e: { path: string; error?: string }) => void) => {
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: number[] = [];
  const invalid: InvalidLine[] = [];
  const truncations: InPlaceTruncation[] = [];
  const unread: UnreadRest[] = [];
  const sub = ndjsonSamples({
    path, follow: true, pollMs: 100, scheduler, ...(room !== undefined ? { hasRoom: () => got.length < room() } : {}), ...(onNextFileUnreadable ? { onNextFileUnreadable } : {}),
    onInvalid: (e) => invalid.push(e), onTruncatedInPlace: (e) => truncations.push(e), onUnread: (e) => unread.push(e),
  }).subscribe((s) => got.push(s.value as number));
  const step = (): void => {
    scheduler.flush();
    scheduler.maxFrames += 1_000;
  };
  step();
  return { got, invalid, truncations, unread, step, stop: () => sub.unsubscribe() };
};
