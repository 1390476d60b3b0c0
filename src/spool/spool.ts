/**
 * The durable spool between reorderByEventTime and deliverOrdered. `append` writes a burst of
 * samples (one transaction) before they are handed to delivery; `settle` records that a sample was
 * delivered or dead-lettered; after a crash `recover` returns every unsettled sample, per lane in
 * its original order, to be delivered before anything new.
 * Durability: fsync 'always' (synchronous=FULL: every append's commit reaches the disk; a
 * settle's goes with the next, settleCommit.ts) or an interval (synchronous=NORMAL plus a WAL
 * checkpoint every intervalMs: a power loss can lose the last interval's commits). A process kill
 * loses nothing in either mode: commits are in the WAL file.
 */
import Database from 'better-sqlite3';
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { seriesLanes } from '../delivery.js';
import { type SpoolStatements, newestAppended, prepareStatements } from './schema.js';
import { type ChunkRead, lanesOf, samplesAfter } from './readBack.js';
import { settleRows } from './settleCommit.js';
import { byLaneOf, writeChunks } from './writeChunks.js';
import { checkpointWal, shrinkEmpty, putBackAt, emptySpoolDb } from './spoolFile.js';
import { bytesIn, openSpoolFile, waitsForRoom } from './openSpoolFile.js';
import { type SpoolOptions, type OpenReport, FILE_CHECK_MS } from './spoolTypes.js';
import { type FileIdentity, fileIdentity, sameFile } from '../fileIdentity.js';
import { tornWalTail } from './salvage.js';
import { notASpool } from './peek.js';
import { type SpoolContents, inspectSpoolDb } from './inspectSpool.js';
import { systemClock } from '../clock.js';
import { Subject, type Observable } from 'rxjs';
import { type SpoolLock, relockIfGone } from './spoolLock.js';
import { type ResourceEras, resourceEras } from './resourceEras.js';
import { type Placed, createPlacements } from './placements.js';
import { type SharedObjects, sharedObjects } from './sharedObjects.js';
import { SERIES_STARTS_WRITE_MS, seriesStartsStore } from './seriesStarts.js';

export { type SpoolFsync, type SpoolOptions, type OpenReport, FILE_CHECK_MS } from './spoolTypes.js';

export class Spool {
  private readonly placed = createPlacements();
  /** Samples of settles that failed (a full disk), settled with the next. */
  private settleAgain: readonly Sample[] = [];
  private bytes = 0;
  /** Its timers: the WAL checkpoint (fsync interval), the file check, writing counters' starts. */
  private readonly timers: { cancel(): void }[] = [];
  /** The file this spool has open, to tell when the path names another (or none). */
  private file: FileIdentity | undefined;
  private putBackFailed = false;

  /** The statements of the hot paths, prepared once (preparing one each time cost ~2 % of a run). */
  private sql: SpoolStatements;
  /** The resource each chunk's samples were written under (resourceEras.ts), and whether this run's is recorded. */
  private eras: ResourceEras;
  private eraRecorded = false;
  /** The resources and scopes its lines name (sharedObjects.ts). */
  private shared: SharedObjects;
  /** The newest sample time ever appended to this spool's file, this run or before (newestUnixNano). */
  private newestNs: bigint | undefined;
  /** fillStartTimes' series states, kept between runs (seriesStarts.ts). */
  readonly seriesStarts = seriesStartsStore(() => this.db);

  /** Set while the file could not be opened for lack of disk space (SpoolOptions.waitForSpace): what every append throws. */
  private waitingForSpace: Error | undefined;
  private readonly opened = new Subject<{ pending: number; damage?: OpenReport['damage'] }>();
  /** A spool that waited for disk space has opened its file: what an earlier run left in it (`pending`) is delivered now. */
  readonly opened$: Observable<{ pending: number; damage?: OpenReport['damage'] }> = this.opened.asObservable();

  private constructor(readonly path: string, private db: Database.Database, private readonly opts: SpoolOptions, private lock: SpoolLock | undefined) {
    this.laneOf = seriesLanes(Math.max(1, opts.lanes ?? 1));
    this.sql = prepareStatements(db);
    this.eras = resourceEras(db, opts.resource);
    this.shared = sharedObjects(this.sql);
    this.file = fileIdentity(path);
    this.bytes = bytesIn(db);
    this.newestNs = newestAppended(db);
  }

