/**
 * Room for a source that cannot wait (the otlp receiver: a request it refuses is left with its
 * sender, and the JS gRPC exporter drops it): with a spool, as long as the spool has room — not
 * only while delivery's queue has, which is the gate of the sources that can wait (a file).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Subject, ignoreElements, tap, timer } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { totalDeadLetters } from '../src/stats.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { mk, open } from './support/spool.js';

const test = suite('room for a source that cannot wait');

const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pipeline over a spool whose receiver is up but takes `batchMs` a batch; the test pushes. */
const slowReceiver = (batchMs: number, maxBytes?: number) => {
  const { spool } = open(join(tempDir(), 'spool.db'), 1, maxBytes);
  const sent: number[] = [];
  const pushed = new Subject<Sample>();
  const p = new Pipeline(config, {
    send: (batch) => timer(batchMs).pipe(tap(() => batch.forEach((s) => sent.push(s.value as number))), ignoreElements()),
    sources: [pushed], deadLetters: () => undefined, spool, stampedLocally: false,
  });
  p.start();
  return { p, spool, sent, pushed };
};

test('with a spool and a receiver that is up but slower than the pushes, requests are taken into the spool, not refused; all arrive once, in order', async () => {
  // Refused at half of delivery.maxQueued, the requests of a JS gRPC exporter were lost although the spool had room.
  const { p, spool, sent, pushed } = slowReceiver(20);
  const total = 4_000;
  let fileSourceWouldWait = false;
  let refused = 0;
  for (let i = 0; i < total; i += 100) {
    if (!p.pushSourceHasRoom()) refused++;
    fileSourceWouldWait ||= !p.sourceHasRoom();
    for (let j = i; j < i + 100; j++) pushed.next(mk(j, 0));
    await pause(1);
  }
  assert.ok(fileSourceWouldWait, 'the backlog passed what a file source reads ahead');
  assert.is(refused, 0);
  assert.ok(spool.inspect().waiting > config.delivery.maxQueued, 'the backlog waited in the spool');
  pushed.complete();
  await p.done;
  assert.equal(sent, Array.from({ length: total }, (_, i) => i));
  assert.is(totalDeadLetters(p.stats), 0);
  spool.close();
});

test('with a spool, requests are refused once it is 90 % full, before it refuses samples, and taken again below 80 %', async () => {
  const probe = open(join(tempDir(), 'probe.db'), 1).spool;
  probe.append(Array.from({ length: 1_000 }, (_, i) => mk(i, 0)));
  const bytesPerSample = probe.inspect().bytes / 1_000;
  probe.close();
  const maxBytes = Math.round(3_000 * bytesPerSample); // some 3 000 samples
  const { p, spool, sent, pushed } = slowReceiver(30, maxBytes);
  let taken = 0;
  while (p.pushSourceHasRoom() && taken < 10_000) {
    for (const end = taken + 100; taken < end; taken++) pushed.next(mk(taken, 0));
    await pause(1);
  }
  assert.ok(taken < 10_000, 'refused at last');
  const full = spool.inspect().bytes / maxBytes;
  assert.ok(full >= 0.9 && full <= 1, `refused at ${full.toFixed(2)} of spool.maxBytes`);
  assert.is(p.stats.deadLetters.overflow, 0, 'the spool refused nothing');
  await pause(40);
  assert.not.ok(p.pushSourceHasRoom(), 'not taken again at once');
  while (!p.pushSourceHasRoom()) await pause(5);
  assert.ok(spool.inspect().bytes / maxBytes <= 0.8, 'taken again below 80 %');
  pushed.complete();
  await p.done;
  assert.equal(sent, Array.from({ length: taken }, (_, i) => i));
  assert.is(totalDeadLetters(p.stats), 0);
  spool.close();
});

test('without a spool, the same gate as a file source: delivery\'s queue and what the pipeline holds in memory', async () => {
  const sent: number[] = [];
  const pushed = new Subject<Sample>();
  const p = new Pipeline(config, {
    send: (batch) => timer(20).pipe(tap(() => batch.forEach((s) => sent.push(s.value as number))), ignoreElements()),
    sources: [pushed], deadLetters: () => undefined, stampedLocally: false,
  });
  p.start();
  let taken = 0;
  while (p.pushSourceHasRoom() && taken < 10_000) {
    for (const end = taken + 50; taken < end; taken++) pushed.next(mk(taken, 0));
    await pause(1);
  }
  assert.ok(taken <= config.delivery.maxQueued, `${taken} taken, refused at delivery's queue`);
  assert.is(p.sourceHasRoom(), p.pushSourceHasRoom());
  pushed.complete();
  await p.done;
  assert.is(sent.length, taken);
  assert.is(totalDeadLetters(p.stats), 0);
});

test.run();
