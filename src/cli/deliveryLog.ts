/**
 * Log lines for delivery trouble, for `run` and `replay`: the status line only counts retries, so
 * the first failed attempt of an episode is logged with its error, and the episode's end — the
 * next delivery — once, with how many attempts failed. One line each way however long the outage
 * and however many lanes retry.
 */
import type { Observable } from 'rxjs';
import type { PipelineEvent } from '../pipeline.js';
import type { Logger } from './log.js';

/**
 * The error's message on one line (OpenSSL's reasons reach grpc-js's with line breaks in them),
 * without the empty "Resolution note:" grpc-js ends a connection error with.
 */
const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').replace(/\s*Resolution note:\s*$/, '').trim();

/** What a user can do about an error whose cause is not in its words. */
const hintFor = (message: string): string =>
  /Protocol error/.test(message) ? ' (the endpoint answered, but not in gRPC: OTLP/gRPC usually listens on 4317, OTLP/HTTP on 4318)'
  : /wrong version number/.test(message) ? ' (the endpoint does not speak TLS: for a plaintext receiver, write the endpoint as http://…)'
  : /Waiting for LB pick/.test(message) ? ' (no connection yet: the receiver accepted one and has not answered on it — hung, overloaded, or a proxy holding it; a new one is tried after sink.connectTimeoutMs)'
  : '';

/**
 * Logs delivery failures to `sink` (its description) as episodes; `whileFailing` ends the warning.
 * Also the one warning a run that reading waits for the reorder buffer, which says which settings
 * make it faster: without it, a slow import showed only `queued 0` and a low input rate.
 */
export const logDeliveryTrouble = (events$: Observable<PipelineEvent>, sink: string, log: Logger, whileFailing = 'retrying, the samples wait') => {
  let failedAttempts = 0;
  return events$.subscribe((e) => {
    if (e.type === 'retry') {
      if (failedAttempts++ > 0) return;
      const message = messageOf(e.error);
      log('warn', `delivery to ${sink} is failing: ${message}${hintFor(message)}; ${whileFailing}`);
    } else if (e.type === 'reading-waits-for-reorder') {
      log('warn', `reading waits for the reorder buffer: it holds ${e.reordering} samples of the ${e.highWater} reading may have outstanding (delivery.maxQueued ${e.maxQueued}), ` +
        `which go on as later times arrive or when they have waited reorder.maxDelayMs ${e.maxDelayMs}; to read faster, raise delivery.maxQueued or lower reorder.maxDelayMs`, { reordering: e.reordering, highWater: e.highWater });
    } else if (e.type === 'delivered' && failedAttempts > 0) {
      log('info', `delivery to ${sink} works again (after ${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'})`);
      failedAttempts = 0;
    }
  });
};
