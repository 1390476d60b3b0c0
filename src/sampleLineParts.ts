/**
 * A sample's line read in parts: the objects a series repeats — its `attributes`, `resource` and
 * `scope` — are cut out as text and each text read once (attributes and resource interned, the
 * scope made once), and JSON.parse reads the rest, the head, where each stands as a placeholder.
 *
 * ```
 * line:  {"name":"m","value":1,"timeUnixNano":"17…","attributes":{"route":"/a"},"startTimeUnixNano":"17…","resource":{…}}
 * head:  {"name":"m","value":1,"timeUnixNano":"17…","attributes":"\u0000…","startTimeUnixNano":"17…","resource":"\u0000…"}
 * texts: {"route":"/a"}  {…}                                         looked up; read when new
 * ```
 *
 * Read back from the spool, a line cost 2.6–3.1 µs, two thirds of it JSON.parse on the repeated
 * objects and turning them into interned attribute sets and a new scope object a line: the
 * largest cost of a backlog's read-back. A scan of the line's structure in JavaScript cost as much
 * as it saved (~1 µs: every character read one at a time), and so did one cache of the whole tail
 * from the attributes on, which an otlp source's line does not repeat (its start time and value
 * type follow the attributes). So each object is found by native searches: `,"attributes":{` —
 * which cannot be inside a string, where a quote is escaped — to the first `}` after it. That
 * holds the whole object only when it has no object or `}` inside (else its text is not JSON, or
 * the head is not), and is the sample's own only when the head, parsed, has the placeholder at
 * that key (a scope's attributes found first leave the sample's as they are). Anything else is
 * read whole, which says what is wrong in its own words.
 */
import { type GenerationalCache, createGenerationalCache } from './generationalCache.js';

export type SharedKey = 'attributes' | 'resource' | 'scope';
export type SharedRead = { -readonly [K in SharedKey]?: unknown };

/** What stands for a cut-out object in the head; a line holding its text is read whole. */
const PLACEHOLDER = '\u0000chronoq:cut';
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);
/** A text that is not a whole object (one inside it, or a `}` in a string): left in the head. */
const NOT_WHOLE = Symbol('not a whole object');

const cuts: readonly { readonly key: SharedKey; readonly at: string }[] = [
  { key: 'attributes', at: ',"attributes":{' }, { key: 'resource', at: ',"resource":{' }, { key: 'scope', at: ',"scope":{' },
];

/**
 * Each object's text → what readObject made of it, those in use kept (generationalCache.ts): an
 * attribute set a series, up to 65 536 a generation as the attribute interner keeps.
 */
const texts: Record<SharedKey, GenerationalCache<string, unknown>> = {
  attributes: createGenerationalCache(65_536), resource: createGenerationalCache(4_096), scope: createGenerationalCache(4_096),
};

const wholeObject = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_WHOLE;
  }
};

/**
 * The line's object with its repeated objects read (`read`, by key; `o` holds placeholders at
 * those keys), or undefined: read it whole. `readObject` makes a sample's object of a text's JSON.
 */
export const readByParts = (line: string, readObject: (key: SharedKey, v: unknown) => unknown): { o: Record<string, unknown>; read: SharedRead } | undefined => {
  if (line.includes('\\u0000')) return undefined; // maybe the placeholder itself
  const read: SharedRead = {};
  // The cut-out spans, in the line's order (at most three).
  const spans: [number, number][] = [];
  try {
    // Each looked for after the one before (the order chronoq writes them in); one before it stays in the head.
    let after = 0;
    for (const { key, at } of cuts) {
      const found = line.indexOf(at, after);
      if (found < 0) continue;
      const start = found + at.length - 1;
      const end = line.indexOf('}', start) + 1;
      if (end === 0) break;
      const text = line.slice(start, end);
      let v = texts[key].get(text);
      if (v === undefined) {
        v = wholeObject(text);
        texts[key].set(text, v === NOT_WHOLE ? v : (v = readObject(key, v)));
      }
      if (v === NOT_WHOLE) continue;
      read[key] = v;
      spans.push([start, end]);
      after = end;
    }
    if (spans.length === 0) return undefined;
    let head = '';
    let from = 0;
    for (const [start, end] of spans) {
      head += line.slice(from, start) + PLACEHOLDER_JSON;
      from = end;
    }
    const o = JSON.parse(head + line.slice(from)) as unknown;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    const r = o as Record<string, unknown>;
    for (const key in read) if (r[key] !== PLACEHOLDER) return undefined; // not the sample's own
    return { o: r, read };
  } catch {
    return undefined;
  }
};
