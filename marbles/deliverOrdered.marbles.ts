import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { left, isLeft, isRight } from 'fp-ts/lib/Either.js';
import { NEVER, concat, map, of } from 'rxjs';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { createCircuitBreaker } from '../src/breaker.js';
import { BrokenCircuitError, ExportError, RetriesExhaustedError } from '../src/errors.js';
import { laneOf } from '../src/delivery.js';
import { toDeadLetter, type Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { testScheduler, pendingActions, sample } from '../test/support/marbles.js';
import { R, deliver, noJitter, seriesInLane, unavailable } from '../test/support/deliverMarbles.js';
import { fakeSink } from '../test/support/fakeSink.js';

const test = suite('deliverOrdered');
const invalid = new ExportError('3 INVALID_ARGUMENT: metric name is empty', { retryable: false, code: 3 });
const at = (min: number, sec = 0) => Date.UTC(2026, 10, 25, 10, min, sec);
const xs300 = Array.from({ length: 300 }, (_, i) => i + 1);

test("the seed's failure scenario: 10:00 CPU=50 fails, 10:01 CPU=60 is collected; the sink gets 50@10:00 then 60@10:01", () => {
  const cpu50 = sample(at(0), 'system.cpu.utilization', {}, 50);
  const cpu60 = sample(at(1), 'system.cpu.utilization', {}, 60);
  const s = testScheduler();
  // The collector is down for the first 90 s. (A lenient breaker keeps the retry times plain.)
  const breaker = createCircuitBreaker({ failureThreshold: 1000, scheduler: s });
  const { out, sink } = deliver(s, ({ cold }) => cold('a 59999ms b 100s |', { a: R(cpu50), b: R(cpu60) }), (_b, _c, t) => (t < 90_000 ? { error: unavailable } : {}), { batch: { maxSize: 1 }, breaker });
  const accepted = sink.accepted();
  assert.equal(accepted.map((x) => x.value), [50, 60]);
  assert.is(accepted[0]!.timeUnixNano, cpu50.timeUnixNano, 'original 10:00 timestamp, to the ns');
  assert.is(accepted[1]!.timeUnixNano, cpu60.timeUnixNano);
  assert.ok(accepted[0] === cpu50, 'the retried sample is the same object');
  // Nothing newer was sent while 50 was being retried.
  const firstOk = sink.calls.findIndex((c) => c.ok);
  assert.ok(sink.calls.slice(0, firstOk).every((c) => c.samples.length === 1 && c.samples[0] === cpu50));
  // retries at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 61.5, 91.5 s
  assert.equal(sink.calls.map((c) => c.atMs), [0, 500, 1500, 3500, 7500, 15500, 31500, 61500, 91500, 91500]);
  const delivered = out.filter((o) => isRight(o.r)).map((o) => (o.r as { right: { attempts: number; firstAttemptAtMs: number } }).right);
  assert.equal(delivered.map((d) => [d.attempts, d.firstAttemptAtMs]), [[9, 0], [1, 91500]]);
});

test('per lane one batch in flight, batches in order; batch by size or by the oldest sample waiting maxDelayMs', () => {
  const s = testScheduler();
  const xs = Array.from({ length: 7 }, (_, i) => sample(1000 + i));
  const source = Object.fromEntries(xs.map((x, i) => ['abcdefg'[i]!, R(x)]));
  const { sink, completedAt } = deliver(s, ({ cold }) => cold('abcdefg 100ms |', source), () => ({ delayMs: 10 }), { batch: { maxSize: 3, maxDelayMs: 50 } });
  assert.is(sink.maxInFlight, 1);
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples.map((x) => x.value)]), [
    [2, [1000, 1001, 1002]],
    [12, [1003, 1004, 1005]],
    [56, [1006]], // arrived at 6, waited maxDelayMs 50
  ]);
  assert.is(completedAt, 107);
});

test('upstream Lefts pass through at once, in place', () => {
  const s = testScheduler();
  const dl = left(toDeadLetter('invalid', sample(1), 'bad line 3', 0));
  const { out } = deliver(s, ({ cold }) => cold('a-L|', { a: R(sample(5)), L: dl }), () => ({ delayMs: 5 }), { batch: { maxSize: 1 } });
  assert.equal(out.map((o) => [o.atMs, o.r._tag]), [[2, 'Left'], [5, 'Right']]);
});

