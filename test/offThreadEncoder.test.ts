import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBatchPacker, createBatchUnpacker } from '../src/otlp/batchColumns.js';
import { createOffThreadEncoder, type OffThreadEncoder } from '../src/otlp/offThreadEncoder.js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { isTimeOutOfRangeError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { decodePoints } from './support/fakeOtlpServer.js';
import { within } from './support/cli.js';

const test = suite('encoding off the pipeline thread');
const T = 1_764_064_800_123_456_789n;
const FIELDS = ['name', 'kind', 'value', 'timeUnixNano', 'startTimeUnixNano', 'attributes', 'unit', 'description', 'resource', 'resourceSchemaUrl', 'scope', 'temporality', 'monotonic', 'valueType'] as const;
const fieldsOf = (s: Sample) => FIELDS.map((f) => s[f]);

/** Every kind of field a sample can carry, over a few series (whose samples share attribute objects, as a source's do). */
const ATTRS = { cpu: [{ cpu: '0' }, { cpu: '1' }, { cpu: '2' }], route: { route: '/a', tags: ['a', 'b'] }, none: {}, ok: { ok: true }, x: { cpu: 'x', n: 4 } };
const assorted = (n: number, resource = { 'service.name': 'other' }): Sample[] =>
  Array.from({ length: n }, (_, i): Sample => {
    const t = T + BigInt(i);
    switch (i % 5) {
      case 0: return { name: 'cpu', kind: 'gauge', value: i / 3, timeUnixNano: t, attributes: ATTRS.cpu[i % 3]! };
      case 1: return { name: 'requests', kind: 'sum', value: i, timeUnixNano: t, startTimeUnixNano: T - 1_000n, attributes: ATTRS.route, unit: '{request}', description: 'served', valueType: 'double', scope: { name: 'lib', version: '2', schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' } };
      case 2: return { name: 'queue', kind: 'sum', value: -i, timeUnixNano: t, attributes: ATTRS.none, monotonic: false, temporality: 'delta', resource, resourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
      case 3: return { name: 'latency', kind: 'histogram', value: { boundaries: [1, 10], counts: [1, 2, i], sum: 5 + i, count: 3 + i, min: 0.5, max: 20 }, timeUnixNano: t, attributes: ATTRS.ok, scope: { name: 'lib', version: '2', attributes: { tier: 'edge' } } };
      default: return { name: 'cpu', kind: 'gauge', value: 7, timeUnixNano: 2n ** 62n + BigInt(i), attributes: ATTRS.x };
    }
  });

const waitReady = async (encoder: OffThreadEncoder): Promise<void> => {
  for (let i = 0; i < 3000 && !encoder.workerReady; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(encoder.workerReady, 'the encoding worker started within 15 s');
};

const inPlaceWith = (resource: Record<string, string>) => (b: readonly Sample[]) => encodeBatch(b, resource);

/** An encoder for `resource` whose worker has started (a first large batch starts it); `inPlace.batches` counts the batches it encoded in place. */
const startedEncoder = async (resource: Record<string, string> = {}, inPlace = { batches: 0 }): Promise<OffThreadEncoder> => {
  const encodeInPlace = inPlaceWith(resource);
  const encoder = createOffThreadEncoder({ resource, scope: undefined, encodeInPlace: (b) => (inPlace.batches++, encodeInPlace(b)) });
  encoder.encode(assorted(300), () => undefined);
  await waitReady(encoder);
  return encoder;
};

/** Encodes through `encoder`; `sync` says whether `done` ran before encode returned. */
const encodeVia = (encoder: OffThreadEncoder, batch: readonly Sample[]) =>
  new Promise<{ error: unknown; bytes?: Buffer; sync: boolean }>((resolve) => {
    let returned = false;
    encoder.encode(batch, (error, bytes) => resolve({ error, ...(bytes ? { bytes } : {}), sync: !returned }));
    returned = true;
  });

test('packed and unpacked, every sample is itself again field by field, and encodes to the same bytes', () => {
  const packer = createBatchPacker();
  const unpack = createBatchUnpacker();
  // The second batch's resource is another object with the same content: it groups as one resource.
  for (const batch of [assorted(40), assorted(60, { 'service.name': 'other' })]) {
    const packed = packer.pack(batch);
    assert.ok(packed);
    const back = unpack(packed!);
    for (const s of batch) for (const k of Object.keys(s)) assert.ok((FIELDS as readonly string[]).includes(k), `FIELDS names ${k}`);
    assert.equal(back.map(fieldsOf), batch.map(fieldsOf));
    assert.ok(encodeBatch(back, { 'service.name': 'svc' }).equals(encodeBatch(batch, { 'service.name': 'svc' })));
  }
});

test('samples of other series sharing one attributes object (every sample without attributes has the interned {}) each come back as themselves', () => {
  const shared = {};
  const base: Sample = { name: 'a', kind: 'sum', value: 1, timeUnixNano: T, attributes: shared, unit: 's', description: 'd', temporality: 'cumulative', monotonic: true, valueType: 'int', resource: { r: '1' }, resourceSchemaUrl: 'u', scope: { name: 'lib' } };
  // Each differs from the one before in one field the series is known by (every other one is `base`):
  // a packer that knew the series by its attributes alone sent all as the first.
  const variants: Sample[] = [
    { ...base, name: 'b' }, { ...base, kind: 'gauge' }, { ...base, unit: 'ms' }, { ...base, description: 'other' }, { ...base, temporality: 'delta' },
    { ...base, monotonic: false }, { ...base, valueType: 'double' }, { ...base, resource: { r: '2' } }, { ...base, resourceSchemaUrl: 'v' }, { ...base, scope: { name: 'lib', version: '2' } },
  ];
  const batch = variants.flatMap((v) => [base, v]).map((s, i) => ({ ...s, timeUnixNano: T + BigInt(i) }));
  const packer = createBatchPacker();
  const unpack = createBatchUnpacker();
  const packed = packer.pack(batch)!;
  assert.is(packed.newSeries.length, 20, 'a series each time one differs from the one known by that object');
  assert.equal(unpack(packed).map(fieldsOf), batch.map(fieldsOf));
  assert.equal(unpack(packer.pack(batch)!).map(fieldsOf), batch.map(fieldsOf), 'and again, from the series known');
});

test('series sent to the worker in different batches, under one resource and scope, are grouped under one again (each message clones its objects anew)', () => {
  const resource = { 'service.name': 'shop' };
  const scope = { name: 'lib' };
  const attributes = { a: { k: 'a' }, b: { k: 'b' } };
  const of = (name: 'a' | 'b', i: number): Sample => ({ name, kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: attributes[name], resource, scope });
  const packer = createBatchPacker();
  const unpack = createBatchUnpacker();
  // As the worker gets them: a structured clone of each packed batch.
  const viaWorker = (batch: readonly Sample[]) => unpack(structuredClone(packer.pack(batch)!));
  viaWorker([of('a', 0)]);
  viaWorker([of('b', 1)]);
  const both = [of('a', 2), of('b', 3)];
  const packed = packer.pack(both)!;
  assert.is(packed.newSeries.length, 0, 'both series known to the worker already');
  const back = unpack(structuredClone(packed));
  assert.ok(back[0]!.resource === back[1]!.resource && back[0]!.scope === back[1]!.scope, 'one resource object and one scope object');
  assert.ok(encodeBatch(back, {}).equals(encodeBatch(both, {})), 'the bytes encoded in place: one ResourceMetrics, one ScopeMetrics');
});

test('a series is sent once; a batch that cannot be packed exactly gives undefined, and the next starts over', () => {
  const packer = createBatchPacker();
  const batch = assorted(10);
  const first = packer.pack(batch)!;
  assert.is(first.reset, true);
  assert.is(first.newSeries.length, 6, 'one SeriesInfo per series (cpu 0, cpu 2, requests, queue, latency, cpu x), not per sample');
  assert.is(packer.pack(batch)!.newSeries.length, 0, 'known series are referred to by number');
  for (const bad of [2n ** 63n, -1n, 5 as unknown as bigint]) {
    assert.is(packer.pack([...batch, { ...batch[0]!, timeUnixNano: bad }]), undefined, `time ${String(bad)}`);
    const next = packer.pack(batch)!;
    assert.equal([next.reset, next.newSeries.length], [true, 6], 'the series numbered in the failed batch are sent again');
  }
  assert.is(packer.pack([{ ...batch[1]!, startTimeUnixNano: 2n ** 64n }]), undefined);
  assert.is(packer.pack([{ ...batch[1]!, startTimeUnixNano: -1n }]), undefined, 'a start before 1970 (int64 holds it; OTLP does not)');
  assert.is(packer.pack([{ ...batch[0]!, attributes: null as unknown as Sample['attributes'] }]), undefined);
});

test('the series table is bounded: past maxSeries it starts over, and samples still come back right', () => {
  const packer = createBatchPacker(4);
  const unpack = createBatchUnpacker();
  let resets = 0;
  for (let b = 0; b < 6; b++) {
    const batch: Sample[] = [0, 1, 2].map((k) => ({ name: 'm', kind: 'gauge', value: b * 10 + k, timeUnixNano: T, attributes: { k: `${b}-${k}` } }));
    const packed = packer.pack(batch)!;
    if (packed.reset) resets++;
    assert.ok(packed.newSeries.length <= 4);
    assert.equal(unpack(packed).map(fieldsOf), batch.map(fieldsOf));
  }
  assert.is(resets, 6, 'three new series a batch against a table of four: every batch starts over');
});

test('large batches are encoded by the worker to the very bytes encoded in place; small ones in place, at once', async () => {
  const resource = { 'service.name': 'svc' };
  const encoder = createOffThreadEncoder({ resource, scope: undefined, encodeInPlace: inPlaceWith(resource) });
  try {
    const small = await encodeVia(encoder, assorted(10));
    assert.equal([small.sync, small.bytes?.equals(encodeBatch(assorted(10), resource))], [true, true]);
    encoder.encode(assorted(300), () => undefined); // starts the worker
    await waitReady(encoder);
    assert.is((await encodeVia(encoder, assorted(255))).sync, true, 'under 256 samples, in place with the worker ready too');
    // A batch cancelled while at the worker: its answer is dropped, the others' are not.
    let cancelledDone = false;
    const cancel = encoder.encode(assorted(300), () => void (cancelledDone = true));
    const next = encodeVia(encoder, assorted(300));
    cancel();
    const answered = await within(next, 5_000);
    assert.ok(answered?.bytes !== undefined && !cancelledDone, 'the batch after a cancelled one is answered; the cancelled one not');
    for (const n of [300, 1000, 257]) {
      const batch = assorted(n);
      const r = await encodeVia(encoder, batch);
      assert.is(r.sync, false, 'answered by the worker');
      assert.is(r.error, undefined);
      assert.ok(r.bytes!.equals(encodeBatch(batch, resource)), `${n} samples: same bytes`);
      assert.is(decodePoints(r.bytes!).length, n);
    }
  } finally {
    encoder.close();
  }
});

test('a small batch of two resources (its request concatenated in a slice of Node\'s shared pool) comes back from the worker as its own bytes only', async () => {
  const resource = { 'service.name': 'svc' };
  const encoder = createOffThreadEncoder({ resource, scope: undefined, encodeInPlace: inPlaceWith(resource), minBatchSize: 1 });
  try {
    encoder.encode(assorted(300), () => undefined); // starts the worker
    await waitReady(encoder);
    const batch = assorted(10);
    const r = await encodeVia(encoder, batch);
    assert.is(r.sync, false, 'answered by the worker');
    assert.ok(r.bytes!.equals(encodeBatch(batch, resource)), `${r.bytes!.length} bytes from the worker, ${encodeBatch(batch, resource).length} in place`);
  } finally {
    encoder.close();
  }
});

test('a batch the worker cannot take is encoded in place: a time OTLP carries but int64 does not, and one it cannot carry', async () => {
  const inPlace = { batches: 0 };
  const encoder = await startedEncoder({}, inPlace);
  try {
    const late = [...assorted(299), { name: 'cpu', kind: 'gauge', value: 1, timeUnixNano: 2n ** 64n - 1n, attributes: {} } as Sample];
    const r = await encodeVia(encoder, late);
    assert.equal([r.sync, r.error], [true, undefined]);
    assert.ok(decodePoints(r.bytes!).some((p) => p.timeUnixNano === 2n ** 64n - 1n));
    const beyond = [...assorted(299), { name: 'cpu', kind: 'gauge', value: 1, timeUnixNano: 2n ** 64n, attributes: {} } as Sample];
    const f = await encodeVia(encoder, beyond);
    assert.ok(isTimeOutOfRangeError(f.error), 'the sink gets the error it handles (refusing that sample by name)');
    // A value the structured clone refuses (a histogram carrying a function): nothing reaches the
    // worker, the batch is encoded in place, and the series it introduced are sent again later.
    const odd = Object.fromEntries(['s', 't'].map((k) => [k, { k }]));
    const uncloneable = Array.from({ length: 300 }, (_, i): Sample => ({
      name: 'h', kind: 'histogram', timeUnixNano: T + BigInt(i), attributes: odd[i % 2 ? 's' : 't']!,
      value: { boundaries: [1], counts: [1, 0], sum: 1, count: 1, toJSON: () => 'x' } as unknown as Sample['value'],
    }));
    const c = await encodeVia(encoder, uncloneable);
    assert.equal([c.sync, c.bytes?.equals(encodeBatch(uncloneable, {}))], [true, true]);
    // A series new to the worker first: had the packer kept the numbers it gave the refused batch's
    // series, the worker's table would not match them (this one filed under one of those numbers,
    // the other unknown): the worker failed on the batch, and it was encoded in place after all.
    const after = [{ name: 'newcomer', kind: 'gauge', value: 1, timeUnixNano: T, attributes: { fresh: true } } as Sample, ...assorted(400), ...uncloneable.map((s) => ({ ...s, value: { boundaries: [1], counts: [1, 0], sum: 1, count: 1 } }))];
    const before = inPlace.batches;
    const ok = await encodeVia(encoder, after);
    assert.equal([ok.sync, ok.bytes?.equals(encodeBatch(after, {})), inPlace.batches - before], [false, true, 0], 'the worker serves the next batch, its series table intact (not failing on it, to have it encoded in place)');
  } finally {
    encoder.close();
  }
});

test('samples that do not share attribute objects: after three such batches in a row, in place for a while', async () => {
  const encoder = await startedEncoder();
  try {
    // A fresh object per sample, as `next({ …, attributes: { cpu: '0' } })` in a loop makes.
    const unshared = (): Sample[] => Array.from({ length: 300 }, (_, i): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T + BigInt(i), attributes: { k: String(i % 10) } }));
    const via: boolean[] = [];
    for (let b = 0; b < 5; b++) {
      const batch = unshared();
      const r = await encodeVia(encoder, batch);
      assert.ok(r.bytes!.equals(encodeBatch(batch, {})));
      via.push(!r.sync);
    }
    assert.equal(via, [true, true, true, false, false], 'three to the worker, then in place');
    // For a thousand batches, then the worker is tried again, and the count starts over: two more such batches go to it.
    for (let b = 5; b < 1_003; b++) via.push(!(await encodeVia(encoder, assorted(300))).sync);
    for (let b = 1_003; b < 1_005; b++) via.push(!(await encodeVia(encoder, unshared())).sync);
    assert.equal([via.slice(3, 1_003).every((w) => !w), via[1_003], via[1_004]], [true, true, true], `batches 4 to 1003 in place, the 1004th and 1005th at the worker (the last in place: ${via.lastIndexOf(false) + 1})`);
    // Many series sharing their objects: a first batch of all-new series is no reason to stop.
    const many = Array.from({ length: 400 }, (_, k) => ({ k: String(k) }));
    const shared = (): Sample[] => many.map((attributes, i): Sample => ({ name: 'n', kind: 'gauge', value: i, timeUnixNano: T, attributes }));
    const fresh = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: inPlaceWith({}) });
    const worked: boolean[] = [];
    for (let b = 0; b < 5; b++) worked.push(!(await encodeVia(fresh, shared())).sync);
    fresh.close();
    assert.equal(worked, [true, true, true, true, true]);
    // Mostly new batches not in a row are no such stream: known series between them start the count again.
    const again = createOffThreadEncoder({ resource: {}, scope: undefined, encodeInPlace: inPlaceWith({}) });
    const known = assorted(300);
    const alternating: boolean[] = [];
    for (let b = 0; b < 6; b++) alternating.push(!(await encodeVia(again, b % 2 === 0 ? unshared() : known)).sync);
    again.close();
    assert.equal(alternating, [true, true, true, true, true, true]);
  } finally {
    encoder.close();
  }
});

