/**
 * The rotated files beside a dead-letter file (PATH.1, PATH.2, …: src/deadletter/deadLetterFile.ts),
 * for `chronoq inspect` and `chronoq replay`, which read the one file they are given: pointed at
 * PATH, they said nothing of the older letters beside it — inspect counted 332 letters of a run
 * that had 2 461 — and, when the last write had just rotated PATH away, answered "no file".
 */
import { existsSync } from 'node:fs';

/** PATH.1, PATH.2, … as they exist (rotation keeps them numbered without gaps), newest first. */
export const rotatedDeadLetterFiles = (path: string): string[] => {
  const files: string[] = [];
  for (let n = 1; existsSync(`${path}.${n}`); n++) files.push(`${path}.${n}`);
  return files;
};

const quoted = (p: string): string => (/^[\w./@%+:,-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`);

/**
 * What to say of them: where they are, and the one command that replays every file oldest first
 * (a series' older samples sent after its newer ones are refused by a backend that keeps order).
 * `withPath`: PATH itself is there and goes last.
 */
export const rotatedFilesNote = (path: string, rotated: readonly string[], withPath: boolean): string => {
  const oldestFirst = [...rotated].reverse();
  const all = withPath ? [...oldestFirst, path] : oldestFirst;
  const files = rotated.length === 1 ? `${rotated[0]}` : `${rotated.length} rotated files, ${oldestFirst[0]} (oldest) to ${rotated[0]}`;
  const command = all.length === 1 ? `chronoq replay ${quoted(all[0]!)}` : `cat ${all.map(quoted).join(' ')} | chronoq replay -`;
  return `older dead letters are in ${files}; ${all.length === 1 ? 'to replay it' : 'every file, oldest first'}: ${command}`;
};
