/**
 * `chronoq replay FILE` (or `-`, stdin): sends the samples of a dead-letter file again, with their original
 * timestamps, through the skew and reorder checks (as samples not stamped by this process).
 * New dead letters go to the configured file (or FILE.replay if that is FILE itself).
 */
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { parseSampleLine } from '../sampleJson.js';
import { parseDeadLetterLine } from '../deadLetterJson.js';
import { isOtlpJsonLine } from '../otlpJson.js';
import type { Sample } from '../sample.js';
import { letterWithResource } from '../routed.js';
import { type Clock, systemClock } from '../clock.js';
import { Pipeline } from '../pipeline.js';
import { DeadLetterFile } from '../deadletter/deadLetterFile.js';
import { createSink } from '../sinks.js';
import type { Logger } from './log.js';
import { logDeliveryTrouble, sinkLogOptions } from '../telemetry/deliveryLog.js';
import { stopSignal$ } from './run.js';
import { deadLetterFileLog } from '../telemetry/pipelineLog.js';
import { totalDeadLetters } from '../stats.js';
import { ndjsonSamples, restCommand, restInWords } from '../sources/ndjson.js';
import { fileIdentity, isNamedPipe, isSqliteFile, sameFile } from '../fileIdentity.js';
import { rotatedDeadLetterFiles, rotatedFilesNote } from '../deadletter/rotatedFiles.js';
import { samplesFileHint } from './inspectDeadLetters.js';

const NOT_A_LETTER = 'a sample, not a dead letter';
/** Skipped lines said one by one; the rest are counted. */
const SAID_SKIPPED = 10;

