/**
 * Room for a source that cannot wait (the otlp receiver: a request it refuses is left with its
 * sender, and the JS gRPC exporter drops it): with a spool, as long as the spool has room; without
 * one, as long as the pipeline holds less than the memory the config allows — not only while
 * delivery's queue is below half of its limit, the gate of the sources that can wait (a file); and
 * none while a spool that cannot write holds a backlog.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Subject, ignoreElements, mergeMap, tap, throwError, timer } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { totalDeadLetters } from '../src/stats.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { mk, open } from './support/spool.js';
import { ExportError } from '../src/errors.js';
import Database from 'better-sqlite3';

const test = suite('room for a source that cannot wait');

const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pipeline (over a spool, unless `spooled` is false) whose receiver is up but takes `batchMs` a batch; the test pushes. */
const slowReceiver = (batchMs: number, o: { maxBytes?: number; spooled?: boolean; config?: typeof config } = {}) => {
  const spool = o.spooled === false ? undefined : open(join(tempDir(), 'spool.db'), 1, o.maxBytes).spool;
  const sent: number[] = [];
  const pushed = new Subject<Sample>();
  const p = new Pipeline(o.config ?? config, {
    send: (batch) => timer(batchMs).pipe(tap(() => batch.forEach((s) => sent.push(s.value as number))), ignoreElements()),
    sources: [pushed], deadLetters: () => undefined, stampedLocally: false, ...(spool !== undefined ? { spool } : {}),
  });
  p.start();
  /** Pushes samples 0, 1, 2… `step` a turn while the push source's gate says there is room (at most 10 000); how many. */
  const pushWhileRoom = async (step: number): Promise<number> => {
    let taken = 0;
    while (p.pushSourceHasRoom() && taken < 10_000) {
      for (const end = taken + step; taken < end; taken++) pushed.next(mk(taken, 0));
      await pause(1);
    }
    return taken;
  };
  /** Ends the input and waits: the first `n` samples delivered in order, no dead letter. */
  const deliveredAll = async (n: number): Promise<void> => {
    pushed.complete();
    await p.done;
    assert.equal(sent, Array.from({ length: n }, (_, i) => i));
    assert.is(totalDeadLetters(p.stats), 0);
    spool?.close();
  };
  return { p, spool: spool!, pushed, pushWhileRoom, deliveredAll };
};

test('with a spool and a receiver that is up but slower than the pushes, requests are taken into the spool, not refused; all arrive once, in order', async () => {
  // Refused at half of delivery.maxQueued, the requests of a JS gRPC exporter were lost although the spool had room.
  const { p, spool, pushed, deliveredAll } = slowReceiver(20);
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
  await deliveredAll(total);
});

test('with a spool, requests are refused once it is 90 % full, before it refuses samples, and taken again below 80 %', async () => {
  const probe = open(join(tempDir(), 'probe.db'), 1).spool;
  probe.append(Array.from({ length: 1_000 }, (_, i) => mk(i, 0)));
  const bytesPerSample = probe.inspect().bytes / 1_000;
  probe.close();
  const maxBytes = Math.round(3_000 * bytesPerSample); // some 3 000 samples
  const { p, spool, pushWhileRoom, deliveredAll } = slowReceiver(30, { maxBytes });
  const taken = await pushWhileRoom(100);
  assert.ok(taken < 10_000, 'refused at last');
  const full = spool.inspect().bytes / maxBytes;
  assert.ok(full >= 0.9 && full <= 1, `refused at ${full.toFixed(2)} of spool.maxBytes`);
  assert.is(p.stats.deadLetters.overflow, 0, 'the spool refused nothing');
  await pause(40);
  assert.not.ok(p.pushSourceHasRoom(), 'not taken again at once');
  while (!p.pushSourceHasRoom()) await pause(5);
  assert.ok(spool.inspect().bytes / maxBytes <= 0.8, 'taken again below 80 %');
  await deliveredAll(taken);
});

