/**
 * Properties of the spool stage (src/spool/spoolSamples.ts) under random bursts and random
 * opening and closing of delivery's room, in virtual time, with a real spool file: every sample
 * is handed on exactly once; nothing is handed on while there is no room; and each lane's samples
 * (a series is in one lane) come out in the order they were written; a backlog left by an earlier
 * run comes out before anything new — whether the backlog is read back from the file or, up to
 * maxHeld, handed on from memory; onWaiting counts what waits. And the stage's edges: a burst
 * before an upstream error, a burst the spool refuses, and no timer left after an unsubscribe.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { isRight, right } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { spoolSamples } from '../src/spool/spoolSamples.js';
import type { Routed } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { laneOfKey } from '../src/delivery.js';
import { tempDir } from './support/cli.js';
import { pendingActions } from './support/marbles.js';

const test = suite('spool stage properties');
const mk = (id: number, series: number): Sample => ({ name: 'm', kind: 'gauge', value: id, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(id), attributes: { s: String(series) } });
const openSpool = (path: string, lanes = 3) => {
  const r = Spool.open(path, { lanes });
  if (!isRight(r)) throw r.left;
  return r.right.spool;
};

/**
 * `scheduler` as the stage's read-back scheduler, failing past `max` turns: a stage that never
 * catches up schedules its turns at once for ever (virtual time stands still), and the test would
 * hang instead of failing. `onTurn` is called as each turn runs.
 */
const capped = (scheduler: VirtualTimeScheduler, onTurn: () => void = () => undefined, max = 20_000): VirtualTimeScheduler => {
  let turns = 0;
  return { now: () => scheduler.now(), schedule: (work: () => void, delay?: number) => {
    if (++turns > max) throw new Error(`the read-back never caught up (${max} turns)`);
    return scheduler.schedule(() => (onTurn(), work()), delay);
  } } as unknown as VirtualTimeScheduler;
};

const step = fc.record({ burst: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 40 }), room: fc.boolean(), waitMs: fc.integer({ min: 0, max: 50 }) });

test('exactly once, nothing while there is no room, each lane in the order written, an earlier backlog first; onWaiting counts what waits', () => {
  fc.assert(
    // The earlier run may have had another lane count: its lanes are not this run's.
    // Its first `delivered` samples were delivered (settled) before it stopped.
    fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 25 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 12 }), fc.nat(60), (earlier, earlierLanes, steps, chunk, maxHeld, delivered) => {
      const path = join(tempDir(), 'spool.db');
      let id = 0;
      const before = openSpool(path, earlierLanes);
      const backlog = earlier.map((series) => mk(id++, series));
      before.append(backlog);
      const settled = backlog.slice(0, delivered);
      before.settle(settled);
      before.close();
      const spool = openSpool(path);
      const scheduler = new VirtualTimeScheduler(undefined, Infinity);
      const feed = new Subject<Routed<Sample>>();
      let room = false;
      const out: Sample[] = [];
      let completed = false;
      let waiting = 0;
      const sub = feed.pipe(spoolSamples(spool, { hasRoom: () => room, scheduler, readBackScheduler: capped(scheduler), readBackChunk: chunk, maxHeld, onWaiting: (n) => (waiting = n) }))
        .subscribe({ next: (r) => isRight(r) && out.push(r.right), complete: () => (completed = true) });
      const sent: Sample[] = backlog.slice(settled.length);
      for (const s of steps) {
        room = s.room;
        const seen = out.length;
        for (const series of s.burst) {
          const x = mk(id++, series);
          sent.push(x);
          feed.next(right(x));
        }
        scheduler.maxFrames = scheduler.frame + s.waitMs;
        scheduler.flush();
        if (!room) assert.is(out.length, seen, 'nothing handed on without room');
        assert.is(waiting, sent.length - out.length, 'onWaiting: what is written and not handed on');
      }
      room = true;
      feed.complete();
      scheduler.maxFrames = Infinity;
      scheduler.flush();
      sub.unsubscribe();
      spool.settle(out);
      assert.is(spool.placedCount, 0, 'every placement settled (what was handed on) or forgotten (what was left in the file)');
      spool.close();
      assert.ok(completed, 'completes once caught up');
      assert.equal(out.map((x) => x.value).sort((a, b) => (a as number) - (b as number)), sent.map((x) => x.value), 'each sample once');
      // Each lane of each run in exactly the order written (a series is in one lane of a run).
      const values = (xs: Sample[]) => xs.map((x) => x.value);
      for (const [earlierRun, lanes] of [[true, earlierLanes], [false, 3]] as const) {
        const ofRun = (xs: Sample[]) => xs.filter((x) => ((x.value as number) < backlog.length) === earlierRun);
        for (let lane = 0; lane < lanes; lane++) {
          const inLane = (xs: Sample[]) => xs.filter((x) => laneOfKey(seriesKey(x), lanes) === lane);
          assert.equal(values(inLane(ofRun(out))), values(inLane(ofRun(sent))), `${earlierRun ? 'earlier run' : 'this run'}: lane ${lane} in order`);
        }
      }
      const firstNew = out.findIndex((x) => (x.value as number) >= backlog.length);
      if (firstNew >= 0) assert.ok(out.slice(firstNew).every((x) => (x.value as number) >= backlog.length), 'the earlier backlog before anything new');
    }),
    { numRuns: 60, ...(process.env.SEED ? { seed: Number(process.env.SEED), path: process.env.FC_PATH } : {}) },
  );
});

