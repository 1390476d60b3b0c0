/**
 * Damage handling for the spool, so that a bad file never turns into a crash loop:
 * - a torn tail of the write-ahead log (the process died mid-commit) is detected from the WAL's
 *   frame size; SQLite itself discards the incomplete transaction, which no caller was ever told
 *   was written, so nothing acknowledged is lost — it is reported;
 * - a main file that SQLite calls malformed is moved aside and its samples are recovered from the
 *   raw bytes: every complete JSON sample in it (they are stored as NDJSON text) is parsed back,
 *   its resource and scope from the shared rows its line names (sharedObjects.ts), also found in
 *   the bytes. Samples from freed pages may come back too: duplicates, never losses.
 */
import { existsSync, openSync, readSync, closeSync, statSync, readFileSync } from 'node:fs';
import { isRight } from 'fp-ts/lib/Either.js';
import type { Sample } from '../sample.js';
import { type SharedRefs, readObject, readRefs, sampleFromJson, toJsonLine } from '../sampleJson.js';
import type { SharedRead } from '../sampleLineParts.js';

/** If `${path}-wal` ends in a partial frame, how many bytes of it are torn off. */
export const tornWalTail = (path: string): number | undefined => {
  const wal = `${path}-wal`;
  if (!existsSync(wal)) return undefined;
  const size = statSync(wal).size;
  if (size < 32) return size > 0 ? size : undefined;
  const header = Buffer.alloc(32);
  const fd = openSync(wal, 'r');
  try {
    readSync(fd, header, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  const pageSize = header.readUInt32BE(8);
  if (pageSize < 512) return undefined;
  const rest = (size - 32) % (24 + pageSize);
  return rest === 0 ? undefined : rest;
};

/** The end of the JSON object starting at `start` (brace matching outside strings), or -1. */
const objectEnd = (text: string, start: number): number => {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length && i < start + 1_000_000; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
    else if (c === '\n' || c === '\u0000') return -1;
  }
  return -1;
};

/** Each complete JSON object in `text` that starts with `opening`, parsed (those that are not JSON left out). */
function* objectsAt(text: string, opening: string): Generator<Record<string, unknown>> {
  for (let i = text.indexOf(opening); i !== -1; i = text.indexOf(opening, i + 1)) {
    const end = objectEnd(text, i);
    if (end === -1) continue;
    try {
      yield JSON.parse(Buffer.from(text.slice(i, end), 'latin1').toString('utf8')) as Record<string, unknown>;
    } catch {
      // not whole
    }
  }
}

/** The shared rows (resources and scopes by reference) found in the bytes. */
const sharedIn = (text: string): SharedRefs => {
  const found = new Map<string, Record<string, unknown>>();
  for (const o of objectsAt(text, '{"ref":"')) if (typeof o['ref'] === 'string') found.set(o['ref'], o);
  return (key, ref) => {
    const v = found.get(ref)?.[key];
    return v === undefined ? undefined : readObject(key, v);
  };
};

/** Every complete sample found in a damaged file's bytes, in time order, without repeats. */
export const salvageSamples = (file: string): Sample[] => {
  const text = readFileSync(file).toString('latin1');
  const refs = sharedIn(text);
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const parsed of objectsAt(text, '{"name":')) {
    const read: SharedRead = {};
    if (readRefs(parsed, read, refs) !== undefined) continue; // a line naming a resource or scope whose row is lost
    const s = sampleFromJson(parsed, undefined, read);
    if (!isRight(s)) continue;
    const key = toJsonLine(s.right);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s.right);
  }
  return out.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));
};
