/**
 * `chronoq replay FILE`: sends the samples of a dead-letter file again, with their original
 * timestamps, through the skew and reorder checks (as samples not stamped by this process).
 * New dead letters go to the configured file (or FILE.replay if that is FILE itself).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { parseDeadLetterLine } from '../sampleJson.js';
import type { Sample } from '../sample.js';
import { type Clock, systemClock } from '../clock.js';
import { Pipeline } from '../pipeline.js';
import { DeadLetterFile } from '../deadletter/deadLetterFile.js';
import { createSink } from '../sinks.js';
import type { Logger } from './log.js';
import { logDeliveryTrouble } from './deliveryLog.js';
import { STOP_SIGNALS } from './run.js';
import { totalDeadLetters } from '../stats.js';
import { arraySamples } from '../sources/arraySamples.js';

export const replayCommand = async (file: string, c: ResolvedConfig, log: Logger, clock: Clock = systemClock): Promise<number> => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    log('error', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return 2;
  }
  const samples: Sample[] = [];
  let skipped = 0;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const d = parseDeadLetterLine(line);
    if (isLeft(d)) {
      skipped++;
      log('warn', `${file} line ${i + 1} not replayed: ${d.left}`);
    } else samples.push(d.right.item);
  });
  const outPath = resolve(c.deadLetter.path) === resolve(file) ? `${file}.replay` : c.deadLetter.path;
  const deadLetterFile = new DeadLetterFile(outPath, c.deadLetter);
  const sink = createSink(c.sink, c.resource, clock);
  // The samples go in as the delivery queue has room for them, not all at once.
  const pipeline: Pipeline = new Pipeline(c, { send: sink.send, sources: [arraySamples({ items: samples, hasRoom: () => pipeline.sourceHasRoom() })], deadLetters: (d) => deadLetterFile.append(d), stampedLocally: false, clock });
  // Replay retries like run does; with the receiver down it would otherwise wait without a word.
  logDeliveryTrouble(pipeline.events$, sink.describe, log, `retrying, the samples wait; Ctrl-C stops, and what is not delivered by then goes to ${outPath} as dead letters (reason shutdown)`);
  pipeline.start();
  const stop = (signal: NodeJS.Signals): void => {
    for (const sig of STOP_SIGNALS) process.off(sig, stop);
    log('info', `${signal}: draining for at most ${c.delivery.shutdownDeadlineMs} ms`);
    void pipeline.shutdown();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, stop);
  await pipeline.done;
  for (const sig of STOP_SIGNALS) process.off(sig, stop);
  deadLetterFile.close();
  sink.close();
  const s = pipeline.stats;
  const dead = totalDeadLetters(s);
  log('info', `replayed ${samples.length} samples from ${file}: ${s.delivered} delivered, ${dead} dead-lettered${dead ? ` (→ ${outPath})` : ''}, ${skipped} lines skipped`, {
    replayed: samples.length, delivered: s.delivered, deadLettered: dead, skipped, deadLetters: s.deadLetters,
  });
  return dead > 0 ? 1 : 0;
};
