/**
 * What the NDJSON source makes of a line: a sample (parseSampleLine, or the `parseLine` given:
 * replay's dead letters), or an OTLP/JSON request's samples (otlpJson.ts: what a Collector's file
 * exporter writes; sample lines only). A blank line is nothing; a line that is not a sample, and
 * each metric of a request not taken, is reported through `onInvalid` with its number and why; so
 * is a line longer than maxLineBytes, with what to do about it.
 */
import { isLeft, type Either } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { parseSampleLine } from '../sampleJson.js';
import { type StaleMarkerPolicy, isOtlpJsonLine, parseOtlpJsonLine } from '../otlpJson.js';
import type { SummaryPolicy } from '../otlpSummaries.js';
import { type LongLine, withoutByteOrderMark } from './fileLines.js';
import type { InvalidLine } from './ndjsonOptions.js';

export interface LineHandlerOptions {
  /** The source's path, as its reports name it. */
  readonly path: string;
  readonly maxLineBytes: number;
  readonly parseLine?: (text: string) => Either<string, Sample>;
  readonly onInvalid?: ((line: InvalidLine) => void) | undefined;
  /** What becomes of an OTLP/JSON request's summaries: refused (default) or sent as gauges (otlpSummaries.ts). */
  readonly summaries?: SummaryPolicy | undefined;
  /** What becomes of an OTLP/JSON request's staleness markers: refused (default) or skipped, unreported. */
  readonly staleMarkers?: StaleMarkerPolicy | undefined;
}

/** A line (and its number) → its sample, a request's samples, or undefined (blank, or reported). */
export const createLineHandler = (opts: LineHandlerOptions) => {
  const parseLine = opts.parseLine ?? parseSampleLine;
  /** Sample lines (not another kind given by parseLine) may be OTLP/JSON requests too. */
  const readsOtlpJson = opts.parseLine === undefined;
  const report = (line: number, text: string, reason: string): void => opts.onInvalid?.({ source: opts.path, line, text, reason });
  return (line: string | LongLine, lineNumber: number): Sample | readonly Sample[] | undefined => {
    if (typeof line !== 'string') {
      // An OTLP/JSON request (a Collector's file exporter writes one a line) is as long as the request was.
      const hint = readsOtlpJson && isOtlpJsonLine(line.start) ? `an OTLP/JSON request: give the source maxLineBytes of at least ${line.bytes}` : 'is the file NDJSON, one sample a line?';
      return void report(lineNumber, line.start, `a line of ${line.bytes} bytes, longer than maxLineBytes ${opts.maxLineBytes}: not read (${hint})`);
    }
    const text = withoutByteOrderMark(line);
    if (text.trim() === '') return undefined;
    if (readsOtlpJson && isOtlpJsonLine(text)) {
      const request = parseOtlpJsonLine(text, { summaries: opts.summaries ?? 'refuse', staleMarkers: opts.staleMarkers ?? 'refuse' });
      for (const reason of isLeft(request) ? [request.left] : request.right.refused) report(lineNumber, text.slice(0, 1000), reason);
      return isLeft(request) ? undefined : request.right.samples;
    }
    const r = parseLine(text);
    if (!isLeft(r)) return r.right;
    return void report(lineNumber, text.slice(0, 1000), r.left);
  };
};
