/**
 * What an OK answer to an export says: how many points the receiver rejected (partial success)
 * and its message, decoded by the official serializer (ProtobufMetricsSerializer).
 *
 * - Partial success with nothing rejected and a message is a warning, per the OTLP spec (points
 *   accepted, but something about them changed or will stop working): it went unseen. Logged
 *   through diag (the command's log) once per message, the first 100 distinct ones.
 * - An OK whose body cannot be read (a proxy's, a receiver's bug) is taken as accepted, as its
 *   status says — sending the batch again could only duplicate it — with one warning. The
 *   serializer threw from inside grpc-js's callback: an uncaught exception (the end of
 *   `chronoq run`), and the batch never settled.
 */
import { diag } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';

export interface ExportAnswer {
  /** Points the receiver rejected (0: all accepted). */
  readonly rejected: number;
  readonly message: string;
}

const ACCEPTED: ExportAnswer = { rejected: 0, message: '' };
const MAX_WARNINGS = 100;
/** The warning key of unreadable answers (no message of a receiver starts with NUL). */
const UNREADABLE = '\u0000unreadable';

const countOf = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number(v ?? 0));

/** A reader of the answers of the receiver at `target` (host:port, for the warnings). */
export const createAnswerReader = (target: string): ((response: Buffer | undefined) => ExportAnswer) => {
  const warned = new Set<string>();
  const warnOnce = (key: string, text: string): void => {
    if (warned.has(key) || warned.size >= MAX_WARNINGS) return;
    warned.add(key);
    diag.warn(`chronoq: the receiver at ${target} ${text}`);
  };
  return (response) => {
    if (response === undefined) return ACCEPTED;
    let partial;
    try {
      partial = ProtobufMetricsSerializer.deserializeResponse(response)?.partialSuccess;
    } catch (e) {
      warnOnce(UNREADABLE, `answered OK with a body that is not an OTLP export response (${(e as Error).message}): taken as accepted`);
      return ACCEPTED;
    }
    const answer = { rejected: countOf(partial?.rejectedDataPoints), message: partial?.errorMessage ?? '' };
    if (answer.rejected === 0 && answer.message !== '') warnOnce(answer.message, `accepted every point with a warning: ${answer.message}`);
    return answer;
  };
};
