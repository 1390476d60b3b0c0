/** The spool inside a Pipeline: backlogs across restarts and outages, pacing of file sources (a full disk: spoolDiskFull.test.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ndjsonSamples } from '../src/sources/ndjson.js';
import { writeFileSync } from 'node:fs';
import { EMPTY, Subject, ignoreElements, tap, throwError, timer, of } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { ExportError } from '../src/errors.js';
import { queuedOf, totalDeadLetters } from '../src/stats.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { mk, open } from './support/spool.js';
import { openConfiguredSpool } from '../src/spool/openConfigured.js';
import { systemClock } from '../src/clock.js';

const test = suite('spool in the pipeline');

test('pipeline: undelivered samples stay in the spool at shutdown and go first at the next start', async () => {
  const path = join(tempDir(), 'spool.db');
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, delivery: { shutdownDeadlineMs: 200, retry: { initialDelayMs: 20, maxDelayMs: 50 } } }), sources: [] };
  const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
  const first = open(path, 1).spool;
  const down = new Pipeline(config, { send: () => throwError(() => unavailable), sources: [of(mk(0, 0), mk(1, 0), mk(2, 0))], deadLetters: () => undefined, spool: first, stampedLocally: false });
  down.start();
  await new Promise((r) => setTimeout(r, 100));
  const report = await down.shutdown();
  assert.is(report.leftInSpool, 3);
  assert.is(report.shutdownDeadLetters, 0, 'not dead letters: still durable');
  first.close();
  const second = open(path, 1);
  assert.is(second.report.pending, 3);
  const sent: number[] = [];
  const up = new Pipeline(config, {
    send: (batch) => (batch.forEach((s) => sent.push(s.value as number)), EMPTY),
    sources: [of(mk(3, 0), mk(4, 0))], deadLetters: () => undefined, spool: second.spool, stampedLocally: false,
  });
  up.start();
  await up.done;
  assert.equal(sent, [0, 1, 2, 3, 4], 'the earlier run first, in order, then the new');
  assert.is(second.spool.inspect().waiting, 0);
  // What the earlier run left counts as taken in: every sample in is accounted for, delivered.
  assert.equal([up.stats.samplesIn, up.stats.delivered], [5, 5]);
  second.spool.close();
});

test('pipeline: one sample object emitted twice (a source re-emitting what it sent) is two samples in the spool, each settled: the spool empties', async () => {
  // Known by its object, the second was placed over the first: the first's row was never settled,
  // so its lane's watermark stopped there for good — the spool kept every later row of the lane
  // (growing without end in a long run) and a restart delivered them all again.
  const path = join(tempDir(), 'spool.db');
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 } }), sources: [] };
  const { spool } = open(path, 1);
  const twice = mk(1, 0);
  const later = new Subject<Sample>();
  const sent: number[] = [];
  const p = new Pipeline(config, { send: (batch) => (batch.forEach((x) => sent.push(x.value as number)), EMPTY), sources: [of(mk(0, 0), twice, twice), later], deadLetters: () => undefined, spool, stampedLocally: false });
  p.start();
  await new Promise((r) => setTimeout(r, 20));
  later.next(twice); // again in a later burst, while the first two may still be unsettled
  later.next(mk(2, 0));
  later.complete();
  await p.done;
  assert.equal(sent, [0, 1, 1, 1, 2], 'each emission delivered');
  assert.is(spool.inspect().waiting, 0, 'nothing left in the spool');
  assert.is(spool.placedCount, 0);
  spool.close();
});

test('pipeline: an outage longer than delivery.maxQueued waits in the spool, not in memory, and nothing overflows; then all of it arrives once, in order', async () => {
  // Before, the spool stage handed every sample on to delivery whatever it held: past maxQueued the
  // newest became `overflow` dead letters (and, still in the spool, were delivered after a restart too).
  const path = join(tempDir(), 'spool.db');
  const maxQueued = 100;
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 20, maxDelayMs: 5 }, delivery: { maxQueued, lanes: 2, retry: { initialDelayMs: 10, maxDelayMs: 20 }, breaker: { halfOpenAfterMs: 20, maxHalfOpenAfterMs: 20 } } }), sources: [] };
  const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
  let up = false;
  const sent: Sample[] = [];
  const { spool } = open(path, 2);
  const feed = new Subject<Sample>();
  const p = new Pipeline(config, {
    send: (batch) => (up ? (sent.push(...batch), EMPTY) : throwError(() => unavailable)),
    sources: [feed], deadLetters: () => undefined, spool, stampedLocally: false,
  });
  p.start();
  let maxQueuedSeen = 0;
  for (let burst = 0; burst < 40; burst++) {
    for (let i = 0; i < 50; i++) feed.next(mk(burst * 50 + i));
    await new Promise((r) => setTimeout(r, 2));
    maxQueuedSeen = Math.max(maxQueuedSeen, queuedOf(p.stats));
  }
  assert.is(totalDeadLetters(p.stats), 0, 'no overflow');
  assert.ok(maxQueuedSeen <= maxQueued, `memory holds at most maxQueued (${maxQueuedSeen})`);
  assert.ok(spool.inspect().waiting === 2_000, 'all of it is in the spool');
  assert.is(queuedOf(p.stats) + p.stats.waitingInSpool, 2_000, 'the stats say where each waits: in memory or in the file only');
  up = true;
  feed.complete();
  await p.done;
  assert.is(sent.length, 2_000);
  assert.is(new Set(sent.map((x) => x.value)).size, 2_000, 'each once');
  for (const series of [0, 1, 2]) {
    const mine = sent.filter((x) => x.attributes['s'] === String(series)).map((x) => x.value as number);
    assert.equal(mine, [...mine].sort((a, b) => a - b), `series ${series} in order`);
  }
  assert.is(spool.inspect().waiting, 0);
  assert.is(p.stats.waitingInSpool, 0);
  assert.is(spool.placedCount, 0, 'no sample held by the spool once all is settled (those it left in the file, read back as new objects, let go of)');
  spool.close();
});

test('pipeline: with a spool, a file source reads on into the spool during an outage (a log rotated meanwhile is safe), and all of it arrives once, in order', async () => {
  // Gated by delivery's queue, the source stopped after ~maxQueued lines and the rest stayed in a
  // file that log rotation might delete before the receiver came back.
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const total = 30_000; // ~2.8 MB: more than the source reads in one turn (16 chunks of 64 KiB)
  writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(i)}","attributes":{"s":"${i % 3}"}}\n`).join(''));
  const path = join(dir, 'spool.db');
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 20, maxDelayMs: 5 }, delivery: { maxQueued: 100, retry: { initialDelayMs: 10, maxDelayMs: 20 }, breaker: { halfOpenAfterMs: 20, maxHalfOpenAfterMs: 20 } } }), sources: [] };
  const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });
  let up = false;
  const sent: number[] = [];
  const { spool } = open(path, 1);
  const p: Pipeline = new Pipeline(config, {
    send: (batch) => (up ? (batch.forEach((x) => sent.push(x.value as number)), EMPTY) : throwError(() => unavailable)),
    sources: [ndjsonSamples({ path: input, hasRoom: () => p.sourceHasRoom() })], deadLetters: () => undefined, spool, stampedLocally: false,
  });
  p.start();
  for (let i = 0; i < 100 && p.stats.samplesIn < total; i++) await new Promise((r) => setTimeout(r, 20));
  assert.is(p.stats.samplesIn, total, 'the whole file was read during the outage');
  assert.is(spool.inspect().waiting, total, 'into the spool');
  assert.ok(queuedOf(p.stats) <= 100, 'memory held no more than maxQueued');
  up = true;
  await p.done;
  assert.equal(sent, Array.from({ length: total }, (_, i) => i));
  assert.is(totalDeadLetters(p.stats), 0);
  assert.is(spool.placedCount, 0, 'no sample held by the spool once all is settled');
  spool.close();
});

test('pipeline: with a spool and a receiver that keeps up, a file source is paced by delivery, not copied into the spool ahead of it', async () => {
  // Reading into the spool whatever delivery held would copy a backfill of any size into it (up
  // to 90 % of maxBytes) and raise the backlog alert on a healthy run.
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const total = 40_000;
  writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(i)}"}\n`).join(''));
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
  const { spool } = open(join(dir, 'spool.db'), 1);
  let sent = 0;
  const p: Pipeline = new Pipeline(config, {
    send: (batch) => timer(2).pipe(tap(() => (sent += batch.length)), ignoreElements()),
    sources: [ndjsonSamples({ path: input, hasRoom: () => p.sourceHasRoom() })], deadLetters: () => undefined, spool, stampedLocally: false,
  });
  p.start();
  let maxAhead = 0;
  while (sent < total / 2) {
    await new Promise((r) => setTimeout(r, 10));
    maxAhead = Math.max(maxAhead, p.stats.samplesIn - sent);
  }
  // At most what one turn of the source reads (16 chunks of 64 KiB, ~13 000 of these lines) ahead.
  assert.ok(maxAhead < 15_000, `${maxAhead} read ahead of delivery`);
  await p.done;
  assert.is(sent, total);
  spool.close();
});

/** An earlier run's backlog at `path`: `bursts` appends of `size` samples of one series, values 0, 1, 2… */
const leaveBacklog = (path: string, bursts: number, size: number): void => {
  const before = open(path, 1).spool;
  for (let b = 0; b < bursts; b++) before.append(Array.from({ length: size }, (_, i) => mk(b * size + i, 0)));
  before.close();
};

