/**
 * How far a followed file has been read for good: the position after the last line whose sample,
 * and every sample of a line before it, has settled — delivered, dead-lettered, or written to the
 * spool. A restart resumes there (src/sources/positionFile.ts keeps it), so what an earlier run
 * delivered is not sent again, and what it had read but not settled (in memory when it was killed)
 * is read again rather than lost.
 *
 * Samples settle out of the order they were read in (reorder, lanes, dead letters at once), so
 * each line read gets a ticket, queued in read order; the committed position is the end of the
 * longest prefix of settled tickets. A sample carries its ticket under a symbol, which the
 * pipeline's copies keep (a re-stamped sample, or one given a start, is `copyWith(s, …)`); a
 * sample from elsewhere has none, and settling it does nothing.
 *
 * ```
 * read:      l1 l2 l3 l4
 * settled:      l2    l4 l1     l3
 * committed:          l2    ... l4
 * ```
 */
import type { Sample } from '../sample.js';

/** Which file: device and inode (so that a file rotated under its name is told apart), and its first bytes (inodes are reused: a file deleted and another created may get its number). */
export interface FileId {
  /** Decimal: st_dev and st_ino go past 2^53 on some file systems. */
  readonly dev: string;
  readonly ino: string;
  /** SHA-256 (hex) of the file's first `fingerprintBytes` bytes (up to 1 KiB, what it held when opened). */
  readonly fingerprint: string;
  readonly fingerprintBytes: number;
}

/** A place in a file: which file, the byte offset after a line, and that line's number. */
export interface FilePosition {
  readonly file: FileId;
  readonly offset: number;
  readonly line: number;
}

/** A line read, until its sample settles; it is the position after that line (no object more a line). */
interface Ticket extends FilePosition {
  settled: boolean;
  /** One of a line's samples before its last: its settling commits nothing. */
  readonly linePart: boolean;
  readonly tracker: Tracker;
}

interface Tracker {
  settle(t: Ticket): void;
}

const TICKET = Symbol('chronoq.readTicket');

type Ticketed = { -readonly [K in keyof Sample]: Sample[K] } & { [TICKET]?: Ticket };

/** The sample has reached the end of the pipeline (delivered, dead-lettered, in the spool): its line may count as read for good. */
export const settleRead = (s: Sample): void => {
  const t = (s as Ticketed)[TICKET];
  if (t !== undefined && !t.settled) t.tracker.settle(t);
};

export interface ReadPositions {
  /**
   * The line of `file` ending at `offset` was read; its sample (then tagged and returned), or none
   * (a blank or invalid line: settled at once). A line of several samples (an OTLP/JSON request)
   * gives each but the last with `linePart`: settled, they do not count the line as read.
   */
  read(file: FileId, offset: number, line: number, sample?: Sample, linePart?: boolean): Sample | undefined;
  /** Lines read whose samples have not all settled. */
  readonly outstanding: number;
}

/**
 * Tracks one source's lines; `onCommitted` hears each new committed position (as the settled
 * ticket itself, kept by reference: it allocates nothing a line beyond its ticket, and the
 * positions file reads it only when it writes).
 */
export const createReadPositions = (onCommitted: (p: FilePosition) => void): ReadPositions => {
  const queue: Ticket[] = [];
  let head = 0;
  const advance = (): void => {
    let last: Ticket | undefined;
    while (head < queue.length && queue[head]!.settled) {
      const t = queue[head++]!;
      if (!t.linePart) last = t;
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    if (last !== undefined) onCommitted(last);
  };
  const tracker: Tracker = {
    settle(t) {
      t.settled = true;
      if (queue[head] === t) advance();
    },
  };
  return {
    read(file, offset, line, sample, linePart = false) {
      const ticket: Ticket = { file, offset, line, settled: sample === undefined, linePart, tracker };
      if (sample === undefined) {
        if (head === queue.length) onCommitted(ticket);
        else queue.push(ticket);
        return undefined;
      }
      queue.push(ticket);
      (sample as Ticketed)[TICKET] = ticket;
      return sample;
    },
    get outstanding() {
      return queue.length - head;
    },
  };
};
