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
import { EMPTY, Subject } from 'rxjs';
import { routed } from '../src/routed.js';
import { reorderByEventTime } from '../operators/reorderByEventTime.js';
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

test('a long-running reorderByEventTime holds a series record, not its samples: under 400 bytes a series', async () => {
  await collect();
  const before = process.memoryUsage().heapUsed;
  const n = 40_000;
  const input = new Subject<Sample>();
  const sub = input.pipe(routed(), reorderByEventTime({ maxDelayMs: 0 })).subscribe();
  for (let i = 0; i < n; i++) input.next(sampleOf(i));
  await collect();
  const after = process.memoryUsage().heapUsed;
  sub.unsubscribe();
  const perSeries = (after - before) / n;
  // Holding each series' last sample with its attributes came to ~550 bytes; the record alone to ~280.
  assert.ok(perSeries < 400, `${perSeries.toFixed(0)} bytes a series`);
});

test('deliverOrdered keeps nothing per series once its samples are delivered', async () => {
  await collect();
  const before = process.memoryUsage().heapUsed;
  const n = 40_000;
  const input = new Subject<Sample>();
  const delivered: number[] = [];
  const sub = input
    .pipe(routed(), deliverOrdered(() => EMPTY, { lanes: 4, batch: { maxSize: 100, maxDelayMs: 0 } }))
    .subscribe((r) => delivered.push(r._tag === 'Right' ? r.right.samples.length : 0));
  for (let i = 0; i < n; i++) input.next(sampleOf(i));
  await collect();
  const after = process.memoryUsage().heapUsed;
  sub.unsubscribe();
  assert.is(delivered.reduce((a, b) => a + b, 0), n, 'every sample delivered');
  const perSeries = (after - before - delivered.length * 8) / n;
  // A map from every series key ever seen to its lane came to ~150 bytes a series.
  assert.ok(perSeries < 40, `${perSeries.toFixed(0)} bytes a series`);
});

test.run();
