/** The spool inside a Pipeline on a full disk: delivery goes on without it, and a stop accounts for what it could not write. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EMPTY, Subject, VirtualTimeScheduler, ignoreElements, throwError, timer } from 'rxjs';
import { isRight, left, right } from 'fp-ts/lib/Either.js';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { ExportError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { type DeadLetter, type Routed, toDeadLetter } from '../src/routed.js';
import { spoolSamples } from '../src/spool/spoolSamples.js';
import type { Spool } from '../src/spool/spool.js';
import { tempDir, until } from './support/cli.js';
import { mk, open, recoveredValues } from './support/spool.js';

const test = suite('spool on a full disk');

test('stage: a burst the spool cannot write goes on unwritten when nothing waits ahead of it, and behind a backlog becomes dead letters `overflow` (it cannot pass it)', () => {
  const { spool } = open(join(tempDir(), 'spool.db'), 1);
  const append = spool.append.bind(spool);
  let full = false;
  spool.append = (samples) => {
    if (full) throw Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    return append(samples);
  };
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const feed = new Subject<Routed<Sample>>();
  let room = true;
  const out: string[] = [];
  const unwritten: unknown[] = [];
  const sub = feed.pipe(spoolSamples(spool, { hasRoom: () => room, scheduler, readBackScheduler: scheduler, onHandedOnUnwritten: (list) => unwritten.push(...list.map((x) => x.value)) }))
    .subscribe((r) => out.push(isRight(r) ? String(r.right.value) : `${r.left.reason}:${r.left.item.value}`));
  const burst = (ids: number[], ms = 10): void => {
    for (const i of ids) feed.next(right(mk(i, 0)));
    scheduler.maxFrames = scheduler.frame + ms;
    scheduler.flush();
  };
  full = true;
  burst([0, 1]); // nothing waits: handed on, not durable
  [full, room] = [false, false];
  burst([2, 3]); // written; no room: they wait in the spool
  full = true;
  feed.next(left(toDeadLetter('invalid', mk(9, 0), 'line 9: not JSON', 0))); // a Left in the burst passes as it is
  burst([4]); // behind 2 and 3
  assert.equal(out, ['0', '1', 'invalid:9', 'overflow:4']);
  assert.equal(unwritten, [0, 1]);
  [full, room] = [false, true];
  burst([], 1_000);
  assert.equal(out, ['0', '1', 'invalid:9', 'overflow:4', '2', '3'], 'the backlog once there is room');
  sub.unsubscribe();
  spool.close();
});

test('pipeline: a spool that cannot be written (disk full) does not stop delivery or lose a burst; reported when it starts, and its recovery', async () => {
  // Before, the spool stage errored: the pipeline failed, and the burst it could not write was in
  // neither the receiver, the spool nor the dead letters.
  const path = join(tempDir(), 'spool.db');
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 5, maxDelayMs: 5 } }), sources: [] };
  const { spool } = open(path, 1);
  // The first two appends fail inside their transaction, as a full disk fails them: SQLite refuses the insert.
  const other = new Database(path);
  const append = spool.append.bind(spool);
  let failures = 2;
  spool.append = (samples) => {
    const fail = failures-- > 0;
    if (fail) other.exec("CREATE TRIGGER append_fails BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    try {
      return append(samples);
    } finally {
      if (fail) other.exec('DROP TRIGGER append_fails');
    }
  };
  const settle = spool.settle.bind(spool);
  // And the first settle of a written batch fails too (it ran in a delivery hook, and threw out of
  // it), inside its transaction: SQLite refuses the update.
  let settleFailures = 1;
  spool.settle = (samples) => {
    const fail = samples.some((x) => spool.placeOf(x) !== undefined) && settleFailures-- > 0;
    if (fail) other.exec("CREATE TRIGGER settle_fails BEFORE UPDATE ON lanes BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    try {
      settle(samples);
    } finally {
      if (fail) other.exec('DROP TRIGGER settle_fails');
    }
  };
  const sent: number[] = [];
  const feed = new Subject<Sample>();
  const p = new Pipeline(config, { send: (batch) => (batch.forEach((x) => sent.push(x.value as number)), EMPTY), sources: [feed], deadLetters: () => undefined, spool, stampedLocally: false });
  const events: string[] = [];
  const writable: boolean[] = [];
  p.events$.subscribe((e) => {
    if (e.type.startsWith('spool') || e.type === 'failed') events.push(e.type);
    if (e.type === 'spool-write-failed' || e.type === 'spool-write-recovered') writable.push(!p.stats.spoolFailing);
  });
  p.start();
  for (let burst = 0; burst < 4; burst++) {
    for (let i = 0; i < 5; i++) feed.next(mk(burst * 5 + i, 0));
    await new Promise((r) => setTimeout(r, 20));
  }
  feed.complete();
  await p.done;
  assert.equal(sent, Array.from({ length: 20 }, (_, i) => i), 'every sample delivered, in order');
  assert.equal(events, ['spool-write-failed', 'spool-write-recovered', 'spool-write-failed']);
  // stats.spoolFailing (the status line, /metrics) follows the appends; a settle that fails leaves
  // delivered samples in the spool (duplicates after a restart), which puts nothing at risk.
  assert.equal(writable, [false, true, true]);
  assert.not.ok(p.failed);
  // The batch whose settle failed is settled with the next one. Before, it stayed in the spool, and
  // so did every later row of its lane for the rest of the run: all delivered again at a restart.
  other.close();
  spool.close();
  assert.equal(recoveredValues(path), []);
});

/** A spool at `path` (one lane) that writes its first burst, then cannot be written (disk full). */
const spoolFullAfterFirstWrite = (path: string): Spool => {
  const { spool } = open(path, 1);
  const append = spool.append.bind(spool);
  let writes = 0;
  spool.append = (samples) => {
    if (writes++ > 0) throw Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    return append(samples);
  };
  return spool;
};
/** A shutdown deadline of 100 ms, quick retries. */
const giveUpConfig = () => ({ ...resolveConfig({ reorder: { maxDelayMs: 0 }, delivery: { shutdownDeadlineMs: 100, retry: { initialDelayMs: 20, maxDelayMs: 50 } } }), sources: [] });
const unavailable = new ExportError('14 UNAVAILABLE', { retryable: true, code: 14 });

