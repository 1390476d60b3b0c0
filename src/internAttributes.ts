/**
 * One object for equal attribute sets. Samples parsed one by one (NDJSON, replay) each bring a
 * fresh attributes object, and every per-series look-up downstream (reorderByEventTime's last
 * released time, deliverOrdered's lane, the sink's encoding worker) is memoised by that object's
 * identity: without sharing, each of them misses and builds the series key again, and the
 * encoding worker is not used at all (batchColumns.ts). Interning at the parser makes the
 * samples of a series share one object, as a source that builds them in code does.
 */
import type { Attributes } from './sample.js';
import { distinctNumbers } from './attributeJson.js';

/**
 * An interner keeping at most `maxEntries` sets (it starts over when full, so a stream of ever-new
 * series costs bounded memory: a few MiB at the default 16 384). Only sets of plain values, or
 * arrays of them (the SDK's resource has one), are interned: any other is returned as it is. Sets
 * with the same pairs in another order stay separate objects (still correct: sharing is only a
 * shortcut, series keys sort the names).
 */
export const createAttributeInterner = (maxEntries = 16_384): ((a: Attributes) => Attributes) => {
  let byText = new Map<string, Attributes>();
  return (a) => {
    let text = '';
    for (const k in a) {
      const v = a[k];
      const t = typeof v;
      // -0 apart from 0 (String(-0) is "0"): a series' attributes come back as they were written.
      if (t === 'string' || t === 'number' || t === 'boolean') text += `${k}\u0000${t === 'string' ? 's' : t === 'number' ? 'n' : 'b'}${Object.is(v, -0) ? '-0' : String(v)}\u0001`;
      else if (Array.isArray(v)) text += `${k}\u0000a${JSON.stringify(v, distinctNumbers)}\u0001`;
      else return a;
    }
    const prior = byText.get(text);
    if (prior !== undefined) return prior;
    if (byText.size >= maxEntries) byText = new Map();
    byText.set(text, a);
    return a;
  };
};
