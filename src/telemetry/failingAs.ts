/**
 * How the receiver is failing, in a word for the status line and the breaker alert, from the last
 * retried error. Both said "unreachable" whenever the breaker was open: for a collector that hung
 * (SIGSTOP: every call timed out while its connection stood), one that answered UNAVAILABLE
 * itself (the memory limiter refusing data) or a backend throttling with RetryInfo — someone
 * reading it went looking for a network fault. The log's warning line has the error itself.
 */
import { isAnsweredByReceiver, isExportError, isOutcomeUnknown } from '../errors.js';

export type FailingAs = 'unreachable' | 'not answering' | 'refusing for now' | 'throttling' | 'out of disk space' | 'failing';

export const howFailing = (e: unknown): FailingAs => {
  if (!isExportError(e)) return 'failing';
  if (e.code === 8) return 'throttling';
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return 'out of disk space'; // an NDJSON sink's file (sinks.ts)
  if (typeof e.code === 'string') return /TIMEOUT/.test(e.code) ? 'not answering' : 'unreachable';
  // The receiver's own UNAVAILABLE (classify.ts marks it `answered`), or one gRPC made up for a connection it could not make or lost.
  if (e.code === 14) return isAnsweredByReceiver(e) ? 'refusing for now' : 'unreachable';
  if (e.code === 4 || isOutcomeUnknown(e)) return 'not answering';
  return 'failing';
};

/** The word for an open breaker: how the receiver failed, or "unreachable" before any failure said more. */
export const failingWord = (failingAs: FailingAs | undefined): FailingAs => failingAs ?? 'unreachable';
