/**
 * reorderByEventTime after the process was stopped (a long synchronous task, a GC pause, a spool
 * write the disk held up): the max-wait timer and a source's own timer both come due during the
 * stall; the samples the source was holding must still be put in order, not turned `late` because
 * the max-wait release went first. Real timers: the order in which Node runs overdue timers is
 * what is tested.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { routed, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';

const test = suite('reorderByEventTime after a stall');
const T0 = 1_764_064_800_000_000_000n;
const at = (ms: number): Sample => ({ name: 'm', kind: 'gauge', value: ms, timeUnixNano: T0 + BigInt(ms) * 1_000_000n, attributes: { s: 'a' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Blocks the event loop, as a long synchronous task does. */
const stall = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

const run = async (stallMs: number) => {
  const source = new Subject<Sample>();
  const out: Routed<Sample>[] = [];
  const sub = source.pipe(routed(), reorderByEventTime({ maxDelayMs: 50 })).subscribe((r) => out.push(r));
  source.next(at(100)); // buffered; its max-wait timer is due 50 ms from now
  // A source holding a straggler (older event time) for 60 ms: due after the max-wait timer.
  setTimeout(() => source.next(at(90)), 60);
  await sleep(5);
  stall(stallMs);
  await sleep(100);
  sub.unsubscribe();
  return out;
};

test('a straggler whose source timer came due during a stall is ordered in, not late', async () => {
  const out = await run(300);
  assert.equal(out.map((r) => (isLeft(r) ? `late ${r.left.item.value}` : r.right.value)), [90, 100]);
});

test('without a stall, the max-wait timer still releases first and the straggler is late (maxDelayMs holds)', async () => {
  const out = await run(0);
  assert.equal(out.map((r) => (isLeft(r) ? `late ${r.left.item.value}` : r.right.value)), [100, 'late 90']);
});

/**
 * A stall longer than maxDelayMs: a sample buffered before it, and four that senders sent during it
 * arriving after it, newest first, a turn apart (concurrent requests, as HTTP/2 flow control or
 * separate connections let them in).
 */
const burstAfterStall = async (stallMs: number) => {
  const source = new Subject<Sample>();
  const out: Routed<Sample>[] = [];
  const sub = source.pipe(routed(), reorderByEventTime({ maxDelayMs: 50 })).subscribe((r) => out.push(r));
  source.next(at(100)); // buffered; its max-wait timer is due 50 ms from now
  await sleep(5);
  stall(stallMs);
  [300, 250, 200, 150].forEach((ms, i) => setTimeout(() => source.next(at(ms)), i + 1));
  await sleep(stallMs + 200);
  sub.unsubscribe();
  return out.map((r) => (isLeft(r) ? `late ${r.left.item.value}` : r.right.value));
};

test('a burst after a stall longer than maxDelayMs, newest first: the watermark held for maxDelayMs, the burst released in order, none late', async () => {
  assert.equal(await burstAfterStall(300), [100, 150, 200, 250, 300]);
});

test('the same burst without a stall is disorder beyond maxDelayMs: late (the hold is only for stalls)', async () => {
  const out = await burstAfterStall(0);
  assert.ok(out.some((v) => typeof v === 'string' && v.startsWith('late')), JSON.stringify(out));
});

test.run();
