import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, right } from 'fp-ts/lib/Either.js';
import { NEVER, Subject, VirtualTimeScheduler, concat, of } from 'rxjs';
import { reorderByEventTime, type LateEvent, type OverflowEvent } from '../operators/reorderByEventTime.js';
import { deadLetter, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { testScheduler, pendingActions, sample, viewAll, failsWith } from '../test/support/marbles.js';

const test = suite('reorderByEventTime');
const R = (t: number, name = 'cpu') => right(sample(t, name));

test('in-order input flows out at the watermark, no earlier', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-d|', { a: R(1000), b: R(2000), c: R(3000), d: R(4000) });
    const exp = '       --a-b-c(d|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 1000 }), viewAll())).toBe(exp, {
      a: '1000', b: '2000', c: '3000', d: '4000',
    });
  });
});

test('watermark release: a later sample releases everything at or below max − maxDelayMs', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-------|', { a: R(5000), b: R(3000), c: R(100_000) });
    const exp = '       ----(xy)----(z|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 50_000 }), viewAll())).toBe(exp, {
      x: '3000', y: '5000', z: '100000',
    });
  });
});

test('max-wait release: a sample waits maxDelayMs of scheduler time at most, and takes earlier ones along', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  ab--c-----|', { a: R(5), b: R(3), c: R(6) });
    const exp = '       ---(xy)z--|';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 3 }), viewAll())).toBe(exp, { x: '3', y: '5', z: '6' });
  });
});

test('maxDelayMs Infinity: nothing is released by time (60 days, beyond any timer) — the end releases it all, sorted', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold(' a-b-c 86400m |', { a: R(5000), b: R(3000), c: R(100_000_000_000) });
    const exp = '       ----- 86400m (xyz|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: Infinity }), viewAll())).toBe(exp, { x: '3000', y: '5000', z: '100000000000' });
  });
});

test('disorder within maxDelayMs comes out sorted', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-d-e|', { a: R(10), b: R(12), c: R(11), d: R(14), e: R(13) });
    const exp = '       ---------(vwxyz|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 100 }), viewAll())).toBe(exp, {
      v: '10', w: '11', x: '12', y: '13', z: '14',
    });
  });
});

test('flushNow$: everything buffered is released at once, in order; a later sample older than one released is late', () => {
  testScheduler().run(({ cold, hot, expectObservable }) => {
    const src = cold('  ab------c--d---|', { a: R(50), b: R(30), c: R(20), d: R(60) });
    const flush = hot(' ---f------------');
    const exp = '       ---(xy)-z------(w|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 100, flushNow$: flush }), viewAll())).toBe(exp, {
      x: '30', y: '50', z: 'late:20', w: '60',
    });
  });
  // Unsubscribed, it no longer listens to flushNow$.
  const flushNow$ = new Subject<void>();
  of(R(1)).pipe(reorderByEventTime({ maxDelayMs: 100, flushNow$ })).subscribe().unsubscribe();
  assert.is(flushNow$.observed, false);
});

test('a sample it cannot read (no attributes) is a Left invalid where it came, and the stream goes on', () => {
  const out: string[] = [];
  const broken = right({ ...sample(15), attributes: undefined } as unknown as Sample);
  of(R(10), broken, R(20)).pipe(reorderByEventTime({ maxDelayMs: 100 })).subscribe({
    next: (r) => out.push(isLeft(r) ? `${r.left.reason}: ${r.left.detail.slice(0, 20)}` : String(r.right.value)),
    error: (e: unknown) => out.push(`error ${String(e)}`),
  });
  assert.equal(out, ['invalid: could not be handled', '10', '20']);
});

test('ties keep arrival order', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const a = right(sample(7, 'cpu', {}, 1));
    const b = right(sample(7, 'cpu', {}, 2));
    const c = right(sample(6, 'cpu', {}, 3));
    const src = cold('  abc|', { a, b, c });
    const exp = '       ---(xyz|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 100 }))).toBe(exp, { x: c, y: a, z: b });
  });
});

test("late under 'series': only the sample's own series counts", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    // cpu@10 released by the watermark of cpu@20; mem@5 is older than cpu@10 but its series released nothing.
    const src = cold('  a-b-c-d---|', { a: R(10), b: R(20), c: R(5, 'mem'), d: R(8) });
    const exp = '       --a-b-c---(e|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 10 }), viewAll())).toBe(exp, {
      a: '10', b: 'mem@5', c: 'late:8', e: '20',
    });
  });
});

