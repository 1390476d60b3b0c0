import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { left, right } from 'fp-ts/lib/Either.js';
import { Observable, Subject, of } from 'rxjs';
import { splitDeadLetters } from '../operators/splitDeadLetters.js';
import { toDeadLetter, partitionRouted, type DeadLetter, type Routed } from '../src/routed.js';
import { testScheduler } from '../test/support/marbles.js';

const test = suite('splitDeadLetters');
const letterL = toDeadLetter('late', 'l', 'too late', 0);
const letterM = toDeadLetter('rejected', 'm', 'refused', 0);
const L: Routed<string> = left(letterL);
const M: Routed<string> = left(letterM);
const R = (x: string): Routed<string> => right(x);

test('Lefts go to the sink in stream order, Rights continue', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const letters = new Subject<DeadLetter<string>>();
    const src = cold('  a-L-b-M-|', { a: R('a'), L, b: R('b'), M });
    const exp = '       a---b---|';
    const sink = '      --L---M-|';
    const out$ = src.pipe(splitDeadLetters(letters));
    expectObservable(out$).toBe(exp, { a: 'a', b: 'b' });
    expectObservable(letters).toBe(sink, { L: letterL, M: letterM });
  });
});

test('a function sink is called synchronously, before the next Right is emitted', () => {
  const log: string[] = [];
  of(R('a'), L, R('b'))
    .pipe(splitDeadLetters<string>((dl) => log.push(`dl:${dl.item}`)))
    .subscribe((x) => log.push(x));
  assert.equal(log, ['a', 'dl:l', 'b']);
  // Once for each Left, and for nothing else (not when the stream ends).
  const letters: unknown[] = [];
  of(R('a'), L).pipe(splitDeadLetters<string>((dl) => letters.push(dl))).subscribe();
  assert.equal(letters, [letterL]);
});

test('a sink that throws errors the stream instead of losing the letter silently', () => {
  let error: unknown;
  of(L, R('b'))
    .pipe(splitDeadLetters<string>(() => { throw new Error('disk full'); }))
    .subscribe({ error: (e) => (error = e) });
  assert.is((error as Error).message, 'disk full');
});

test('an upstream error reaches the dead-letter observer and the stream, after the letters before it', () => {
  const failed = new Error('the source failed');
  testScheduler().run(({ cold, expectObservable }) => {
    const letters = new Subject<DeadLetter<string>>();
    const src = cold('  a-L-#', { a: R('a'), L }, failed);
    const exp = '       a---#';
    const sink = '      --L-#';
    expectObservable(src.pipe(splitDeadLetters(letters))).toBe(exp, { a: 'a' }, failed);
    expectObservable(letters).toBe(sink, { L: letterL }, failed);
  });
});

test('partitionRouted: one subscription to the source, both halves see everything', () => {
  let subscriptions = 0;
  const src = of(R('a'), L, R('b'), M);
  const counted = new Observable<Routed<string>>((s) => {
    subscriptions++;
    return src.subscribe(s);
  });
  const [rights$, lefts$] = partitionRouted(counted);
  const r: string[] = [];
  const l: string[] = [];
  rights$.subscribe((x) => r.push(x));
  lefts$.subscribe((x) => l.push(x.item));
  assert.is(subscriptions, 1);
  assert.equal(r, ['a', 'b']);
  assert.equal(l, ['l', 'm']);
});

test('partitionRouted: an error of the source ends both halves with it, after what came before', () => {
  const failed = new Error('the source failed');
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('   a-L-#', { a: R('a'), L }, failed);
    const rights = '     a---#';
    const lefts = '      --L-#';
    const [rights$, lefts$] = partitionRouted(src);
    expectObservable(rights$).toBe(rights, { a: 'a' }, failed);
    expectObservable(lefts$).toBe(lefts, { L: letterL }, failed);
  });
});

test('partitionRouted: the source completing completes both halves', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('   a-L-|', { a: R('a'), L });
    const rights = '     a---|';
    const lefts = '      --L-|';
    const [rights$, lefts$] = partitionRouted(src);
    expectObservable(rights$).toBe(rights, { a: 'a' });
    expectObservable(lefts$).toBe(lefts, { L: letterL });
  });
});

test('partitionRouted: one half leaving keeps the source for the other; both leaving unsubscribes it', () => {
  testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const src = cold('   a-L-b-M-|', { a: R('a'), L, b: R('b'), M });
    const subs = '       ^-----!';
    const rights = '     a--';
    const lefts = '      --L-----';
    const [rights$, lefts$] = partitionRouted(src);
    expectObservable(rights$, '^--!').toBe(rights, { a: 'a' });
    expectObservable(lefts$, '^-----!').toBe(lefts, { L: letterL });
    expectSubscriptions(src.subscriptions).toBe(subs);
  });
});

test('partitionRouted: subscribed again after the source completed, the halves see a new run of it', () => {
  const src = of(R('a'), L);
  const [rights$, lefts$] = partitionRouted(src);
  const runs: string[][] = [];
  for (let run = 0; run < 2; run++) {
    const seen: string[] = [];
    rights$.subscribe({ next: (x) => seen.push(x), complete: () => seen.push('|') });
    lefts$.subscribe({ next: (x) => seen.push(x.item), complete: () => seen.push('|') });
    runs.push(seen);
  }
  assert.equal(runs, [['a', 'l', '|', '|'], ['a', 'l', '|', '|']]);
});

test.run();
