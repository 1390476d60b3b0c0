/**
 * reorderByEventTime's hold after a stall (STALLED_MS in operators/reorderByEventTime.ts), on a
 * scheduler driven by hand: `stall(ms)` moves time on with nothing run, as a blocked event loop
 * does, and `turn()` then runs what was due — late, as Node runs overdue timers. When the max-wait
 * timer comes more than maxDelayMs late, the watermark releases nothing for maxDelayMs, so a burst
 * of what senders sent during the stall, arriving newest first, is put in order rather than made
 * late. test/reorderStall.test.ts has the same with real timers and a blocked thread.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SchedulerLike, Subject, Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
import { routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';

const test = suite('reorderByEventTime: the hold after a stall, on a hand-driven scheduler');
const T0 = 1_764_064_800_000_000_000n;
const at = (ms: number): Sample => ({ name: 'm', kind: 'gauge', value: ms, timeUnixNano: T0 + BigInt(ms) * 1_000_000n, attributes: { s: 'a' } });

/** Time that moves only when told; `turn` runs the actions due now that were there when it began, earliest first. */
const handScheduler = () => {
  let now = 0;
  let seq = 0;
  const actions: { due: number; seq: number; run: () => void; cancelled: boolean }[] = [];
  const scheduler = {
    now: () => now,
    schedule: (work: (state?: unknown) => void, delay = 0, state?: unknown) => {
      const action = { due: now + delay, seq: seq++, run: () => work(state), cancelled: false };
      actions.push(action);
      return new Subscription(() => void (action.cancelled = true));
    },
  } as unknown as SchedulerLike;
  const turn = (): void => {
    const due = actions.filter((a) => a.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const a of due) {
      actions.splice(actions.indexOf(a), 1);
      if (!a.cancelled) a.run();
    }
  };
  return {
    scheduler,
    turn,
    /** Actions scheduled and neither run nor cancelled. */
    pending: () => actions.filter((a) => !a.cancelled).length,
    stall: (ms: number) => void (now += ms),
    /** Runs every turn up to `ms` from now, on time. */
    advance: (ms: number) => {
      const end = now + ms;
      for (;;) {
        const next = actions.filter((a) => !a.cancelled).map((a) => a.due).sort((a, b) => a - b)[0];
        if (next === undefined || next > end) break;
        now = Math.max(now, next);
        turn();
      }
      now = end;
    },
  };
};

/** A reorder of maxDelayMs 100 on a hand scheduler: feed samples by event time (ms), read what came out. */
const reorder = () => {
  const h = handScheduler();
  const source = new Subject<Sample>();
  const out: string[] = [];
  const sub = source.pipe(routed(), reorderByEventTime({ maxDelayMs: 100, scheduler: h.scheduler })).subscribe((r) => out.push(isLeft(r) ? `late ${r.left.item.value}` : String(r.right.value)));
  return { ...h, out, offer: (...ms: number[]) => ms.forEach((m) => source.next(at(m))), end: () => source.complete(), stop: () => sub.unsubscribe() };
};

test('the max-wait timer 150 ms late (more than maxDelayMs, less than twice it): a burst arriving newest first after it is put in order', () => {
  const r = reorder();
  r.offer(1_000); // its max-wait timer is due at 100
  r.stall(250);
  r.turn(); // the timer, 150 ms late
  r.offer(1_400, 1_300, 1_250); // sent during the stall, the newest first
  r.advance(300);
  assert.equal(r.out, ['1000', '1250', '1300', '1400']);
  r.stop();
});

test('the hold lasts maxDelayMs: after it, the watermark releases as it comes again', () => {
  const r = reorder();
  r.offer(1_000);
  r.stall(250);
  r.turn(); // a hold until 350
  r.offer(1_400, 1_300, 1_250);
  r.advance(105); // 355: the hold is over, the burst out by its max-wait deadlines
  assert.equal(r.out, ['1000', '1250', '1300', '1400']);
  r.offer(1_450);
  r.advance(5);
  r.offer(1_600); // the watermark, 1 500, passes 1 450: out now, not at its max-wait deadline
  assert.equal(r.out, ['1000', '1250', '1300', '1400', '1450']);
  r.stop();
});

test('a second stall during the hold starts a hold of its own: the first one\'s end does not end it early', () => {
  const r = reorder();
  r.offer(1_000);
  r.stall(250);
  r.turn(); // a hold until 350; the timer goes again at once (at 250)
  r.stall(120); // ...but the thread is blocked again: it comes at 370, 120 ms late
  r.turn(); // a new hold until 470; the first hold's end, due at 350, is cancelled
  r.offer(1_400, 1_300, 1_250);
  r.advance(200);
  assert.equal(r.out, ['1000', '1250', '1300', '1400']);
  r.stop();
});

test("a hold's end is cancelled with the rest when the stream ends, or is unsubscribed: nothing is left scheduled", () => {
  for (const how of ['end', 'stop'] as const) {
    const r = reorder();
    r.offer(1_000);
    r.stall(250);
    r.turn(); // a hold until 350, and the timer again at once
    r.offer(1_400);
    assert.ok(r.pending() > 0, 'the hold and the timer are scheduled');
    r[how]();
    assert.is(r.pending(), 0, how);
  }
});

test('the same burst without a stall is disorder beyond maxDelayMs: 1 250 is late (the hold is for stalls only)', () => {
  const r = reorder();
  r.offer(1_000);
  r.advance(250);
  r.offer(1_400, 1_300, 1_250);
  r.advance(300);
  assert.equal(r.out, ['1000', '1300', 'late 1250', '1400']);
  r.stop();
});

test('options out of range: a negative maxDelayMs is 0 (a late letter says so, as the log reads it), maxBuffered 0 is 1 (a sample is buffered, not overflowed)', () => {
  const h = handScheduler();
  const source = new Subject<Sample>();
  const details: string[] = [];
  const out: string[] = [];
  const overflows: number[] = [];
  const sub = source.pipe(routed(), reorderByEventTime({ maxDelayMs: -5, scheduler: h.scheduler })).subscribe((r) => (isLeft(r) ? details.push(r.left.detail) : out.push(String(r.right.value))));
  source.next(at(1_000));
  source.next(at(900));
  assert.equal(out, ['1000']);
  assert.match(details[0]!, /; maxDelayMs 0$/);
  sub.unsubscribe();
  const one = new Subject<Sample>();
  const sub2 = one.pipe(routed(), reorderByEventTime({ maxDelayMs: 100, maxBuffered: 0, scheduler: h.scheduler, onOverflow: (e) => void overflows.push(e.maxBuffered) })).subscribe((r) => out.push(isLeft(r) ? 'left' : String(r.right.value)));
  one.next(at(2_000));
  assert.equal([out, overflows], [['1000'], []]);
  one.next(at(2_001));
  assert.equal([out, overflows], [['1000', '2000'], [1]]);
  sub2.unsubscribe();
});

test.run();