test('pipeline: a backlog from an earlier run larger than delivery.maxQueued goes first, as delivery takes it, with no overflow', async () => {
  const path = join(tempDir(), 'spool.db');
  leaveBacklog(path, 25, 200);
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
  const second = open(path, 1);
  const sent: number[] = [];
  // An asynchronous receiver: a batch completes a tick after it is sent.
  const p = new Pipeline(config, {
    send: (batch) => timer(1).pipe(tap(() => batch.forEach((s) => sent.push(s.value as number))), ignoreElements()),
    sources: [of(mk(5_000, 0), mk(5_001, 0))], deadLetters: () => undefined, spool: second.spool, stampedLocally: false,
  });
  p.start();
  await p.done;
  // Before, the 5 000 were pushed in at once: 4 800 overflow dead letters.
  assert.is(totalDeadLetters(p.stats), 0);
  assert.equal(sent, Array.from({ length: 5_002 }, (_, i) => i), 'the earlier run first, in order, then the new');
  assert.is(second.spool.inspect().waiting, 0);
  second.spool.close();
});

test('pipeline: a backlog is read back in full batches when maxQueued is no more than a batch a lane, not a half batch per batch timer', async () => {
  // With the gate at half of maxQueued (500) below the batch size (1 000), each batch waited for
  // its timer with 500 samples in it: a backlog drained at 500 samples a maxDelayMs.
  const path = join(tempDir(), 'spool.db');
  leaveBacklog(path, 5, 1_000);
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 1_000, maxDelayMs: 2_000 }, delivery: { maxQueued: 1_000 } }), sources: [] };
  const second = open(path, 1);
  const sizes: number[] = [];
  const p = new Pipeline(config, { send: (batch) => timer(1).pipe(tap(() => sizes.push(batch.length)), ignoreElements()), sources: [EMPTY], deadLetters: () => undefined, spool: second.spool, stampedLocally: false });
  p.start();
  await p.done;
  assert.equal(sizes, [1_000, 1_000, 1_000, 1_000, 1_000]);
  assert.is(totalDeadLetters(p.stats), 0);
  second.spool.close();
});

