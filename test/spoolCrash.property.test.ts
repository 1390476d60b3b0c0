/**
 * The spool's promise across a crash, as a property over generated streams and receivers: a
 * Pipeline with a spool takes samples in while its receiver answers, fails, times out or refuses,
 * and is killed at a random moment (the spool abandoned, never closed: as by kill -9); a second
 * run on the same file with a healthy receiver delivers what was left. Every sample taken in ends
 * at least once — delivered by either run, or a dead letter — and each series reaches the receiver
 * in time order across both runs (a sample sent again is the same sample, never an older one).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { EMPTY, Subject, VirtualTimeScheduler } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { schedulerClock } from '../src/clock.js';
import { ExportError } from '../src/errors.js';
import type { DeadLetter } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { fakeSink } from './support/fakeSink.js';
import { tempDir } from './support/cli.js';
import { open } from './support/spool.js';
import { runVirtual } from './support/virtualTime.js';

const test = suite('spool across a crash (property)');
const T0 = 1_764_064_800_000_000_000n;
const T0_MS = Number(T0 / 1_000_000n);
const failures = [
  new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 }),
  new ExportError('3 INVALID_ARGUMENT', { retryable: false, code: 3 }),
  new ExportError('4 DEADLINE_EXCEEDED', { retryable: true, code: 4, outcomeUnknown: true }),
];

const arb = fc.record({
  arrivals: fc.array(fc.record({ series: fc.integer({ min: 0, max: 4 }), gapMs: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 120 }),
  /** Per call of the first run: 0 answers, 1 fails (retryable), 2 refuses, 3 times out. */
  answers: fc.array(fc.constantFrom(0, 0, 1, 2, 3), { minLength: 1, maxLength: 30 }),
  lanes: fc.integer({ min: 1, max: 3 }),
  laterLanes: fc.integer({ min: 1, max: 3 }),
  maxSize: fc.integer({ min: 1, max: 12 }),
  maxQueued: fc.integer({ min: 1, max: 60 }),
  crashAtMs: fc.integer({ min: 0, max: 3_000 }),
});

test('killed at any moment, every sample taken in is delivered (by either run) or a dead letter, each series in order', async () => {
  await fc.assert(
    fc.asyncProperty(arb, async (p) => {
      const path = join(tempDir(), 'spool.db');
      const letters: DeadLetter<Sample>[] = [];
      const received: Sample[] = [];
      const configOf = (lanes: number) => ({
        ...resolveConfig({
          reorder: { maxDelayMs: 0 }, batch: { maxSize: p.maxSize, maxDelayMs: 5 },
          delivery: { lanes, maxQueued: p.maxQueued, retry: { initialDelayMs: 1, maxDelayMs: 20, maxAttempts: 4 }, breaker: { failureThreshold: 1_000 } },
        }),
        sources: [],
      });

      // The first run, killed at crashAtMs.
      const first = open(path, p.lanes).spool;
      const s1 = new VirtualTimeScheduler(undefined, Infinity);
      const sink1 = fakeSink(s1, (_b, call) => {
        const a = p.answers[call % p.answers.length]!;
        return { delayMs: 2, ...(a === 0 ? {} : { error: failures[a - 1] }) };
      });
      const input = new Subject<Sample>();
      const run1 = new Pipeline(configOf(p.lanes), {
        send: (batch) => sink1.send(batch), sources: [input], deadLetters: (d) => letters.push(d), spool: first,
        stampedLocally: false, scheduler: s1, clock: schedulerClock(s1, T0_MS),
      });
      run1.start();
      const taken: Sample[] = [];
      let atMs = 0;
      p.arrivals.forEach((a, i) => {
        atMs += a.gapMs;
        const s: Sample = { name: 'load', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(atMs) * 1_000_000n + BigInt(i), attributes: { series: a.series } };
        if (atMs <= p.crashAtMs) taken.push(s);
        s1.schedule(() => input.next(s), atMs);
      });
      await runVirtual(s1, p.crashAtMs);
      received.push(...sink1.calls.filter((c) => c.ok).flatMap((c) => c.samples));
      first.abandon(); // kill -9: nothing more of this run happens

      // The second run on the same file, another lane count perhaps, a receiver that answers.
      const second = open(path, p.laterLanes).spool;
      const s2 = new VirtualTimeScheduler(undefined, Infinity);
      const run2 = new Pipeline(configOf(p.laterLanes), {
        send: (batch) => (received.push(...batch), EMPTY), sources: [], deadLetters: (d) => letters.push(d), spool: second,
        stampedLocally: false, scheduler: s2, clock: schedulerClock(s2, T0_MS),
      });
      run2.start();
      let done = false;
      void run2.done.then(() => (done = true));
      await runVirtual(s2, Number.POSITIVE_INFINITY, () => done);
      await run2.done;
      second.close();

      const identity = (s: Sample) => `${seriesKey(s)}@${s.timeUnixNano}`;
      const ended = new Set([...received, ...letters.map((d) => d.item)].map(identity));
      const lost = taken.filter((s) => !ended.has(identity(s)));
      assert.equal(lost.map((s) => s.value), [], 'every sample taken in ends: delivered or a dead letter');
      const last = new Map<string, bigint>();
      for (const s of received) {
        const key = seriesKey(s);
        const before = last.get(key);
        assert.ok(before === undefined || s.timeUnixNano >= before, `series ${key} in order at the receiver: ${s.timeUnixNano} after ${before}`);
        last.set(key, s.timeUnixNano);
      }
    }),
    { numRuns: 150 },
  );
});

test.run();
