/**
 * The reorder buffer's priority queue: a binary min-heap over parallel arrays, ordered by
 * (time, arrival sequence). Times are kept as doubles relative to the first time pushed,
 * `(hi − baseHi)·2³² + (lo − baseLo)` from the exact halves of src/timeKey.ts: exact for times
 * within 2⁵³ ns (104 days) of that base, and monotonic (never inverted) beyond it, where equal
 * doubles fall back to the exact halves. Comparing doubles in a packed array is several times
 * faster than comparing bigints or object fields.
 */
import type { TimeKey } from './timeKey.js';

const TWO_32 = 4294967296;
const EXACT = 2 ** 53;

export interface TimeHeapItem extends TimeKey {
  readonly seq: number;
}

export interface TimeHeap<T extends TimeHeapItem> {
  readonly size: number;
  push(item: T): void;
  peek(): T | undefined;
  pop(): T | undefined;
}

/** x before y, for two items whose double keys are equal. */
const tieBefore = (x: TimeHeapItem, y: TimeHeapItem, key: number): boolean =>
  Math.abs(key) >= EXACT && (x.hi !== y.hi || x.lo !== y.lo)
    ? x.hi < y.hi || (x.hi === y.hi && x.lo < y.lo)
    : x.seq < y.seq;

export const createTimeHeap = <T extends TimeHeapItem>(): TimeHeap<T> => {
  const keys: number[] = [];
  const items: T[] = [];
  let baseHi = 0;
  let baseLo = 0;
  let based = false;

  return {
    get size() {
      return keys.length;
    },
    push(item) {
      if (!based) {
        baseHi = item.hi;
        baseLo = item.lo;
        based = true;
      }
      const key = (item.hi - baseHi) * TWO_32 + (item.lo - baseLo);
      let i = keys.length;
      keys.push(key);
      items.push(item);
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pk = keys[p]!;
        if (pk < key || (pk === key && !tieBefore(item, items[p]!, key))) break;
        keys[i] = pk;
        items[i] = items[p]!;
        i = p;
      }
      keys[i] = key;
      items[i] = item;
    },
    peek: () => items[0],
    pop() {
      const top = items[0];
      const lastKey = keys.pop();
      const lastItem = items.pop();
      const n = keys.length;
      if (n === 0 || lastKey === undefined || lastItem === undefined) return top;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let ck = keys[l]!;
        if (r < n) {
          const rk = keys[r]!;
          if (rk < ck || (rk === ck && tieBefore(items[r]!, items[l]!, rk))) {
            c = r;
            ck = rk;
          }
        }
        if (lastKey < ck || (lastKey === ck && tieBefore(lastItem, items[c]!, ck))) break;
        keys[i] = ck;
        items[i] = items[c]!;
        i = c;
      }
      keys[i] = lastKey;
      items[i] = lastItem;
      return top;
    },
  };
};
