/**
 * deliverOrdered's options beyond DESIGN.md's contract, in virtual time: what the sink says it
 * took of a failed batch (TakenSamples), flushNow$, fenceMs after an attempt of unknown outcome,
 * abort$ (the drain deadline, the process exiting), a frozen batch, and the onX events. The
 * contract's own cases are the marble spec, marbles/deliverOrdered.marbles.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { NEVER, Observable, Subject, VirtualAction, VirtualTimeScheduler, concat, ignoreElements, map, merge, of, take, throwError, timer } from 'rxjs';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { createCircuitBreaker } from '../src/breaker.js';
import { ExportError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { pendingActions, testScheduler, sample } from './support/marbles.js';
import { R, deliver, noJitter, unavailable } from './support/deliverMarbles.js';
import { fakeSink } from './support/fakeSink.js';

const test = suite('deliverOrdered options');
const invalid = new ExportError('3 INVALID_ARGUMENT: metric name is empty', { retryable: false, code: 3 });
/** An attempt of unknown outcome: the lane waits out its fence after the batch. */
const unknownOutcome = new ExportError('4 DEADLINE_EXCEEDED', { retryable: true, code: 4, outcomeUnknown: true });

test('parts the sink says were taken (TakenSamples) stay delivered when the batch fails or is cut short: only the rest shares its fate', () => {
  // Before, the whole batch became dead letters: replayed, the taken part arrived twice.
  const s = testScheduler();
  const taken = (batch: readonly Sample[]) => ({ kind: 'taken-samples', samples: batch.slice(0, 2) });
  const failing = deliver(s, ({ cold }) => cold('(abcd|)', { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)), d: R(sample(4)) }),
    (batch) => ({ delayMs: 1, emit: [taken(batch)], error: unavailable }), { batch: { maxSize: 4 }, retry: { ...noJitter, maxAttempts: 2 } });
  assert.equal(failing.out.map((o) => [o.atMs, isRight(o.r) ? `delivered:${o.r.right.samples.map((x) => x.value).join(',')}` : `${o.r.left.reason}:${o.r.left.item.value}`]), [
    [502, 'delivered:1,2'], [502, 'retries-exhausted:3'], [502, 'retries-exhausted:4'],
  ]);
  const cut = deliver(testScheduler(), ({ cold }) => cold('(abc)', { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)) }),
    (batch) => ({ delayMs: 1, emit: [taken(batch)], error: unavailable }), { batch: { maxSize: 3 }, abort$: timer(5) });
  assert.equal(cut.out.map((o) => [o.atMs, isRight(o.r) ? `delivered:${o.r.right.samples.map((x) => x.value).join(',')}` : `${o.r.left.reason}:${o.r.left.item.value}`]), [
    [5, 'delivered:1,2'], [5, 'shutdown:3'],
  ]);
  // Every sample taken before the failure: a delivery, and no dead letter (nor an event of none).
  const letterEvents: number[] = [];
  const whole = deliver(testScheduler(), ({ cold }) => cold('(ab|)', { a: R(sample(1)), b: R(sample(2)) }),
    (batch) => ({ delayMs: 1, emit: [{ kind: 'taken-samples', samples: batch }], error: unavailable }),
    { batch: { maxSize: 2 }, retry: { ...noJitter, maxAttempts: 1 }, onDeadLetter: (e) => letterEvents.push(e.count) });
  assert.equal(whole.out.map((o) => (isRight(o.r) ? o.r.right.samples.map((x) => x.value).join(',') : 'letter')), ['1,2']);
  assert.equal(letterEvents, []);
});

test('the fence after an attempt of unknown outcome is 1 s unless fenceMs says otherwise', () => {
  const s = testScheduler();
  const { sink } = deliver(s, ({ cold }) => cold('(ab|)', { a: R(sample(1)), b: R(sample(2)) }), (_b, call) => (call === 0 ? { error: unknownOutcome } : {}),
    { batch: { maxSize: 1 }, breaker: createCircuitBreaker({ failureThreshold: 99, scheduler: s }) });
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), [[0, 1], [500, 1], [1500, 2]]);
});

