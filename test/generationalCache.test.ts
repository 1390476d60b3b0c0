/**
 * The bounded map behind the attribute interner and the one-pass reader's attribute cache
 * (src/generationalCache.ts): what is in use stays, what is not goes, memory stays bounded, and a
 * working set larger than a generation is taken in one entry in THRASHING_ADMITS.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { THRASHING_ADMITS, createGenerationalCache } from '../src/generationalCache.js';
import { createAttributeInterner } from '../src/internAttributes.js';

const test = suite('generational cache');

/** Looks each key up, setting it on a miss; how many were found. */
const cycle = (cache: ReturnType<typeof createGenerationalCache<number, string>>, keys: readonly number[]): number => {
  let found = 0;
  for (const k of keys) {
    if (cache.get(k) !== undefined) found++;
    else cache.set(k, `v${k}`);
  }
  return found;
};
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

test('a working set of up to a generation is kept however long it cycles', () => {
  const cache = createGenerationalCache<number, string>(100);
  cycle(cache, range(100));
  for (let round = 0; round < 20; round++) assert.is(cycle(cache, range(100)), 100, `round ${round}`);
  // One more key than a generation holds, cycling: each is found in the previous generation and brought along.
  const wider = createGenerationalCache<number, string>(100);
  cycle(wider, range(101));
  for (let round = 0; round < 20; round++) assert.ok(cycle(wider, range(101)) >= 99, `round ${round}`);
});

test('series that keep sending stay while ever-new ones come and go (churn)', () => {
  const cache = createGenerationalCache<number, string>(100);
  const steady = range(50);
  let next = 1_000;
  for (let round = 0; round < 30; round++) {
    // Each steady key once a round and a one-off key after every other: fewer than a generation's
    // worth of entries put in a round (those brought along and the new), so every steady key is
    // met once a generation, while the one-off keys fill one every few rounds.
    const found = steady.reduce((n, k) => n + cycle(cache, k % 2 === 0 ? [k, next++] : [k]), 0);
    if (round > 0) assert.is(found, steady.length, `round ${round}`);
  }
});

test('what is no longer used goes: after two generations of other keys, none of the first is found', () => {
  const cache = createGenerationalCache<number, string>(10);
  cycle(cache, range(10));
  cycle(cache, range(10, 100));
  cycle(cache, range(10, 200));
  assert.is(cycle(cache, range(10)), 0);
});

test('a working set far larger than a generation: only one new entry in THRASHING_ADMITS is taken in, and a share of the set is then found', () => {
  const per = 100;
  const cache = createGenerationalCache<number, string>(per);
  const keys = range(10 * per);
  let found = 0;
  for (let round = 0; round < 60; round++) found = cycle(cache, keys);
  // Taking in every miss (the first policy's behaviour, and this one's while not thrashing), a
  // key is let go before it comes round again: none found.
  assert.ok(found > 0, `${found} of ${keys.length} found in the last round`);
  assert.ok(found < 2 * per + 1);
  // Taken in at one miss in THRASHING_ADMITS: filling a generation takes that many more misses.
  const counting = createGenerationalCache<number, string>(per);
  cycle(counting, range(3 * per)); // two generations filled, the second judged... from the third on
  const before = range(per, 1_000_000);
  cycle(counting, before);
  const admitted = before.filter((k) => counting.get(k) !== undefined).length;
  assert.ok(admitted <= Math.ceil(per / THRASHING_ADMITS) + 1, `${admitted} of ${per} taken in while thrashing`);
});

test('thrashing is judged on the look-ups of the generation just filled alone: half of them found is not thrashing, and the misses of the filling before do not count', () => {
  /** Whether, after `k` fills the generation (which is judged then), the new key k + 1 is taken in: a thrashing cache refuses all but one in THRASHING_ADMITS. */
  const takesNew = (cache: ReturnType<typeof createGenerationalCache<number, string>>, k: number): boolean => (cache.set(k, 'new'), cache.set(k + 1, 'new'), cache.get(k + 1) !== undefined);
  // Half: a generation of 4 after a first, with one look-up found (in the current generation) and one missed.
  const half = createGenerationalCache<number, string>(4);
  cycle(half, range(5)); // 0–3 fill the first; 4 starts the second
  assert.is(half.get(4), 'v4');
  assert.is(half.get(100), undefined);
  [100, 101, 102].forEach((k) => half.set(k, `v${k}`));
  assert.ok(takesNew(half, 103), 'half found: not thrashing');
  // Misses while a generation filled from empty, then a generation whose look-ups were all found in itself.
  const filled = createGenerationalCache<number, string>(4);
  cycle(filled, range(4));
  cycle(filled, [10, 11, 12]); // 10 starts the second generation
  assert.is(cycle(filled, [10, 11, 12]), 3);
  filled.set(13, 'v13');
  assert.ok(takesNew(filled, 14), 'every look-up of the generation found: not thrashing');
});

test('the interner keeps one object per set while the sets keep coming, more of them than a generation holds too', () => {
  // Four sets, three a generation: starting over when full (the first policy) gave a new object at every turn.
  const intern = createAttributeInterner(3);
  const names = ['a', 'b', 'c', 'd'];
  const sets = names.map((k) => intern({ k }));
  for (let round = 0; round < 10; round++) names.forEach((k, i) => assert.is(intern({ k }), sets[i], `${k}, round ${round}`));
});

test.run();
