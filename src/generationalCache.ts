/**
 * A bounded map that keeps what is in use: entries go into the current generation, and when it
 * holds `perGeneration` the current one becomes the previous one (the one before is let go). A
 * look-up that finds an entry in the previous generation brings it into the current one, so an
 * entry used at least once a generation stays, and a working set of up to `perGeneration` entries
 * is all kept however long it cycles. A map that started over when full (the attribute interner's
 * first policy) kept nothing of a working set larger than its bound: with 50 000 series sending
 * in turn it missed at every look-up, and each miss cost more than no map at all (its entries
 * lived just long enough to be promoted out of V8's young generation, then died).
 *
 * A working set larger than a generation still misses: an entry is let go before it is used
 * again. When most look-ups of a generation missed, only every `THRASHING_ADMITS`th new entry is
 * taken in during the next: the generations then turn over that much more slowly, so their
 * entries live long enough to be found again (a share of the working set is kept, not none), and
 * the misses cost that much less. Judged from the second generation on (the first is filled from
 * empty, missing by nature).
 */
export interface GenerationalCache<K, V> {
  get(key: K): V | undefined;
  /** Takes in an entry that `get` did not find (perhaps not, while the cache thrashes). */
  set(key: K, value: V): void;
}

/** While thrashing, one new entry in this many is taken in. */
export const THRASHING_ADMITS = 16;

export const createGenerationalCache = <K, V>(perGeneration: number): GenerationalCache<K, V> => {
  let current = new Map<K, V>();
  let previous: Map<K, V> | undefined;
  let lookups = 0;
  let hits = 0;
  let thrashing = false;
  let refused = 0;
  const put = (key: K, value: V): void => {
    if (current.size >= perGeneration) {
      // Judged once a generation has been filled beside a previous one.
      thrashing = previous !== undefined && hits * 2 < lookups;
      previous = current;
      current = new Map();
      lookups = hits = 0;
    }
    current.set(key, value);
  };
  return {
    get: (key) => {
      lookups++;
      const value = current.get(key);
      if (value !== undefined) return hits++, value;
      const older = previous?.get(key);
      if (older !== undefined) (hits++, put(key, older));
      return older;
    },
    set: (key, value) => {
      if (thrashing && ++refused % THRASHING_ADMITS !== 0) return;
      put(key, value);
    },
  };
};