test('a backlog is read back one chunk per lane a turn, yielding between turns: live timers and I/O are not held up while it is caught up on', () => {
  const path = join(tempDir(), 'spool.db');
  const before = openSpool(path);
  before.append(Array.from({ length: 10_000 }, (_, i) => mk(i, i % 7)));
  before.close();
  const spool = openSpool(path);
  const virtual = new VirtualTimeScheduler(undefined, Infinity);
  let turn = 0;
  // Counts the read-back turns: each scheduled run of the read-back is one synchronous turn.
  const turns = capped(virtual, () => turn++);
  const perTurn = new Map<number, number>();
  const sub = new Subject<Routed<Sample>>().pipe(spoolSamples(spool, { hasRoom: () => true, scheduler: virtual, readBackScheduler: turns, readBackChunk: 100 }))
    .subscribe((r) => isRight(r) && perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1));
  virtual.flush();
  sub.unsubscribe();
  spool.close();
  assert.is([...perTurn.values()].reduce((a, b) => a + b, 0), 10_000, 'all of it');
  assert.ok(Math.max(...perTurn.values()) <= 3 * 100, `at most a chunk per lane a turn: ${Math.max(...perTurn.values())}`);
  assert.ok(virtual.now() < 10, `turns follow each other at once while there is room (${virtual.now()} ms)`);
});

test('room that runs out part-way through a chunk read back: the rest of the chunk is let go of (read again later), and nothing stays placed', () => {
  const path = join(tempDir(), 'spool.db');
  const before = openSpool(path, 1);
  before.append(Array.from({ length: 50 }, (_, i) => mk(i, 0)));
  before.close();
  const spool = openSpool(path, 1);
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const out: Sample[] = [];
  let allowance = 0;
  let completed = false;
  const feed = new Subject<Routed<Sample>>();
  const sub = feed.pipe(spoolSamples(spool, { hasRoom: () => out.length < allowance, scheduler, readBackScheduler: capped(scheduler), readBackChunk: 20 }))
    .subscribe({ next: (r) => isRight(r) && out.push(r.right), complete: () => (completed = true) });
  for (let turn = 0; turn < 20 && out.length < 50; turn++) {
    allowance += 7; // room for 7 a turn: each chunk of 20 is cut short
    scheduler.maxFrames = scheduler.frame + 1_000;
    scheduler.flush();
  }
  feed.complete();
  scheduler.maxFrames = scheduler.frame + 1_000;
  scheduler.flush();
  assert.ok(completed, 'caught up: it completes with its upstream');
  sub.unsubscribe();
  assert.equal(out.map((x) => x.value), Array.from({ length: 50 }, (_, i) => i), 'all of it, once, in order');
  spool.settle(out);
  assert.is(spool.placedCount, 0, 'the cut-short chunks\' rest forgotten');
  spool.close();
});