test("late under 'global': any older sample is late", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-d---|', { a: R(10), b: R(20), c: R(5, 'mem'), d: R(8) });
    const exp = '       --a-b-c---(e|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 10, order: 'global' }), viewAll())).toBe(exp, {
      a: '10', b: 'late:mem@5', c: 'late:8', e: '20',
    });
  });
  // The letter says what it was older than: the stream's last released sample, not its series'.
  const details: string[] = [];
  of(R(10), R(5, 'mem')).pipe(reorderByEventTime({ maxDelayMs: 0, order: 'global' })).subscribe((r) => void (isLeft(r) && details.push(r.left.detail)));
  assert.equal(details, ['sample at 5000000 ns is older than the last released sample of the stream (10000000 ns); maxDelayMs 0']);
});

test('a timestamp equal to the last released one is not late', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-|', { a: R(10), b: R(20), c: R(10) });
    const exp = '       --a-b-(c|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 10 }), viewAll())).toBe(exp, { a: '10', b: '10', c: '20' });
  });
});

test('the late Left carries the sample, a detail and the time; onLate reports it', () => {
  const events: LateEvent[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold(' a-b-c|', { a: R(10), b: R(30), c: R(5) });
    const left5 = deadLetter('late', sample(5), 'sample at 5000000 ns is older than the last released sample of its series (10000000 ns); maxDelayMs 10', 4);
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 10, onLate: (e) => events.push(e) }))).toBe('--a-b(c|)', {
      a: R(10), b: left5, c: R(30),
    });
  });
  assert.equal(events, [{ sample: sample(5), lastReleasedUnixNano: 10_000_000n }]);
});

test('overflow releases the oldest early, drops nothing, and reports it', () => {
  const events: OverflowEvent[] = [];
  testScheduler().run(({ cold, expectObservable }) => {
    const src = cold('  a-b-c-d-|', { a: R(4), b: R(2), c: R(3), d: R(1) });
    const exp = '       ----x-y-(zw|)';
    // d@1 arrives after 2 was released early: it is late, not lost.
    expectObservable(
      src.pipe(reorderByEventTime({ maxDelayMs: 1000, maxBuffered: 2, onOverflow: (e) => events.push(e) }), viewAll()),
    ).toBe(exp, { x: '2', y: 'late:1', z: '3', w: '4' });
  });
  assert.equal(events, [{ sample: sample(2), maxBuffered: 2 }]);
});

test('maxBuffered defaults to 100 000: the 100 001st sample buffered releases the oldest early', () => {
  const events: OverflowEvent[] = [];
  const out: string[] = [];
  const input = new Subject<Routed<Sample>>();
  const sub = input.pipe(reorderByEventTime({ maxDelayMs: Infinity, scheduler: new VirtualTimeScheduler(), onOverflow: (e) => events.push(e) }), viewAll()).subscribe((v) => out.push(v));
  for (let t = 100_000; t >= 1; t--) input.next(R(t)); // newest first: every one is buffered
  assert.equal([out.length, events.length], [0, 0], 'all 100 000 held');
  input.next(R(100_001));
  assert.equal(out, ['1']);
  assert.equal(events.map((e) => [e.sample.timeUnixNano, e.maxBuffered]), [[1_000_000n, 100_000]]);
  sub.unsubscribe();
});

test('Lefts pass through untouched and in place', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const dl = deadLetter('invalid', sample(1), 'bad', 0);
    const src = cold(' a-L-b|', { a: R(5), L: dl, b: R(3) });
    const exp = '       --L--(xy|)';
    expectObservable(src.pipe(reorderByEventTime({ maxDelayMs: 100 }))).toBe(exp, { L: dl, x: R(3), y: R(5) });
  });
});

test('flush in order on complete, and on error before the error', () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const values = { a: R(3), b: R(1), c: R(2) };
    expectObservable(cold('abc|', values).pipe(reorderByEventTime({ maxDelayMs: 100 }), viewAll())).toBe('---(xyz|)', {
      x: '1', y: '2', z: '3',
    });
    const boom = new Error('boom');
    expectObservable(cold('abc#', values, boom).pipe(reorderByEventTime({ maxDelayMs: 100 }), viewAll())).toBe(
      '---(xyz#)', { x: '1', y: '2', z: '3' }, boom,
    );
  });
});

test('an error is compared by name and message (the matcher is not fooled)', () => {
  const differ = failsWith(() =>
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('#', {}, new Error('one'))).toBe('#', {}, new Error('two'));
    }),
  );
  assert.ok(differ);
  const same = failsWith(() =>
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('#', {}, new TypeError('one'))).toBe('#', {}, new TypeError('one'));
    }),
  );
  assert.not.ok(same);
});

test('unsubscribe cancels every scheduled action', () => {
  const scheduler = testScheduler();
  const src = concat(of(R(5), R(3)), NEVER);
  const sub = src.pipe(reorderByEventTime({ maxDelayMs: 5, scheduler })).subscribe();
  assert.ok(pendingActions(scheduler) > 0, 'the max-wait timer is armed');
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test.run();