test('a permanent error becomes one Left `rejected` per sample, with the error', () => {
  const s = testScheduler();
  const { out, sink } = deliver(s, ({ cold }) => cold('(ab|)', { a: R(sample(1)), b: R(sample(2)) }), () => ({ error: invalid }));
  assert.is(sink.calls.length, 1, 'not retried');
  assert.equal(out.map((o) => o.r), [
    left(toDeadLetter('rejected', sample(1), 'the receiver refused the batch: 3 INVALID_ARGUMENT: metric name is empty', 0, { attempts: 1, error: invalid })),
    left(toDeadLetter('rejected', sample(2), 'the receiver refused the batch: 3 INVALID_ARGUMENT: metric name is empty', 0, { attempts: 1, error: invalid })),
  ]);
});

test('a refusal of a resend says so, with the earlier attempt\'s failure: that attempt may have reached the backend, which then refuses the copy', () => {
  const s = testScheduler();
  const timedOut = new ExportError('4 DEADLINE_EXCEEDED: Deadline exceeded', { retryable: true, code: 4, outcomeUnknown: true });
  const outOfOrder = new ExportError('13 INTERNAL: Permanent error: remote write request failed', { retryable: false, code: 13 });
  const { out, sink } = deliver(s, ({ cold }) => cold('(a|)', { a: R(sample(1)) }), (_b, call) => ({ error: call === 0 ? timedOut : outOfOrder }), { batch: { maxSize: 1 } });
  assert.is(sink.calls.length, 2);
  const [letter] = out.map((o) => o.r);
  assert.ok(letter && isLeft(letter));
  assert.is(letter.left.reason, 'rejected');
  assert.is(letter.left.attempts, 2);
  assert.is(
    letter.left.detail,
    'the receiver refused the batch on a resend (attempt 2): 13 INTERNAL: Permanent error: remote write request failed; ' +
      'an earlier attempt failed with 4 DEADLINE_EXCEEDED: Deadline exceeded, which the receiver may have processed all the same: ' +
      'the samples may be there already (a backend that refuses a sample it holds, as Prometheus does, refuses the copy)',
  );
  // After attempts that reached no receiver (connection refused), a refusal is the data's own.
  const s2 = testScheduler();
  const second = deliver(s2, ({ cold }) => cold('(a|)', { a: R(sample(1)) }), (_b, call) => ({ error: call === 0 ? unavailable : outOfOrder }), { batch: { maxSize: 1 } });
  const [plain] = second.out.map((o) => o.r);
  assert.ok(plain && isLeft(plain));
  assert.is(plain.left.detail, 'the receiver refused the batch: 13 INTERNAL: Permanent error: remote write request failed');
  // After a failure the receiver answered itself (a collector whose own export failed), the samples may be there too.
  const answered = new ExportError('14 UNAVAILABLE: exporter export timeout', { retryable: true, code: 14, answered: true });
  const third = deliver(testScheduler(), ({ cold }) => cold('(a|)', { a: R(sample(1)) }), (_b, call) => ({ error: call === 0 ? answered : outOfOrder }), { batch: { maxSize: 1 } });
  const [hedged] = third.out.map((o) => o.r);
  assert.ok(hedged && isLeft(hedged));
  assert.match(hedged.left.detail, /^the receiver refused the batch on a resend \(attempt 2\): 13 INTERNAL: .*; an earlier attempt failed with 14 UNAVAILABLE: exporter export timeout, which the receiver may have processed all the same/);
});

test('exhaustion becomes Left `retries-exhausted` with the attempts; the next batch then goes', () => {
  const s = testScheduler();
  const { out, sink } = deliver(
    s,
    ({ cold }) => cold('ab|', { a: R(sample(1)), b: R(sample(2)) }),
    (batch) => (batch[0]!.value === 1 ? { error: unavailable } : {}),
    { batch: { maxSize: 1 }, retry: { ...noJitter, maxAttempts: 3 } },
  );
  const [first, second] = out.map((o) => o.r);
  assert.ok(first && isLeft(first) && first.left.reason === 'retries-exhausted' && first.left.attempts === 3);
  assert.is(first.left.detail, 'gave up after 3 attempt(s) over 1500 ms (maxAttempts 3): 14 UNAVAILABLE: connection refused', 'the limit that ended it is named');
  assert.ok(second && isRight(second));
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), [[0, 1], [500, 1], [1500, 1], [1500, 2]]);
});

test('at-most-once: one attempt, then a Left', () => {
  const s = testScheduler();
  const { out, sink } = deliver(s, ({ cold }) => cold('a|', { a: R(sample(1)) }), () => ({ error: unavailable }), { guarantee: 'at-most-once' });
  assert.is(sink.calls.length, 1);
  assert.ok(isLeft(out[0]!.r) && out[0]!.r.left.reason === 'retries-exhausted');
});

