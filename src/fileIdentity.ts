/**
 * Which file a path names now: device and inode. A file deleted or moved away while it is open
 * goes on working through its descriptor, and whatever is written to it goes with it — the
 * dead-letter file, a followed log and the spool each check that their path still names the file
 * they have open, with these. And what kind of file a path names: one whose opening would block
 * (a named pipe), and an SQLite database (a spool) or not, by its first bytes — so that a spool
 * is not read as NDJSON nor replayed, and someone's file is not taken for a damaged spool.
 */
import { type Stats, closeSync, fstatSync, openSync, readSync, readlinkSync, statSync } from 'node:fs';

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * The file at `path`, undefined when there is none to be found there — also when the path cannot
 * be followed (a directory on it made unreadable, EACCES, or replaced by a file, ENOTDIR). Those
 * threw: from the spool's timer that checks its path, an uncaught exception that ended the run.
 */
export const fileIdentity = (path: string): FileIdentity | undefined => {
  const s = statIfThere(path);
  return s === undefined ? undefined : { dev: s.dev, ino: s.ino };
};

/** `stat` of `path`, undefined when nothing can be found there (missing, or a path that cannot be followed: fileIdentity). */
export const statIfThere = (path: string): Stats | undefined => {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/**
 * What a look at `path` sees: identity, size and modification time, to tell a changed file by
 * ('' when it cannot be seen — not there, or a directory on its path replaced by a file or made
 * unreadable: those threw out of a watch's timer, and the run ended).
 */
export const fileStamp = (path: string): string => {
  const s = statIfThere(path);
  return s === undefined ? '' : `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
};

/** Both are the same file (false when either is missing). */
export const sameFile = (a: FileIdentity | undefined, b: FileIdentity | undefined): boolean =>
  a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

/**
 * A named pipe is not read as a file source: opening one blocks until a writer opens it — with the
 * whole process stopped, a stop signal included (a `chronoq run` on a FIFO nobody wrote to hung for
 * good). Standard input reads one without blocking (`path: -`, and `< pipe`).
 */
export const isNamedPipe = (path: string): boolean => {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false; // not there: the open says so
  }
};

/**
 * Where the open file `fd` is now: `name` while it names that file, else its path from
 * /proc/self/fd (Linux: a file renamed away, or another file opened in its place), else `name`.
 */
export const pathOfOpenFile = (fd: number, name: string): string => {
  try {
    if (sameFile(statSync(name), fstatSync(fd))) return name;
  } catch {
    // nothing under the name
  }
  try {
    const path = readlinkSync(`/proc/self/fd/${fd}`);
    return path.endsWith(' (deleted)') ? name : path;
  } catch {
    return name;
  }
};

/** The first bytes of `path` (fewer for a shorter file); throws as open and read do. */
export const fileHead = (path: string, bytes: number): Buffer => {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(bytes);
    return b.subarray(0, readSync(fd, b, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
};

const SQLITE_HEADER = 'SQLite format 3\0';

/** A file's first bytes are an SQLite database's (a spool's). */
export const isSqliteHead = (head: Buffer): boolean => head.subarray(0, 16).toString('latin1') === SQLITE_HEADER;

/** `path` is an SQLite database (a spool), by its first bytes; false for anything unreadable. */
export const isSqliteFile = (path: string): boolean => {
  try {
    return isSqliteHead(fileHead(path, 16));
  } catch {
    return false;
  }
};

/** A regular, non-empty file at `path` that `is` says is not of its kind, in words (size, first printable characters). */
const otherFile = (path: string, is: (head: Buffer) => boolean, kind: string): string | undefined => {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size === 0) return undefined;
    const head = fileHead(path, 40);
    if (is(head)) return undefined;
    const begins = head.toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
    return `a file of ${st.size} bytes that is not ${kind}${begins ? ` (it begins "${begins}")` : ''}`;
  } catch {
    return undefined; // none yet, or unreadable (opening it says why)
  }
};

/** A regular, non-empty file at `path` that is not an SQLite database, in words; undefined for none, an empty file, or an SQLite one. */
export const nonSqliteFile = (path: string): string | undefined =>
  otherFile(path, isSqliteHead, 'an SQLite database');

/**
 * A regular, non-empty file at `path` whose first characters are not a JSON object's (`{`, after
 * a byte order mark and blank space), in words; undefined for none, an empty file, or NDJSON.
 */
export const nonNdjsonFile = (path: string): string | undefined =>
  otherFile(path, (head) => /^(\uFEFF)?\s*(\{|$)/.test(head.toString('utf8')), 'NDJSON (JSON objects, one a line)');
