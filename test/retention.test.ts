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
import { createBatchEncoder } from '../src/otlp/batchEncoder.js';
import { createBatchPacker, createBatchUnpacker } from '../src/otlp/batchColumns.js';
import { createSampleQueue } from '../src/sampleQueue.js';

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
/** A collection every this many samples in a pass, as a running process has them (see retainedBy). */
const COLLECT_EVERY = 4_000;
/**
 * What `stage` retains, in bytes a series, after SERIES one-sample series went through it (`seen`
 * gets each output). `held`: what the subscription lets go when it ends (the heap while still
 * subscribed less the heap after), what the operator would keep for the rest of a run. `kept`:
 * what stays after it ended (the heap after less the heap before), where a module-level record of
 * each series would show. Every reading follows a full collection.
 *
 * A first pass over other series, let go before the first reading, compiles the stage's code. The
 * code and feedback V8 keeps for it, and whatever the rest of the process frees or keeps meanwhile
 * (the unit suites share one process in `npm test`), fall in `kept` only.
 *
 * Each pass collects every COLLECT_EVERY samples. The stages look series up in weak maps keyed by
 * the attributes object (memoByAttributes, src/sample.ts); here every sample has its own, which
 * dies once the sample is through, but its entry goes only at the next collection, and the map's
 * table keeps the room it grew to. Without these collections that room followed the size of V8's
 * young generation: a 1 MB table in CI (47 and 49 bytes a series held, against 25–29 here) and
 * here with --max-semi-space-size=64. With them, 7–24 bytes a series whatever the young
 * generation's size (1, default, 64 and 128 MB tried).
 */
const retainedBy = async <O>(stage: OperatorFunction<Routed<Sample>, O>, seen: (out: O) => void = () => undefined): Promise<{ held: number; kept: number }> => {
  const pass = (onOut: (out: O) => void, other: boolean): Subscription => {
    const input = new Subject<Sample>();
    const sub = input.pipe(routed(), stage).subscribe(onOut);
    for (let i = 0; i < SERIES; i++) {
      input.next(sampleOf(other ? SERIES + i : i));
      if (i % COLLECT_EVERY === COLLECT_EVERY - 1) gc();
    }
    return sub;
  };
  pass(() => undefined, true).unsubscribe();
  await collect();
  const before = process.memoryUsage().heapUsed;
  const sub = pass(seen, false);
  await collect();
  const subscribed = process.memoryUsage().heapUsed;
  sub.unsubscribe();
  await collect();
  const after = process.memoryUsage().heapUsed;
  return { held: (subscribed - after) / SERIES, kept: (after - before) / SERIES };
};
/**
 * The bound on `kept`: a module-level record of each series ever seen costs its key at least
 * (~100 bytes here); the noise above came to ~20 bytes a series.
 */
const KEPT_BYTES = 60;
const figures = (r: { held: number; kept: number }): string => `${r.held.toFixed(0)} bytes a series held, ${r.kept.toFixed(0)} kept`;

test('a long-running reorderByEventTime holds a series record, not its samples: under 400 bytes a series', async () => {
  const r = await retainedBy(reorderByEventTime({ maxDelayMs: 0 }));
  // Holding each series' last sample with its attributes came to ~550 bytes; the record alone to ~280
  // then, ~370 now (2026-12: 366–367 in eight runs, alone or in the shared process).
  assert.ok(r.held < 400, figures(r));
  assert.ok(r.kept < KEPT_BYTES, figures(r));
});

test('deliverOrdered keeps nothing per series once its samples are delivered', async () => {
  let delivered = 0;
  const r = await retainedBy(deliverOrdered(() => EMPTY, { lanes: 4, batch: { maxSize: 100, maxDelayMs: 0 } }), (d) => {
    if (!isLeft(d)) delivered += d.right.samples.length;
  });
  assert.is(delivered, SERIES, 'every sample delivered');
  // A map from every series key ever seen to its lane came to ~150–220 bytes a series. What is
  // held (7–8 measured) is the room of the lanes' weak maps (see retainedBy), not a record of
  // each series.
  assert.ok(r.held < 40, figures(r));
  assert.ok(r.kept < KEPT_BYTES, figures(r));
});

