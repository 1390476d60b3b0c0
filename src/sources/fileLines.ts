/**
 * The lines of an open file, split at its newline bytes, each with the byte offset just after
 * it: where reading would go on from once the line is handled — the read position a followed
 * file is resumed at (src/sources/readPositions.ts).
 *
 * Lines are split on bytes and decoded one by one: a newline byte never occurs inside a UTF-8
 * character, so a character never straddles two lines, and offsets are the file's, exact even
 * where the text holds bytes that are not UTF-8 (decoded as U+FFFD, whose re-encoded length is
 * not theirs: counting the decoded text's bytes would have drifted).
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

export interface FileLines {
  /** The next complete line (without its newline and a carriage return before it), or undefined when the bytes read so far hold none. */
  next(): string | undefined;
  /** Reads one more chunk of the file: false at its end (for now: a followed file may grow). */
  readChunk(): boolean;
  /** The offset just after the last line `next` returned (where the file was opened at, before any). */
  readonly lineEnd: number;
  /** Bytes of the file read so far past the last line returned: a partial line and complete lines not taken yet. */
  readonly heldBytes: number;
  /** The rest after the last newline, decoded (the end of a file that does not end with a newline); clears it. */
  takePartial(): string;
}

/** Reads `fd` from `startOffset` (a line's start). */
export const fileLines = (fd: number, startOffset = 0): FileLines => {
  // The bytes read and not yet returned as lines: held[from, to).
  let held = Buffer.alloc(CHUNK_BYTES);
  let from = 0;
  let to = 0;
  let lineEnd = startOffset;
  let readOffset = startOffset;
  return {
    next() {
      const nl = held.indexOf(NEWLINE, from);
      if (nl === -1 || nl >= to) return undefined;
      const textEnd = nl > from && held[nl - 1] === CR ? nl - 1 : nl;
      const text = held.toString('utf8', from, textEnd);
      lineEnd += nl + 1 - from;
      from = nl + 1;
      return text;
    },
    readChunk() {
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
      const n = readSync(fd, held, to, held.length - to, readOffset);
      if (n <= 0) return false;
      to += n;
      readOffset += n;
      return true;
    },
    get lineEnd() {
      return lineEnd;
    },
    get heldBytes() {
      return to - from;
    },
    takePartial() {
      const text = held.toString('utf8', from, to);
      lineEnd += to - from;
      from = to;
      return text;
    },
  };
};
