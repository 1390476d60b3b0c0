/** arraySamples: samples already in memory, emitted in order and in chunks while a gate has room (public, from the package root). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualTimeScheduler } from 'rxjs';
import { arraySamples } from '../src/index.js';
import { ROOM_POLL_MS } from '../src/roomGate.js';

const test = suite('arraySamples');
const items = Array.from({ length: 2_500 }, (_, i) => i);

test('with room: the first chunk at once, one chunk a turn after it, every item once and in order, then complete', () => {
  const scheduler = new VirtualTimeScheduler();
  const got: number[] = [];
  let completed = false;
  arraySamples({ items, hasRoom: () => true, chunk: 1_000, scheduler }).subscribe({ next: (x) => got.push(x), complete: () => (completed = true) });
  assert.is(got.length, 1_000, 'one chunk in the subscribing turn');
  scheduler.flush();
  assert.equal(got, items);
  assert.ok(completed);
});

test('a closed gate stops it mid-chunk; time passing changes nothing; it goes on when the gate opens, polling every ROOM_POLL_MS', () => {
  const scheduler = new VirtualTimeScheduler(undefined, 10_000);
  const got: number[] = [];
  let completed = false;
  let room = 700;
  arraySamples({ items, hasRoom: () => got.length < room, chunk: 1_000, scheduler }).subscribe({ next: (x) => got.push(x), complete: () => (completed = true) });
  assert.is(got.length, 700, 'not one item beyond the room');
  scheduler.flush(); // 10 s of polls: the gate stays closed
  assert.is(got.length, 700);
  assert.not.ok(completed);
  const openedAtMs = scheduler.now();
  room = Infinity;
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  assert.equal(got, items, 'every item once, in order');
  assert.ok(completed);
  assert.ok(scheduler.now() - openedAtMs <= ROOM_POLL_MS, 'resumed at the next poll');
});

test('an empty list completes at once; unsubscribing stops it (nothing more, no pending poll)', () => {
  const scheduler = new VirtualTimeScheduler();
  let completed = false;
  arraySamples({ items: [], hasRoom: () => false, scheduler }).subscribe({ complete: () => (completed = true) });
  assert.ok(completed, 'nothing to wait for, even with the gate closed');
  const got: number[] = [];
  const sub = arraySamples({ items, hasRoom: () => true, chunk: 100, scheduler }).subscribe((x) => got.push(x));
  sub.unsubscribe();
  scheduler.flush();
  assert.is(got.length, 100);
  assert.is(scheduler.actions.length, 0);
});

test('a chunk below 1, or not a number, is taken as 1 (it never stalls: NaN used to emit nothing, turn after turn)', () => {
  for (const chunk of [0, -5, 0.5, Number.NaN]) {
    const scheduler = new VirtualTimeScheduler(undefined, 100);
    const got: number[] = [];
    arraySamples({ items: [1, 2, 3], hasRoom: () => true, chunk, scheduler }).subscribe((x) => got.push(x));
    scheduler.flush();
    assert.equal(got, [1, 2, 3], String(chunk));
  }
});

test.run();
