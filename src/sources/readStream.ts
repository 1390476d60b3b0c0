/**
 * The NDJSON source's streams: standard input (path '-') and a gzip-compressed file read through
 * zlib (compressedFiles.ts). Lines are split on bytes as a file's are, under the same maxLineBytes
 * (src/sources/fileLines.ts), and read against the gate: out of room, the stream is paused — a
 * writer into stdin blocks on the pipe — until there is. (Stdin was read through readline, whose
 * lines had no bound: a JSON array piped in on one line was held whole.)
 */
import type { Readable } from 'node:stream';
import type { SchedulerLike, Subscriber, Subscription } from 'rxjs';
import type { Sample } from '../sample.js';
import { type RoomGate, pumpWithRoom } from '../roomGate.js';
import { type LongLine, streamLines, takeLines } from './fileLines.js';

export interface StreamOptions {
  /** A line → its sample, or an OTLP/JSON request's samples; undefined for a blank line and one that is not a sample (reported by it). */
  readonly handle: (line: string | LongLine) => Sample | readonly Sample[] | undefined;
  readonly maxLineBytes: number;
  readonly hasRoom?: RoomGate;
  readonly scheduler: SchedulerLike;
}

/**
 * Reads `input` into `subscriber` until its end; the teardown stops reading — and with `destroy`
 * (a file's stream, not stdin, which is the process's) closes it.
 */
export const readStream = (subscriber: Subscriber<Sample>, input: Readable, opts: StreamOptions & { readonly destroy?: boolean }): (() => void) => {
  const { handle, hasRoom, scheduler } = opts;
  const lines = streamLines(opts.maxLineBytes);
  let waiting: Subscription | undefined;
  let ended = false;
  const emit = (line: string | LongLine): void => {
    const got = handle(line);
    if (Array.isArray(got)) for (const s of got as readonly Sample[]) subscriber.next(s);
    else if (got !== undefined) subscriber.next(got as Sample);
  };
  /** Takes the lines held while there is room: false when it stopped for room. */
  const takeHeld = (): boolean => takeLines(lines, emit, () => subscriber.closed, hasRoom) !== 'wait';
  const finish = (): void => {
    if (lines.heldBytes > 0) emit(lines.takePartial()); // the last line, without a newline
    subscriber.complete();
  };
  const onData = (chunk: Buffer): void => {
    lines.push(chunk);
    if (takeHeld()) return;
    // Out of room: stop reading (a writer into stdin blocks on the pipe) until there is.
    input.pause();
    waiting ??= pumpWithRoom(scheduler, () => {
      if (!takeHeld()) return 'wait';
      waiting = undefined;
      if (ended) finish();
      else input.resume();
      return 'done';
    }, 'wait');
  };
  const onEnd = (): void => {
    ended = true;
    if (waiting === undefined) finish();
  };
  const onError = (e: unknown): void => subscriber.error(e);
  input.on('data', onData).on('end', onEnd).on('error', onError);
  return () => {
    waiting?.unsubscribe();
    input.off('data', onData).off('end', onEnd).off('error', onError);
    input.pause();
    if (opts.destroy === true) input.destroy();
  };
};
