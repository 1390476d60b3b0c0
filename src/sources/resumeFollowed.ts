/**
 * Where a followed file is read from at start, given the position an earlier run saved for it
 * (positionFile.ts):
 * - the same file (device, inode and first bytes) and at least that long: from the saved position;
 * - otherwise it was rotated while chronoq was stopped, and what the old file held is looked for in
 *   the same directory: renamed (`app.ndjson` → `app.ndjson.1`, same inode and first bytes) or
 *   copied before a truncation in place (copytruncate: the same first bytes). Found, the rest of
 *   it is read first, from the saved position, and the follow's rotation handling then goes on
 *   to the file under the name;
 * - not found (compressed, deleted): the file under the name is read from its start — 'truncated'
 *   when it has the old inode, else 'replaced' — and whatever the old one held past the saved
 *   position is lost: said, with that position.
 * Either way, files rotated since (named as a rotation names them — app.ndjson.1, app.ndjson-20261202,
 * not compressed — and last written after the old file found, or when it is gone after the earlier
 * run stopped following) are read whole, oldest first, before the file under the name: a second
 * rotation while chronoq was stopped lost the files between, and so did one before it stopped
 * while it was behind. The same look-ups serve a running follow (ndjson.ts): the copy of a file
 * truncated in place (findRotated, via inPlaceTruncation.ts), and the files rotated between the
 * one read and the one now under the name (rotatedBetween).
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, type Stats, closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { sameFile } from '../fileIdentity.js';
import { basename, dirname, join } from 'node:path';
import type { FileId, FilePosition } from './readPositions.js';
import type { SavedFilePosition } from './positionFile.js';

/** A file's first bytes that tell it apart (fewer while it is shorter: see fileIdOf). */
export const FINGERPRINT_BYTES = 1024;

/** The first `bytes` bytes of the open file (fewer when it holds fewer). */
export const readHead = (fd: number, bytes: number): Buffer => {
  const head = Buffer.alloc(bytes);
  let n = 0;
  while (n < bytes) {
    const got = readSync(fd, head, n, bytes - n, n);
    if (got <= 0) break;
    n += got;
  }
  return head.subarray(0, n);
};

/** A file's first bytes as a FileId's fingerprint: SHA-256, hex. */
export const fingerprintOfHead = (head: Buffer): string => createHash('sha256').update(head).digest('hex');

/** The fingerprint of the first `bytes` bytes of the open file; undefined when it holds fewer. */
const fingerprintOf = (fd: number, bytes: number): string | undefined => {
  const head = readHead(fd, bytes);
  return head.length < bytes ? undefined : fingerprintOfHead(head);
};

/** Which file `fd` is, as a FilePosition says it. */
export const fileIdOf = (fd: number): FileId => {
  const st = fstatSync(fd, { bigint: true });
  const fingerprintBytes = Number(st.size < FINGERPRINT_BYTES ? st.size : FINGERPRINT_BYTES);
  return { dev: st.dev.toString(), ino: st.ino.toString(), fingerprint: fingerprintOf(fd, fingerprintBytes) ?? '', fingerprintBytes };
};

export type ResumeKind =
  /** From the saved position of the same file. */
  | 'resumed'
  /** The file is shorter than the saved position: read from its start. */
  | 'truncated'
  /** Another file is under the name; the old one was found (`from`): the rest of it first. */
  | 'rotated'
  /** Another file is under the name and the old one is gone: the new one from its start. */
  | 'replaced';

export interface ResumeEvent {
  readonly source: string;
  readonly kind: ResumeKind;
  readonly saved: SavedFilePosition;
  /** Where the rest of the old file was found ('rotated'). */
  readonly from?: string;
  /** Files rotated after it while chronoq was stopped, read whole, oldest first, before the file under the name. */
  readonly then: readonly string[];
}

export interface ResumeStart {
  /** The file to read first: the one under the name, the old one found, or the first rotated since. */
  readonly fd: number;
  readonly offset: number;
  /** Lines before `offset`. */
  readonly line: number;
  /**
   * The files to read after it, from their start, opened now — the rotated since, then the one
   * under the name — so that a rotation while the earlier ones are read cannot take one away.
   */
  readonly next: readonly number[];
  readonly event: ResumeEvent;
}

/** A name a rotation gives the file `base`: base.1, base-20261202, base.2026-12-02 (not compressed: base.2.gz is not). */
const isRotationOf = (base: string, name: string): boolean => name.startsWith(base) && /^[.-][0-9][0-9._:T-]*$/.test(name.slice(base.length));

