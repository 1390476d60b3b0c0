/**
 * The receiver's request size limit, learned from its refusal. gRPC servers word it with both
 * numbers — Go's (the Collector's) `grpc: received message larger than max (9437184 vs. 4194304)`,
 * grpc-js's `Received message larger than max (9437184 vs 4194304)` — and the Collector's OTLP
 * receiver takes 4 MiB by default. The sink sends a refused batch again in halves
 * (narrowingDown.ts); before, every later request over the limit was sent too, to be refused
 * again — a batch of 60 000 samples of ~150 bytes (9.2 MB) went as 9.2 MB, 2 × 4.6 MB, then
 * 4 × 2.3 MB taken, and the refused ones were uploaded in part before the Collector reset them
 * (measured through a byte-counting proxy: 10.8 and 14.9 MB sent for two such batches, now 9.2
 * each). With the limit known, a request over it is refused here, unsent, in the same words, and
 * goes in parts at once.
 *
 * ```
 * batch 1:  [9.2 MB]→refused (… vs. 4194304): learned   [4.6 MB]→refused here, unsent   [2.3 MB]→ok  …
 * batch 2:  [9.2 MB]→refused here, unsent                [4.6 MB]→refused here, unsent   [2.3 MB]→ok  …
 * ```
 */
import { ExportError, isExportError } from '../errors.js';
import { GrpcStatus } from './classify.js';

const LIMIT_IN_WORDS = /larger than max \((\d+) vs\.? (\d+)\)/i;

export interface SizeLimit {
  /** Notes the limit a refusal names (any other error is ignored); the limit when it is new or lower. */
  learn(error: unknown): number | undefined;
  /** The refusal for a request of `bytes` over the learned limit, or undefined to send it. */
  refusalFor(bytes: number): ExportError | undefined;
}

export const createSizeLimit = (): SizeLimit => {
  let limitBytes: number | undefined;
  return {
    learn: (error) => {
      if (!isExportError(error) || error.code !== GrpcStatus.RESOURCE_EXHAUSTED) return undefined;
      const m = LIMIT_IN_WORDS.exec(error.message);
      const limit = m === null ? NaN : Number(m[2]);
      if (!Number.isSafeInteger(limit) || limit <= 0 || limit >= (limitBytes ?? Infinity)) return undefined;
      limitBytes = limit;
      return limit;
    },
    refusalFor: (bytes) =>
      limitBytes === undefined || bytes <= limitBytes ? undefined
        : new ExportError(`${GrpcStatus.RESOURCE_EXHAUSTED} RESOURCE_EXHAUSTED: not sent: the request is larger than max (${bytes} vs. ${limitBytes}), the limit the receiver refused a request for before`, {
          retryable: false,
          code: GrpcStatus.RESOURCE_EXHAUSTED,
        }),
  };
};
