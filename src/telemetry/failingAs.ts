/**
 * How the receiver is failing, in a word for the status line and the breaker alert, from the last
 * retried error. Both said "unreachable" whenever the breaker was open: for a collector that hung
 * (SIGSTOP: every call timed out while its connection stood), one that answered UNAVAILABLE
 * itself (the memory limiter refusing data) or a backend throttling with RetryInfo — someone
 * reading it went looking for a network fault. The log's warning line has the error itself.
 */
import { isExportError, isOutcomeUnknown } from '../errors.js';

export type FailingAs = 'unreachable' | 'not answering' | 'refusing for now' | 'throttling' | 'out of disk space' | 'failing';

/** Words of a connection that could not be made or was lost (grpc-js's and Node's). */
const CONNECTION = /No connection established|Failed to connect|Connection dropped|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|Connection closed|TLS|handshake|certificate/i;

export const howFailing = (e: unknown): FailingAs => {
  if (!isExportError(e)) return 'failing';
  if (e.code === 8) return 'throttling';
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return 'out of disk space'; // an NDJSON sink's file (sinks.ts)
  if (typeof e.code === 'string') return /TIMEOUT/.test(e.code) ? 'not answering' : 'unreachable';
  if (e.code === 14) return CONNECTION.test(e.message) ? 'unreachable' : 'refusing for now';
  if (e.code === 4 || isOutcomeUnknown(e)) return 'not answering';
  return 'failing';
};