  static open(path: string, opts: SpoolOptions = {}, timers?: { every(ms: number, fn: () => void): { cancel(): void } }): Either<Error, { spool: Spool; report: OpenReport }> {
    const torn = tornWalTail(path);
    const refused = notASpool(path);
    if (refused !== undefined) return left(new Error(refused));
    const { lock, file } = openSpoolFile(path, opts);
    if (isLeft(file) && !waitsForRoom(opts, file.left)) return file;
    const spool = new Spool(path, isLeft(file) ? emptySpoolDb() : file.right.db, opts, lock);
    if (isLeft(file)) spool.waitingForSpace = file.left;
    else {
      spool.writeSalvaged(file.right.recovered);
    }
    if (typeof opts.fsync === 'object' && timers) spool.timers.push(timers.every(opts.fsync.intervalMs, () => spool.checkpoint()));
    if (timers) spool.timers.push(timers.every(FILE_CHECK_MS, () => (spool.waitingForSpace ? spool.openWhenThereIsRoom() : spool.keepAtPath())));
    if (timers) spool.timers.push(timers.every(SERIES_STARTS_WRITE_MS, () => spool.waitingForSpace === undefined && spool.seriesStarts.writeChanges()));
    const pending = spool.inspect().waiting;
    const damage = isLeft(file) ? undefined : file.right.damage;
    const waiting = isLeft(file) ? { waitingForSpace: file.left.message } : {};
    return right({ spool, report: { pending, ...(damage ? { damage } : {}), ...(torn !== undefined ? { tornWalBytes: torn } : {}), ...waiting } });
  }

  /**
   * Waiting for space: opens the file when it can be, takes what an earlier run left in it, and
   * says so on opened$. Until then every append throws why (tried again every FILE_CHECK_MS).
   */
  openWhenThereIsRoom(): boolean {
    if (this.waitingForSpace === undefined) return true;
    const { lock, file } = openSpoolFile(this.path, this.opts, this.lock);
    this.lock = lock;
    if (isLeft(file)) {
      this.waitingForSpace = file.left;
      return false;
    }
    this.goOnIn(file.right.db);
    this.bytes = bytesIn(this.db);
    this.newestNs = newestAppended(this.db);
    this.waitingForSpace = undefined;
    this.writeSalvaged(file.right.recovered);
    const damage = file.right.damage;
    this.opened.next({ pending: this.inspect().waiting, ...(damage ? { damage } : {}) });
    return true;
  }

  /** Waiting for disk space to open its file: nothing of this run is in it. */
  get isWaitingForSpace(): boolean {
    return this.waitingForSpace !== undefined;
  }

  /** deliverOrdered's lane of a sample's series (delivery.ts seriesLanes). */
  readonly laneOf: (s: Sample) => number;

  /** Where an appended (or read-back) sample was written: its lane and sequence number. */
  placeOf(s: Sample): Placed | undefined {
    return this.placed.placeOf(s);
  }

  /** Lets go of samples appended or read back that will not be settled as these objects: they wait in the file (read back later as new ones). */
  forget(samples: Iterable<Sample>): void {
    this.placed.forget(samples);
  }

  /** Samples appended or read back and neither settled nor forgotten. */
  get placedCount(): number {
    return this.placed.size();
  }

  /**
   * The newest sample time ever appended to this spool's file — by this run, or by an earlier one
   * (kept after its samples were delivered and settled; undefined for a spool never written to).
   * What a restarted pipeline's trusted time starts no earlier than (detectClockSkew's
   * notBeforeUnixNano): every sample the receiver got from this spool is no newer.
   */
  get newestUnixNano(): bigint | undefined {
    return this.newestNs;
  }

  /** Writes samples that are read back from the file, not handed on as these objects (salvaged ones); shrinks the file when it holds none. */
  private writeSalvaged(samples: readonly Sample[]): void {
    this.append(samples);
    this.forget(samples);
    this.shrinkIfEmpty();
  }

  /** Bytes its unsettled samples take (what maxBytes bounds). */
  get usedBytes(): number {
    return this.bytes;
  }

  /** Its bound (Infinity without one). */
  get maxBytes(): number {
    return this.opts.maxBytes ?? Infinity;
  }

  /** Room for `fraction` of maxBytes more (always, without a maxBytes)? */
  hasRoomFor(fraction: number): boolean {
    return this.hasRoom(fraction * this.maxBytes);
  }

  /** Room for `bytes` more? */
  hasRoom(bytes: number): boolean {
    return this.bytes + bytes <= this.maxBytes;
  }

  /** Writes samples (one transaction, one row per lane), before delivery; returns those refused as over maxBytes (not written). */
  append(samples: readonly Sample[]): Sample[] {
    if (samples.length === 0) return [];
    if (this.waitingForSpace !== undefined) throw this.waitingForSpace;
    const { written, refused, bytesWritten, newestWritten } = writeChunks(this.db, this.sql, this.shared, byLaneOf(samples, this.laneOf), (bytes) => this.hasRoom(bytes), () => {
      if (!this.eraRecorded) this.eras.recordBeforeFirstChunk();
    }, this.opts.keepNewest === false ? undefined : { kept: this.newestNs });
    if (this.opts.keepNewest !== false) this.newestNs = newestWritten;
    // Placed once committed (writeChunks.ts says why).
    for (const { lane, first, samples: list } of written) list.forEach((s, i) => this.placed.place(s, lane, first + i));
    this.bytes += bytesWritten;
    this.eraRecorded = true;
    return refused;
  }