/**
 * A receiver that is down and a spool that takes the first burst, then cannot be written (disk
 * full): the second burst goes on in memory only. `end` gives up on the rest (a shutdown past its
 * deadline, or the process exiting); then what the spool holds and every dead letter.
 */
const giveUpOnAFullDisk = async (end: (p: Pipeline) => Promise<number>) => {
  const path = join(tempDir(), 'spool.db');
  const config = giveUpConfig();
  const spool = spoolFullAfterFirstWrite(path);
  const feed = new Subject<Sample>();
  const letters: DeadLetter<Sample>[] = [];
  const p = new Pipeline(config, { send: () => throwError(() => unavailable), sources: [feed], deadLetters: (d) => letters.push(d), spool, stampedLocally: false });
  p.start();
  for (const burst of [[0, 1, 2], [3, 4, 5]]) {
    for (const i of burst) feed.next(mk(i, 0));
    await new Promise((r) => setTimeout(r, 20));
  }
  const leftInSpool = await end(p);
  spool.close();
  return { leftInSpool, letters, inSpool: recoveredValues(path), outstanding: p.outstanding };
};

test('pipeline: at a shutdown past its deadline, samples the spool could not write (disk full) are dead letters `shutdown`, not counted as left in the spool', async () => {
  // Before, all 6 were reported left in the spool; 3, 4 and 5 were in neither it nor the dead letters.
  const r = await giveUpOnAFullDisk(async (p) => {
    const report = await p.shutdown();
    assert.is(report.shutdownDeadLetters, 3);
    return report.leftInSpool;
  });
  assert.equal(r.inSpool, [0, 1, 2]);
  assert.is(r.leftInSpool, 3, 'only what the spool holds');
  assert.equal(r.letters.map((d) => [d.reason, d.item.value]), [['shutdown', 3], ['shutdown', 4], ['shutdown', 5]]);
  assert.match(r.letters[0]!.detail, 'the drain deadline passed; not in the spool, which could not write it');
  assert.is(r.outstanding, 3, 'every sample accounted for: 3 in the spool, 3 dead letters');
});

