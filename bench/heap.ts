/**
 * A binary min-heap over an array, ordered by a `before(a, b)` predicate.
 * O(log n) push and pop, O(1) peek. The benchmarks' bare-heap baseline.
 */
export interface Heap<T> {
  readonly size: number;
  push(item: T): void;
  peek(): T | undefined;
  pop(): T | undefined;
}

export const createHeap = <T>(before: (a: T, b: T) => boolean): Heap<T> => {
  const items: T[] = [];
  const siftUp = (start: number): void => {
    let i = start;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  };
  const siftDown = (start: number): void => {
    const n = items.length;
    let i = start;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(items[r]!, items[l]!) ? r : l;
      if (!before(items[child]!, item)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  };
  return {
    get size() {
      return items.length;
    },
    push(item) {
      items.push(item);
      siftUp(items.length - 1);
    },
    peek: () => items[0],
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0 && last !== undefined) {
        items[0] = last;
        siftDown(0);
      }
      return top;
    },
  };
};
