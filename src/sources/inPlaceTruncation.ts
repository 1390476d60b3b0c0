/**
 * A followed file truncated in place while it is read (logrotate's copytruncate: copied to
 * app.ndjson.1, then truncated; the writer goes on at the start). Told by its first bytes, compared
 * before reading on — a file shorter than the read position says it too late, or never: written past
 * that position again before the next poll, it was read on from there, in the middle of the new
 * content. Then the rest of the old content is looked for in the copy, found by those first bytes
 * as a restart finds it (resumeFollowed.ts): the lines written after the last poll and before the
 * copy are only there.
 */
import { fstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { FINGERPRINT_BYTES, findRotated, fingerprintOfHead, readHead } from './resumeFollowed.js';

/** Where a followed file stood when it was found truncated in place, and where the rest of its old content was read from. */
export interface InPlaceTruncation {
  readonly source: string;
  /** Lines read of the old content, and the byte after the last of them. */
  readonly line: number;
  readonly offset: number;
  /** The copy the rest was read from; absent when none was found (compressed at once, or never made). */
  readonly copy?: string;
}

const allZero = (b: Buffer): boolean => b.every((byte) => byte === 0);

/** A file's first bytes, up to FINGERPRINT_BYTES: what a copy of it is told by. */
export const firstBytes = (fd: number): Buffer => readHead(fd, Math.min(FINGERPRINT_BYTES, fstatSync(fd).size));
/** `head` begins with `seen`: the same content, grown or not. */
export const startsWith = (head: Buffer, seen: Buffer): boolean => head.length >= seen.length && head.subarray(0, seen.length).equals(seen);

/**
 * The first bytes (up to FINGERPRINT_BYTES) of the file being read, as far as it has been seen.
 * `same(fd)` reads them again: false when they are no longer the ones seen (the content replaced:
 * truncated, and maybe written again), true otherwise — the bytes seen grow with a short file. A
 * head of zeros is no new content: a writer without O_APPEND goes on at its offset after a
 * truncation, past a hole, and reading on where it stood gets its lines (as before).
 */
export const createHeadWatch = () => {
  let seen: Buffer = Buffer.alloc(0);
  return {
    same(fd: number): boolean {
      const head = firstBytes(fd);
      if (startsWith(head, seen)) {
        seen = head;
        return true;
      }
      return head.length >= seen.length && allZero(head.subarray(0, seen.length));
    },
    /** Another file, of which `seed` was seen already (its first bytes when it was queued: nextFiles.ts). */
    reset(seed: Buffer = Buffer.alloc(0)): void {
      seen = seed;
    },
    /** The copy of the old content, opened, if one is in the file's directory: at least `offset` long, with the first bytes seen. */
    findCopy(source: string, fd: number, offset: number): { fd: number; path: string } | undefined {
      const st = fstatSync(fd, { bigint: true });
      const file = { dev: st.dev.toString(), ino: st.ino.toString(), fingerprint: fingerprintOfHead(seen), fingerprintBytes: seen.length };
      return findRotated(dirname(source), source, { file, offset, line: 0 });
    },
  };
};