/**
 * Files rotated from `source` (named as a rotation names them, in its directory) and last
 * written after `sinceMs` — when chronoq stopped following, or when the file it read last was
 * last written: so holding lines it has not read — oldest first, opened, but those `skip` tells
 * (by their identity).
 */
const rotatedSince = (source: string, sinceMs: number | undefined, skip: (st: Stats) => boolean = () => false): { path: string; fd: number }[] => {
  if (sinceMs === undefined) return [];
  const dir = dirname(source);
  const base = basename(source);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: { path: string; fd: number; mtimeMs: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!isRotationOf(base, name)) continue;
    try {
      // Looked at before it is opened: a running follow asks at every poll while the file under the name is empty.
      const st = statSync(path);
      if (st.isFile() && st.mtimeMs > sinceMs && !skip(st)) found.push({ path, fd: openSync(path, 'r'), mtimeMs: st.mtimeMs });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs);
};

const sameInode = (st: BigIntStats, f: FileId): boolean => st.dev.toString() === f.dev && st.ino.toString() === f.ino;

/** Fewer first bytes than this could be another file's by chance: such a file is only recognised by its inode. */
const MIN_CONTENT_MATCH = 64;

/**
 * The file in `dir` (other than `source`) with `p`'s first bytes, at least `p.offset` long, opened:
 * renamed (same inode), or copied before a truncation (copytruncate); the one with the inode first.
 */
export const findRotated = (dir: string, source: string, p: FilePosition): { fd: number; path: string } | undefined => {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const candidates: { path: string; renamed: boolean }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path, { bigint: true });
      const renamed = sameInode(st, p.file);
      if (path === source || !st.isFile() || st.size < BigInt(p.offset) || (!renamed && p.file.fingerprintBytes < MIN_CONTENT_MATCH)) continue;
      candidates.push({ path, renamed });
    } catch {
      // gone meanwhile: not it
    }
  }
  for (const { path } of candidates.sort((a, b) => Number(b.renamed) - Number(a.renamed))) {
    try {
      const fd = openSync(path, 'r');
      if (fingerprintOf(fd, p.file.fingerprintBytes) === p.file.fingerprint) return { fd, path };
      closeSync(fd);
    } catch {
      // gone meanwhile, or not ours to read: not it
    }
  }
  return undefined;
};

/**
 * Going on from the file `from` (read to its end) to `to` (now under the name): the files rotated
 * in between — last written after `from`, but neither — opened, oldest first. Rotated twice or more
 * while reading waited (for room, through an outage), the files between were skipped. `alsoSkip`:
 * files read or queued already.
 */
export const rotatedBetween = (source: string, from: number, to: number, alsoSkip: readonly number[] = []): { path: string; fd: number }[] => {
  const known = [from, to, ...alsoSkip].map((fd) => fstatSync(fd));
  return rotatedSince(source, known[0]!.mtimeMs, (st) => known.some((k) => sameFile(st, k)));
};

/** `fd` is the file now under `source` (an absolute path); `saved`, what an earlier run read of it. */
export const resumeFollowed = (source: string, fd: number, saved: SavedFilePosition): ResumeStart => {
  const st = fstatSync(fd, { bigint: true });
  if (sameInode(st, saved.file) && st.size >= BigInt(saved.offset) && fingerprintOf(fd, saved.file.fingerprintBytes) === saved.file.fingerprint) {
    return { fd, offset: saved.offset, line: saved.line, next: [], event: { source, kind: 'resumed', saved, then: [] } };
  }
  const rotated = findRotated(dirname(source), source, saved);
  // Found, the files rotated after it (an earlier run that was behind, reading a rotated file while
  // it waited for room, had not read those rotated before it stopped); else those written since it stopped.
  const since = rotated !== undefined
    ? rotatedBetween(source, rotated.fd, fd)
    : rotatedSince(source, saved.followedUntilMs);
  const then = since.map((f) => f.path);
  const next = [...since.map((f) => f.fd), fd];
  if (rotated !== undefined) return { fd: rotated.fd, offset: saved.offset, line: saved.line, next, event: { source, kind: 'rotated', saved, from: rotated.path, then } };
  const kind = sameInode(st, saved.file) ? 'truncated' : 'replaced';
  return { fd: next[0]!, offset: 0, line: 0, next: next.slice(1), event: { source, kind, saved, then } };
};