test('pipeline: a dead-lettered sample is settled in the spool only after the dead-letter file wrote it', async () => {
  const path = join(tempDir(), 'spool.db');
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 } }), sources: [] };
  const { spool } = open(path, 1);
  const buffered: Sample[] = [];
  const durable = new Set<Sample>();
  const settledEarly: Sample[] = [];
  const settle = spool.settle.bind(spool);
  spool.settle = (samples) => {
    settledEarly.push(...samples.filter((x) => !durable.has(x)));
    settle(samples);
  };
  const invalid = new ExportError('3 INVALID_ARGUMENT', { retryable: false, code: 3 });
  const p = new Pipeline(config, {
    send: () => throwError(() => invalid), sources: [of(mk(0, 0), mk(1, 0))], spool, stampedLocally: false,
    deadLetters: (d) => buffered.push(d.item),
    flushDeadLetters: () => buffered.splice(0).forEach((x) => durable.add(x)),
  });
  p.start();
  await p.done;
  assert.is(p.stats.deadLetters.rejected, 2);
  assert.equal(settledEarly, []);
  assert.is(spool.inspect().waiting, 0, 'and settled');
  spool.close();
});

test("the configured spool has delivery's lanes: one under reorder.order: global whatever delivery.lanes says (each spool lane is read back in its own order, into the delivery lane of the same number)", () => {
  const lanesOf = (lanes: number | undefined, order?: 'global'): number => {
    const c = resolveConfig({ spool: { path: join(tempDir(), 'spool.db') }, ...(lanes !== undefined ? { delivery: { lanes } } : {}), ...(order ? { reorder: { order } } : {}) });
    const opened = openConfiguredSpool(c, systemClock, () => undefined);
    if (opened._tag !== 'Right' || opened.right === undefined) throw new Error('not opened');
    const { spool } = opened.right;
    spool.append(Array.from({ length: 40 }, (_, i) => mk(i, i)));
    const spoolLanes = spool.inspect().lanes.length;
    spool.close();
    return spoolLanes;
  };
  assert.equal([lanesOf(4, 'global'), lanesOf(4), lanesOf(undefined)], [1, 4, 1]);
});

test.run();