test('the dead letter says how long it tried in whole milliseconds (a monotonic scheduler\'s time has fractions: "over 6.88916015625 ms")', () => {
  const s = testScheduler();
  const { out } = deliver(s, ({ cold }) => cold('a|', { a: R(sample(1)) }), () => ({ error: unavailable, delayMs: 6.88916015625 }), { guarantee: 'at-most-once' });
  assert.ok(isLeft(out[0]!.r));
  assert.is(out[0]!.r.left.detail, 'gave up after 1 attempt(s) over 7 ms (guarantee at-most-once: one attempt a batch): 14 UNAVAILABLE: connection refused');
  assert.is(new RetriesExhaustedError(2, 1499.5, unavailable).message, 'gave up after 2 attempt(s) in 1500 ms: 14 UNAVAILABLE: connection refused');
  assert.is(new RetriesExhaustedError(2, 1499.5, unavailable, 'maxAttempts 2').message, 'gave up after 2 attempt(s) in 1500 ms (maxAttempts 2): 14 UNAVAILABLE: connection refused');
  assert.is(new BrokenCircuitError(4993.125).message, 'circuit open: next attempt allowed in 4994 ms');
});

test("maxQueued 'dead-letter-newest' (the default) and 'dead-letter-oldest', counted", () => {
  for (const [policy, expected] of [['dead-letter-newest', [4, 5]], [undefined, [4, 5]], ['dead-letter-oldest', [2, 3]]] as const) {
    const s = testScheduler();
    let overflows = 0;
    // The first batch [1] is in flight for 10 ms; 2..5 queue behind it, at most 2 waiting.
    const { out, sink } = deliver(
      s,
      ({ cold }) => cold('(abcde|)', { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)), d: R(sample(4)), e: R(sample(5)) }),
      () => ({ delayMs: 10 }),
      { batch: { maxSize: 1 }, maxQueued: 2, ...(policy !== undefined ? { overflow: policy } : {}), onOverflow: () => overflows++ },
    );
    const overflowed = out.filter((o) => isLeft(o.r)).map((o) => (o.r as { left: { reason: string; item: Sample } }).left);
    assert.ok(overflowed.every((d) => d.reason === 'overflow'));
    assert.equal(overflowed.map((d) => d.item.value), expected, policy ?? 'no overflow option');
    assert.is(overflows, 2);
    assert.is(sink.accepted().length + overflowed.length, 5);
  }
});

test("'dead-letter-oldest': the sample left oldest waits maxDelayMs from its own arrival", () => {
  const s = testScheduler();
  const xs = Array.from({ length: 5 }, (_, i) => sample(i + 1));
  // [1] goes at 50 (waited maxDelayMs) and is in flight until 150; 2 (at 60), 3 (120) and 4 (125)
  // fill the queue; 5 (at 130) overflows and 2, the oldest, goes. At 150 [3, 4] goes (a full
  // batch), answered at 160; 5 is left, and waits its own 50 ms: it goes at 180, not at once.
  const { out, sink } = deliver(
    s,
    ({ cold }) => cold('a 59ms b 59ms c 4ms d 4ms e 100ms |', Object.fromEntries(xs.map((x, i) => ['abcde'[i]!, R(x)]))),
    (_b, call) => ({ delayMs: call === 0 ? 100 : 10 }),
    { batch: { maxSize: 2, maxDelayMs: 50 }, maxQueued: 3, overflow: 'dead-letter-oldest' },
  );
  assert.equal(out.filter((o) => isLeft(o.r)).map((o) => [o.atMs, (o.r as { left: { reason: string; item: Sample } }).left.item.value]), [[130, 2]]);
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples.map((x) => x.value)]), [
    [50, [1]],
    [150, [3, 4]],
    [180, [5]], // 5 arrived at 130
  ]);
});

test("'dead-letter-oldest' across lanes: the oldest sample waiting in any lane goes, not the oldest of the incoming sample's lane", () => {
  const s = testScheduler();
  const a = seriesInLane(0);
  const b = seriesInLane(1);
  // Each lane's first sample is in flight for 100 ms; a@200 waits in lane 0, b@20 in lane 1 — the
  // queue is full — and a@300 overflows: b@20, in the other lane, is the oldest waiting.
  const xs = [sample(100, a), sample(10, b), sample(200, a), sample(20, b), sample(300, a)];
  const { out, sink } = deliver(
    s,
    ({ cold }) => cold('(abcde|)', Object.fromEntries(xs.map((x, i) => ['abcde'[i]!, R(x)]))),
    () => ({ delayMs: 100 }),
    { lanes: 2, batch: { maxSize: 1 }, maxQueued: 2, overflow: 'dead-letter-oldest' },
  );
  const overflowed = out.filter((o) => isLeft(o.r)).map((o) => (o.r as { left: { reason: string; item: Sample } }).left);
  assert.equal(overflowed.map((d) => [d.reason, d.item.name, d.item.value]), [['overflow', b, 20]]);
  assert.equal(sink.accepted().map((x) => [x.name, x.value]).sort(), [[a, 100], [a, 200], [a, 300], [b, 10]].sort());
});