test('pipeline: samples the spool could not write that were delivered are not dead letters at a shutdown past its deadline, only those still undelivered (each sample once)', async () => {
  const path = join(tempDir(), 'spool.db');
  const config = giveUpConfig();
  const spool = spoolFullAfterFirstWrite(path);
  let receiverUp = true;
  const feed = new Subject<Sample>();
  const letters: DeadLetter<Sample>[] = [];
  const p = new Pipeline(config, { send: () => (receiverUp ? timer(1).pipe(ignoreElements()) : throwError(() => unavailable)), sources: [feed], deadLetters: (d) => letters.push(d), spool, stampedLocally: false });
  p.start();
  for (const burst of [[0, 1, 2], [3, 4, 5]]) {
    for (const i of burst) feed.next(mk(i, 0));
    await new Promise((r) => setTimeout(r, 20));
  }
  await until('the two bursts delivered', () => p.stats.delivered === 6);
  receiverUp = false;
  for (const i of [6, 7, 8]) feed.next(mk(i, 0));
  await new Promise((r) => setTimeout(r, 20));
  await p.shutdown();
  spool.close();
  assert.equal(letters.map((d) => [d.reason, d.item.value]), [['shutdown', 6], ['shutdown', 7], ['shutdown', 8]], '3, 4 and 5 were delivered: not dead letters as well');
  assert.equal(recoveredValues(path), []);
});

test('pipeline: samples the spool could not write that the receiver refused are dead letters once, `rejected`, not again `shutdown` at a shutdown past its deadline', async () => {
  const path = join(tempDir(), 'spool.db');
  const spool = spoolFullAfterFirstWrite(path);
  const refused = new ExportError('3 INVALID_ARGUMENT: bad point', { retryable: false, code: 3 });
  let receiverUp = true;
  const feed = new Subject<Sample>();
  const letters: DeadLetter<Sample>[] = [];
  const send = (batch: readonly Sample[]) =>
    batch.some((s) => (s.value as number) >= 3 && (s.value as number) <= 5) ? throwError(() => refused) : receiverUp ? timer(1).pipe(ignoreElements()) : throwError(() => unavailable);
  const config = { ...giveUpConfig(), batch: { maxSize: 3, maxDelayMs: 5 } };
  const p = new Pipeline(config, { send, sources: [feed], deadLetters: (d) => letters.push(d), spool, stampedLocally: false });
  p.start();
  for (const burst of [[0, 1, 2], [3, 4, 5]]) {
    for (const i of burst) feed.next(mk(i, 0));
    await new Promise((r) => setTimeout(r, 20));
  }
  await until('the first burst delivered, the second refused', () => p.stats.delivered === 3 && p.stats.deadLetters.rejected === 3);
  receiverUp = false;
  for (const i of [6, 7, 8]) feed.next(mk(i, 0));
  await new Promise((r) => setTimeout(r, 20));
  await p.shutdown();
  spool.close();
  assert.equal(letters.map((d) => [d.reason, d.item.value]), [['rejected', 3], ['rejected', 4], ['rejected', 5], ['shutdown', 6], ['shutdown', 7], ['shutdown', 8]]);
  assert.is(p.outstanding, 0, 'each sample accounted for once');
});

test('pipeline: when the process exits (abandonNow), samples the spool could not write are dead letters too', async () => {
  const r = await giveUpOnAFullDisk(async (p) => {
    p.abandonNow('the process exited (process.exit)');
    return p.outstanding;
  });
  assert.equal(r.inSpool, [0, 1, 2]);
  assert.is(r.leftInSpool, 3);
  assert.equal(r.letters.map((d) => [d.reason, d.item.value, d.detail]), [3, 4, 5].map((v) => ['shutdown', v, 'the process exited (process.exit); not in the spool, which could not write it']));
});

test.run();
