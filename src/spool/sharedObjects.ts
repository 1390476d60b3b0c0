/**
 * The resources and scopes of the spool's lines, each written once. A line held its sample's
 * resource and scope whole, as an NDJSON line does; an application's SDK gives its resource some
 * 20 attributes (SDK, process, host, container, cloud: ~800 bytes of JSON), and through an otlp
 * source every sample carries it — so a line was 1.1 KB where its own fields took ~300 bytes, and
 * a gateway with a spool took 28 % fewer points a second with such apps than with a two-attribute
 * resource (bench/gateway.ts --sdk-resource), while the Collector's queue, which keeps a request's
 * resource once, took as many.
 *
 * A line now names them by reference — a hash of the object's text, so that the same object
 * written by any run has the same name — and shared_objects holds each one's text once, written
 * (or its last_chunk moved on) in the transaction of every append whose lines name it:
 *
 * ```
 * line:           {"name":"m","value":1,…,"attributes":{"route":"/a"},"resource":"q3Vx…","scope":"Zk1c…"}
 * shared_objects: q3Vx… → {"ref":"q3Vx…","resource":{"service.name":"checkout",…}}, last_chunk 812
 * ```
 *
 * A row whose last chunk is older than every chunk left is let go (every DROP_EVERY appends, in
 * one of them, and at open): a gateway's apps come and go, and their resources would otherwise
 * stay. A row's text says which object it is and names its reference, so a damaged file's salvage
 * finds both (salvage.ts).
 */
import { createHash } from 'node:crypto';
import type { Sample } from '../sample.js';
import { jsonLineByReplacer, readObject } from '../sampleJson.js';
import { flatSampleLine, sharedText } from '../flatSampleLine.js';
import { createGenerationalCache } from '../generationalCache.js';
import type { SpoolStatements } from './schema.js';

type SharedKey = 'resource' | 'scope';

interface Named {
  /** The reference as a line writes it: a JSON string. */
  readonly quoted: string;
  readonly ref: string;
  /** The row's text. */
  readonly text: string;
  /** The append that last named it. */
  namedIn: number;
}

/** Appends between two lettings-go of rows no chunk names any more. */
export const DROP_EVERY = 256;

export interface SharedObjects {
  /** Starts an append: the objects its lines name are counted from here. */
  begin(): void;
  /** The line of a sample, its resource and scope as references. */
  readonly lineOf: (s: Sample) => string;
  /** In the append's transaction, after its chunks (the newest `lastChunk`): writes the objects its lines named. */
  written(lastChunk: number): void;
  /** A reference read from a line → the object, read as a whole line's would be (undefined: not in the file). */
  readonly resolve: (key: SharedKey, ref: string) => unknown;
}

const refOf = (key: SharedKey, text: string): string => createHash('sha256').update(key).update('\n').update(text).digest('base64url').slice(0, 16);

/** The shared objects of a spool database, through its statements `sql`. */
export const sharedObjects = (sql: SpoolStatements): SharedObjects => {
  const named = { resource: new WeakMap<object, Named>(), scope: new WeakMap<object, Named>() };
  // By text too: objects alike (a source that makes a scope object a sample) share one, hashed once.
  const byText = { resource: createGenerationalCache<string, Named>(4_096), scope: createGenerationalCache<string, Named>(4_096) };
  let append = 0;
  /** The objects the append in progress named. */
  const namedNow: Named[] = [];
  const read = createGenerationalCache<string, unknown>(4_096);
  try {
    sql.dropShared.run();
  } catch {
    // A full disk: let go at a later append.
  }

  /** The object's name, counted as named by the append in progress. */
  const nameOf = (x: object, key: SharedKey): Named => {
    let n = named[key].get(x);
    if (n === undefined) {
      const text = sharedText(x, key, jsonLineByReplacer);
      n = byText[key].get(text);
      if (n === undefined) {
        const ref = refOf(key, text);
        n = { quoted: `"${ref}"`, ref, text: `{"ref":"${ref}",${JSON.stringify(key)}:${text}}`, namedIn: 0 };
        byText[key].set(text, n);
      }
      named[key].set(x, n);
    }
    if (n.namedIn !== append) {
      n.namedIn = append;
      namedNow.push(n);
    }
    return n;
  };
  const instead = (x: object, key: SharedKey): string => nameOf(x, key).quoted;
  // The replacer path (a histogram, a non-finite value: flatSampleLine declines) writes a copy holding the references.
  const withRefs = (s: Sample): unknown => {
    const o: Record<string, unknown> = { ...s };
    if (s.resource !== undefined) o['resource'] = nameOf(s.resource, 'resource').ref;
    if (s.scope !== undefined) o['scope'] = nameOf(s.scope, 'scope').ref;
    return o;
  };

  return {
    begin: () => {
      append++;
      namedNow.length = 0;
    },
    lineOf: (s) => flatSampleLine(s, jsonLineByReplacer, instead) ?? jsonLineByReplacer(withRefs(s)),
    written: (lastChunk) => {
      for (const n of namedNow) sql.upsertShared.run(n.ref, n.text, lastChunk);
      if (append % DROP_EVERY === 0) sql.dropShared.run();
    },
    resolve: (key, ref) => {
      let v = read.get(ref);
      if (v === undefined) {
        const text = sql.sharedText.get(ref) as string | undefined;
        if (text === undefined) return undefined;
        const o = JSON.parse(text) as Record<string, unknown>;
        if (o[key] === undefined) return undefined;
        v = readObject(key, o[key]);
        read.set(ref, v);
      }
      return v;
    },
  };
};