test('batch.maxSize 0 is 1 and maxQueued 0 is 1 (a batch of nothing, or no room at all, would deliver nothing)', () => {
  const run = (opts: Parameters<typeof deliverOrdered>[1]) => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 10_000); // a bound on virtual time: a runaway of empty batches stops
    const sizes: number[] = [];
    const out: string[] = [];
    of(sample(1), sample(2), sample(3)).pipe(map(R), deliverOrdered((b) => (sizes.push(b.length), timer(10, scheduler).pipe(ignoreElements())), { ...opts, scheduler }))
      .subscribe((r) => out.push(isRight(r) ? 'delivered' : r.left.reason));
    scheduler.flush();
    return [sizes, out];
  };
  assert.equal(run({ batch: { maxSize: 0, maxDelayMs: 0 } }), [[1, 1, 1], ['delivered', 'delivered', 'delivered']]);
  // One waiting at most: the first in flight, the second waiting, the third over the bound.
  assert.equal(run({ batch: { maxSize: 1, maxDelayMs: 0 }, maxQueued: 0 }), [[1, 1], ['overflow', 'delivered', 'delivered']]);
});

test('unsubscribed with its own breaker open: the breaker goes with it (no half-open timer left)', () => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 8_000);
  const source = new Subject<Sample>();
  const sub = source.pipe(map(R), deliverOrdered(() => throwError(() => unavailable), { batch: { maxSize: 1, maxDelayMs: 0 }, retry: noJitter, scheduler })).subscribe();
  source.next(sample(1));
  scheduler.flush(); // five failures by 7.5 s: the breaker is open, half-open due at 12.5 s
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test('unsubscribed by what it delivers to (take(1) at the first delivery): no batch is sent after', () => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000);
  const sent: unknown[] = [];
  of(sample(1), sample(2), sample(3)).pipe(map(R), deliverOrdered((b) => (sent.push(b[0]!.value), timer(10, scheduler).pipe(ignoreElements())), { batch: { maxSize: 1, maxDelayMs: 0 }, scheduler }), take(1)).subscribe();
  scheduler.flush();
  assert.equal(sent, [1]);
});

test('flushNow$ sends what the lane holds without waiting for maxDelayMs (after its batch in flight); later samples wait as usual', () => {
  const s = testScheduler();
  const source = { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)), d: R(sample(4)) };
  // flushes at 5 and 15 ms; each call answered after 20 ms
  const { sink } = deliver(s, ({ cold }) => cold('ab 8ms c 19ms d 100s |', source), () => ({ delayMs: 20 }), { batch: { maxSize: 10, maxDelayMs: 60_000 }, flushNow$: merge(timer(5), timer(15)) });
  assert.equal(sink.calls.map((x) => [x.atMs, x.samples.map((y) => y.value)]), [[5, [1, 2]], [25, [3]], [60_030, [4]]]);
});

test('after an attempt of unknown outcome (timed out), the lane waits fenceMs before its next batch', () => {
  const s = testScheduler();
  const { sink } = deliver(
    s,
    ({ cold }) => cold('(abc|)', { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)) }),
    (_b, call) => (call === 0 ? { error: unknownOutcome } : call === 2 ? { error: unavailable } : {}),
    { batch: { maxSize: 1 }, fenceMs: 700, breaker: createCircuitBreaker({ failureThreshold: 99, scheduler: s }) },
  );
  // [1] fails (unknown) at 0, retried at 500 ok → fence 700 → [2] at 1200 fails (known) → retried at 1700 ok → [3] at once
  assert.equal(sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), [[0, 1], [500, 1], [1200, 2], [1700, 2], [1700, 3]]);
  // A known failure after it does not lift the fence: the attempt that timed out may land all the same.
  const s2 = testScheduler();
  const after = deliver(
    s2,
    ({ cold }) => cold('(ab|)', { a: R(sample(1)), b: R(sample(2)) }),
    (_b, call) => (call === 0 ? { error: unknownOutcome } : call === 1 ? { error: unavailable } : {}),
    { batch: { maxSize: 1 }, fenceMs: 700, breaker: createCircuitBreaker({ failureThreshold: 99, scheduler: s2 }) },
  );
  // [1] fails (unknown) at 0, fails (known) at 500, retried at 1500 ok → fence 700 → [2] at 2200
  assert.equal(after.sink.calls.map((c) => [c.atMs, c.samples[0]!.value]), [[0, 1], [500, 1], [1500, 1], [2200, 2]]);
});

