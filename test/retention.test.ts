/**
 * What the operators keep of a series after its samples have gone through. A long-running
 * pipeline sees series come and go (a pod name, a container id in the attributes): whatever is
 * kept per series ever seen grows for the life of the process. reorderByEventTime must keep its
 * series' last released time (that is what "late" is measured against) but not the sample itself;
 * deliverOrdered's lane of a series is a function of its key and needs no record at all.
 * Measured with a real garbage collection (gc exposed at run time), not a timer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EMPTY, Subject, type OperatorFunction, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { routed, type Routed } from '../src/routed.js';
import { reorderByEventTime, type ReorderOptions } from '../operators/reorderByEventTime.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import type { Sample } from '../src/sample.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** A full collection after the current job (a WeakRef holds its target until the job ends). */
const collect = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
};

const T0 = 1_767_225_600_000_000_000n;
const sampleOf = (i: number): Sample => ({
  name: 'container.cpu.usage', kind: 'gauge', value: i,
  timeUnixNano: T0 + BigInt(i) * 1_000_000n,
  attributes: { 'k8s.pod.name': `web-${i}`, 'k8s.namespace.name': 'default' },
});

/** A sample of pod `pod`'s series at `ms`. */
const at = (pod: string, ms: number): Sample => ({ ...sampleOf(0), attributes: { 'k8s.pod.name': pod }, timeUnixNano: T0 + BigInt(ms) * 1_000_000n });

/** What came out: `late` or `ok`, and the sample's time (ns after T0). */
const outcomes = (out: Routed<Sample>[]): string[] => out.map((r) => (isLeft(r) ? `late ${String(r.left.item.timeUnixNano - T0)}` : `ok ${String(r.right.timeUnixNano - T0)}`));

test('reorderByEventTime keeps no released sample (nor its value and attributes) alive', async () => {
  const refs: WeakRef<object>[] = [];
  const input = new Subject<Sample>();
  let emitted = 0;
  // Still subscribed while measuring: what the operator holds now it would hold for the rest of a run.
  const sub = input.pipe(routed(), reorderByEventTime({ maxDelayMs: 0 })).subscribe(() => emitted++);
  // Fed from a plain function: the async test's own frame must not be what holds the last one.
  const feed = (): void => {
    for (let i = 0; i < 100; i++) {
      const s = sampleOf(i);
      refs.push(new WeakRef(s), new WeakRef(s.attributes));
      input.next(s);
    }
  };
  feed();
  await collect();
  const alive = refs.filter((r) => r.deref() !== undefined).length;
  sub.unsubscribe();
  assert.is(emitted, 100, 'every sample released');
  assert.is(alive, 0, 'released samples and their attributes are collected (each series keeps its last time only)');
});

const SERIES = 40_000;
/**
 * Heap growth while `stage` is still subscribed, after SERIES one-sample series went through it
 * (`seen` gets each output): what the operator would keep for the rest of a run.
 */
const heapGrowthThrough = async <O>(stage: OperatorFunction<Routed<Sample>, O>, seen: (out: O) => void = () => undefined): Promise<number> => {
  const pass = (onOut: (out: O) => void): Subscription => {
    const input = new Subject<Sample>();
    const sub = input.pipe(routed(), stage).subscribe(onOut);
    for (let i = 0; i < SERIES; i++) input.next(sampleOf(i));
    return sub;
  };
  // A first pass, let go before measuring: the code V8 compiles for it and the feedback it keeps
  // (a megabyte and more, ~25–50 bytes a series here) are the process's, not the stage's.
  pass(() => undefined).unsubscribe();
  await collect();
  const before = process.memoryUsage().heapUsed;
  const sub = pass(seen);
  await collect();
  const after = process.memoryUsage().heapUsed;
  sub.unsubscribe();
  return after - before;
};

test('a long-running reorderByEventTime holds a series record, not its samples: under 400 bytes a series', async () => {
  const perSeries = (await heapGrowthThrough(reorderByEventTime({ maxDelayMs: 0 }))) / SERIES;
  // Holding each series' last sample with its attributes came to ~550 bytes; the record alone to ~280
  // then, ~370 now (2026-12, after a warm-up pass: 367 in five runs out of five).
  assert.ok(perSeries < 400, `${perSeries.toFixed(0)} bytes a series`);
});

