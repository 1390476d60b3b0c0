/**
 * Which file a path names now: device and inode. A file deleted or moved away while it is open
 * goes on working through its descriptor, and whatever is written to it goes with it — the
 * dead-letter file, a followed log and the spool each check that their path still names the file
 * they have open, with these.
 */
import { statSync } from 'node:fs';

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The file at `path`, undefined when there is none. */
export const fileIdentity = (path: string): FileIdentity | undefined => {
  const s = statSync(path, { throwIfNoEntry: false });
  return s === undefined ? undefined : { dev: s.dev, ino: s.ino };
};

/** Both are the same file (false when either is missing). */
export const sameFile = (a: FileIdentity | undefined, b: FileIdentity | undefined): boolean =>
  a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
