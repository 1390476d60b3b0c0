/**
 * Where detectClockSkew puts a sample it re-stamps, against the latest stamp a locally stamped
 * sample went out with ahead of trusted time (operators/detectClockSkew.ts, aheadFloorMs): a
 * future sample after such a stamp is not put before it, however far ahead that stamp went (up to
 * maxFutureMs); a sample stamped elsewhere does not move that floor; a step-corrected sample of
 * seconds ago stays seconds ago; and a sample corrected before keeps the time it was first stamped
 * with. Driven sample by sample on a clock the test sets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { right } from 'fp-ts/lib/Either.js';
import { Subject } from 'rxjs';
import { type SkewOptions, detectClockSkew } from '../operators/detectClockSkew.js';
import { schedulerClock } from '../src/clock.js';
import type { Routed } from '../src/routed.js';
import { type Sample, msToNanos } from '../src/sample.js';
import { sample } from './support/marbles.js';
import { HOUR, WALL0, rights } from './support/skewRuns.js';

const test = suite('detectClockSkew: where re-stamped samples go');

/** detectClockSkew over a clock whose time the test moves (`advance`), fed one sample at a time. */
const drive = (opts: SkewOptions = {}) => {
  let t = 0;
  const clock = schedulerClock({ now: () => t, schedule: () => { throw new Error('not scheduled'); } }, WALL0);
  const input = new Subject<Routed<Sample>>();
  const out: Routed<Sample>[] = [];
  input.pipe(detectClockSkew({ ...opts, clock })).subscribe((r) => out.push(r));
  return {
    clock,
    advance: (ms: number) => void (t += ms),
    /** Sends a sample of `series` stamped at `atMs` (wall ms); returns it as it came out. */
    send: (series: string, atMs: number, extra: Partial<Sample> = {}): Sample => {
      input.next(right({ ...sample(0, series), timeUnixNano: msToNanos(atMs), ...extra }));
      return rights(out).at(-1)!;
    },
  };
};

test('a future sample after one that went out ahead of trusted time (by less than maxFutureMs) comes after it, not before', () => {
  const d = drive();
  const ahead = d.send('cpu', d.clock.now() + 500);
  assert.is(ahead.correctedFromUnixNano, undefined);
  const future = d.send('cpu', d.clock.now() + 10_000);
  assert.is(future.correctedFromUnixNano, msToNanos(WALL0 + 10_000));
  assert.ok(future.timeUnixNano > ahead.timeUnixNano, `${future.timeUnixNano} after ${ahead.timeUnixNano}`);
});

test('a future sample after one that went out ahead by more than stepThresholdMs (a clock running 4 s ahead) comes after it too: the series does not go back', () => {
  const d = drive();
  const ahead = d.send('cpu', d.clock.now() + 4_000);
  assert.is(ahead.correctedFromUnixNano, undefined, 'under maxFutureMs: as stamped');
  const future = d.send('cpu', d.clock.now() + 10_000);
  assert.is(future.timeUnixNano, msToNanos(WALL0 + 4_001), 'the millisecond after it (onto trusted time it went 4 s back)');
  const other = d.send('mem', d.clock.now() + 10_000);
  assert.is(other.timeUnixNano, msToNanos(WALL0 + 4_001), 'after it in any series: that stamp is how far this clock has gone');
});

test('a sample stamped elsewhere ahead of trusted time does not move where a locally stamped future sample goes', () => {
  const d = drive({ stampedLocally: (s) => s.attributes['stamp'] === 'here' });
  d.send('remote', d.clock.now() + 800, { attributes: { stamp: 'elsewhere' } });
  const future = d.send('local', d.clock.now() + 10_000, { attributes: { stamp: 'here' } });
  assert.is(future.timeUnixNano, msToNanos(WALL0), 'onto trusted time');
});

test('after a step back, a sample stamped seconds before it by the stepped clock keeps those seconds (old data): it is not raised to the latest stamp that went out ahead', () => {
  const d = drive();
  d.advance(1_000);
  d.send('cpu', d.clock.now() + 800); // out ahead: WALL0 + 1 800
  d.advance(1_000);
  d.clock.step(-HOUR);
  const old = d.send('cpu', d.clock.now() - 3_000);
  assert.is(old.correctedFromUnixNano, msToNanos(WALL0 + 2_000 - HOUR - 3_000));
  // ms − the clock's error (the hour, less what trusted time already slewed): about 3 s before trusted time.
  const oldMs = Number(old.timeUnixNano / 1_000_000n) - WALL0;
  assert.ok(oldMs > -1_100 && oldMs < -900, `at ${oldMs} ms`);
  const fresh = d.send('cpu', d.clock.now() - 200);
  assert.is(fresh.timeUnixNano, msToNanos(WALL0 + 1_801), '200 ms before trusted time: raised to just after the stamp that went out ahead');
});

test('future samples of one series, each in a millisecond of its own from trusted time on, up to trusted time + maxFutureMs: past it they share that one', () => {
  const d = drive({ stampedLocally: false, maxFutureMs: 2 });
  const placed = [0, 1, 2, 3, 4].map((i) => Number(d.send('cpu', d.clock.now() + HOUR + i).timeUnixNano / 1_000_000n) - WALL0);
  assert.equal(placed, [0, 1, 2, 2, 2]);
});

test('a sample corrected before (replayed from a dead-letter file, or through a second detectClockSkew) keeps the time it was first stamped with', () => {
  const d = drive();
  const first = msToNanos(WALL0 - 5 * HOUR);
  const again = d.send('cpu', d.clock.now() + HOUR, { correctedFromUnixNano: first });
  assert.is(again.timeUnixNano, msToNanos(WALL0));
  assert.is(again.correctedFromUnixNano, first);
});

test.run();
