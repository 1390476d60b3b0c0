/**
 * Samples from an NDJSON file (or stdin, path '-'), one per line: `timeUnixNano` as a decimal
 * string or an RFC 3339 `time`; or a line an OTLP/JSON request, each of its data points a sample
 * (what a Collector's file exporter writes); what a line gives: ndjsonLines.ts. A bad line is
 * reported through `onInvalid` with its line number and the reason, and nothing else is affected.
 * A gzip file is read through zlib (compressedFiles.ts). With `follow`, the file is polled for new
 * lines, as `tail -F` follows a name: truncated in place (copytruncate), it is read again from the
 * start; rotated (renamed, a new file created under the name), the old file is read to its end and
 * the new one from its start, its lines numbered from 1. With `positions` as well, a followed file
 * is resumed at the next start where this run's samples had settled, not read again from its start
 * (every restart sent the whole file again: duplicates, which a backend such as Prometheus refuses
 * as out of order).
 */
import { openSync, closeSync, fstatSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Observable, type SchedulerAction, asyncScheduler, concatMap } from 'rxjs';
import type { Sample } from '../sample.js';
import { createLineHandler } from './ndjsonLines.js';
import { safeHook } from '../hooks.js';
import { type PumpStep, ROOM_POLL_MS, pumpWithRoom } from '../roomGate.js';
import { DEFAULT_MAX_LINE_BYTES, type LongLine, fileLines, takeLines } from './fileLines.js';
import { readStream } from './readStream.js';
import { compressedFileProblem, compressionOf, decompressedFile } from './compressedFiles.js';
import { isNamedPipe, pathOfOpenFile } from '../fileIdentity.js';
import { untilExists } from './untilExists.js';
import { type FileId, createReadPositions } from './readPositions.js';
import { FINGERPRINT_BYTES, fileIdOf, resumeFollowed } from './resumeFollowed.js';
import { createHeadWatch } from './inPlaceTruncation.js';
import { createNextFiles } from './nextFiles.js';
export type { InPlaceTruncation } from './inPlaceTruncation.js';
import { DEFAULT_POLL_MS, type NdjsonSourceOptions } from './ndjsonOptions.js';
export { DEFAULT_POLL_MS, restCommand, restInWords } from './ndjsonOptions.js';
export type { InvalidLine, NdjsonSourceOptions, UnreadRest } from './ndjsonOptions.js';
import { timerMs } from '../clock.js';
import { numberOption } from '../options.js';

/** Chunks of 64 KiB read in one turn of the event loop when reading against a gate. */
const CHUNKS_PER_TURN = 16;

/** A line's samples: an OTLP/JSON request's (otlpJson.ts), not one sample. */
const isArray = (x: Sample | readonly Sample[] | undefined): x is readonly Sample[] => Array.isArray(x);

/**
 * The samples of the file (or stdin). A followed file that is not there yet is waited for (as
 * `tail -F` does): `onMissing` says so once, and reading starts when it appears — a `chronoq run`
 * started before the program that writes the file used to stop at once.
 */
export const ndjsonSamples = (given: NdjsonSourceOptions): Observable<Sample> => {
  // Checked here, not at subscribe (src/options.ts): NaN polled the file every millisecond, and refused its first line as too long.
  const opts = { ...given, pollMs: numberOption('ndjsonSamples', 'pollMs', given.pollMs, DEFAULT_POLL_MS), maxLineBytes: numberOption('ndjsonSamples', 'maxLineBytes', given.maxLineBytes, DEFAULT_MAX_LINE_BYTES) };
  return opts.follow === true && opts.path !== '-'
    ? untilExists(opts.path, { pollMs: timerMs(opts.pollMs), ...(opts.scheduler ? { scheduler: opts.scheduler } : {}), ...(opts.onMissing ? { onMissing: opts.onMissing } : {}) }).pipe(concatMap(() => readNdjson(opts)))
    : readNdjson(opts);
};