test('reorderByEventTime with forgetSeriesAfterMs: memory follows the series seen lately', async () => {
  let out = 0;
  // One sample a series, 1 ms apart: with 1 s forgotten, ~1 000 series are recent at any time.
  const r = await retainedBy(reorderByEventTime({ maxDelayMs: 0, forgetSeriesAfterMs: 1_000 }), () => out++);
  assert.is(out, SERIES);
  assert.ok(r.held < 40, figures(r));
  assert.ok(r.kept < KEPT_BYTES, figures(r));
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
  const memory = await retainedBy(reorderByEventTime({ maxDelayMs: 0, maxSeries: 2_000, onSeriesCapped: (e) => capped.push(e.forgotten) }), () => out++);
  assert.is(out, SERIES);
  // 2 000 records held at most, of 40 000 series: a twentieth of the ~370 bytes each, and the
  // tables' room (22–24 bytes a series measured).
  assert.ok(memory.held < 40, figures(memory));
  assert.ok(memory.kept < KEPT_BYTES, figures(memory));
  assert.ok(capped.length > 0 && capped.every((n) => n === 500), 'a quarter of the cap at a time, said');
  // The least recently released go: an old series' older sample is still late, a recent one untouched.
  const r = afterManySeries({ maxDelayMs: 0, maxSeries: 100 }, 150, [
    at('a', 999), // forgotten by the cap: older than what it released, still late
    at('p149', 3_500), // among the most recent: kept, in order
  ]);
  assert.equal(r.outcomes, ['late 999000000', 'ok 3500000000']);
});

test("the sink's encoder keeps a data point for each sample of its largest batch, not of every batch it encoded", async () => {
  const encode = createBatchEncoder();
  const attributes = { host: 'a' };
  const batch = Array.from({ length: 1_000 }, (_, i): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i), attributes }));
  encode(batch, {});
  await collect();
  const before = process.memoryUsage().heapUsed;
  for (let b = 0; b < 300; b++) encode(batch, {});
  await collect();
  // A pool grown to 300 000 points held 56 MB more (measured); the pool of 1 000 was there before.
  const grownBytes = process.memoryUsage().heapUsed - before;
  assert.ok(grownBytes < 8 * 2 ** 20, `${(grownBytes / 2 ** 20).toFixed(1)} MB more held after 300 batches`);
});

test("the sink's encoder lets go of a batch's attributes and values once encoded (its pooled points stay)", async () => {
  const encode = createBatchEncoder();
  const refs: WeakRef<object>[] = [];
  const histogram = { boundaries: [1], counts: [1, 0], sum: 0.5, count: 1 };
  // Fed from a plain function: the async test's own frame must not be what holds them.
  const feed = (): void => {
    const batch = Array.from({ length: 100 }, (_, i): Sample => ({ name: 'h', kind: 'histogram', value: { ...histogram }, timeUnixNano: T0 + BigInt(i), attributes: { pod: `web-${i}` } }));
    for (const s of batch) refs.push(new WeakRef(s.attributes), new WeakRef(s.value as object));
    encode(batch, {});
  };
  feed();
  await collect();
  assert.is(refs.filter((r) => r.deref() !== undefined).length, 0, 'nothing of the batch kept by the pool');
});

test("the encoding worker's unpacker lets go of the resources and scopes it shared once the packer starts over (a reset)", async () => {
  const pack = createBatchPacker(2);
  const unpack = createBatchUnpacker();
  const refs: WeakRef<object>[] = [];
  const batchOf = (service: string): Sample[] => [0, 1].map((i) => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i), attributes: { i }, resource: { 'service.name': service }, scope: { name: service } }));
  // Fed from a plain function: the async test's own frame must not be what holds them.
  const feed = (): void => {
    const first = batchOf('first');
    refs.push(new WeakRef(first[0]!.resource!), new WeakRef(first[0]!.scope!));
    unpack(pack.pack(first)!);
    const second = pack.pack(batchOf('second'))!;
    assert.ok(second.reset, 'more series than the packer keeps: it starts over');
    unpack(second);
  };
  feed();
  await collect();
  assert.is(refs.filter((r) => r.deref() !== undefined).length, 0, "the first batch's resource and scope are not kept");
});

test("deliverOrdered's queue keeps no sample it handed out, in its segments or its spares", async () => {
  const queue = createSampleQueue(1);
  const refs: WeakRef<object>[] = [];
  const feed = (): void => {
    for (let i = 0; i < 3_000; i++) {
      const s = sampleOf(i);
      refs.push(new WeakRef(s));
      queue.push(s, { now: () => 0 });
    }
    while (queue.length > 0) queue.take(700);
  };
  feed();
  await collect();
  assert.ok(queue.capacity >= 3_000, 'its segments are kept');
  assert.is(refs.filter((r) => r.deref() !== undefined).length, 0);
});

test.run();
