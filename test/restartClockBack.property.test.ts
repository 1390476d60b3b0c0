/**
 * A restart whose wall clock was set back while the process was down, as a property: a Pipeline
 * with a spool takes samples stamped by its own clock while its receiver answers, fails or times
 * out, and is killed at a random moment (the spool abandoned, as by kill -9); a second run on the
 * same file, its clock set back by anything from nothing to two hours, delivers the backlog and
 * new samples stamped by its own clock. Each series reaches the receiver in time order across
 * both runs, never twice at one time with another value, and nothing is dead-lettered but what
 * the receiver refused: the new run's trusted time starts just after the spool's newest sample.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { EMPTY, Subject, VirtualTimeScheduler } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { type SteppableClock, clockNowNanos, schedulerClock } from '../src/clock.js';
import { ExportError } from '../src/errors.js';
import type { DeadLetter } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { fakeSink } from './support/fakeSink.js';
import { tempDir } from './support/cli.js';
import { open } from './support/spool.js';
import { runVirtual } from './support/virtualTime.js';

const test = suite('a restart with the clock set back (property)');
const T0_MS = Date.UTC(2026, 11, 5, 10, 0, 0);
/** The second run's samples' values start here (the first run's at 0). */
const AFTER = 1_000;
const failures = [new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 }), new ExportError('4 DEADLINE_EXCEEDED', { retryable: true, code: 4, outcomeUnknown: true })];

// At least 1 ms apart: samples stamped at one instant share their time (within a run too), and the
// check below is that a series never gets two values at one time across the restart.
const arrivals = fc.array(fc.record({ series: fc.integer({ min: 0, max: 3 }), gapMs: fc.integer({ min: 1, max: 300 }) }), { minLength: 1, maxLength: 40 });
const arb = fc.record({
  before: arrivals,
  after: arrivals,
  /** Per call of the first run: 0 answers, 1 fails (retryable), 2 times out. */
  answers: fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: 1, maxLength: 10 }),
  lanes: fc.integer({ min: 1, max: 3 }),
  maxSize: fc.integer({ min: 1, max: 8 }),
  crashAtMs: fc.integer({ min: 0, max: 6_000 }),
  /** How far the clock was set back while the process was down (0: not at all). */
  backMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 2 * 3_600_000 })),
  downMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60_000 })),
});

/** Feeds `list` into `input` on `scheduler`, each sample stamped by `clock` as it arrives. */
const feed = (list: readonly { series: number; gapMs: number }[], scheduler: VirtualTimeScheduler, clock: SteppableClock, input: Subject<Sample>, firstValue: number): void => {
  let atMs = 0;
  list.forEach((a, i) => {
    atMs += a.gapMs;
    scheduler.schedule(() => input.next({ name: 'load', kind: 'gauge', value: firstValue + i, timeUnixNano: clockNowNanos(clock), attributes: { series: a.series } }), atMs);
  });
};

test('each series in order across the two runs, whatever the clock did while the process was down', async () => {
  await fc.assert(
    fc.asyncProperty(arb, async (p) => {
      const path = join(tempDir(), 'spool.db');
      const letters: DeadLetter<Sample>[] = [];
      const received: Sample[] = [];
      const config = {
        ...resolveConfig({
          reorder: { maxDelayMs: 0 }, batch: { maxSize: p.maxSize, maxDelayMs: 5 },
          delivery: { lanes: p.lanes, retry: { initialDelayMs: 1, maxDelayMs: 20, maxAttempts: 1_000 }, breaker: { failureThreshold: 1_000 } },
        }),
        sources: [],
      };

      const s1 = new VirtualTimeScheduler(undefined, Infinity);
      const clock1 = schedulerClock(s1, T0_MS);
      const sink1 = fakeSink(s1, (_b, call) => {
        const a = p.answers[call % p.answers.length]!;
        return { delayMs: 2, ...(a === 0 ? {} : { error: failures[a - 1] }) };
      });
      const input1 = new Subject<Sample>();
      const first = open(path, p.lanes).spool;
      new Pipeline(config, { send: (batch) => sink1.send(batch), sources: [input1], deadLetters: (d) => letters.push(d), spool: first, scheduler: s1, clock: clock1 }).start();
      feed(p.before, s1, clock1, input1, 0);
      await runVirtual(s1, p.crashAtMs);
      received.push(...sink1.calls.filter((c) => c.ok).flatMap((c) => c.samples));
      first.abandon();

      const s2 = new VirtualTimeScheduler(undefined, Infinity);
      const clock2 = schedulerClock(s2, T0_MS + p.crashAtMs + p.downMs - p.backMs);
      const input2 = new Subject<Sample>();
      const second = open(path, p.lanes).spool;
      const run2 = new Pipeline(config, { send: (batch) => (received.push(...batch), EMPTY), sources: [input2], deadLetters: (d) => letters.push(d), spool: second, scheduler: s2, clock: clock2 });
      run2.start();
      feed(p.after, s2, clock2, input2, AFTER);
      s2.schedule(() => input2.complete(), p.after.reduce((n, a) => n + a.gapMs, 0) + 1);
      let done = false;
      void run2.done.then(() => (done = true));
      await runVirtual(s2, Number.POSITIVE_INFINITY, () => done);
      await run2.done;
      second.close();

      assert.equal(letters.map((d) => `${d.reason}: ${d.detail}`), [], 'nothing dead-lettered');
      const last = new Map<string, Sample>();
      for (const s of received) {
        const key = seriesKey(s);
        const before = last.get(key);
        const inOrder = before === undefined || s.timeUnixNano > before.timeUnixNano || (s.timeUnixNano === before.timeUnixNano && s.value === before.value);
        assert.ok(inOrder, `series ${key}: ${String(s.value)} at ${s.timeUnixNano} after ${String(before?.value)} at ${before?.timeUnixNano} (clock back ${p.backMs} ms)`);
        last.set(key, s);
      }
      const delivered = new Set(received.map((s) => s.value));
      assert.ok(p.after.every((_a, i) => delivered.has(AFTER + i)), 'every new sample delivered');
    }),
    { numRuns: 100 },
  );
});

test.run();