const readNdjson = (opts: NdjsonSourceOptions): Observable<Sample> =>
  new Observable<Sample>((subscriber) => {
    const onInvalid = safeHook(opts.onInvalid);
    const onUnread = safeHook(opts.onUnread);
    const onTruncatedInPlace = safeHook(opts.onTruncatedInPlace);
    const onNextFileUnreadable = safeHook(opts.onNextFileUnreadable);
    const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    let lineNumber = 0;
    const lineSamples = createLineHandler({ path: opts.path, maxLineBytes, ...(opts.parseLine ? { parseLine: opts.parseLine } : {}), onInvalid, summaries: opts.summaries, staleMarkers: opts.staleMarkers });
    /** The next line → its sample or samples (ndjsonLines.ts), counted. */
    const handle = (line: string | LongLine): Sample | readonly Sample[] | undefined => lineSamples(line, ++lineNumber);

    const hasRoom = opts.hasRoom;
    const scheduler = opts.scheduler ?? asyncScheduler;

    const streamed = { handle, maxLineBytes, scheduler, ...(hasRoom ? { hasRoom } : {}) };
    if (opts.path === '-') return readStream(subscriber, process.stdin, streamed);

    let fd: number;
    try {
      if (isNamedPipe(opts.path)) throw new Error(`${opts.path} is a named pipe, which a file source cannot open without stopping everything until a writer does: read it as standard input (path: -, and < ${opts.path})`);
      // A gzip (or zstd) file is read through zlib (compressedFiles.ts): its bytes were lines.
      const compression = compressionOf(opts.path);
      if (compression !== undefined) {
        const problem = compressedFileProblem(opts.path, opts.follow === true, compression);
        if (problem !== undefined) throw new Error(`${opts.path} is ${problem}`);
        const file = decompressedFile(opts.path, compression);
        const stop = readStream(subscriber, file.stream, { ...streamed, destroy: true });
        return () => {
          // Stopped before its end (a shutdown): where, and the command that prints the rest.
          if (!file.stream.readableEnded) onUnread?.({ source: opts.path, linesRead: lineNumber, unreadBytes: file.unreadBytes(), compression });
          stop();
        };
      }
      fd = openSync(opts.path, 'r');
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    // A followed file with a positions file: resumed where an earlier run's samples had settled,
    // and each line's sample tracked until it settles (readPositions.ts).
    const positions = opts.follow === true ? opts.positions : undefined;
    const source = resolvePath(opts.path);
    let start: { offset: number; line: number; next?: readonly number[] } = { offset: 0, line: 0 };
    const saved = positions?.file.saved(source);
    if (saved !== undefined) {
      try {
        const r = resumeFollowed(source, fd, saved);
        fd = r.fd;
        start = r;
        safeHook(positions?.onResume)?.(r.event);
      } catch (e) {
        closeSync(fd);
        subscriber.error(e);
        return undefined;
      }
    }
    const tracker = positions === undefined ? undefined : createReadPositions((p) => positions.file.update(source, p));
    positions?.file.following(source);
    /** Which file `fd` is, for the positions (none without them); taken again whenever its content may have changed. */
    const idOf = (): FileId | undefined => (tracker === undefined ? undefined : fileIdOf(fd));
    let fileId = idOf();
    /**
     * A file is on record from where reading it starts — the first one, and each one gone on to
     * after a rotation — in read order, so once what was read before it has
     * settled (a ticket of no sample: readPositions.ts). Before, a file was on record only once a
     * line of it had settled: stopped before that and rotated meanwhile, it was not known at the
     * next start, and the lines in it were never read. Its first bytes grow on the record as they
     * are seen (a copy of it is told by them).
     */
    let startRecord: { -readonly [K in keyof FileId]: FileId[K] } | undefined;
    const recordStart = (offset: number, line: number): void => {
      startRecord = fileId === undefined ? undefined : { ...fileId };
      if (startRecord !== undefined) tracker!.read(startRecord, offset, line);
    };
    recordStart(start.offset, start.line);
    /** A file shorter than its fingerprint when opened: the fingerprint grows with it, on its start record too. */
    const growId = (): void => {
      if (fileId === undefined || fileId.fingerprintBytes >= FINGERPRINT_BYTES || fstatSync(fd).size <= fileId.fingerprintBytes) return;
      fileId = idOf();
      if (startRecord !== undefined) Object.assign(startRecord, fileId);
    };
    let reader = fileLines(fd, start.offset, maxLineBytes);
    lineNumber = start.line;
    /** Handles the line the reader just returned. */
    const take = (text: string | LongLine): void => {
      const got = handle(text);
      if (!isArray(got)) {
        const out = tracker === undefined ? got : tracker.read(fileId!, reader.lineEnd, lineNumber, got);
        if (out !== undefined) subscriber.next(out);
        return;
      }
      // A request's samples: the line counts as read once the last of them has settled, and each before.
      if (got.length === 0 && tracker !== undefined) tracker.read(fileId!, reader.lineEnd, lineNumber);
      for (let i = 0; i < got.length && !subscriber.closed; i++) {
        subscriber.next(tracker === undefined ? got[i]! : tracker.read(fileId!, reader.lineEnd, lineNumber, got[i], i < got.length - 1)!);
      }
    };
    let closed = false;
    const isClosed = (): boolean => subscriber.closed;
    /** Files to read after this one: what an earlier run's position left, or at a rotation the files rotated in between and the file under the name. */
    const next = createNextFiles({ path: opts.path, source, initial: start.next ?? [], onUnreadable: onNextFileUnreadable });
    const head = opts.follow === true ? createHeadWatch() : undefined;
    /**
     * Truncated in place (copytruncate): the rest of the old content from its copy, if there is
     * one, then the new content from its start, told apart from the old (its copy) and numbered
     * from line 1 (the count went on from the old content's: dead letters, the saved position and
     * the `tail -n +N` of a stop named other lines).
     */
    const startOver = (): void => {
      const copy = head?.findCopy(source, fd, reader.lineEnd);
      onTruncatedInPlace?.({ source: opts.path, line: lineNumber, offset: reader.lineEnd, ...(copy ? { copy: copy.path } : {}) });
      if (copy !== undefined) {
        closeSync(fd); // the file under the name is opened again once the copy is read (nextFiles.ts)
        fd = copy.fd;
        reader = fileLines(fd, reader.lineEnd, maxLineBytes);
      } else {
        reader = fileLines(fd, 0, maxLineBytes);
        lineNumber = 0;
      }
      fileId = idOf();
      startRecord = undefined; // another file's, or other content's, from here on
      head?.reset();
    };
    /**
     * Reads what the file holds: 'done' at its end; with a gate, 'wait' when it is closed (checked
     * before each line) and 'more' after CHUNKS_PER_TURN chunks (the rest after a yield).
     */
    const drain = (): PumpStep => {
      let chunks = 0;
      let checked = head === undefined;
      for (;;) {
        const taken = takeLines(reader, take, isClosed, hasRoom);
        // Waiting for room, the file's first bytes are still looked at as it grows, and those of
        // the file under the name queued after it: fewer than 64 seen, a copy made meanwhile
        // (copytruncate) could not be told, and its lines were lost.
        if (taken === 'wait') {
          if (head?.same(fd)) growId();
          next.look();
          return 'wait';
        }
        if (taken !== 'empty') return 'done';
        if (closed) break;
        if (hasRoom !== undefined && chunks++ === CHUNKS_PER_TURN) return 'more';
        // Before reading on (once a turn), with what was read before taken: still the same file?
        if (!checked) {
          checked = true;
          if (!head!.same(fd)) {
            startOver();
            continue;
          }
        }
        if (!reader.readChunk()) break;
        growId();
      }
      if (!closed && fstatSync(fd).size < reader.lineEnd + reader.heldBytes) startOver();
      return 'done';
    };
    const close = (): void => {
      if (!closed) closeSync(fd);
      closed = true;
    };
    /** Teardown: says what was left unread (of the file being read), then closes. */
    const stop = (): void => {
      if (!closed && opts.onUnread !== undefined) {
        if (head !== undefined && !head.same(fd)) startOver(); // truncated since: what is unread is in the copy, if anywhere
        const unreadBytes = fstatSync(fd).size - reader.lineEnd;
        if (unreadBytes > 0) onUnread?.({ source: pathOfOpenFile(fd, opts.path), linesRead: lineNumber, unreadBytes });
      }
      close();
    };
    const first = drain();
    if (!opts.follow) {
      const finish = (): PumpStep => {
        if (reader.heldBytes > 0) take(reader.takePartial()); // the last line, without a newline (a character cut off by the end: U+FFFD)
        close();
        subscriber.complete();
        return 'done';
      };
      if (first === 'done') return void finish();
      const pump = pumpWithRoom(scheduler, () => {
        const r = drain();
        return r === 'done' ? finish() : r;
      }, first);
      return () => {
        pump.unsubscribe();
        stop();
      };
    }
    const pollMs = timerMs(opts.pollMs ?? DEFAULT_POLL_MS);
    /** The next poll's delay after a read that said `r`. */
    const after = (r: PumpStep): number => (r === 'done' ? pollMs : r === 'wait' ? ROOM_POLL_MS : 0);
    const poll = scheduler.schedule(function (this: SchedulerAction<unknown>) {
      let r = drain();
      if (!closed && r === 'done' && next.rotatedTo(fd)) {
        r = drain(); // whatever reached the old file before the switch (not read to its end yet: the switch waits)
        if (r === 'done') {
          if (reader.heldBytes > 0) take(reader.takePartial());
          closeSync(fd);
          positions?.file.touch(); // followed until now, this rotation included
          const gone = next.shift();
          fd = gone.fd;
          fileId = idOf();
          recordStart(0, 0);
          head?.reset(gone.head);
          reader = fileLines(fd, 0, maxLineBytes);
          lineNumber = 0;
          r = drain();
        }
      }
      if (!subscriber.closed) this.schedule(undefined, after(r));
    }, after(first));
    return () => {
      poll.unsubscribe();
      stop();
      next.close();
      positions?.file.stopped(source); // files rotated from now on hold lines not read
    };
  });
