/**
 * The positions file: where each followed file was read up to for good (readPositions.ts), kept
 * across runs so a restart resumes there. One JSON object, keyed by the followed file's absolute
 * path:
 *
 *   {"version":1,"files":{"/var/log/app/samples.ndjson":{"dev":"2049","ino":"1835","fingerprint":"9f86…",
 *     "fingerprintBytes":1024,"offset":81920,"line":1024,"followedUntilMs":1764064800000}}}
 *
 * Written at most once every `intervalMs` while it changes (and, after a write that failed, every
 * `intervalMs` until one works), and at close, with the time until which each file was followed
 * (rotations included: a rotated file written after it holds lines not read, resumeFollowed.ts) —
 * the time of the write while it is read, the time its source stopped after that. Several
 * chronoq runs may share it (two configs in one directory): each writes the entries of the files
 * it follows and takes the others' as the file holds them at that moment. Written to a temporary
 * file of its own, synced, then renamed over it, so a crash leaves the old version or the new,
 * never half of one.
 * Before each write `beforeWrite` runs (the command flushes the dead-letter file: a position
 * written never covers a line whose dead letter is not in its file yet). A position at most
 * `intervalMs` old after a kill -9 means those lines are read and sent again — duplicates, the
 * at-least-once side — never skipped.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFully } from '../writeFully.js';
import { type SchedulerLike, type Subscription, asyncScheduler } from 'rxjs';
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { FileId, FilePosition } from './readPositions.js';
import { type Clock, systemClock, timerMs } from '../clock.js';

export interface PositionFileOptions {
  /** Longest a changed position waits to be written. Default 1 000. */
  readonly intervalMs?: number;
  readonly scheduler?: SchedulerLike;
  readonly beforeWrite?: () => void;
  /** The file could not be written (disk full, say): called when that starts, not for each write that fails while it lasts (each is tried again at the next change)... */
  readonly onWriteError?: (error: unknown) => void;
  /** ...and when a write works again. */
  readonly onWriteRecovered?: () => void;
  /** The wall clock the file records its writes on (`followedUntilMs`). Default systemClock. */
  readonly clock?: Pick<Clock, 'now'>;
}

/** What an earlier run saved for a file: its position, and until when (wall ms) it followed the file — a rotated file written after that holds lines it never read. */
export interface SavedFilePosition extends FilePosition {
  readonly followedUntilMs?: number;
}

export interface PositionFile {
  readonly path: string;
  /** What an earlier run saved for the file at `source` (an absolute path). */
  saved(source: string): SavedFilePosition | undefined;
  /** `source` is read for good up to `p` (kept by reference, read when the file is written). */
  update(source: string, p: FilePosition): void;
  /** Something else worth recording happened (a rotation followed): written like a change. */
  touch(): void;
  /** The file at `source` is followed from now on (its entry's followedUntilMs is then the time of each write)... */
  following(source: string): void;
  /** ...until now: it is no longer read (a stop). */
  stopped(source: string): void;
  /** Writes (whether or not anything changed: the time followed until moves on) and stops the timer. */
  close(): void;
}

/** A position as the file holds it: flat. */
type FlatPosition = FileId & { readonly offset: number; readonly line: number; readonly followedUntilMs?: number };

const isPosition = (v: unknown): v is FlatPosition => {
  const p = v as Record<string, unknown>;
  return typeof v === 'object' && v !== null && typeof p['dev'] === 'string' && typeof p['ino'] === 'string' && typeof p['fingerprint'] === 'string'
    && [p['fingerprintBytes'], p['offset'], p['line']].every(Number.isSafeInteger) && (p['followedUntilMs'] === undefined || Number.isFinite(p['followedUntilMs']));
};

