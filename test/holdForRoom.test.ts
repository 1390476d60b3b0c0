/**
 * The Pipeline's stage between the reorder buffer and delivery without a spool (src/holdForRoom.ts):
 * what comes while the queue has no room waits, in order, and goes on when it has; beyond maxHeld
 * it goes on anyway; completion waits for what is held, and an error lets it go first; an abort
 * makes it dead letters `shutdown`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { holdForRoom } from '../src/holdForRoom.js';
import { deadLetter, routed, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';

const test = suite('holdForRoom');
const sample = (v: number): Sample => ({ name: 'm', kind: 'gauge', value: v, timeUnixNano: BigInt(v), attributes: {} });
/** 'a' → sample 1, 'b' → 2, … */
const values = { a: sample(1), b: sample(2), c: sample(3), d: sample(4), e: sample(5) };
const what = (r: Routed<Sample>): string => (isLeft(r) ? `${r.left.reason}:${String(r.left.item.value)}` : String(r.right.value));

/** Runs `source` (marbles) through the stage, room given by `roomAt(frame)`; returns what came out, at which frame. */
const run = (source: string, roomAt: (frame: number) => boolean, maxHeld = 100, abortAt?: number) => {
  const out: string[] = [];
  const scheduler = new TestScheduler(() => undefined);
  scheduler.run(({ cold }) => {
    const abort$ = new Subject<void>();
    if (abortAt !== undefined) scheduler.schedule(() => abort$.next(), abortAt);
    cold(source, values).pipe(routed(), holdForRoom({ hasRoom: () => roomAt(scheduler.now()), maxHeld, scheduler, abort$, now: () => 0 }))
      .subscribe({ next: (r) => out.push(`${scheduler.now()} ${what(r)}`), complete: () => out.push(`${scheduler.now()} |`) });
  });
  return out;
};

test('with room, samples pass at once; without, they wait in order and go when there is room again (looked at every 10 ms)', () => {
  assert.equal(run('ab|', () => true), ['0 1', '1 2', '2 |']);
  // No room from frame 2 to 24: c (frame 2) and d (3) wait; e (4) waits behind them; all go at the first look after 25.
  assert.equal(run('abcde|', (t) => t < 2 || t >= 25), ['0 1', '1 2', '32 3', '32 4', '32 5', '32 |']);
});

test('a second wait for room is looked after as the first was (the look-out of the first, done, does not stand in for a new one)', () => {
  // No room at 2–24 and again at 40–69: b waits until the look at 32; c (frame 45) until the look at 75, not until the end.
  assert.equal(run('a-b 42ms c 54ms |', (t) => t < 2 || (t >= 25 && t < 40) || t >= 70), ['0 1', '32 2', '75 3', '100 |']);
});

test('unsubscribed while something waits for room: the look-out stops (no timer left to keep the process alive)', () => {
  const scheduler = new VirtualTimeScheduler();
  const source = new Subject<Routed<Sample>>();
  const sub = source.pipe(holdForRoom({ hasRoom: () => false, maxHeld: 100, scheduler, abort$: new Subject<void>(), now: () => 0 })).subscribe();
  source.next(right(sample(1)));
  assert.ok(scheduler.actions.length > 0, 'looking for room');
  sub.unsubscribe();
  assert.is(scheduler.actions.filter((a) => !a.closed).length, 0);
});

test('beyond maxHeld, what is held goes on without room (delivery\'s overflow policy then applies); completion waits for the rest', () => {
  // No room until frame 50, at most 2 held: a is held at 0 (looks at 10, 20, …), c (frame 2) lets a go, d (3) lets b go; c and d go at the look at 50.
  assert.equal(run('abcd|', (t) => t >= 50, 2), ['2 1', '3 2', '50 3', '50 4', '50 |']);
});

test('an abort (the drain deadline passed) turns what is held into dead letters shutdown; Lefts stay as they were', () => {
  const out: string[] = [];
  const source = new Subject<Routed<Sample>>();
  const abort$ = new Subject<void>();
  source.pipe(holdForRoom({ hasRoom: () => false, maxHeld: 100, scheduler: new TestScheduler(() => undefined), abort$, now: () => 7 })).subscribe((r) => out.push(what(r)));
  source.next({ _tag: 'Right', right: sample(1) });
  source.next(deadLetter('late', sample(2), 'late', 0));
  source.next({ _tag: 'Right', right: sample(3) });
  assert.equal(out, []);
  abort$.next();
  assert.equal(out, ['shutdown:1', 'late:2', 'shutdown:3']);
});

test('an error upstream: what is held goes on first, in order (delivery\'s overflow policy, rather than lost), then the error', () => {
  const out: string[] = [];
  const source = new Subject<Routed<Sample>>();
  source.pipe(holdForRoom({ hasRoom: () => false, maxHeld: 100, scheduler: new TestScheduler(() => undefined), abort$: new Subject<void>(), now: () => 0 }))
    .subscribe({ next: (r) => out.push(what(r)), error: (e: Error) => out.push(`error ${e.message}`) });
  source.next({ _tag: 'Right', right: sample(1) });
  source.next({ _tag: 'Right', right: sample(2) });
  assert.equal(out, []);
  source.error(new Error('source failed'));
  assert.equal(out, ['1', '2', 'error source failed']);
});

test.run();
