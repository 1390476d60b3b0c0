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
import { createGenerationalCache } from './generationalCache.js';

/**
 * An interner keeping the sets in use: up to `perGeneration` sets a generation, two generations
 * (generationalCache.ts: a set seen again within a generation stays, so up to `perGeneration`
 * series keep one object each however long they send). A stream of ever-new series costs bounded
 * memory: full, at the default 65 536, two generations of sets of three attributes held 36 MiB.
 * It started over when full, at 16 384: a gateway with more series than that shared nothing, and
 * every per-series memo downstream missed at every sample. Only sets of plain values, or arrays of
 * them (the SDK's resource has one), are interned: any other is returned as it is. Sets with the
 * same pairs in another order stay separate objects (still correct: sharing is only a shortcut,
 * series keys sort the names).
 */
export const createAttributeInterner = (perGeneration = 65_536): ((a: Attributes) => Attributes) => {
  const byText = createGenerationalCache<string, Attributes>(perGeneration);
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
    byText.set(text, a);
    return a;
  };
};