test('the default batch: up to 1 000 samples, the oldest waiting up to 1 000 ms', () => {
  const s = testScheduler();
  const xs = Array.from({ length: 1_001 }, (_, i) => R(sample(i)));
  const { sink } = deliver(s, ({ cold }) => concat(of(...xs), cold<Routed<Sample>>('2000ms |')), () => ({ delayMs: 10 }), {});
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples.length]), [[0, 1_000], [1_000, 1]]);
});

test("order 'global' is one lane whatever lanes says: one batch in flight at a time, across series", () => {
  const s = testScheduler();
  const xs = Array.from({ length: 8 }, (_, i) => sample(i, `m${i}`));
  assert.ok(new Set(xs.map((x) => laneOf(x, 4))).size > 1, 'the series would take several of 4 lanes');
  const { sink } = deliver(s, () => of(...xs.map(R)), () => ({ delayMs: 10 }), { lanes: 4, order: 'global', batch: { maxSize: 1 } });
  assert.is(sink.maxInFlight, 1);
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), xs.map((x, i) => [10 * i, x.value]));
});

test('a full queue does not wait for batches to fill: with maxQueued below batch.maxSize, nothing overflows while the receiver keeps up', () => {
  const s = testScheduler();
  // 300 samples, one a millisecond; the receiver answers in 10 ms. The queue holds 50, a batch
  // 1 000, and a batch waits up to 1 s: each batch went only at its timer, and 250 samples of
  // 300 became `overflow` dead letters while the receiver sat idle.
  const source = ({ cold }: { cold: typeof s.createColdObservable }) =>
    cold(`${'a'.repeat(300)}|`, { a: R(sample(0)) }).pipe(map((_, i) => R(sample(i + 1))));
  const { out, sink } = deliver(s, source, () => ({ delayMs: 10 }), { batch: { maxSize: 1_000, maxDelayMs: 1_000 }, maxQueued: 50 });
  assert.equal(out.filter((o) => isLeft(o.r)).length, 0, 'no overflow');
  assert.is(sink.accepted().length, 300);
  assert.equal(sink.accepted().map((x) => x.value), xs300, 'in order');
  assert.ok(sink.calls.every((c) => c.samples.length <= 50));
  assert.is(sink.calls[0]!.atMs, 49, 'the first batch went when the queue was full, not at its 1 s timer');
});

test('drains every lane on complete, without waiting for maxDelayMs, then completes', () => {
  const s = testScheduler();
  const { sink, completedAt } = deliver(s, ({ cold }) => cold('(abc|)', { a: R(sample(1, 'x')), b: R(sample(2, 'y')), c: R(sample(3, 'z')) }), () => ({ delayMs: 3 }), { lanes: 4, batch: { maxDelayMs: 60_000 } });
  assert.equal(sink.calls.every((c) => c.atMs === 0), true);
  assert.is(sink.accepted().length, 3);
  assert.is(completedAt, 3);
});

test('an upstream error drains every lane first — what was queued is delivered, without waiting for maxDelayMs — then passes on', () => {
  const s = testScheduler();
  const sourceFailed = new Error('the source failed');
  const { out, sink, completedAt, failed } = deliver(s, ({ cold }) => cold('(ab#)', { a: R(sample(1, 'x')), b: R(sample(2, 'y')) }, sourceFailed), () => ({ delayMs: 3 }), { lanes: 4, batch: { maxDelayMs: 60_000 } });
  assert.equal(sink.calls.map((c) => c.atMs), [0, 0]);
  // Two lanes settling at one instant: their order between them says nothing.
  assert.equal(out.map((o) => [o.atMs, isRight(o.r) ? o.r.right.samples.map((x) => x.value) : o.r.left.reason]).sort(), [[3, [1]], [3, [2]]]);
  assert.is(completedAt, -1);
  assert.equal(failed, { atMs: 3, error: sourceFailed });
});

test('unsubscribe cancels retries and batch timers', () => {
  const scheduler = testScheduler();
  const sink = fakeSink(scheduler, () => ({ error: unavailable }));
  const src = concat(of(R(sample(1, 'a')), R(sample(2, 'b'))), NEVER);
  const sub = src.pipe(deliverOrdered(sink.send, { lanes: 2, batch: { maxSize: 1 }, scheduler, retry: noJitter })).subscribe();
  const sub2 = concat(of(R(sample(3))), NEVER).pipe(deliverOrdered(sink.send, { batch: { maxDelayMs: 100 }, scheduler })).subscribe();
  assert.ok(pendingActions(scheduler) >= 3);
  sub.unsubscribe();
  sub2.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test.run();
