/**
 * `chronoq inspect FILE`: a spool (samples waiting per lane, oldest and newest time, bytes,
 * acknowledged) or a dead-letter file (src/cli/inspectDeadLetters.ts), told apart by its first bytes.
 */
import { existsSync } from 'node:fs';
import { fileHead as head, isSqliteHead } from '../fileIdentity.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { inspectSpoolFile } from '../spool/inspectSpool.js';
import { attributeToJson } from '../attributeJson.js';
import { describeOwner, spoolOwner } from '../spool/spoolLock.js';
import type { Logger } from './log.js';
import { rotatedDeadLetterFiles, rotatedFilesNote } from '../deadletter/rotatedFiles.js';
import { formatDeadLetterSummary, isoOfNanos as iso, summarizeDeadLetters } from './inspectDeadLetters.js';

export const inspectCommand = async (path: string, json: boolean, log: Logger, out: (s: string) => void): Promise<number> => {
  // `-`: dead letters on standard input, as replay takes them (`cat PATH.1 PATH | chronoq inspect -`,
  // a rotated file's letters with the newest); it said "no file at -".
  if (path === '-') {
    const summary = await summarizeDeadLetters('stdin', process.stdin);
    out(json ? `${JSON.stringify(summary)}\n` : formatDeadLetterSummary(summary));
    return 0;
  }
  const rotated = rotatedDeadLetterFiles(path);
  if (!existsSync(path)) return log('error', `no file at ${path}${rotated.length > 0 ? `; ${rotatedFilesNote(path, rotated, false)} (or inspect each)` : ''}`), 2;
  let first: Buffer;
  try {
    first = head(path, 16);
  } catch (e) {
    return log('error', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`), 2;
  }
  if (!isSqliteHead(first)) {
    if (first.length > 0 && !first.toString('utf8').trimStart().startsWith('{')) return log('error', `${path} is neither a chronoq spool (SQLite) nor a dead-letter file (NDJSON); nothing was changed`), 2;
    const summary = await summarizeDeadLetters(path);
    out(json ? `${JSON.stringify(rotated.length > 0 ? { ...summary, rotatedFiles: rotated } : summary)}\n` : formatDeadLetterSummary(summary));
    if (!json && rotated.length > 0) out(`${rotatedFilesNote(path, rotated, true)}\n`);
    return 0;
  }
  // Read only: inspect never creates, repairs or moves a file (it may be pointed at the wrong one).
  const read = inspectSpoolFile(path);
  if (isLeft(read)) return log('error', read.left.message), 2;
  const info = read.right;
  // The chronoq that has it open, if one does: its figures change while it runs.
  const owner = spoolOwner(path);
  if (json) {
    // Times as decimal strings; a resource's NaN or ±Infinity as the dead-letter file writes it.
    out(`${JSON.stringify({ path, ...info, ...(owner ? { inUseBy: owner } : {}) }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : attributeToJson(v)))}\n`);
    return 0;
  }
  const damage = info.damage === undefined ? '' : ` (DAMAGED: ${info.damage}; chronoq run would move it aside and salvage ${info.salvageable ?? 0} samples)`;
  const inUse = owner === undefined ? '' : ` (in use by the chronoq with ${describeOwner(owner)})`;
  out(`spool ${path}: ${info.waiting} samples waiting, ${info.bytes} bytes${damage}${inUse}\n`);
  out('lane  waiting  oldest                    newest                    bytes      acknowledged up to seq\n');
  for (const l of info.lanes) {
    out(`${String(l.lane).padEnd(6)}${String(l.waiting).padEnd(9)}${iso(l.oldestUnixNano).padEnd(26)}${iso(l.newestUnixNano).padEnd(26)}${String(l.bytes).padEnd(11)}${l.ackedSeq}\n`);
  }
  if (info.newestGivenUnixNano !== undefined) out(`newest sample it was ever given: ${iso(info.newestGivenUnixNano)} (a restart's trusted time starts just after it; a clock behind it then is a step back: skew.restartFrom)\n`);
  if (info.seriesStartsKept !== undefined) out(`starts kept for the next run of ${info.seriesStartsKept} counters that came without one (taken up at its start: they go on from them)\n`);
  // Who the samples go out as: each with the resource it was written under (resourceEras.ts).
  const resources = info.resources ?? [];
  if (resources.length > 0) out('waiting  resource they were written under, and go out as\n');
  for (const r of resources) {
    const as = r.resource === undefined ? "(written before chronoq recorded it: the next run's)" : JSON.stringify(r.resource, (_k, v: unknown) => attributeToJson(v));
    out(`${String(r.waiting).padEnd(9)}${as}\n`);
  }
  return 0;
};
