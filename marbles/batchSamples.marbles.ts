import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NEVER, Subject, concat, of } from 'rxjs';
import { batchSamples } from '../operators/batchSamples.js';
import { testScheduler, pendingActions } from '../test/support/marbles.js';

const test = suite('batchSamples');

test('emits when full or when the oldest item waited maxDelayMs; flushes on complete', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  abcd-e----f|');
    const exp = '       --x----y---(z|)';
    expectObservable(src.pipe(batchSamples({ maxSize: 3, maxDelayMs: 4 }))).toBe(exp, {
      x: ['a', 'b', 'c'], y: ['d', 'e'], z: ['f'],
    });
  });
});

test('never emits an empty batch; an idle stream emits nothing', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('------|').pipe(batchSamples({ maxDelayMs: 2 }))).toBe('------|');
    expectObservable(cold('a-----|').pipe(batchSamples({ maxDelayMs: 2 }))).toBe('--x---|', { x: ['a'] });
  });
});

test('flushes the partial batch before an error', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const boom = new Error('boom');
    expectObservable(cold('ab#', undefined, boom).pipe(batchSamples({ maxSize: 5, maxDelayMs: 10 }))).toBe(
      '--(x#)', { x: ['a', 'b'] }, boom,
    );
  });
});

test('the defaults: batches of at most 1 000, the oldest waiting at most 1 000 ms', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const xs = Array.from({ length: 1_001 }, (_, i) => i);
    // 1 001 items in the first frame: 1 000 go at once (full), the last at 1 000 ms (waited).
    const src = concat(of(...xs), cold('1500ms |'));
    expectObservable(src.pipe(batchSamples())).toBe('x 999ms y 499ms |', { x: xs.slice(0, 1_000), y: [1_000] });
  });
});

test('order is preserved across many batches', () => {
  const out: (readonly number[])[] = [];
  of(...Array.from({ length: 2500 }, (_, i) => i)).pipe(batchSamples({ maxSize: 1000 })).subscribe((b) => out.push(b));
  assert.equal(out.map((b) => b.length), [1000, 1000, 500]);
  assert.equal(out.flat(), Array.from({ length: 2500 }, (_, i) => i));
});

test('an item that comes while a batch is emitted (its subscriber feeding the source) goes into the next batch', () => {
  const src = new Subject<number>();
  const out: number[][] = [];
  let fed = false;
  src.pipe(batchSamples({ maxSize: 2, maxDelayMs: 1_000, scheduler: testScheduler() })).subscribe((b) => {
    out.push([...b]);
    if (!fed) (fed = true), src.next(3);
  });
  [1, 2, 4].forEach((x) => src.next(x));
  src.complete();
  assert.equal(out, [[1, 2], [3, 4]]);
});

test('unsubscribe cancels the timer', () => {
  const scheduler = testScheduler();
  const sub = concat(of(1), NEVER).pipe(batchSamples({ maxDelayMs: 5, scheduler })).subscribe();
  assert.ok(pendingActions(scheduler) > 0);
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test.run();
