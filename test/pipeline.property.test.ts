/**
 * Properties of the whole Pipeline (what `chronoq run` and createPipeline build: validate →
 * detectClockSkew → reorderByEventTime → fillStartTimes → deliverOrdered) over generated streams
 * and failure patterns (timed-out attempts, a shutdown whose drain deadline cuts delivery short
 * among them), in virtual time: every sample ends once — delivered or a dead letter —
 * each series reaches the sink in time order with its original times, and every counter there has
 * a start no later than its time and no earlier than the one before it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { VirtualTimeScheduler, from } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { schedulerClock } from '../src/clock.js';
import { ExportError } from '../src/errors.js';
import type { DeadLetter } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { fakeSink } from './support/fakeSink.js';
import { runPipeline } from './support/virtualTime.js';

const test = suite('pipeline properties');
const T0 = 1_764_064_800_000_000_000n;
const retryable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
const permanent = new ExportError('3 INVALID_ARGUMENT', { retryable: false, code: 3 });
/** Outcome unknown: the lane waits out its fence (delivery.fenceMs) after the batch. */
const timedOut = new ExportError('4 DEADLINE_EXCEEDED', { retryable: true, code: 4, outcomeUnknown: true });

const arrivals = fc.array(
  fc.record({ series: fc.integer({ min: 0, max: 4 }), counter: fc.boolean(), tMs: fc.integer({ min: 0, max: 2_000 }), value: fc.integer({ min: 0, max: 9 }) }),
  { minLength: 1, maxLength: 150 },
);
const settings = fc.record({
  maxDelayMs: fc.constantFrom(0, 50, 500),
  maxSize: fc.integer({ min: 1, max: 40 }),
  lanes: fc.integer({ min: 1, max: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  /** Per call: 0 answers, 1 fails retryably, 2 refuses, 3 times out. */
  answers: fc.array(fc.constantFrom(0, 0, 0, 1, 2, 3), { minLength: 1, maxLength: 50 }),
  /** A shutdown while it delivers, with a drain deadline: what is left becomes `shutdown` letters. */
  shutdown: fc.option(fc.record({ atMs: fc.integer({ min: 0, max: 3_000 }), deadlineMs: fc.integer({ min: 0, max: 2_000 }) }), { nil: undefined }),
});

test('conservation, per-series order and counters\' start times through the whole pipeline', async () => {
  await fc.assert(
    fc.asyncProperty(arrivals, settings, async (generated, o) => {
      const input: Sample[] = generated.map((g, id) => ({
        name: g.counter ? 'jobs' : 'load', kind: g.counter ? 'sum' : 'gauge', value: g.value,
        timeUnixNano: T0 + BigInt(g.tMs) * 1_000_000n + BigInt(id % 7), attributes: { series: g.series },
      }));
      const scheduler = new VirtualTimeScheduler(undefined, Infinity);
      const sink = fakeSink(scheduler, (_b, call) => {
        const a = o.answers[call % o.answers.length]!;
        return { delayMs: 1, ...(a === 1 ? { error: retryable } : a === 2 ? { error: permanent } : a === 3 ? { error: timedOut } : {}) };
      });
      const config = {
        ...resolveConfig({
          reorder: { maxDelayMs: o.maxDelayMs }, batch: { maxSize: o.maxSize, maxDelayMs: 5 },
          delivery: { lanes: o.lanes, retry: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: o.maxAttempts }, breaker: { failureThreshold: 1_000 } },
        }),
        sources: [],
      };
      const letters: DeadLetter<Sample>[] = [];
      const p = new Pipeline(config, {
        send: sink.send, sources: [from(input)], deadLetters: (d) => letters.push(d), stampedLocally: false,
        scheduler, clock: schedulerClock(scheduler, Number(T0 / 1_000_000n)),
      });
      await runPipeline(p, scheduler, o.shutdown);

      const delivered = sink.calls.filter((c) => c.ok).flatMap((c) => c.samples);
      // Every sample once: delivered, or a dead letter (by its original time and series).
      const identity = (s: Sample) => `${seriesKey(s)}@${s.timeUnixNano}`;
      const ended = [...delivered, ...letters.map((d) => d.item)].map(identity).sort();
      assert.equal(ended, input.map(identity).sort());
      // Per series, in time order at the sink; counters with a start no later than their time.
      const last = new Map<string, Sample>();
      for (const s of delivered) {
        const before = last.get(seriesKey(s));
        if (before !== undefined) assert.ok(s.timeUnixNano >= before.timeUnixNano, 'per-series order');
        if (s.kind === 'sum') {
          assert.ok(s.startTimeUnixNano !== undefined && s.startTimeUnixNano <= s.timeUnixNano, 'a start, not after the time');
          if (before !== undefined) assert.ok(s.startTimeUnixNano >= before.startTimeUnixNano!, 'starts never go back');
        } else assert.is(s.startTimeUnixNano, undefined, 'a gauge is left as it was');
        last.set(seriesKey(s), s);
      }
    }),
    { numRuns: 150 },
  );
});

test.run();