test('unsubscribed while a lane waits out its fence: no timer is left behind', () => {
  const scheduler = testScheduler();
  const sink = fakeSink(scheduler, (_b, call) => (call === 0 ? { error: unknownOutcome } : {}));
  const sub = concat(of(R(sample(1))), NEVER)
    .pipe(deliverOrdered(sink.send, { batch: { maxSize: 1 }, scheduler, retry: noJitter, fenceMs: 700, breaker: createCircuitBreaker({ failureThreshold: 99, scheduler }) }))
    .subscribe();
  scheduler.maxFrames = 600; // the retry at 500 delivered it: the fence runs to 1 200
  scheduler.flush();
  assert.is(sink.calls.length, 2);
  assert.ok(pendingActions(scheduler) >= 1, 'the fence');
  sub.unsubscribe();
  assert.is(pendingActions(scheduler), 0);
});

test('abort$ while a lane waits out its fence: the batch already delivered is not dead-lettered again as `shutdown`; only what waited behind it is', () => {
  const s = testScheduler();
  const source = { a: R(sample(1)), b: R(sample(2)) };
  // [1] times out at 0, retried at 500 and delivered → fence until 1200; abort at 800.
  const { out, completedAt } = deliver(s, ({ cold }) => cold('(ab)', source), (_b, call) => (call === 0 ? { error: unknownOutcome } : {}),
    { batch: { maxSize: 1 }, fenceMs: 700, abort$: timer(800), breaker: createCircuitBreaker({ failureThreshold: 99, scheduler: s }) });
  assert.is(completedAt, 800);
  assert.equal(out.map((o) => [o.atMs, isLeft(o.r) ? `${o.r.left.reason}:${o.r.left.item.value}` : `delivered:${o.r.right.samples.map((x) => x.value).join()}`]), [
    [500, 'delivered:1'], [800, 'shutdown:2'],
  ]);
});

test('abort$: everything queued or in flight becomes a Left `shutdown`, in order, and the stream completes', () => {
  const s = testScheduler();
  const source = { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)) };
  const { out, completedAt } = deliver(s, ({ cold }) => cold('(abc)', source), () => ({ error: unavailable }), { batch: { maxSize: 2 }, abort$: timer(5) });
  assert.is(completedAt, 5);
  assert.equal(out.map((o) => [o.atMs, isLeft(o.r) ? `${o.r.left.reason}:${o.r.left.item.value}` : 'right']), [
    [5, 'shutdown:1'], [5, 'shutdown:2'], [5, 'shutdown:3'],
  ]);
  assert.is(isLeft(out[0]!.r) && out[0]!.r.left.detail, 'not delivered before shutdown: the drain deadline passed');
});

test('the batch given to send is frozen: a send that empties it (JavaScript) cannot make its samples vanish', () => {
  const s = testScheduler();
  const source = { a: R(sample(1)), b: R(sample(2)) };
  const emptying = (batch: readonly Sample[]) => new Observable<never>((subscriber) => {
    (batch as Sample[]).length = 0; // throws: the batch is frozen
    subscriber.complete();
  });
  const out: string[] = [];
  s.run(({ cold }) => {
    cold('(ab|)', source).pipe(deliverOrdered(emptying, { batch: { maxSize: 2 } })).subscribe((r) => out.push(isLeft(r) ? `${r.left.reason}:${r.left.item.value}` : `delivered:${r.right.samples.length}`));
  });
  assert.equal(out, ['rejected:1', 'rejected:2']);
});

test('abort$: a batch in flight is settled for onBatch too (the CLI counted it in flight after it was dead-lettered)', () => {
  const s = testScheduler();
  const source = { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)) };
  const phases: string[] = [];
  const onBatch = (e: { size: number; phase: string }) => phases.push(`${e.phase}:${e.size}`);
  deliver(s, ({ cold }) => cold('(abc)', source), () => ({ error: unavailable }), { batch: { maxSize: 2 }, abort$: timer(5), onBatch });
  assert.equal(phases, ['sent:2', 'settled:2']);
});

test('abort$ emitting an AbortReason: the dead letters carry its detail (the process exiting); any other value means the drain deadline', () => {
  const deadline = 'not delivered before shutdown: the drain deadline passed';
  for (const [why, detail] of [[{ abortDetail: 'the process exited' }, 'the process exited'], [undefined, deadline], [{ abortDetail: 42 }, deadline], ['stop', deadline]] as const) {
    const s = testScheduler();
    const details: string[] = [];
    s.run(({ cold, hot }) => {
      const sink = fakeSink(s, () => ({ error: unavailable }));
      const abort$ = hot('---a', { a: why });
      cold('(ab)', { a: R(sample(1)), b: R(sample(2)) })
        .pipe(deliverOrdered(sink.send, { batch: { maxSize: 1 }, abort$ }))
        .subscribe((r) => (isLeft(r) ? details.push(`${r.left.reason}:${r.left.item.value}:${r.left.detail}`) : undefined));
    });
    assert.equal(details, [`shutdown:1:${detail}`, `shutdown:2:${detail}`], JSON.stringify(why));
  }
});