/** The positions an earlier run saved (none when there is no file), or what is wrong with the file. */
const load = (path: string): Either<string, Map<string, SavedFilePosition>> => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? right(new Map()) : left(`cannot read ${path}: ${code ?? String(e)}`);
  }
  try {
    const o = JSON.parse(text) as { version?: unknown; files?: unknown };
    if (o.version !== 1 || typeof o.files !== 'object' || o.files === null) throw new Error('not a chronoq positions file (version 1)');
    const files = new Map<string, SavedFilePosition>();
    for (const [source, p] of Object.entries(o.files)) {
      if (!isPosition(p)) throw new Error(`the entry for ${source} is not {dev, ino, fingerprint, fingerprintBytes, offset, line}`);
      const { dev, ino, fingerprint, fingerprintBytes, offset, line, followedUntilMs } = p;
      files.set(source, { file: { dev, ino, fingerprint, fingerprintBytes }, offset, line, ...(followedUntilMs !== undefined ? { followedUntilMs } : {}) });
    }
    return right(files);
  } catch (e) {
    return left(`${path} is damaged (${(e as Error).message}); delete it to read the followed files from their start again`);
  }
};

export const openPositionFile = (path: string, opts: PositionFileOptions = {}): Either<string, PositionFile> => {
  const loaded = load(path);
  if (loaded._tag === 'Left') return loaded;
  const earlier = loaded.right;
  /** This run's positions, by reference; for files not followed now, the last seen in the file. */
  const files = new Map<string, SavedFilePosition>(earlier);
  /** Files followed in this run, and when each stopped being read (undefined while it is). */
  const followed = new Map<string, number | undefined>();
  const clock = opts.clock ?? systemClock;
  const intervalMs = opts.intervalMs ?? 1_000;
  let dirty = false;
  let failing = false;
  /** Closed: a failed write is not tried again. */
  let closed = false;
  let timer: Subscription | undefined;
  /** A write an interval from now, unless one is due already. */
  const writeLater = (): void => void (timer ??= (opts.scheduler ?? asyncScheduler).schedule(write, timerMs(intervalMs)));
  const changed = (): void => {
    dirty = true;
    writeLater();
  };
  const write = (): void => {
    timer?.unsubscribe();
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    try {
      opts.beforeWrite?.();
      const tmp = `${path}.${process.pid}.tmp`; // another chronoq may be writing the same file
      const fd = openSync(tmp, 'w', 0o600);
      try {
        const now = clock.now();
        // Entries of files this run does not follow are taken as the file holds them now: another
        // chronoq in the same directory (a second config) shares it, and writing back what this
        // run read at its start set that one's positions back.
        const onDisk = load(path);
        if (!isLeft(onDisk)) for (const [source, p] of onDisk.right) if (!followed.has(source)) files.set(source, p);
        const saved = [...files].map(([source, p]): [string, FlatPosition] => {
          // Until when it was followed: now while it is (rotations after now hold lines not read yet).
          const followedUntilMs = followed.has(source) ? (followed.get(source) ?? now) : p.followedUntilMs;
          return [source, { ...p.file, offset: p.offset, line: p.line, ...(followedUntilMs !== undefined ? { followedUntilMs } : {}) }];
        });
        // All of it, or an error: one short write (a full disk) renamed a cut-off file into place.
        writeFully(fd, Buffer.from(`${JSON.stringify({ version: 1, files: Object.fromEntries(saved) })}\n`));
        fsyncSync(fd);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      if (failing) opts.onWriteRecovered?.();
      failing = false;
    } catch (error) {
      // Tried again an interval on, whether or not a position changes meanwhile: a source gone
      // quiet left it unwritten (and the recovery unsaid) until the next line or the close, and a
      // kill -9 then read again every line since the last write that worked.
      dirty = true;
      if (!failing) opts.onWriteError?.(error);
      failing = true;
      if (!closed) writeLater();
    }
  };
  return right({
    path,
    saved: (source) => earlier.get(source),
    update(source, p) {
      files.set(source, p);
      changed();
    },
    touch: () => changed(),
    following: (source) => void followed.set(source, undefined),
    stopped(source) {
      followed.set(source, clock.now());
      changed();
    },
    close() {
      closed = true;
      dirty = true;
      write();
    },
  });
};
