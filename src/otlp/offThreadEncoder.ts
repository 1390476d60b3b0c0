/**
 * Encodes the sink's large batches on a worker thread, so that the official serializer — the
 * largest single cost of delivery, ~600 ns a sample — does not run on the thread that reads,
 * reorders and batches the samples (the application's own event loop, when chronoq is embedded).
 *
 * The batch crosses as columns (batchColumns.ts), not as a structured clone of its samples,
 * which would cost as much as the encoding it moves. The worker runs the same encoder as the
 * sink's own thread (encodeWorker.ts), so the request is byte for byte the same either way.
 *
 * Small batches (below `minBatchSize`) are encoded in place: the round trip to the worker would
 * cost more than it saves, and a quiet pipeline never starts a worker. A batch is also encoded in
 * place when it cannot be packed exactly, when the worker is not ready yet, when it answers with
 * an error, for a while after batches whose samples do not share attribute objects, and for good
 * once the worker has failed (could not start, exited, threw): the worker is an optimisation,
 * never a reason for a batch to fail.
 *
 * Lifecycle: one worker serves every sink of the process; it starts on the first large batch
 * and holds the process open only while it has work. A sink's `close()` ends its channel (work
 * it still had at the worker is encoded in place).
 */
import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Attributes, Sample } from '../sample.js';
import type { InstrumentationScopeInfo } from './toResourceMetrics.js';
import { createBatchPacker } from './batchColumns.js';
import type { EncodeReply, EncodeRequest } from './encodeWorker.js';

export type EncodeDone = (error: unknown, bytes?: Buffer) => void;

export interface OffThreadEncoder {
  /** Encodes `batch` and calls `done` once (at once when encoded in place); returns a cancel. */
  encode(batch: readonly Sample[], done: EncodeDone): () => void;
  /** True once the worker has started and answers (for tests and status). */
  readonly workerReady: boolean;
  close(): void;
}

export interface OffThreadEncoderOptions {
  readonly resource: Attributes;
  readonly scope: InstrumentationScopeInfo | undefined;
  /** Encodes a batch on this thread; may throw (the sink's failure handling takes it from there). */
  readonly encodeInPlace: (batch: readonly Sample[]) => Buffer;
  /** Batches smaller than this are encoded in place. Default 256. */
  readonly minBatchSize?: number;
}

/** A batch at the worker, and how to encode it in place if the worker cannot. */
interface Job {
  readonly channel: number;
  readonly batch: readonly Sample[];
  readonly done: EncodeDone;
  readonly inPlace: (batch: readonly Sample[], done: EncodeDone) => void;
}

/**
 * The worker, shared by every sink of the process (one thread, started on first use, kept
 * while the process lives but holding it open only while it has work).
 */
const shared = {
  worker: undefined as Worker | undefined,
  ready: false,
  failed: false,
  pending: new Map<number, Job>(),
  nextSeq: 0,
  nextChannel: 0,
};

/** Encodes in place the pending jobs `which` selects. */
const takeBack = (which: (job: Job) => boolean): void => {
  const jobs = [...shared.pending].filter(([, job]) => which(job));
  for (const [seq] of jobs) shared.pending.delete(seq);
  if (shared.pending.size === 0) shared.worker?.unref();
  for (const [, job] of jobs) job.inPlace(job.batch, job.done);
};

const giveUp = (): void => {
  shared.failed = true;
  shared.ready = false;
  const w = shared.worker;
  shared.worker = undefined;
  void w?.terminate();
  takeBack(() => true);
};

/**
 * The worker's code. Built, it is encodeWorker.js beside this file. Run from source under tsx,
 * it is the .ts file, which the worker must load through tsx too: Node 20 does not hand a
 * loader's hooks to worker threads, so the worker registers tsx itself first.
 */
