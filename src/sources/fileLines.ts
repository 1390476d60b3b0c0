/**
 * The lines of an open file (or of a stream's chunks: standard input), split at its newline
 * bytes, each with the byte offset just after it: where reading would go on from once the line
 * is handled — the read position a followed file is resumed at (src/sources/readPositions.ts).
 *
 * Lines are split on bytes and decoded one by one: a newline byte never occurs inside a UTF-8
 * character, so a character never straddles two lines, and offsets are the file's, exact even
 * where the text holds bytes that are not UTF-8 (decoded as U+FFFD, whose re-encoded length is
 * not theirs: counting the decoded text's bytes would have drifted).
 *
 * A line longer than `maxLineBytes` is not held whole: its first bytes are kept, the rest is
 * skipped up to its newline, and it comes out as a `LongLine`. Without the bound, a file that is
 * not NDJSON — a JSON array on one line, a binary file — was read into memory whole: 580 MB took
 * 1.4 GB and ended the source with V8's "Cannot create a string longer than 0x1fffffe8 characters".
 *
 * ```
 * file:    {"a":1}\n{"b":2}\r\n{"c":
 * lines:   '{"a":1}' end 8, '{"b":2}' end 17 ('\r' dropped); '{"c":' waits for its newline
 * ```
 */
import { readSync } from 'node:fs';

const CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;
const CR = 0x0d;
/** Bytes of a long line kept to show what it was. */
const LONG_LINE_SHOWN_BYTES = 1_000;
/** Default bound on a line: a sample is a few hundred bytes, a histogram with many buckets a few KiB. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** A line longer than maxLineBytes: its length and its first bytes, decoded. */
export interface LongLine {
  readonly bytes: number;
  readonly start: string;
}

export interface Lines {
  /**
   * The next complete line (without its newline and a carriage return before it), a LongLine, or
   * undefined when the bytes read so far hold none.
   */
  next(): string | LongLine | undefined;
  /** Reads into the buffer: `read(buffer, offset, length)` writes up to length bytes there and returns how many (0 at an end). */
  fill(read: (buffer: Buffer, offset: number, length: number) => number): number;
  /** The offset just after the last line `next` returned (where reading started, before any). */
  readonly lineEnd: number;
  /** Bytes read so far past the last line returned: a partial line and complete lines not taken yet. */
  readonly heldBytes: number;
  /** The rest after the last newline, decoded (the end of a file that does not end with a newline); clears it. */
  takePartial(): string | LongLine;
  /** Bytes of buffer held (memory), for tests and inspection. */
  readonly capacity: number;
}

export interface FileLines extends Lines {
  /** Reads one more chunk of the file: false at its end (for now: a followed file may grow). */
  readChunk(): boolean;
}

/** Reads `fd` from `startOffset` (a line's start). */
export const fileLines = (fd: number, startOffset = 0, maxLineBytes = DEFAULT_MAX_LINE_BYTES): FileLines => {
  const lines = byteLines(startOffset, maxLineBytes);
  let readOffset = startOffset;
  const readChunk = (): boolean => {
    const n = lines.fill((buffer, offset, length) => readSync(fd, buffer, offset, length, readOffset));
    readOffset += n;
    return n > 0;
  };
  return Object.assign(lines, { readChunk });
};

/**
 * Lines from the chunks a stream hands over (standard input): `push` a chunk, then take its lines
 * with `next` — bounded as a file's are, so take them before pushing much more.
 */
export const streamLines = (maxLineBytes = DEFAULT_MAX_LINE_BYTES): Lines & { push(chunk: Buffer): void } => {
  const lines = byteLines(0, maxLineBytes);
  const push = (chunk: Buffer): void => {
    for (let at = 0; at < chunk.length; ) at += lines.fill((buffer, offset, length) => chunk.copy(buffer, offset, at, at + Math.min(length, chunk.length - at)));
  };
  return Object.assign(lines, { push });
};

/** Where takeLines stopped: no complete line held, no room (`hasRoom` said no), or `closed`. */
export type Taken = 'empty' | 'wait' | 'closed';

/**
 * Hands the lines held to `take`, one by one, until none is left, `closed()` says so, or
 * `hasRoom` (asked before each line while bytes are held; back-pressure, src/roomGate.ts) says no.
 */
export const takeLines = (lines: Lines, take: (line: string | LongLine) => void, closed: () => boolean, hasRoom?: () => boolean): Taken => {
  for (;;) {
    if (closed()) return 'closed';
    if (hasRoom !== undefined && lines.heldBytes > 0 && !hasRoom()) return 'wait';
    const line = lines.next();
    if (line === undefined) return 'empty';
    take(line);
  }
};

/** The lines of the bytes filled in, counting offsets from `startOffset`. */
const byteLines = (startOffset: number, maxLineBytes: number): Lines => {
  // The bytes read and not yet returned as lines: held[from, to).
  let held = Buffer.alloc(CHUNK_BYTES);
  let from = 0;
  let to = 0;
  let lineEnd = startOffset;
  /** Of a line found too long: its first bytes, and how many of its bytes were let go so far. */
  let longStart: string | undefined;
  let skipped = 0;
  /** Ends the long line at held[end] (its newline, or the end of what is held): returns it. */
  const longLine = (end: number, newline: boolean): LongLine => {
    const line = { bytes: skipped + end - from, start: longStart ?? held.toString('utf8', from, Math.min(end, from + LONG_LINE_SHOWN_BYTES)) };
    lineEnd += line.bytes + (newline ? 1 : 0);
    from = newline ? end + 1 : end;
    longStart = undefined;
    skipped = 0;
    return line;
  };
  return {
    next() {
      const nl = held.indexOf(NEWLINE, from);
      if (nl === -1 || nl >= to) {
        if (longStart === undefined && to - from <= maxLineBytes) return undefined;
        // Too long already: keep its start, let the rest go as it is read.
        longStart ??= held.toString('utf8', from, from + LONG_LINE_SHOWN_BYTES);
        skipped += to - from;
        from = to;
        return undefined;
      }
      if (longStart !== undefined || nl - from > maxLineBytes) return longLine(nl, true);
      const textEnd = nl > from && held[nl - 1] === CR ? nl - 1 : nl;
      const text = held.toString('utf8', from, textEnd);
      lineEnd += nl + 1 - from;
      from = nl + 1;
      return text;
    },
    fill(read) {
      // Keep what is held at the start of the buffer; grow it for a line longer than it.
      if (from > 0) {
        held.copy(held, 0, from, to);
        to -= from;
        from = 0;
      }
      if (held.length - to < CHUNK_BYTES / 2) {
        const grown = Buffer.alloc(held.length * 2);
        held.copy(grown, 0, 0, to);
        held = grown;
      }
      const n = Math.max(0, read(held, to, held.length - to));
      to += n;
      return n;
    },
    get lineEnd() {
      return lineEnd;
    },
    get capacity() {
      return held.length;
    },
    get heldBytes() {
      return skipped + to - from;
    },
    takePartial() {
      if (longStart !== undefined || to - from > maxLineBytes) return longLine(to, false);
      const text = held.toString('utf8', from, to);
      lineEnd += to - from;
      from = to;
      return text;
    },
  };
};

/**
 * A line without the byte order mark before it (the first line of a file from a Windows tool, or of
 * each of such files joined by cat): it is no part of the line — a sample with one became a dead
 * letter 'invalid' ("Unexpected token '﻿'", an invisible character). No JSON text starts with one.
 */
export const withoutByteOrderMark = (line: string): string => (line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