test('a backlog of this run up to maxHeld is handed on from memory, the very objects written; past it, read back from the file — in order, parts of each', () => {
  // Read back, a sample cost a query and a parse (~2 µs); a receiver slower than an otlp source spooled every sample past half of maxQueued.
  const spool = openSpool(join(tempDir(), 'spool.db'), 1);
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const feed = new Subject<Routed<Sample>>();
  const out: Sample[] = [];
  let allowance = 0;
  let readBacks = 0;
  const readBack = spool.readBack.bind(spool);
  spool.readBack = (...a) => (readBacks++, readBack(...a));
  const sub = feed.pipe(spoolSamples(spool, { hasRoom: () => out.length < allowance, scheduler, readBackScheduler: capped(scheduler), readBackChunk: 3, maxHeld: 4 }))
    .subscribe((r) => isRight(r) && out.push(r.right));
  const sent = Array.from({ length: 14 }, (_, i) => mk(i, 0));
  const feedAndWait = (from: number, to: number) => {
    for (const x of sent.slice(from, to)) feed.next(right(x));
    scheduler.maxFrames = scheduler.frame + 50;
    scheduler.flush();
  };
  feedAndWait(0, 6); // no room: 0–3 held, 4–5 in the file only
  allowance = 3;
  feedAndWait(6, 6); // 0–2 handed on from memory
  assert.equal(out.map((x) => x.value), [0, 1, 2]);
  feedAndWait(6, 8); // 6, 7 held too (3 and them: room for one more)
  feedAndWait(8, 14); // 8 held, 9–13 in the file only
  allowance = Infinity;
  feed.complete();
  scheduler.maxFrames = Infinity;
  scheduler.flush();
  sub.unsubscribe();
  assert.equal(out.map((x) => x.value), sent.map((x) => x.value), 'once each, in order');
  assert.equal(out.map((x, i) => x === sent[i]), [true, true, true, true, false, false, true, true, true, false, false, false, false, false], 'the held ones as written, the rest read back');
  assert.is(readBacks, 3, 'the file read for 4–5, 9–11 and 12–13 only');
  spool.settle(out);
  assert.is(spool.placedCount, 0);
  spool.close();
});

test('an upstream error: the burst before it is written and handed on first, then the error; unsubscribed while a backlog waits for room, no read-back timer is left', () => {
  const spool = openSpool(join(tempDir(), 'spool.db'), 1);
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const feed = new Subject<Routed<Sample>>();
  const out: number[] = [];
  let failed: unknown;
  feed.pipe(spoolSamples(spool, { scheduler, readBackScheduler: capped(scheduler) }))
    .subscribe({ next: (r) => isRight(r) && out.push(r.right.value as number), error: (e: unknown) => (failed = e) });
  const boom = new Error('the source failed');
  feed.next(right(mk(1, 0)));
  feed.next(right(mk(2, 0)));
  feed.error(boom); // before the burst's write was due
  assert.equal(out, [1, 2]);
  assert.is(failed, boom);
  const waiting = new Subject<Routed<Sample>>();
  const sub = waiting.pipe(spoolSamples(spool, { hasRoom: () => false, scheduler, readBackScheduler: scheduler })).subscribe();
  waiting.next(right(mk(3, 0)));
  scheduler.maxFrames = scheduler.frame + 50;
  scheduler.flush();
  assert.ok(pendingActions(scheduler) > 0, 'the read-back waits for room');
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
  spool.close();
});

test('a burst the spool refuses (maxBytes): dead letters `overflow`, and not told as written (onWritten settles what is durable: an otlp source answered such points as taken)', () => {
  const dir = tempDir();
  const burst = (from: number) => [0, 1, 2].map((i) => mk(from + i, 0));
  const probe = openSpool(join(dir, 'probe.db'), 1);
  probe.append(burst(0));
  const oneBurst = probe.usedBytes;
  probe.close();
  const r = Spool.open(join(dir, 'spool.db'), { lanes: 1, maxBytes: oneBurst + oneBurst / 2 });
  if (!isRight(r)) throw r.left;
  const spool = r.right.spool;
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const feed = new Subject<Routed<Sample>>();
  const out: string[] = [];
  const written: unknown[] = [];
  const sub = feed.pipe(spoolSamples(spool, { scheduler, readBackScheduler: capped(scheduler), onWritten: (xs) => written.push(...xs.map((x) => x.value)) }))
    .subscribe((x) => out.push(isRight(x) ? String(x.right.value) : `${x.left.reason}:${x.left.item.value}`));
  for (const from of [0, 3]) {
    for (const x of burst(from)) feed.next(right(x));
    scheduler.flush();
  }
  assert.equal(out, ['0', '1', '2', 'overflow:3', 'overflow:4', 'overflow:5']);
  assert.equal(written, [0, 1, 2]);
  sub.unsubscribe();
  spool.close();
});

test.run();