const newWorker = (): Worker => {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./encodeWorker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`, { eval: true });
};

const startWorker = (): void => {
  let worker: Worker;
  try {
    worker = newWorker();
  } catch {
    shared.failed = true;
    return;
  }
  shared.worker = worker;
  worker.on('message', (reply: EncodeReply) => {
    if ('ready' in reply) return void (shared.ready = true);
    const job = shared.pending.get(reply.seq);
    if (job === undefined) return; // cancelled
    shared.pending.delete(reply.seq);
    if (shared.pending.size === 0) worker.unref();
    if ('bytes' in reply) job.done(undefined, Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength));
    else job.inPlace(job.batch, job.done);
  });
  worker.on('error', giveUp);
  worker.on('messageerror', giveUp);
  worker.on('exit', () => {
    if (shared.worker === worker) giveUp();
  });
  // After the listeners: adding a 'message' listener refs the worker again, and unref'd before
  // it, a worker that started and was never sent a batch held the process open for good.
  worker.unref();
};

/** Batches of mostly new series in a row after which the encoder stops using the worker for a while. */
const MOSTLY_NEW_LIMIT = 3;
const IN_PLACE_AFTER_MOSTLY_NEW = 1_000;

export const createOffThreadEncoder = (opts: OffThreadEncoderOptions): OffThreadEncoder => {
  const minBatchSize = opts.minBatchSize ?? 256;
  const channel = shared.nextChannel++;
  const packer = createBatchPacker();
  let opened = false;
  let closed = false;
  /** Batches in a row that were mostly new series, and how many more to encode in place. */
  let mostlyNewInARow = 0;
  let inPlaceFor = 0;

  const inPlace = (batch: readonly Sample[], done: EncodeDone): void => {
    let bytes: Buffer;
    try {
      bytes = opts.encodeInPlace(batch);
    } catch (e) {
      return done(e);
    }
    done(undefined, bytes);
  };
  /** Posts to the worker; false when the message could not be cloned (nothing was sent). */
  const post = (worker: Worker, message: EncodeRequest, transfer: ArrayBuffer[] = []): boolean => {
    try {
      worker.postMessage(message, transfer);
      return true;
    } catch {
      return false;
    }
  };

  return {
    encode(batch, done) {
      if (batch.length < minBatchSize || closed || shared.failed) {
        inPlace(batch, done);
        return () => undefined;
      }
      if (inPlaceFor > 0) {
        inPlaceFor--;
        inPlace(batch, done);
        return () => undefined;
      }
      if (shared.worker === undefined) startWorker();
      const worker = shared.worker;
      if (worker === undefined || !shared.ready) {
        inPlace(batch, done);
        return () => undefined;
      }
      if (!opened && !(opened = post(worker, { channel, open: { resource: opts.resource, scope: opts.scope } }))) {
        closed = true; // a resource the structured clone refuses: this sink encodes in place
        inPlace(batch, done);
        return () => undefined;
      }
      const packed = packer.pack(batch);
      // Samples that do not share attribute objects (each built on its own) bring a SeriesInfo
      // apiece, whose structured clone costs as much as the encoding it moves: a first batch of
      // many series does once, such a stream every time. After three such batches in a row,
      // the next thousand are encoded in place, then the worker is tried again.
      if (packed !== undefined && packed.newSeries.length * 2 > batch.length) {
        if (++mostlyNewInARow >= MOSTLY_NEW_LIMIT) {
          mostlyNewInARow = 0;
          inPlaceFor = IN_PLACE_AFTER_MOSTLY_NEW;
        }
      } else mostlyNewInARow = 0;
      const seq = shared.nextSeq++;
      const sent = packed !== undefined && post(worker, { channel, seq, packed }, [packed.series.buffer, packed.times.buffer, packed.starts.buffer, packed.values.buffer, packed.flags.buffer] as ArrayBuffer[]);
      if (!sent) {
        // Not packable, or a value the structured clone refuses (a histogram holding a
        // function…): the series this batch introduced never arrived, so the packer starts over.
        if (packed !== undefined) packer.forgetAll();
        inPlace(batch, done);
        return () => undefined;
      }
      shared.pending.set(seq, { channel, batch, done, inPlace });
      if (shared.pending.size === 1) worker.ref();
      return () => {
        if (shared.pending.delete(seq) && shared.pending.size === 0) shared.worker?.unref();
      };
    },
    get workerReady() {
      return shared.ready;
    },
    close() {
      if (closed) return;
      closed = true;
      if (opened && shared.worker !== undefined) post(shared.worker, { channel, close: true });
      takeBack((job) => job.channel === channel);
    },
  };
};

/** The shared worker, for tests that need to see it die as a crash would (test/support/encodeWorkerCrash.ts). */
export const encodingWorkerForTests = (): Worker | undefined => shared.worker;