  /** Records that samples were delivered or dead-lettered (one transaction). Unknown samples are ignored. */
  settle(samples: readonly Sample[]): void {
    // What a settle that failed (a full disk) left known is settled with these.
    const all = this.settleAgain.length === 0 ? samples : [...this.settleAgain, ...samples];
    const byLane = this.placed.seqsByLane(all);
    this.settleAgain = [];
    if (byLane.size === 0) return;
    let done: ReturnType<typeof settleRows>;
    try {
      done = settleRows(this.db, this.sql, this.opts.fsync, this.placed, byLane);
    } catch (e) {
      this.settleAgain = all.filter((s) => this.placed.placeOf(s) !== undefined);
      throw e;
    }
    this.placed.settled(all, byLane, done.acked);
    this.bytes -= done.freedBytes;
    this.shrinkIfEmpty();
  }

  /** Closes the database it had and goes on in `db`, the file now at its path. */
  private goOnIn(db: Database.Database): void {
    this.db.close();
    this.db = db;
    this.sql = prepareStatements(db);
    this.eras = resourceEras(db, this.opts.resource);
    this.shared = sharedObjects(this.sql);
    this.eraRecorded = false;
    this.file = fileIdentity(this.path);
  }

  private shrinkIfEmpty(): void {
    if (this.bytes === 0) shrinkEmpty(this.db, this.opts.shrinkAtFreeBytes);
  }

  /** Each lane's sequence numbers: settled up to ackedSeq, written up to nextSeq − 1. */
  lanesState(): { lane: number; ackedSeq: number; nextSeq: number }[] {
    return lanesOf(this.db);
  }

  /**
   * Up to `max` samples of `lane` written after sequence number `afterSeq`, in sequence order, read
   * back from the file and made known to `settle` (new objects: what was handed out before is not
   * read back unless asked for). Chunks are read whole and only the lines wanted are parsed.
   */
  readBack(lane: number, afterSeq: number, max = Infinity): Sample[] {
    return samplesAfter(this.sql.after.iterate(lane, afterSeq) as IterableIterator<ChunkRead>, lane, afterSeq, max, this.eras, this.placed, this.shared.resolve);
  }

  /** Every unsettled sample, per lane in sequence order (lanes one after another). */
  recover(): Sample[] {
    return this.lanesState().flatMap((l) => this.readBack(l.lane, l.ackedSeq));
  }

  inspect(): SpoolContents {
    return inspectSpoolDb(this.db);
  }

  /** Makes every commit so far durable against power loss (interval mode calls it on a timer). */
  checkpoint(): void {
    checkpointWal(this.db);
  }

  /**
   * When the spool's file is no longer at its path (deleted while open), writes the open copy there again, with what
   * is unsettled in it, and goes on in it: on a timer and at close. Said through `onDeleted`; false when it could not.
   */
  keepAtPath(atClose = false): boolean {
    if (sameFile(this.file, fileIdentity(this.path))) {
      if (this.putBackFailed) this.opts.onDeleted?.({ samples: this.inspect().waiting, back: true }); // someone put it back
      this.putBackFailed = false;
      return true;
    }
    const samples = this.inspect().waiting;
    const back = putBackAt(this.db, this.path, this.opts.fsync);
    if (isLeft(back)) {
      // Said once, and at close (then they are lost); tried again at each check meanwhile.
      if (!this.putBackFailed || atClose) this.opts.onDeleted?.({ samples, error: back.left, ...(atClose ? { atClose } : {}) });
      this.putBackFailed = true;
      return false;
    }
    this.putBackFailed = false;
    this.goOnIn(back.right);
    this.lock = relockIfGone(this.path, this.lock, (this.opts.clock ?? systemClock).now());
    this.opts.onDeleted?.({ samples });
    return true;
  }

  close(): void {
    this.timers.forEach((t) => t.cancel());
    if (this.db.open && this.waitingForSpace === undefined) {
      this.seriesStarts.writeChanges();
      this.keepAtPath(true);
    }
    this.db.close();
    this.lock?.release();
    this.opened.complete();
    this.placed.clear(); // samples still in delivery at a shutdown: not held by a closed spool
  }

  /** Lets go of the owner lock as a killed process would, nothing else (not closed, checkpointed or settled): for tests of a crash. */
  abandon(): void {
    this.timers.forEach((t) => t.cancel());
    this.lock?.release();
  }
}