test('with a spool and the receiver down, the samples on their way to the spool (the reorder window) count toward its room: a request is refused before they would overflow it, and none of those taken becomes a dead letter `overflow` (with the spool\'s bytes alone, thousands did)', async () => {
  const windowed = { ...resolveConfig({ reorder: { maxDelayMs: 500 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
  const probe = open(join(tempDir(), 'probe.db'), 1).spool;
  probe.append(Array.from({ length: 1_000 }, (_, i) => mk(i, 0)));
  const maxBytes = Math.round(20 * probe.inspect().bytes); // some 20 000 samples
  probe.close();
  const spool = open(join(tempDir(), 'spool.db'), 1, maxBytes).spool;
  const pushed = new Subject<Sample>();
  const p = new Pipeline(windowed, {
    send: () => timer(2).pipe(mergeMap(() => throwError(() => new ExportError('14 UNAVAILABLE: down', { retryable: true, code: 14 })))),
    sources: [pushed], deadLetters: () => undefined, stampedLocally: false, spool,
  });
  p.start();
  // Requests of 200 samples every 20 ms (10 000 a second: 5 000 in the window), each taken only when both say so, as the otlp source asks.
  let taken = 0;
  let refused = 0;
  for (let turn = 0; turn < 200; turn++) {
    if (p.pushSourceHasRoom() && p.pushSourceFits(200)) for (const end = taken + 200; taken < end; taken++) pushed.next(mk(taken, taken % 200));
    else refused++;
    await pause(20);
  }
  await pause(600); // the window's last samples reach the spool
  assert.ok(refused > 0, 'refused at last');
  assert.ok(spool.usedBytes > 0.75 * maxBytes, `the spool filled: ${(spool.usedBytes / maxBytes).toFixed(2)}`);
  assert.is(p.stats.deadLetters.overflow, 0, 'samples answered as taken refused by the spool');
  assert.is(p.outstanding, taken);
  await p.shutdown(0);
  spool.close();
});

test('with a spool that cannot write (a full disk) and a backlog in it, requests are refused: their samples, which cannot go ahead of the backlog, would be dead letters `overflow` told to their senders as rejected; once the backlog is delivered, taken in memory', async () => {
  const path = join(tempDir(), 'spool.db');
  const spool = open(path, 1).spool;
  let down = true;
  const sent: number[] = [];
  const pushed = new Subject<Sample>();
  const p = new Pipeline(config, {
    send: (batch) => (down ? throwError(() => new ExportError('14 UNAVAILABLE: down', { retryable: true, code: 14 })) : timer(1).pipe(tap(() => batch.forEach((x) => sent.push(x.value as number))), ignoreElements())),
    sources: [pushed], deadLetters: () => undefined, spool, stampedLocally: false,
  });
  p.start();
  for (let i = 0; i < 1_000; i++) pushed.next(mk(i, 0));
  while (p.stats.waitingInSpool === 0) await pause(5);
  // The disk fills: SQLite refuses every insert from now on.
  const other = new Database(path);
  other.exec("CREATE TRIGGER append_fails BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  pushed.next(mk(1_000, 0)); // taken before the failure was known: the one dead letter
  while (!p.stats.spoolFailing) await pause(5);
  assert.ok(p.stats.waitingInSpool > 0, 'a backlog waits in the spool');
  assert.not.ok(p.pushSourceHasRoom(), 'refused while the backlog waits');
  assert.not.ok(p.pushSourceFits(10));
  down = false;
  while (!p.pushSourceHasRoom()) await pause(5);
  assert.is(p.stats.waitingInSpool, 0, 'taken again once the backlog is delivered');
  assert.ok(p.pushSourceFits(10));
  for (let i = 1_001; i < 1_011; i++) pushed.next(mk(i, 0));
  pushed.complete();
  await p.done;
  other.exec('DROP TRIGGER append_fails');
  other.close();
  spool.close();
  assert.equal(sent, [...Array.from({ length: 1_000 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 1_001 + i)]);
  assert.equal(p.stats.deadLetters.overflow, 1);
});

test('without a spool and a receiver slower than the pushes, requests are taken until the pipeline holds delivery.maxQueued + reorder.maxBuffered, not refused from half of maxQueued (where a file source waits); none overflows, all arrive once, in order', async () => {
  // Refused at half of delivery.maxQueued, as a file source waits, a JS gRPC exporter's requests were lost with most of the memory the config allows unused.
  const bounded = { ...resolveConfig({ reorder: { maxDelayMs: 0, maxBuffered: 300 }, batch: { maxSize: 50, maxDelayMs: 5 }, delivery: { maxQueued: 200 } }), sources: [] };
  const { p, pushWhileRoom, deliveredAll } = slowReceiver(20, { spooled: false, config: bounded });
  let fileSourceWaited = false;
  const watch = setInterval(() => (fileSourceWaited ||= !p.sourceHasRoom()), 1);
  const taken = await pushWhileRoom(50);
  clearInterval(watch);
  assert.ok(fileSourceWaited, 'a file source would have waited');
  assert.ok(taken >= 500 && taken < 10_000, `${taken} taken: refused at maxQueued + maxBuffered (500)`);
  assert.ok(p.outstanding <= 550, `${p.outstanding} held in memory`);
  assert.is(p.stats.deadLetters.overflow, 0);
  while (!p.pushSourceHasRoom()) await pause(1);
  assert.ok(p.outstanding <= 450, `taken again at 90 %: ${p.outstanding} held`);
  await deliveredAll(taken);
});

test.run();