export const replayCommand = async (file: string, c: ResolvedConfig, log: Logger, clock: Clock = systemClock): Promise<number> => {
  // '-' reads the letters from stdin: `grep '"retries-exhausted"' dead.ndjson | chronoq replay -`.
  const stdin = file === '-';
  try {
    if (!stdin && isNamedPipe(file)) return log('error', `cannot replay ${file}: it is a named pipe, which would stop everything until a writer opens it; read it as standard input: chronoq replay - < ${file}`), 2;
    if (!stdin) closeSync(openSync(file, 'r'));
    // A spool's bytes were read as lines: 15 "not JSON" warnings, and a hint to send it as a file of samples.
    if (!stdin && isSqliteFile(file)) return log('error', `cannot replay ${file}: it is a chronoq spool (SQLite), not a dead-letter file; chronoq run with spool.path ${file} delivers what it holds first, at its start (chronoq inspect ${file} shows it)`), 2;
  } catch (e) {
    const rotated = stdin ? [] : rotatedDeadLetterFiles(file);
    log('error', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}${rotated.length > 0 ? `; ${rotatedFilesNote(file, rotated, false)}` : ''}`);
    return 2;
  }
  // Older letters beside it are not replayed with it: said before anything is sent, while the
  // person can still stop and send them first.
  const rotated = stdin ? [] : rotatedDeadLetterFiles(file);
  if (rotated.length > 0) log('warn', `replaying ${file} only: ${rotatedFilesNote(file, rotated, true)}`);
  const named = stdin ? 'stdin' : file;
  let replayed = 0;
  let skipped = 0;
  /** Skipped lines that are samples, not dead letters (a file of samples given to replay). */
  let plainSamples = 0;
  /** A dead-letter line → its sample (counted), or why it cannot be replayed. */
  const sampleOfLetter = (line: string): Either<string, Sample> => {
    const d = parseDeadLetterLine(line);
    if (isLeft(d)) {
      if (isLeft(parseSampleLine(line)) && !isOtlpJsonLine(line)) return d;
      plainSamples++;
      return left(NOT_A_LETTER);
    }
    replayed++;
    return right(d.right.item);
  };
  // The first skipped lines are said each with its number (each names an input line to correct),
  // the rest counted and said once at the end: a file of a million samples given to replay wrote
  // a million lines.
  let unsaid = 0;
  let latestUnsaid = '';
  // The file itself by any name — a symlinked directory, a hard link — not only by the same path:
  // its new letters were appended to the file being read (read again, or sent twice next time).
  const replaysOwnFile = !stdin && (resolve(c.deadLetter.path) === resolve(file) || sameFile(fileIdentity(c.deadLetter.path), fileIdentity(file)));
  const outPath = replaysOwnFile ? `${file}.replay` : c.deadLetter.path;
  const deadLetterFile = new DeadLetterFile(outPath, { ...c.deadLetter, ...deadLetterFileLog({ ...c.deadLetter, path: outPath }, log) });
  const sink = createSink(c.sink, c.resource, clock);
  // A letter written again keeps the resource it carried; one without gets this config's (letterWithResource).
  const asSent = letterWithResource(c.resource);
  for (const warning of sink.startWarnings ?? []) log('warn', warning);
  // The file is read as the delivery queue has room for its samples, a line at a time: a
  // dead-letter file of any size, not all of it in memory (it was, as one string: past 512 MiB
  // Node cannot hold it, and replay failed).
  const letters = ndjsonSamples({
    path: file,
    parseLine: sampleOfLetter,
    hasRoom: () => pipeline.sourceHasRoom(),
    onInvalid: (e) => {
      skipped++;
      const line = `${named} line ${e.line} not replayed: ${e.reason}`;
      if (skipped <= SAID_SKIPPED) log('warn', skipped < SAID_SKIPPED ? line : `${line} (lines not replayed after this one are counted, and said in the last line)`);
      else {
        unsaid++;
        latestUnsaid = line;
      }
    },
    onUnread: (e) => log('warn', `replay stopped after line ${e.linesRead} of ${file}: ${restInWords(e, 'replayed')} (the rest: ${restCommand(e)})`, { linesRead: e.linesRead, unreadBytes: e.unreadBytes }),
  });
  // Dead letters are old on purpose: none is judged stale (maxPastMs), or under skew.policy
  // 'dead-letter' a replay an hour after the outage dead-lettered every letter again, as `skew`.
  // A sample in the future is still caught.
  const replayConfig: ResolvedConfig = { ...c, skew: { ...c.skew, maxPastMs: Number.POSITIVE_INFINITY } };
  const pipeline: Pipeline = new Pipeline(replayConfig, { send: sink.send, reachable$: sink.reachable$, silent$: sink.silent$, sources: [letters], deadLetters: (d) => deadLetterFile.append(asSent(d)), stampedLocally: false, clock });
  // A file that fails while it is read (a directory, an I/O error) ends the replay of it: said, and
  // the exit code says it too (the pipeline reports a failed source as an event, not an error).
  let readFailure: string | undefined;
  pipeline.events$.subscribe((e) => {
    if (e.type !== 'source-failed') return;
    const err = e.error as NodeJS.ErrnoException;
    readFailure = err?.code ?? String(err?.message ?? err);
    log('error', `cannot read ${named}: ${readFailure}; replayed what was read before it failed`);
  });
  // Replay retries like run does; with the receiver down it would otherwise wait without a word.
  logDeliveryTrouble(pipeline.events$, {
    ...sinkLogOptions(sink, c), log, deadLetterPath: outPath,
    whileFailing: `retrying, the samples wait; Ctrl-C stops, and what is not delivered by then goes to ${outPath} as dead letters (reason shutdown)`,
  });
  pipeline.start();
  let stopping = false;
  let cutShort = false;
  // A second stop signal stops at once, what is left written as dead letters as at the deadline
  // (before, it ended the process on the spot: no dead letters, no line saying where it stopped).
  const stop = (signal: string): void => {
    if (stopping) {
      if (cutShort || !signal.startsWith('SIG')) return;
      cutShort = true;
      log('warn', `${signal} again: stopping now instead of draining`);
      return pipeline.endDrainNow();
    }
    stopping = true;
    log('info', `${signal}: draining for at most ${c.delivery.shutdownDeadlineMs} ms (again to stop at once: what is left goes to ${outPath} as dead letters)`);
    void pipeline.shutdown();
  };
  const signals = stopSignal$.subscribe(stop);
  // The receiver is gone for good (console sink: nothing reads standard output): stop reading, as on Ctrl-C.
  const goneSub = sink.gone$?.subscribe((e) => {
    log('error', `${sink.describe}: ${e.message}; stopping`);
    stop('output closed');
  });
  await pipeline.done;
  if (unsaid > 0) log('warn', `${named}: ${unsaid} more lines not replayed (the last: ${latestUnsaid})`);
  if (plainSamples > 0) {
    log('warn', `${plainSamples} of the lines skipped are samples, not dead letters: ${samplesFileHint(stdin ? '-' : file)}`);
  }
  goneSub?.unsubscribe();
  signals.unsubscribe();
  deadLetterFile.close();
  sink.close();
  const s = pipeline.stats;
  const dead = totalDeadLetters(s);
  log('info', `replayed ${replayed} samples from ${named}: ${s.delivered} delivered, ${dead} dead-lettered${dead ? ` (→ ${outPath})` : ''}, ${skipped} lines skipped`, {
    replayed, delivered: s.delivered, deadLettered: dead, skipped, deadLetters: s.deadLetters,
  });
  return readFailure !== undefined ? 2 : dead > 0 ? 1 : 0;
};
