/**
 * NDJSON files read once (not followed) are read one after another, oldest first — by the time of
 * the first sample each holds — instead of all at once. Read at once, the files of one series'
 * history (a rotated log and the files rotated before it, archives of successive days: what a
 * pattern such as `app.ndjson*` expands to, one source each) interleaved, the newer file's samples
 * were released first, and every sample of the older file after them was `late` (measured: two
 * files of one series, 5 000 samples each, the newer listed first: 5 000 dead letters).
 *
 * ```
 * a.1 (t 0–4 999):   ─────────────────────|
 * a   (t 5 000–):                          ──────────────|
 * sent:              0 1 2 … 4 999 5 000 … 9 999
 * ```
 *
 * A file whose first sample cannot be found in its first 4 MiB (none yet, not NDJSON, zstd) goes
 * after those whose can, in the order listed. Followed files start after the last (`after`): an
 * archive beside the live file it was rotated from interleaved the same way. A file not reached
 * when the run stops is said to be unread, whole (`onNotReached`).
 */
import { gunzipSync, constants } from 'node:zlib';
import { type Observable, ReplaySubject, defer, finalize, mergeMap, of, take, tap } from 'rxjs';
import type { Sample } from '../sample.js';
import { createLineHandler } from './ndjsonLines.js';
import { compressionOf } from './compressedFiles.js';
import { fileHead } from '../fileIdentity.js';

/** How much of a file is looked at for its first sample: a Collector's request a line may take megabytes. */
const PEEK_BYTES = 4 * 1024 * 1024;

/**
 * The time of the first sample (of a request, its earliest point) among the whole lines of `text`,
 * each read as the source reads it (ndjsonLines.ts); lines that are not samples are passed over.
 */
const firstTimeIn = (text: string): bigint | undefined => {
  const lineSamples = createLineHandler({ path: '', maxLineBytes: Infinity, summaries: 'gauges' }); // times only: a summary's count too
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  for (const [i, line] of lines.entries()) {
    const got = lineSamples(line, i + 1);
    const times = got === undefined ? [] : Array.isArray(got) ? (got as readonly Sample[]).map((s) => s.timeUnixNano) : [(got as Sample).timeUnixNano];
    if (times.length > 0) return times.reduce((a, b) => (b < a ? b : a));
  }
  return undefined;
};

/** The time of the first sample in the file's first 4 MiB (a gzip file's, decompressed), or undefined. */
export const firstSampleTime = (path: string): bigint | undefined => {
  try {
    const compression = compressionOf(path);
    if (compression === 'zstd') return undefined;
    // Of a gzip file, an eighth as many compressed bytes: text compresses about tenfold.
    const peekBytes = compression === 'gzip' ? PEEK_BYTES / 8 : PEEK_BYTES;
    const bytes = fileHead(path, peekBytes);
    // Z_SYNC_FLUSH: what the first compressed bytes give, without the rest of the stream.
    const text = (compression === 'gzip' ? gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }) : bytes).toString('utf8');
    // Read whole, its last line is whole too, with or without a line end: a file of one sample
    // written without one (`echo -n`) had no time, and was read after newer files.
    return firstTimeIn(bytes.length < peekBytes ? `${text}\n` : text);
  } catch {
    return undefined; // unreadable, or damaged: opening it says why
  }
};

/** The order to read `files` in: by their first sample's time, those without one after, each group in the given order. */
export const oldestFirst = <F extends { readonly path: string }>(files: readonly F[]): F[] => {
  const timed = files.map((f, i) => ({ f, i, t: firstSampleTime(f.path) }));
  return timed.sort((a, b) => (a.t === undefined ? (b.t === undefined ? a.i - b.i : 1) : b.t === undefined ? -1 : a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i)).map((x) => x.f);
};

/** `source`, subscribed only once `turn$` emits; `onNotReached` when unsubscribed before. */
const afterTurn = <T>(turn$: Observable<unknown>, source: Observable<T>, onNotReached: () => void): Observable<T> =>
  defer(() => {
    let reached = false;
    return turn$.pipe(
      take(1),
      tap(() => (reached = true)),
      mergeMap(() => source),
      finalize(() => (reached ? undefined : onNotReached())),
    );
  });

/**
 * Each source subscribed only once the one before it has completed or failed (its error goes on
 * to whoever reads it); `onNotReached(k)` when source k is unsubscribed before its turn came.
 * `after` gates another source on the last one's end: a followed file, which never ends, starts
 * once the files read once are read (its lines wait in the file meanwhile).
 */
export const inTurn = <T>(sources: readonly Observable<T>[], onNotReached: (k: number) => void): { gated: Observable<T>[]; after: <U>(source: Observable<U>, onNotReached: () => void) => Observable<U> } => {
  const done = sources.map(() => new ReplaySubject<true>(1));
  const ended = (k: number) => tap<T>({ complete: () => done[k]!.next(true), error: () => done[k]!.next(true) });
  const gated = sources.map((source, k) => afterTurn(k === 0 ? of(true) : done[k - 1]!, source.pipe(ended(k)), () => onNotReached(k)));
  const last$ = sources.length === 0 ? of(true) : done[sources.length - 1]!;
  return { gated, after: (source, notReached) => afterTurn(last$, source, notReached) };
};
