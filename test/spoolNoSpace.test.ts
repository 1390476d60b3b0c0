/**
 * chronoq starting on a disk with no room (a real one: a full 1 MiB tmpfs). Before, it could not
 * start at all — `cannot take …/spool.db.lock (the spool's owner lock): database or disk is full`,
 * exit 1 — and had the lock been taken, the spool would have been moved aside as damaged. Now it
 * runs without the spool until there is room, then opens it and delivers what an earlier run left.
 */
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { isNoSpace } from '../src/spool/spoolFile.js';
import { isSpoolInUseError } from '../src/spool/spoolLock.js';
import { addNeverUsedPages, mk, open, recoveredValues, removeSpoolFiles } from './support/spool.js';
import { smallDiskSuite } from './support/smallDisk.js';
import { jsonLog, runningFor, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { spoolSamples } from '../src/spool/spoolSamples.js';
import type { Routed } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { createPipeline } from '../src/otel/createPipeline.js';

const { test, it, disk: d } = smallDiskSuite('spool on a disk with no room at the start');

/** A spool at `name` on the small disk holding samples 0..n-1 unsettled, closed as a run that ended leaves it. */
const earlierRun = (name: string, n: number): string => {
  const path = join(d.dir, name);
  const { spool } = open(path, 1);
  spool.append(Array.from({ length: n }, (_, i) => mk(i, 0)));
  spool.close();
  return path;
};

it('a spool left by an earlier run: opened without room it is a Left that says so, and the file is left as it is', () => {
  const path = earlierRun('a.db', 5);
  d.fill();
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(isLeft(r), 'no room: not opened');
  if (isLeft(r)) {
    assert.ok(isNoSpace(r.left), `${r.left.message} (code ${String((r.left as { code?: unknown }).code)})`);
    assert.match(r.left.message, /no room on its disk to open spool/);
  }
  assert.equal(readdirSync(d.dir).filter((f) => f.includes('damaged')), [], 'not taken for damage');
  d.free();
  assert.equal(recoveredValues(path), [0, 1, 2, 3, 4], 'the backlog is all there once there is room');
});

it('waitForSpace: opens without its file, appends fail, and once there is room it opens the file with the earlier backlog', () => {
  const path = earlierRun('b.db', 4);
  d.fill();
  const r = Spool.open(path, { lanes: 1, waitForSpace: true });
  assert.ok(isRight(r), 'opened, waiting');
  if (!isRight(r)) return;
  const { spool, report } = r.right;
  assert.match(report.waitingForSpace ?? '', /no room on its disk to open spool/);
  assert.is(report.pending, 0, 'nothing can be read yet');
  assert.is(spool.newestUnixNano, undefined, 'no newest time known yet');
  assert.throws(() => spool.append([mk(10, 0)]), (e: unknown) => isNoSpace(e), 'an append fails as on a full disk');
  // Waiting, it holds the owner lock (its file was there): another chronoq does not take the spool.
  const other = Spool.open(path, { lanes: 1, waitForSpace: true });
  assert.ok(isLeft(other) && isSpoolInUseError(other.left), isLeft(other) ? other.left.message : 'opened by a second one');
  const opened: number[] = [];
  spool.opened$.subscribe((e) => opened.push(e.pending));
  assert.not.ok(spool.openWhenThereIsRoom(), 'still no room');
  assert.equal(opened, []);
  d.free();
  assert.ok(spool.openWhenThereIsRoom(), 'room again: opened');
  assert.equal(opened, [4], 'what the earlier run left');
  assert.is(spool.newestUnixNano, mk(3, 0).timeUnixNano, 'the newest time of the file, for the clock check of the next start');
  assert.equal(spool.recover().map((s) => s.value), [0, 1, 2, 3]);
  assert.ok(spool.usedBytes > 0, "the backlog's bytes count against maxBytes from the opening on");
  // A sample naming a resource and a scope: written to the file's table of shared objects, not to the stand-in's.
  spool.append([{ ...mk(11, 0), resource: { 'service.name': 'shop' }, scope: { name: 'lib' } }]);
  spool.close();
  assert.equal(recoveredValues(path), [0, 1, 2, 3, 11], 'durable again, after the backlog');
  const { spool: again } = open(path, 1);
  assert.equal(again.recover().slice(-1).map((s) => [s.resource, s.scope]), [[{ 'service.name': 'shop' }, { name: 'lib' }]]);
  again.close();
});

it('waitForSpace over a damaged spool: once there is room it is salvaged as at any opening, its samples kept and the damage said', () => {
  const path = earlierRun('d.db', 40);
  const problem = addNeverUsedPages(path);
  d.fill();
  const r = Spool.open(path, { lanes: 1, waitForSpace: true });
  assert.ok(isRight(r), isRight(r) ? '' : r.left.message);
  if (!isRight(r)) return;
  const opened: [number, string | undefined][] = [];
  r.right.spool.opened$.subscribe((e) => opened.push([e.pending, e.damage?.message]));
  d.free();
  assert.ok(r.right.spool.openWhenThereIsRoom());
  assert.equal(opened, [[40, problem]]);
  assert.equal(r.right.spool.recover().map((s) => s.value), Array.from({ length: 40 }, (_, i) => i));
  r.right.spool.close();
});

it("waitForSpace: counters' series starts that change while it waits are written to its file once it opens, not to the stand-in meanwhile", () => {
  const path = earlierRun('e.db', 2);
  d.fill();
  const ticks: (() => void)[] = [];
  let cancelled = 0;
  const r = Spool.open(path, { lanes: 1, waitForSpace: true }, { every: (_ms, fn) => (ticks.push(fn), { cancel: () => void cancelled++ }) });
  assert.ok(isRight(r), isRight(r) ? '' : r.left.message);
  if (!isRight(r)) return;
  const { spool } = r.right;
  // What fillStartTimes says changed, once: told at the first write after the change.
  let told = false;
  spool.seriesStarts.follow(() => (told ? { kept: [], forgotten: [] } : ((told = true), { kept: [{ series: 'c', start: 100n, lastTime: 200n, lastValue: 3 }], forgotten: [] })));
  ticks.forEach((tick) => tick()); // waiting: the file check finds no room; the series starts wait too
  d.free();
  ticks.forEach((tick) => tick()); // room: the file opens, then the series starts are written to it
  let openedEnded = false;
  spool.opened$.subscribe({ complete: () => (openedEnded = true) });
  spool.close();
  assert.equal([cancelled, ticks.length, openedEnded], [2, 2, true], 'its timers cancelled and opened$ ended at close');
  const { spool: again } = open(path, 1);
  assert.equal(again.seriesStarts.take().map((x) => [x.series, x.lastValue]), [['c', 3]]);
  again.close();
});

it('waitForSpace with no spool and no lock file yet (the first start on a full disk)', () => {
  d.fill();
  const path = join(d.dir, 'c.db');
  const r = Spool.open(path, { lanes: 1, waitForSpace: true });
  assert.ok(isRight(r), isRight(r) ? '' : r.left.message);
  if (!isRight(r)) return;
  // The owner lock could not be made either: said in chronoq's words, as the spool's own file is.
  assert.match(r.right.report.waitingForSpace ?? '', /^no room on its disk to open spool .*c\.db \(/);
  d.free();
  assert.ok(r.right.spool.openWhenThereIsRoom());
  r.right.spool.append([mk(1, 0)]);
  r.right.spool.close();
  assert.equal(recoveredValues(path), [1]);
});

it("fsync interval: a checkpoint on a full disk does not throw out of its timer (it ended chronoq run: uncaught SQLITE_FULL); the commits stay in the log and the next checkpoint after room came back takes them", () => {
  const path = join(d.dir, 'interval.db');
  const ticks: (() => void)[] = [];
  const r = Spool.open(path, { lanes: 1, fsync: { intervalMs: 100 } }, { every: (_ms, fn) => (ticks.push(fn), { cancel: () => undefined }) });
  if (!isRight(r)) throw r.left;
  const spool = r.right.spool;
  let written = 0;
  try {
    try {
      for (;;) written += (spool.append(Array.from({ length: 200 }, (_, i) => mk(written + i, 0))), 200);
    } catch (e) {
      assert.ok(isNoSpace(e), String(e));
    }
    d.fill();
    const checkpoint = ticks[0]!;
    checkpoint(); // threw SQLITE_FULL
    checkpoint();
    d.free();
    checkpoint();
    spool.close();
    assert.is(recoveredValues(path).length, written, 'every sample written is there');
  } finally {
    spool.close();
    removeSpoolFiles(path); // the disk's room, for the tests after
  }
});

it('the spool stage over a spool waiting for space: once it opens, the earlier backlog is handed on, in order', () => {
  const path = earlierRun('stage.db', 4);
  d.fill();
  const r = Spool.open(path, { lanes: 1, waitForSpace: true });
  if (!isRight(r)) throw r.left;
  const { spool } = r.right;
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const out: unknown[] = [];
  const sub = new Subject<Routed<Sample>>().pipe(spoolSamples(spool, { scheduler, readBackScheduler: scheduler }))
    .subscribe((x) => out.push(isRight(x) ? x.right.value : x.left.reason));
  try {
    scheduler.flush();
    assert.equal(out, [], 'nothing to read yet');
    d.free();
    assert.ok(spool.openWhenThereIsRoom());
    scheduler.flush();
    assert.equal(out, [0, 1, 2, 3]);
  } finally {
    sub.unsubscribe();
    spool.close();
    d.free();
    removeSpoolFiles(path);
  }
});

it('createPipeline on a full disk: the application gets its pipeline (before: a config error at config.spool.path), told through diag; samples are delivered', async () => {
  const spoolPath = earlierRun('lib.db', 3);
  d.fill();
  const errors: string[] = [];
  diag.setLogger({ error: (m) => void errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.ERROR);
  try {
    const dir = tempDir();
    const h = createPipeline({ sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, reorder: { maxDelayMs: 0 }, deadLetter: { path: join(dir, 'd.ndjson') }, spool: { path: spoolPath } });
    assert.ok(isRight(h), isLeft(h) ? JSON.stringify(h.left) : '');
    if (!isRight(h)) return;
    assert.ok(errors.some((m) => /no room on its disk to open spool .*runs without it until there is room/.test(m)), errors.join('\n'));
    h.right.push({ ...mk(100, 1), timeUnixNano: BigInt(Date.now()) * 1_000_000n });
    await h.right.flush();
    assert.is(h.right.stats.delivered, 1);
    await h.right.shutdown();
  } finally {
    diag.disable();
  }
});

it('chronoq run on a full disk: delivers from the start, then opens the spool and delivers what an earlier run left', async () => {
  const spoolPath = earlierRun('run.db', 30);
  d.fill();
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const config = writeConfig(dir, `
sources: [{type: synthetic, series: 2, ratePerSecond: 20}]
reorder: {maxDelayMs: 0}
sink: {type: ndjson, path: ${out}}
deadLetter: {path: ${join(dir, 'dead.ndjson')}}
spool: {path: ${spoolPath}}
`);
  const { child, result, stderrSoFar } = startCli(['run', config, '--log-format', 'json']);
  let stderr: string;
  try {
    await until('samples delivered while the disk is full', () => existsSync(out) && readFileSync(out, 'utf8').length > 0, 30_000);
    d.free();
    await runningFor(stderrSoFar, 500, /opened: its disk has room again/);
    child.kill('SIGTERM');
    const r = await result;
    stderr = r.stderr;
    assert.is(r.code, 0, stderr);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await result;
  }
  const log = jsonLog(stderr);
  assert.ok(log.some((l) => l.level === 'error' && /no room on its disk to open spool .*chronoq runs without it until there is room/.test(l.message)), stderr);
  assert.is(log.filter((l) => /cannot be written/.test(l.message)).length, 0, 'said once, at the start');
  assert.ok(log.some((l) => l.level === 'warn' && /the 30 samples an earlier run left in it are delivered now/.test(l.message)), stderr);
  const done = log.find((l) => l.message.startsWith('done:'))!;
  const delivered = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; value: number });
  assert.equal(delivered.filter((x) => x.name === 'm').map((x) => x.value), Array.from({ length: 30 }, (_, i) => i), 'the earlier backlog, in its order');
  assert.ok(delivered.length > 30, `${delivered.length} delivered`);
  assert.is(done.delivered, delivered.length);
  assert.is(done.samplesIn, delivered.length, 'every sample accounted for, the earlier backlog included');
});

it('chronoq run stopped while the spool waits for room: the stop line says what the spool could not write becomes dead letters; every sample accounted for', async () => {
  d.fill();
  const dir = tempDir();
  const config = writeConfig(dir, `
sources: [{type: synthetic, series: 2, ratePerSecond: 20}]
sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:1"}
deadLetter: {path: ${join(dir, 'dead.ndjson')}}
spool: {path: ${join(d.dir, 'stop.db')}}
delivery: {shutdownDeadlineMs: 300}
`);
  const { child, result, stderrSoFar } = startCli(['run', config, '--log-format', 'json']);
  let stderr: string;
  try {
    await runningFor(stderrSoFar, 1_500);
    child.kill('SIGTERM');
    stderr = (await result).stderr;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await result;
  }
  const log = jsonLog(stderr);
  // It said "what is left stays in the spool": nothing this run sent was in it.
  assert.ok(log.some((l) => /draining .*stays in the spool .* as far as it could write it, the rest becomes dead letters in /.test(l.message)), stderr);
  const done = log.find((l) => l.message.startsWith('done:'))!;
  assert.ok(done.samplesIn! > 0 && done.deadLetters!['shutdown'] === done.samplesIn && done.leftInSpool === 0, JSON.stringify(done));
});

test.run();
