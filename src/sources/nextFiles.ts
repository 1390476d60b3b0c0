/**
 * What a followed file source reads after the file it is reading (ndjson.ts): the files an
 * earlier run's position left to read (resumeFollowed.ts), and at a rotation the files rotated in
 * between and the file under the name — opened, in order, each with the first bytes it held when
 * it was queued. Those are what the file is told by once it is reached: truncated in place
 * meanwhile (copytruncate, during an outage while reading waited for room), its copy is found by
 * them — its first bytes seen only once reading reached it, the content it held before was the
 * copy's, never looked at, and lost.
 *
 * The last one queued is the file under the name, gone on to once written: while it is empty
 * (logrotate's `create`, before the writer reopens in `postrotate`) the writer still writes to
 * the old one, and going on at once lost those lines. Rotated away while still empty (logrotate
 * rotates empty files too), it was waited on for ever, and the file under the name never read.
 * And the file read is left only once a file after it has been written: rotated twice under a
 * writer that never reopens (logrotate's `create` with no `postrotate` that tells it), every file
 * after it stays empty while the writer goes on writing to it, and going on to them lost all it
 * wrote from then on.
 */
import { openSync, closeSync, fstatSync, statSync } from 'node:fs';
import { sameFile } from '../fileIdentity.js';
import { FINGERPRINT_BYTES, rotatedBetween } from './resumeFollowed.js';
import { firstBytes, startsWith } from './inPlaceTruncation.js';

export interface NextFiles {
  /** Whether the file being read (`fd`, read to its end) is done with: a next one is queued to go on to. */
  rotatedTo(fd: number): boolean;
  /** The next file, opened, and the first bytes it held when queued; call only after rotatedTo said true. */
  shift(): { readonly fd: number; readonly head: Buffer };
  /**
   * Looks at the first bytes of the last one queued (the file under the name) as it is written,
   * while reading waits: truncated in place before it is reached, its copy is told by them.
   */
  look(): void;
  /** Closes the files still queued. */
  close(): void;
}

export interface NextFilesOptions {
  /** The name followed, as given, and as an absolute path (`source`). */
  readonly path: string;
  readonly source: string;
  /** Files to read first (a resume's). */
  readonly initial: readonly number[];
  /** Another file is under the name but cannot be opened (`error`), or can now. */
  readonly onUnreadable?: ((e: { readonly path: string; readonly error?: string }) => void) | undefined;
}

interface Queued {
  readonly fd: number;
  head: Buffer;
}

/** A file queued now, with its first bytes. */
const queuedNow = (fd: number): Queued => ({ fd, head: firstBytes(fd) });

export const createNextFiles = (opts: NextFilesOptions): NextFiles => {
  const queued: Queued[] = opts.initial.map(queuedNow);
  /** The error a file under the name could not be opened with, once said. */
  let unreadableSaid: string | undefined;

  /** Queues the file under the name when it is not `after` (rotated), after the files rotated in between. */
  const nextUnder = (after: number, reading: number): boolean => {
    let next: number;
    try {
      const under = statSync(opts.path);
      if (sameFile(under, fstatSync(after))) return false;
      // Only a file is read: a directory opened and read threw EISDIR out of the poll (the run
      // ended), and opening a named pipe would stop everything until a writer opened it.
      if (!under.isFile()) throw Object.assign(new Error(`it is ${under.isDirectory() ? 'a directory' : under.isFIFO() ? 'a named pipe' : 'not a regular file'}`), { code: 'ENOTFILE' });
      next = openSync(opts.path, 'r');
    } catch (e) {
      // No file under the name yet (keep reading the old one), or one that cannot be opened: said.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      if (unreadableSaid !== code) opts.onUnreadable?.({ path: opts.path, error: (e as Error).message });
      unreadableSaid = code;
      return false;
    }
    if (unreadableSaid !== undefined) opts.onUnreadable?.({ path: opts.path });
    unreadableSaid = undefined;
    const between = rotatedBetween(opts.source, after, next, [reading, ...queued.map((q) => q.fd)]).map((f) => f.fd);
    if (between.length === 0 && fstatSync(next).size === 0 && after === reading) return closeSync(next), false;
    queued.push(...[...between, next].map(queuedNow));
    return true;
  };

  /** Gone on to: written, or written when it was queued (truncated in place since: its copy holds that). */
  const ready = (q: Queued): boolean => q.head.length > 0 || fstatSync(q.fd).size > 0;
  return {
    rotatedTo: (fd) => {
      const last = queued[queued.length - 1];
      if (last === undefined) nextUnder(fd, fd);
      else if (!ready(last)) nextUnder(last.fd, fd);
      // Gone on once a file after it was written: while every one is empty, the writer may still
      // write to this one (see above).
      return queued.some(ready);
    },
    shift: () => queued.shift()!,
    look: () => {
      const last = queued[queued.length - 1];
      if (last === undefined || last.head.length >= FINGERPRINT_BYTES) return;
      const now = firstBytes(last.fd);
      if (now.length > last.head.length && startsWith(now, last.head)) last.head = now;
    },
    close: () => {
      for (const q of queued.splice(0)) closeSync(q.fd);
    },
  };
};
