/**
 * The dead-letter file: NDJSON, one DeadLetter per line (times as decimal strings), mode 0600,
 * appended, written once per burst (all letters a delivery batch produced in one go; a burst of
 * more than CHUNK_CHARS in pieces) and optionally fsynced; rotated by size to PATH.1 …
 * PATH.maxFiles (maxFiles 0: never rotated, as the oldest rotated file is the only thing rotation
 * ever removes).
 */
import { openSync, closeSync, fsyncSync, fstatSync, renameSync, existsSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import type { DeadLetter } from '../routed.js';
import type { Sample } from '../sample.js';
import { toJsonLine } from '../sampleJson.js';
import { fileIdentity, sameFile } from '../fileIdentity.js';
import { appendWhole } from '../writeFully.js';
import { numberOption } from '../options.js';

export interface DeadLetterFileOptions {
  readonly maxBytes?: number;
  /** Most characters one write takes (default CHUNK_CHARS; smaller in tests). */
  readonly chunkChars?: number;
  readonly maxFiles?: number;
  readonly fsync?: boolean;
  /**
   * Called with the letters (NDJSON lines) a write could not put in the file (disk full, the
   * directory gone) and the error; without it the error is thrown. The file is the last place a
   * sample can go, so the caller should put them somewhere a person will see (the log).
   */
  readonly onWriteError?: (error: unknown, lines: readonly string[]) => void;
  /** A write worked again after onWriteError, with how many letters went to it meanwhile. */
  readonly onWriteRecovered?: (failedMeanwhile: number) => void;
  /**
   * Rotation removed the oldest rotated file, and the letters in it with it: the one way letters
   * leave (maxFiles bounds the disk). Called before it goes, so a person can be told.
   */
  readonly onRemove?: (e: { readonly path: string; readonly letters: number; readonly bytes: number }) => void;
  /**
   * Rotation failed (the oldest file a directory it cannot remove, a rename refused): the letters
   * are written, the file goes on growing past maxBytes and rotation is tried again at the next
   * write; called once until a rotation works again. Before, the error was thrown out of the
   * write — from a microtask, an uncaught exception that ended the application.
   */
  readonly onRotateError?: (error: unknown) => void;
}

/** About the most characters one write takes (~8–24 MB); a larger burst is written in pieces. */
export const CHUNK_CHARS = 8 * 1024 * 1024;

export class DeadLetterFile {
  private fd: number | undefined;
  private size = 0;
  private pending: string[] = [];
  private scheduled = false;
  written = 0;
  /** Letters that could not be written (handed to onWriteError). */
  failed = 0;
  /** `failed` when the writes began to fail; undefined while they work. */
  private failedBefore: number | undefined;
  private rotateFailing = false;

  constructor(readonly path: string, private readonly opts: DeadLetterFileOptions = {}) {
    // NaN (src/options.ts) never rotated: the file grew without bound.
    numberOption('DeadLetterFile', 'maxBytes', opts.maxBytes, Infinity);
    numberOption('DeadLetterFile', 'maxFiles', opts.maxFiles, 5);
  }

  /** Queues one letter; the burst is written when the current synchronous work ends. */
  append(letter: DeadLetter<Sample> | DeadLetter<unknown>): void {
    this.pending.push(`${toJsonLine(letter)}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /**
   * Writes everything queued now, in pieces of about CHUNK_CHARS, each whole or not at all. One
   * piece for the whole burst passed V8's longest string when a full spool refused millions of
   * samples at once (`RangeError: Invalid string length` from a microtask: the process ended, the
   * samples in memory with it). On a failure, that piece and the rest go to onWriteError.
   */
  flush(): void {
    this.scheduled = false;
    const lines = this.pending;
    this.pending = [];
    const most = this.opts.chunkChars ?? CHUNK_CHARS;
    for (let start = 0; start < lines.length; ) {
      let end = start + 1;
      for (let chars = lines[start]!.length; end < lines.length && chars + lines[end]!.length <= most; end++) chars += lines[end]!.length;
      if (!this.writePiece(lines, start, end)) return;
      start = end;
    }
  }

  /** Appends lines[start, end); false when it failed (then lines[start…] went to onWriteError). */
  private writePiece(lines: readonly string[], start: number, end: number): boolean {
    const buf = Buffer.from(lines.slice(start, end).join(''));
    try {
      let fd = this.open();
      if (this.size > 0 && this.size >= (this.opts.maxBytes ?? Infinity) && (this.opts.maxFiles ?? 5) > 0) fd = this.rotateThenOpen();
      // All of the piece or none of it: a disk that fills part way took part of it before. Cut
      // back to the size open() just read (another writer may have appended since it was opened).
      appendWhole(fd, buf, this.size);
      if (this.opts.fsync) fsyncSync(fd);
    } catch (e) {
      if (this.opts.onWriteError === undefined) throw e;
      this.failedBefore ??= this.failed;
      this.opts.onWriteError(e, start === 0 ? lines : lines.slice(start));
      this.failed += lines.length - start;
      return false;
    }
    if (this.failedBefore !== undefined) this.opts.onWriteRecovered?.(this.failed - this.failedBefore);
    this.failedBefore = undefined;
    this.size += buf.length;
    this.written += end - start;
    return true;
  }

  /**
   * Rotated before a write, not after the write that filled it: the file at `path` is then always
   * the one with the newest letters — what the log's "they are in PATH" and "chronoq replay PATH"
   * name. Rotated after, a run whose last letters filled the file left no file at PATH: both
   * commands answered "no file", the letters being in PATH.1 ….
   */
  private rotateThenOpen(): number {
    try {
      this.rotate();
      this.rotateFailing = false;
    } catch (e) {
      if (!this.rotateFailing) this.opts.onRotateError?.(e);
      this.rotateFailing = true;
    }
    return this.open();
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * The file at `path`, opened again when what is there is no longer the file written so far: a
   * person deleted it after replaying it, or moved it away (logrotate). Before, the letters went on
   * into the deleted file's open descriptor, and were gone with the process. Sets `size` to the
   * file's size now, from the one fstat that also tells whether it is still at the path.
   */
  private open(): number {
    if (this.fd !== undefined) {
      const st = fstatSync(this.fd);
      if (sameFile(fileIdentity(this.path), st)) {
        this.size = st.size;
        return this.fd;
      }
      closeSync(this.fd);
      this.fd = undefined; // opened again below, or at the next write if that fails
    }
    this.fd = openSync(this.path, 'a', 0o600);
    chmodSync(this.path, 0o600);
    this.size = fstatSync(this.fd).size;
    return this.fd;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const keep = this.opts.maxFiles ?? 5;
    const oldest = `${this.path}.${keep}`;
    if (this.opts.onRemove !== undefined && existsSync(oldest)) {
      const text = readFileSync(oldest);
      let letters = 0;
      for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) letters++;
      this.opts.onRemove({ path: oldest, letters, bytes: text.length });
    }
    rmSync(oldest, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameSync(this.path, `${this.path}.1`);
  }
}
