/**
 * The NDJSON source's options and what it reports (src/sources/ndjson.ts): kept apart from the
 * reading itself, which they would push past 300 lines.
 */
import { type Compression, compressedRestCommand } from './compressedFiles.js';
import type { SchedulerLike } from 'rxjs';
import type { Either } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import type { RoomGate } from '../roomGate.js';
import type { PositionFile } from './positionFile.js';
import type { ResumeEvent } from './resumeFollowed.js';
import type { InPlaceTruncation } from './inPlaceTruncation.js';
import type { SummaryPolicy } from '../otlpSummaries.js';
import type { StaleMarkerPolicy } from '../otlpJson.js';

/** How often a followed file is looked at, by default. */
export const DEFAULT_POLL_MS = 250;

export interface InvalidLine {
  readonly source: string;
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

/** Where reading stopped when the source was unsubscribed with part of its file unread. */
export interface UnreadRest {
  readonly source: string;
  /** Lines read (the last one may have been partial and is not counted). */
  readonly linesRead: number;
  /** Bytes of the file not read (of a compressed file, compressed bytes). */
  readonly unreadBytes: number;
  /** The file is compressed (compressedFiles.ts): its rest is printed through its decompressor. */
  readonly compression?: Compression;
}

/**
 * What was left of a stopped source's file, in words: "the 1200 bytes after it were not read", or
 * of a compressed file "the rest of it was not read" — how much is not known without reading it:
 * its compressed bytes not read yet said "0 gzip-compressed bytes left" of a file read ahead into
 * buffers whole, with thousands of lines not read.
 */
export const restInWords = (e: UnreadRest, verb = 'read'): string =>
  e.compression === undefined ? `the ${e.unreadBytes} bytes after it were not ${verb}` : `the rest of it was not ${verb}`;

/** The command that prints the lines a stopped source did not read. */
export const restCommand = (e: UnreadRest): string =>
  e.compression === undefined ? `tail -n +${e.linesRead + 1} ${e.source}` : compressedRestCommand(e.source, e.compression, e.linesRead + 1);

export interface NdjsonSourceOptions {
  readonly path: string;
  readonly follow?: boolean;
  readonly pollMs?: number;
  readonly onInvalid?: (e: InvalidLine) => void;
  /**
   * Back-pressure (src/roomGate.ts): asked before each line; while it says no, reading waits (the
   * file, or the pipe into stdin, holds the rest). Without it the file is read as fast as it can be.
   */
  readonly hasRoom?: RoomGate;
  /** Unsubscribed (a shutdown) before the end of its file: where it stopped (files, not stdin). */
  readonly onUnread?: (e: UnreadRest) => void;
  /**
   * A line → its sample, or why it is not one. Default parseSampleLine, and OTLP/JSON requests read
   * as theirs (otlpJson.ts); given (`chronoq replay` reads dead letters), only this reads the lines.
   */
  readonly parseLine?: (text: string) => Either<string, Sample>;
  readonly scheduler?: SchedulerLike;
  /**
   * With `follow`: where the file's read position is kept across runs. Reading starts where an
   * earlier run's samples had settled (resumeFollowed.ts: the rest of a file rotated meanwhile
   * first), and the position moves on as the pipeline settles this run's (`settleRead`).
   */
  readonly positions?: { readonly file: PositionFile; readonly onResume?: (e: ResumeEvent) => void };
  /** With `follow`: the file is not there (yet); reading starts when it appears. */
  readonly onMissing?: (path: string) => void;
  /**
   * With `follow`: another file is under the name (rotated) but cannot be opened — logrotate's
   * `create` with an owner or mode this process may not read (`error`: EACCES …), or not a file at
   * all (`it is a directory`, `a named pipe`: not opened). The old file is
   * read on meanwhile; the new one's lines wait unread, which before went on without a word. Said
   * once per error, and again without `error` once the new file can be opened.
   */
  readonly onNextFileUnreadable?: (e: { readonly path: string; readonly error?: string }) => void;
  /** The file was truncated in place while it was read (copytruncate); where reading stood, and (with `follow`) the copy the rest was read from. */
  readonly onTruncatedInPlace?: (e: InPlaceTruncation) => void;
  /**
   * A longer line is not read (1 MiB by default): `onInvalid` gets its first 1 000 bytes, and
   * reading goes on after its newline.
   */
  readonly maxLineBytes?: number;
  /** What becomes of the summaries in OTLP/JSON lines: refused (default) or sent as gauges (otlpSummaries.ts). */
  readonly summaries?: SummaryPolicy;
  /** What becomes of the staleness markers in OTLP/JSON lines: refused (default) or skipped. */
  readonly staleMarkers?: StaleMarkerPolicy;
}
