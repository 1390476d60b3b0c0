/**
 * The rotated files beside a dead-letter file (PATH.1, PATH.2, …: src/deadletter/deadLetterFile.ts),
 * for `chronoq inspect` and `chronoq replay`, which read the one file they are given: pointed at
 * PATH, they said nothing of the older letters beside it — inspect counted 332 letters of a run
 * that had 2 461 — and, when the last write had just rotated PATH away, answered "no file".
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * PATH.1, PATH.2, … as they exist, newest first. Read from the directory, not by counting up
 * from PATH.1: a process killed in the middle of a rotation (its renames one by one) leaves a gap.
 */
export const rotatedDeadLetterFiles = (path: string): string[] => {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => (name.startsWith(prefix) && /^[1-9]\d*$/.test(name.slice(prefix.length)) ? [[Number(name.slice(prefix.length)), name] as const] : []))
    .sort((a, b) => a[0] - b[0])
    .map(([, name]) => (dir === '.' && !path.startsWith('./') ? name : join(dir, name)));
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
