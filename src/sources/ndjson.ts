/**
 * Samples from an NDJSON file (or stdin, path '-'), one per line: `timeUnixNano` as a decimal
 * string or an RFC 3339 `time`. A bad line is reported through `onInvalid` with its line number
 * and the reason, and nothing else is affected. With `follow`, the file is polled for new lines,
 * as `tail -F` follows a name: truncated in place (copytruncate), it is read again from the start;
 * rotated (renamed, a new file created under the name), the old file is read to its end and the new
 * one from its start, its lines numbered from 1.
 */
import { openSync, readSync, closeSync, fstatSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Observable, type SchedulerAction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { parseSampleLine } from '../sampleJson.js';
import { safeHook } from '../hooks.js';

export interface InvalidLine {
  readonly source: string;
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

export interface NdjsonSourceOptions {
  readonly path: string;
  readonly follow?: boolean;
  readonly pollMs?: number;
  readonly onInvalid?: (e: InvalidLine) => void;
  readonly scheduler?: SchedulerLike;
}

export const ndjsonSamples = (opts: NdjsonSourceOptions): Observable<Sample> =>
  new Observable<Sample>((subscriber) => {
    const onInvalid = safeHook(opts.onInvalid);
    let lineNumber = 0;
    const handle = (text: string): void => {
      lineNumber++;
      if (text.trim() === '') return;
      const r = parseSampleLine(text);
      if (isLeft(r)) onInvalid?.({ source: opts.path, line: lineNumber, text: text.slice(0, 1000), reason: r.left });
      else subscriber.next(r.right);
    };

    if (opts.path === '-') {
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      rl.on('line', handle);
      rl.on('close', () => subscriber.complete());
      return () => rl.close();
    }

    let fd: number;
    try {
      fd = openSync(opts.path, 'r');
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    let offset = 0;
    let partial = '';
    const buf = Buffer.alloc(1 << 16);
    let closed = false;
    const drain = (): void => {
      while (!closed && !subscriber.closed) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        const lines = (partial + buf.toString('utf8', 0, n)).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (!subscriber.closed) handle(l.replace(/\r$/, ''));
      }
      if (!closed && fstatSync(fd).size < offset) offset = 0; // truncated: start over
    };
    drain();
    if (!opts.follow) {
      if (partial !== '') handle(partial);
      closed = true;
      closeSync(fd);
      subscriber.complete();
      return undefined;
    }
    /** The file now under the name, when it is not the one being read (rotated); else undefined. */
    const rotatedTo = (): number | undefined => {
      try {
        const named = statSync(opts.path);
        const reading = fstatSync(fd);
        if (named.ino === reading.ino && named.dev === reading.dev) return undefined;
        return openSync(opts.path, 'r');
      } catch {
        return undefined; // no file under the name yet: keep reading the old one
      }
    };
    const scheduler = opts.scheduler ?? asyncScheduler;
    const poll = scheduler.schedule(function (this: SchedulerAction<unknown>) {
      drain();
      const next = closed ? undefined : rotatedTo();
      if (next !== undefined) {
        drain(); // whatever reached the old file before the switch
        if (partial !== '') handle(partial);
        partial = '';
        closeSync(fd);
        fd = next;
        offset = 0;
        lineNumber = 0;
        drain();
      }
      if (!subscriber.closed) this.schedule(undefined, opts.pollMs ?? 250);
    }, opts.pollMs ?? 250);
    return () => {
      poll.unsubscribe();
      if (!closed) closeSync(fd);
      closed = true;
    };
  });
