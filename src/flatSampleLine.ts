/**
 * toJsonLine's fast path (sampleJson.ts) for the common sample: every field a string, a boolean,
 * a bigint or a finite number other than -0, and objects only as `attributes`, `resource` and
 * `scope`. The line is built by hand, field by field in the object's own order as JSON.stringify
 * writes them, with the text of each of those objects made once per object (samples of a series
 * share their attributes, the sources intern them; a request's samples share its resource and
 * scope) by the replacer path itself — so the text is the replacer path's to the character (a
 * property test holds the two to each other). Anything else — a histogram's value, NaN, -0, a
 * `toJSON` — returns undefined, and the replacer path writes the whole sample.
 *
 * JSON.stringify with a replacer calls it for every key and value: 1.3–1.5 µs a sample (a gauge
 * with 3 attributes, a resource of 3 and a scope), the largest single cost of an otlp source
 * writing into its spool (1.1 s of 6.2 s in a profile of bench/gateway.ts); this path 0.27–0.32 µs
 * (0.58–0.63 with sharedText a closure made at each call).
 */
import { createGenerationalCache } from './generationalCache.js';

/**
 * The fields whose objects are written once per object — a sample's own and its resource's
 * attributes, its scope — and their texts, by object (a sample's objects are not changed once it
 * holds them).
 */
const sharedTexts = { attributes: new WeakMap<object, string>(), resource: new WeakMap<object, string>(), scope: new WeakMap<object, string>() };
type Shared = keyof typeof sharedTexts;
const isShared = (k: string): k is Shared => Object.hasOwn(sharedTexts, k);
/** Field names as JSON writes them. */
const keyTexts = new Map<string, string>();
const keyText = (k: string): string => {
  let t = keyTexts.get(k);
  if (t === undefined) {
    t = `${JSON.stringify(k)}:`;
    if (keyTexts.size < 64) keyTexts.set(k, t);
  }
  return t;
};

/** Short strings' JSON texts (names, kinds, units repeat from sample to sample), those in use kept (generationalCache.ts). */
const stringTexts = createGenerationalCache<string, string>(4_096);
const stringText = (x: string): string => {
  if (x.length > 64) return JSON.stringify(x);
  let t = stringTexts.get(x);
  if (t === undefined) {
    t = JSON.stringify(x);
    stringTexts.set(x, t);
  }
  return t;
};

/** The text of `x` under `key`, as `byReplacer` writes it inside a sample: made once per object. */
export const sharedText = (x: object, key: Shared, byReplacer: (v: unknown) => string): string => {
  const texts = sharedTexts[key];
  let t = texts.get(x);
  if (t === undefined) {
    // `{"attributes":…}` written by the replacer path, the wrapper cut off.
    t = byReplacer({ [key]: x }).slice(key.length + 4, -1);
    texts.set(x, t);
  }
  return t;
};

/** What a line writes in place of a resource or scope (the spool's reference to it), or undefined: the object itself. */
export type SharedInstead = (x: object, key: 'resource' | 'scope') => string | undefined;

/**
 * The line of `v` when it is a flat sample (see above), else undefined. `byReplacer` is the
 * replacer path, which writes each attribute set, resource and scope (once per object);
 * `instead` gives the text to write for a resource or scope in its place.
 */
export const flatSampleLine = (v: unknown, byReplacer: (v: unknown) => string, instead?: SharedInstead): string | undefined => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const o = v as Record<string, unknown>;
  let line = '{';
  let first = true;
  for (const k of Object.keys(o)) {
    const x = o[k];
    let text: string;
    switch (typeof x) {
      case 'string':
        text = stringText(x);
        break;
      case 'number':
        if (!Number.isFinite(x) || Object.is(x, -0)) return undefined;
        text = String(x);
        break;
      case 'bigint':
        text = `"${x}"`;
        break;
      case 'boolean':
        text = x ? 'true' : 'false';
        break;
      case 'object':
        if (x === null) text = 'null';
        else if (isShared(k) && !Array.isArray(x)) text = (k !== 'attributes' ? instead?.(x, k) : undefined) ?? sharedText(x, k, byReplacer);
        else return undefined;
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        continue; // JSON.stringify leaves such a field out
    }
    line += first ? keyText(k) + text : `,${keyText(k)}${text}`;
    first = false;
  }
  return `${line}}`;
};
