/**
 * Writes all of `data` at the descriptor's position, or throws. `writeSync` writes what fits and
 * returns how much that was: on a disk that fills up (or past the process's file-size limit) it
 * writes part of the buffer, returns the short count without an error, and only the next write
 * fails. A caller that wrote once and moved on kept a torn last line and counted the rest as
 * written — for the dead-letter file, letters lost with no word anywhere.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export const writeFully = (fd: number, data: Uint8Array): void => {
  for (let done = 0; done < data.length; ) {
    const written = writeSync(fd, data, done, data.length - done);
    // Not seen (a full disk throws ENOSPC at the next write), but a loop must not spin on it.
    if (written === 0) throw Object.assign(new Error(`write made no progress after ${done} of ${data.length} bytes`), { code: 'EIO' });
    done += written;
  }
};

/**
 * Appends all of `data` to a file of `sizeBefore` bytes, or none of it: when the write fails part
 * way (disk full), the file is cut back to `sizeBefore`, so no torn line is left for a reader to
 * trip on (and for the next write to glue its first line onto), and the error is thrown.
 */
export const appendWhole = (fd: number, data: Uint8Array, sizeBefore: number): void => {
  try {
    writeFully(fd, data);
  } catch (e) {
    try {
      ftruncateSync(fd, sizeBefore);
    } catch {
      // the error that matters is the write's
    }
    throw e;
  }
};

/** appendWhole on the file at `path` (created when missing), opened for this one write. */
export const appendWholeToFile = (path: string, data: Uint8Array): void => {
  const fd = openSync(path, 'a');
  try {
    appendWhole(fd, data, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
};
