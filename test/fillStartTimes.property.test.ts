/**
 * Properties of fillStartTimes over generated streams of counters without start times (each
 * series in time order, as after reorderByEventTime): every sample comes out once, in place, the
 * same but for its start; a start is never after its time; within a series the start is its first
 * time, and changes only where the value went down — to the time of the sample before. And a
 * stream cut anywhere, the second run taking up what a store following trackChanges holds, gives
 * every sample the start one run over the whole stream gives it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { isRight, right } from 'fp-ts/lib/Either.js';
import { fillStartTimes, type SeriesStartChanges, type SeriesStartState } from '../operators/fillStartTimes.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';

const test = suite('fillStartTimes properties');

/** Steps of a stream: which of a few series, how far its time moves on (0: an equal time), its value. */
const steps = fc.array(fc.record({ series: fc.integer({ min: 0, max: 3 }), stepNs: fc.integer({ min: 0, max: 1_000 }), value: fc.integer({ min: 0, max: 20 }) }), { maxLength: 200 });

const counters = (generated: { series: number; stepNs: number; value: number }[]): Sample[] => {
  const clock = [0n, 0n, 0n, 0n];
  return generated.map(({ series, stepNs, value }) => {
    clock[series]! += BigInt(stepNs);
    return { name: 'jobs', kind: 'sum', value, timeUnixNano: 1_000_000n + clock[series]!, attributes: { series } };
  });
};

test('conservation, in place, and true reset points per series', async () => {
  await fc.assert(
    fc.asyncProperty(steps, async (generated) => {
      const input = counters(generated);
      const out = await lastValueFrom(from(input.map((s): Routed<Sample> => right(s))).pipe(fillStartTimes(), toArray()));
      assert.is(out.length, input.length);
      const last = new Map<unknown, { start: bigint; time: bigint; value: number }>();
      out.forEach((r, i) => {
        assert.ok(isRight(r));
        const s = r.right;
        const original = input[i]!;
        assert.equal({ ...s, startTimeUnixNano: undefined }, { ...original, startTimeUnixNano: undefined }, 'the same sample, in place');
        const start = s.startTimeUnixNano!;
        assert.ok(start <= s.timeUnixNano, 'a start is never after its time');
        const before = last.get(original.attributes['series']);
        const expected = before === undefined ? s.timeUnixNano : (original.value as number) < before.value ? before.time : before.start;
        assert.is(start, expected);
        last.set(original.attributes['series'], { start, time: s.timeUnixNano, value: original.value as number });
      });
    }),
    { numRuns: 300 },
  );
});

test('killed anywhere: the states a store followed through trackChanges give the next run the starts one run would have given', async () => {
  const startsOf = (out: Routed<Sample>[]) => out.map((r) => (isRight(r) ? r.right.startTimeUnixNano : undefined));
  await fc.assert(
    fc.asyncProperty(steps, fc.nat(), fc.array(fc.nat(), { maxLength: 5 }), async (generated, cutAt, drainAt) => {
      const input = counters(generated);
      const cut = input.length === 0 ? 0 : cutAt % (input.length + 1);
      const whole = startsOf(await lastValueFrom(from(input.map((s): Routed<Sample> => right(s))).pipe(fillStartTimes(), toArray())));
      // The store: what each call of `changes` said, applied in turn — at some points of the first run, and at its cut.
      const store = new Map<string, SeriesStartState>();
      let changes: (() => SeriesStartChanges) | undefined;
      const apply = () => {
        const c = changes!();
        c.forgotten.forEach((k) => store.delete(k));
        c.kept.forEach((k) => store.set(k.series, k));
      };
      const drains = new Set(drainAt.map((d) => d % (cut + 1)));
      const first: Routed<Sample>[] = [];
      const subscription = from(input.slice(0, cut).map((s): Routed<Sample> => right(s)))
        .pipe(fillStartTimes({ trackChanges: (c) => (changes = c) }))
        .subscribe((r) => {
          first.push(r);
          if (drains.has(first.length)) apply();
        });
      apply(); // the last write before the kill
      subscription.unsubscribe();
      const second = await lastValueFrom(from(input.slice(cut).map((s): Routed<Sample> => right(s))).pipe(fillStartTimes({ initial: store.values() }), toArray()));
      assert.equal([...startsOf(first), ...startsOf(second)], whole);
    }),
    { numRuns: 300 },
  );
});

test.run();
