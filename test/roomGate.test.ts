/**
 * The gates a source asks before it reads on (src/roomGate.ts, src/sourceRoom.ts): where they
 * close and where they open again. The pipeline tests see a source pause and resume; these pin
 * the levels, which nothing else did (a gate closing one sample later, or opening again one
 * sample below where it closed — a source paused and resumed every sample — passed every suite).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRoomGate, deliveryRoomGate } from '../src/roomGate.js';
import { fitsWithoutSpool } from '../src/sourceRoom.js';
import { resolveConfig } from '../src/config/resolve.js';

const test = suite('room gates');

/** The gate's answers as the level goes through `levels`, in turn. */
const answers = (gate: (level: () => number) => () => boolean, levels: readonly number[]): boolean[] => {
  let at = 0;
  const ask = gate(() => levels[at]!);
  return levels.map((_, i) => ((at = i), ask()));
};

test('createRoomGate closes when the level reaches highWater and opens only when it is back at lowWater', () => {
  const gate = (level: () => number) => createRoomGate({ level, highWater: 10, lowWater: 4 });
  assert.equal(answers(gate, [0, 9, 10, 9, 5, 4, 5, 9, 10, 11, 3]), [true, true, false, false, false, true, true, true, false, false, true]);
});

test('deliveryRoomGate: closes at half of maxQueued and opens at a quarter; at a full batch per lane when that is more; never above maxQueued', () => {
  const levelsAt = (gate: (level: () => number) => () => boolean): { closesAt: number; opensAt: number } => {
    let level = 0;
    const ask = gate(() => level);
    while (ask()) level++;
    const closesAt = level;
    while (!ask()) level--;
    return { closesAt, opensAt: level };
  };
  assert.equal(levelsAt((l) => deliveryRoomGate(l, 1_000)), { closesAt: 500, opensAt: 250 });
  assert.equal(levelsAt((l) => deliveryRoomGate(l, 1_000, 800)), { closesAt: 800, opensAt: 400 }, 'a batch of 200 in each of 4 lanes');
  assert.equal(levelsAt((l) => deliveryRoomGate(l, 1_000, 5_000)), { closesAt: 1_000, opensAt: 500 }, 'capped at maxQueued');
  assert.equal(levelsAt((l) => deliveryRoomGate(l, 1)), { closesAt: 1, opensAt: 0 }, 'maxQueued 1: one at a time, not never');
});

test('fitsWithoutSpool: a request fits while what is held and it stay within maxQueued + maxBuffered; an empty pipeline takes any', () => {
  const config = resolveConfig({ delivery: { maxQueued: 1_000 }, reorder: { maxBuffered: 500 } });
  assert.ok(fitsWithoutSpool(config, 1_000, 500));
  assert.not.ok(fitsWithoutSpool(config, 1_000, 501));
  assert.ok(fitsWithoutSpool(config, 0, 5_000), 'nothing held: taken, else it would never be');
  assert.not.ok(fitsWithoutSpool(config, 1, 5_000));
});

test.run();