test('a send that fails with no Error (a string thrown by an application\'s own send): its text is the refusal\'s detail', () => {
  const s = testScheduler();
  const letters: string[] = [];
  s.run(({ cold }) => {
    cold('(ab)', { a: R(sample(1)), b: R(sample(2)) })
      .pipe(deliverOrdered(() => cold('-#', undefined, 'quota exceeded'), { batch: { maxSize: 2 } }))
      .subscribe((r) => (isLeft(r) ? letters.push(`${r.left.reason}:${r.left.item.value}:${r.left.detail}:${r.left.error?.message}`) : undefined));
  });
  assert.equal(letters, [1, 2].map((v) => `rejected:${v}:the receiver refused the batch: quota exceeded:quota exceeded`));
});

test('a refusal after a retry of an attempt the receiver never had (connection refused) is a plain refusal, not one of a resend that may have landed', () => {
  const answeredInvalid = new ExportError('3 INVALID_ARGUMENT: metric name is empty', { retryable: false, code: 3, answered: true });
  const s = testScheduler();
  const details: string[] = [];
  s.run(({ cold }) => {
    let calls = 0;
    cold('(ab)', { a: R(sample(1)), b: R(sample(2)) })
      .pipe(deliverOrdered(() => cold('-#', undefined, calls++ === 0 ? unavailable : answeredInvalid), { batch: { maxSize: 2 }, retry: noJitter }))
      .subscribe((r) => (isLeft(r) ? details.push(r.left.detail) : undefined));
  });
  assert.equal(details, [1, 2].map(() => 'the receiver refused the batch: 3 INVALID_ARGUMENT: metric name is empty'));
});

test('points a receiver rejects by partial success without a message: the dead letters say there was none', () => {
  const s = testScheduler();
  const details: string[] = [];
  s.run(({ cold }) => {
    const send = (batch: readonly Sample[]) => cold('-(r|)', { r: { kind: 'rejected-samples', samples: batch.slice(0, 1), rejectedDataPoints: 1, message: '' } });
    cold('(ab)', { a: R(sample(1)), b: R(sample(2)) })
      .pipe(deliverOrdered(send, { batch: { maxSize: 2 } }))
      .subscribe((r) => (isLeft(r) ? details.push(`${r.left.item.value}:${r.left.detail}`) : undefined));
  });
  assert.equal(details, ['1:the receiver rejected this data point (partial success): no message']);
});

test('an abort$ that errors aborts nothing, and its error goes nowhere (it was thrown as an uncaught exception): delivery goes on', () => {
  const s = testScheduler();
  const { out } = deliver(s, ({ cold }) => cold('(ab)', { a: R(sample(1)), b: R(sample(2)) }), () => ({}), {
    batch: { maxSize: 2 }, abort$: new Observable((subscriber) => subscriber.error(new Error('signal source gone'))),
  });
  assert.equal(out.map((o) => (isRight(o.r) ? o.r.right.samples.map((x) => x.value) : o.r.left.reason)), [[1, 2]]);
});

test('events: onRetry, onDelivered, onDeadLetter fire once per occurrence, with lane and counts', () => {
  const s = testScheduler();
  const log: string[] = [];
  deliver(
    s,
    ({ cold }) => cold('(ab)-c|', { a: R(sample(1)), b: R(sample(2)), c: R(sample(3)) }),
    (batch, call) => (call === 0 ? { error: unavailable } : batch[0]!.value === 3 ? { error: invalid } : {}),
    {
      batch: { maxSize: 2 },
      onRetry: (e) => log.push(`retry lane ${e.lane} attempt ${e.attempt} wait ${e.delayMs} size ${e.batchSize}`),
      onDelivered: (d) => log.push(`delivered ${d.samples.length} after ${d.attempts}`),
      onDeadLetter: (e) => log.push(`dead ${e.reason} ${e.count}`),
    },
  );
  assert.equal(log, ['retry lane 0 attempt 1 wait 500 size 2', 'delivered 2 after 2', 'dead rejected 1']);
});

test.run();