test('close() encodes in place what was still at the worker; afterwards everything is encoded in place', async () => {
  const encoder = await startedEncoder();
  const batch = assorted(500);
  let bytes: Buffer | undefined;
  let calls = 0;
  encoder.encode(batch, (_e, b) => (calls++, (bytes = b)));
  assert.is(bytes, undefined, 'at the worker');
  encoder.close();
  assert.ok(bytes?.equals(encodeBatch(batch, {})), 'encoded in place by close()');
  const r = await encodeVia(encoder, batch);
  assert.equal([r.sync, r.bytes?.equals(encodeBatch(batch, {}))], [true, true]);
  // The worker answers in turn: once another sink's later batch is back, so is the answer to the one taken back — not handed on again.
  const other = await startedEncoder();
  assert.is((await encodeVia(other, assorted(500))).sync, false);
  assert.is(calls, 1, 'done once');
  other.close();
});

test('a process exits once its worker has no work: started and never sent a batch, after a batch answered or cancelled, after a sink closed with one at it', () => {
  const script = fileURLToPath(new URL('./support/encodeWorkerExit.ts', import.meta.url));
  for (const [how, out] of [['idle', '{"ready":true}'], ['answered', '{"ready":true,"sameBytes":true}'], ['cancelled', '{"ready":true}'], ['closed', '{"ready":true}']]) {
    const exited = spawnSync(process.execPath, ['--import', 'tsx', script, how!], { encoding: 'utf8', timeout: 60_000 });
    assert.equal([exited.status, exited.signal, exited.stdout.trim()], [0, null, out], `${how}: ${exited.stderr}`);
  }
});

test('a worker that dies with a batch at it (terminated, or by an exception of its own): that batch and every later one are encoded in place', () => {
  const script = fileURLToPath(new URL('./support/encodeWorkerCrash.ts', import.meta.url));
  for (const how of ['terminate', 'throw']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, how], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, `${how}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out, { readyBefore: true, first: { sameBytes: true, syncCall: false }, after: { sync: true, sameBytes: true }, readyAfter: false, readyLater: false }, how);
  }
});

test.run();