test('deliverOrdered keeps nothing per series once its samples are delivered', async () => {
  const delivered: number[] = [];
  const growth = await heapGrowthThrough(deliverOrdered(() => EMPTY, { lanes: 4, batch: { maxSize: 100, maxDelayMs: 0 } }), (r) =>
    delivered.push(r._tag === 'Right' ? r.right.samples.length : 0));
  assert.is(delivered.reduce((a, b) => a + b, 0), SERIES, 'every sample delivered');
  const perSeries = (growth - delivered.length * 8) / SERIES;
  // A map from every series key ever seen to its lane came to ~150 bytes a series.
  assert.ok(perSeries < 40, `${perSeries.toFixed(0)} bytes a series`);
});

test('reorderByEventTime with forgetSeriesAfterMs: memory follows the series seen lately', async () => {
  let out = 0;
  // One sample a series, 1 ms apart: with 1 s forgotten, ~1 000 series are recent at any time.
  const perSeries = (await heapGrowthThrough(reorderByEventTime({ maxDelayMs: 0, forgetSeriesAfterMs: 1_000 }), () => out++)) / SERIES;
  assert.is(out, SERIES);
  assert.ok(perSeries < 40, `${perSeries.toFixed(0)} bytes a series`);
});

/**
 * Through reorderByEventTime: series 'a' at 1 s, then `others` other series 10 ms apart from 2 s
 * on; what `probes` then give (late or ok, and the letters' details).
 */
const afterManySeries = (opts: ReorderOptions, others: number, probes: Sample[]): { outcomes: string[]; details: string[] } => {
  const input = new Subject<Sample>();
  const out: Routed<Sample>[] = [];
  const sub = input.pipe(routed(), reorderByEventTime(opts)).subscribe((r) => out.push(r));
  input.next(at('a', 1_000));
  for (let i = 0; i < others; i++) input.next(at(`p${i}`, 2_000 + i * 10));
  out.length = 0;
  for (const p of probes) input.next(p);
  sub.unsubscribe();
  return { outcomes: outcomes(out), details: out.flatMap((r) => (isLeft(r) ? [r.left.detail] : [])) };
};

test('a forgotten series: an older sample is still late, a newer one goes through; a new series older than what was forgotten is late', () => {
  // 1 500 other series move the watermark to ~16 s: 'a' (idle 15 s) is forgotten.
  const r = afterManySeries({ maxDelayMs: 0, forgetSeriesAfterMs: 1_000 }, 1_500, [
    at('a', 999), // older than what 'a' released
    at('a', 16_500), // newer than anything forgotten
    at('z', 1_500), // a new series, older than series forgotten since: may be one of them
    at('p1499', 16_990), // a recent series: untouched
    // The sweep at the 1 024th series forgot those released before 11 220 ms (the watermark less
    // 1 000): the newest of them, p921, at 11 210 ms, is the floor.
    at('y', 11_210), // a new series at the floor: not late (an equal time never is)
    at('x', 11_209), // just older: late
  ]);
  assert.equal(r.outcomes, ['late 999000000', 'ok 16500000000', 'late 1500000000', 'ok 16990000000', 'ok 11210000000', 'late 11209000000']);
  assert.match(r.details[0]!, /forgotten after 1000 ms idle/);
});

test('reorderByEventTime with maxSeries: memory bounded when every sample is a series of its own (an id in the attributes); what was forgotten stays in order', async () => {
  const capped: number[] = [];
  let out = 0;
  const perSeries = (await heapGrowthThrough(reorderByEventTime({ maxDelayMs: 0, maxSeries: 2_000, onSeriesCapped: (e) => capped.push(e.forgotten) }), () => out++)) / SERIES;
  assert.is(out, SERIES);
  // 2 000 records held at most, of 40 000 series: a twentieth of the ~300 bytes each.
  assert.ok(perSeries < 40, `${perSeries.toFixed(0)} bytes a series`);
  assert.ok(capped.length > 0 && capped.every((n) => n === 500), 'a quarter of the cap at a time, said');
  // The least recently released go: an old series' older sample is still late, a recent one untouched.
  const r = afterManySeries({ maxDelayMs: 0, maxSeries: 100 }, 150, [
    at('a', 999), // forgotten by the cap: older than what it released, still late
    at('p149', 3_500), // among the most recent: kept, in order
  ]);
  assert.equal(r.outcomes, ['late 999000000', 'ok 3500000000']);
});

test.run();
