import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { take, tap, toArray, lastValueFrom, firstValueFrom, VirtualTimeScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ndjsonSamples, type InvalidLine } from '../src/sources/ndjson.js';
import { MAX_PER_TICK, syntheticSamples } from '../src/sources/synthetic.js';
import { schedulerClock } from '../src/clock.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { pendingActions } from './support/marbles.js';

const test = suite('sources');
const WALL0 = Date.UTC(2026, 10, 25, 10);
/** A sample line named `name` with value and time `t`. */
const line = (name: string, t: number) => `{"name":"${name}","value":${t},"timeUnixNano":"${t}"}\n`;

test('ndjson: follow mode picks up appended lines; bad lines are reported with their numbers', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, '{"name":"a","value":1,"timeUnixNano":"1"}\nnope\n');
  const invalid: InvalidLine[] = [];
  const got = lastValueFrom(ndjsonSamples({ path, follow: true, pollMs: 20, onInvalid: (e) => invalid.push(e) }).pipe(take(3), toArray()));
  await new Promise((r) => setTimeout(r, 60));
  appendFileSync(path, '{"name":"b","value":2,"timeUnixNano":"2"}\n{"name":"c","val');
  await new Promise((r) => setTimeout(r, 60));
  appendFileSync(path, 'ue":3,"timeUnixNano":"3"}\n');
  const samples = await got;
  assert.equal(samples.map((s) => s.name), ['a', 'b', 'c']);
  assert.equal(invalid.map((e) => [e.line, e.text]), [[2, 'nope']]);
});

test('ndjson follow, rotated like logrotate does (renamed, a new file under the name): the rest of the old file, then the new one from line 1', () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, line('a', 1));
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: string[] = [];
  const invalid: InvalidLine[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, onInvalid: (e) => invalid.push(e) }).subscribe((s) => got.push(s.name));
  appendFileSync(path, line('b', 2));
  renameSync(path, `${path}.1`);
  appendFileSync(`${path}.1`, line('c', 3)); // the writer had not reopened yet
  writeFileSync(path, `${line('d', 4)}nope\n`);
  scheduler.flush(); // polls up to 1 s of virtual time
  appendFileSync(path, line('e', 5));
  scheduler.maxFrames = 2_000; // one more virtual second of polls
  scheduler.flush();
  sub.unsubscribe();
  // Before, the source kept reading the renamed file: d and e were never read.
  assert.equal(got, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(invalid.map((e) => [e.line, e.text]), [[2, 'nope']], 'lines of the new file are numbered from 1');
});

test('ndjson follow, rotated with an empty file created under the name (logrotate `create`) before the writer reopens: what it writes to the old file meanwhile is read, then the new file', () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, line('a', 1));
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: string[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler }).subscribe((s) => got.push(s.name));
  renameSync(path, `${path}.1`);
  writeFileSync(path, ''); // logrotate's `create`; the writer reopens later (postrotate)
  scheduler.flush(); // polls see the empty file under the name
  appendFileSync(`${path}.1`, line('b', 2)); // written before the writer reopened
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  appendFileSync(`${path}.1`, line('c', 3));
  appendFileSync(path, line('d', 4)); // reopened
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  appendFileSync(path, line('e', 5));
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  sub.unsubscribe();
  // Before, the source went on to the empty file at its first poll: b and c were never read.
  assert.equal(got, ['a', 'b', 'c', 'd', 'e']);
});

test('ndjson follow, truncated in place (logrotate copytruncate): the new content is numbered from line 1', () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, `${line('a', 1)}${line('b', 2)}${line('c', 3)}`);
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: string[] = [];
  const invalid: InvalidLine[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, onInvalid: (e) => invalid.push(e) }).subscribe((s) => got.push(s.name));
  scheduler.flush();
  truncateSync(path, 0);
  writeFileSync(path, `${line('d', 4)}nope\n`);
  scheduler.maxFrames = 2_000;
  scheduler.flush();
  sub.unsubscribe();
  assert.equal(got, ['a', 'b', 'c', 'd']);
  // Before, the count went on from the old content (line 5): a dead letter, or the `tail -n +N` a
  // stop prints, named a line of the file that was not the one.
  assert.equal(invalid.map((e) => [e.line, e.text]), [[2, 'nope']]);
});

test('ndjson with a gate (back-pressure): reading stops while it is closed and goes on when it opens; every line once, in order — read whole and followed', () => {
  const dir = tempDir();
  const path = join(dir, 'big.ndjson');
  const total = 40_000; // ~2.4 MB: 37 chunks of 64 KiB
  writeFileSync(path, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${1_000_000 + i}"}\n`).join(''));
  for (const follow of [false, true]) {
    const scheduler = new VirtualTimeScheduler(undefined, 10_000);
    const got: number[] = [];
    let completed = false;
    let room = 5_000; // samples the test lets in; the gate is closed once that many have come
    const sub = ndjsonSamples({ path, follow, pollMs: 100, scheduler, hasRoom: () => got.length < room })
      .subscribe({ next: (s) => got.push(s.value as number), complete: () => (completed = true) });
    // Subscribing reads until the gate closes: at most the chunk in progress beyond the room.
    assert.ok(got.length >= 5_000 && got.length < 5_000 + 1_200, `${follow}: ${got.length} read while the gate was closed`);
    scheduler.flush(); // time passes, the gate stays closed: nothing more is read
    assert.ok(got.length < 5_000 + 1_200);
    assert.not.ok(completed);
    room = Infinity;
    scheduler.maxFrames = 20_000;
    scheduler.flush();
    sub.unsubscribe();
    assert.is(got.length, total, `${follow}: every line once`);
    assert.ok(got.every((v, i) => v === i), `${follow}: in file order`);
    assert.is(completed, !follow);
  }
});

test('ndjson: a UTF-8 byte order mark before a line is not part of it (files from Windows tools, and such files joined), read whole and followed', async () => {
  const dir = tempDir();
  const path = join(dir, 'bom.ndjson');
  const line = (v: number) => `{"name":"m","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(v)}","attributes":{"a":"b"}}`;
  // The second mark: files that each began with one, joined by `cat a.ndjson b.ndjson` (it made that line invalid).
  writeFileSync(path, `\uFEFF${line(1)}\r\n${line(2)}\r\n\uFEFF${line(3)}\r\n`);
  for (const follow of [false, true]) {
    const invalid: InvalidLine[] = [];
    const got = await lastValueFrom(ndjsonSamples({ path, follow, pollMs: 20, onInvalid: (e) => invalid.push(e) }).pipe(take(3), toArray()));
    assert.equal(got.map((s) => s.value), [1, 2, 3]);
    assert.equal(invalid, []);
  }
});

test('ndjson: a character whose UTF-8 bytes straddle two reads of the file arrives whole', async () => {
  const dir = tempDir();
  const path = join(dir, 'utf8.ndjson');
  const line = (v: number, city: string) => `{"name":"m","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(v)}","attributes":{"city":"${city}"}}`;
  // Pad the first line so that the 2-byte "é" of the second starts on the last byte of a 64 KiB read.
  const second = line(2, 'Besançon é');
  const prefix = Buffer.byteLength(line(1, '')) + 1 + Buffer.byteLength(second.slice(0, second.indexOf('é')));
  const pad = (1 << 16) - 1 - prefix;
  writeFileSync(path, `${line(1, 'x'.repeat(pad))}\n${second}\n`);
  assert.is(readFileSync(path).indexOf(Buffer.from('é')), (1 << 16) - 1, 'the character straddles the first read');
  const got = await lastValueFrom(ndjsonSamples({ path }).pipe(toArray()));
  assert.equal(got.map((s) => s.attributes['city']), ['x'.repeat(pad), 'Besançon é']);
});

test('ndjson: a line longer than maxLineBytes (a JSON array on one line) is one invalid line with its start, not read into memory; the lines around it are samples — read whole and followed', async () => {
  const dir = tempDir();
  const path = join(dir, 'array.ndjson');
  const line = (v: number) => `{"name":"m","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(v)}","attributes":{}}`;
  const array = `[${Array.from({ length: 40_000 }, (_, i) => line(100 + i)).join(',')}]`; // ~3.6 MB
  writeFileSync(path, `${line(1)}\n${array}\n${line(2)}\n`);
  for (const follow of [false, true]) {
    const invalid: InvalidLine[] = [];
    const got = await lastValueFrom(ndjsonSamples({ path, follow, pollMs: 20, maxLineBytes: 100_000, onInvalid: (e) => invalid.push(e) }).pipe(take(2), toArray()));
    assert.equal(got.map((s) => s.value), [1, 2]);
    assert.is(invalid.length, 1);
    assert.is(invalid[0]!.line, 2);
    assert.is(invalid[0]!.text, array.slice(0, 1_000));
    assert.is(invalid[0]!.reason, `a line of ${array.length} bytes, longer than maxLineBytes 100000: not read (is the file NDJSON, one sample a line?)`);
  }
});

test('ndjson: a missing file is an error, not a silent empty stream', async () => {
  let error: unknown;
  await firstValueFrom(ndjsonSamples({ path: '/nonexistent/x.ndjson' }), { defaultValue: undefined }).catch((e) => (error = e));
  assert.is((error as NodeJS.ErrnoException).code, 'ENOENT');
});

test('ndjson: a named pipe errors at once instead of blocking the process until a writer opens it', async () => {
  const fifo = join(tempDir(), 'in.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const error = await firstValueFrom(ndjsonSamples({ path: fifo }), { defaultValue: undefined }).then(() => undefined, (e: Error) => e);
  assert.match(String(error?.message), /is a named pipe.*read it as standard input/);
});

test('synthetic: exact grid times, unique sequence values, disorder within bounds, completes at count', () => {
  const scheduler = new TestScheduler(() => undefined);
  let out: Sample[] = [];
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    syntheticSamples({ series: 3, ratePerSecond: 100, count: 300, disorderMs: 50, valuePattern: 'sequence', scheduler, clock, random: () => 0.5 })
      .pipe(toArray()).subscribe((x) => (out = x));
  });
  assert.is(out.length, 300);
  assert.equal(out.map((s) => s.value as number).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i));
  const byValue = new Map(out.map((s) => [s.value as number, s]));
  assert.is(byValue.get(4)!.timeUnixNano, BigInt(WALL0) * 1_000_000n + 10_000_000n, 'sample 4 = series 1, tick 1: 10 ms after start');
});

test('synthetic: each grid point emitted as it passes (the first at once), series by series with their attributes; a sine by grid point; done at once when the last is due', () => {
  const scheduler = new TestScheduler(() => undefined);
  const seen: [number, Sample][] = [];
  let doneAtMs = -1;
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    syntheticSamples({ series: 2, ratePerSecond: 10, count: 6, valuePattern: 'sine', scheduler, clock })
      .subscribe({ next: (x) => seen.push([scheduler.now(), x]), complete: () => (doneAtMs = scheduler.now()) });
  });
  assert.equal(seen.map(([atMs]) => atMs), [0, 0, 100, 100, 200, 200]);
  assert.equal(seen.map(([, x]) => [x.attributes, x.value, x.timeUnixNano - BigInt(WALL0) * 1_000_000n]), [0, 1, 2, 3, 4, 5].map((i) => {
    const k = Math.floor(i / 2);
    return [{ series: `s${i % 2}` }, Math.sin(k / 10), BigInt(k) * 100_000_000n];
  }));
  assert.is(doneAtMs, 200);
  // Held back for disorder, what is left when the last is due comes out then: the source ends with its last grid point, not disorderMs after.
  let heldDoneAtMs = -1;
  let count = 0;
  const held = new TestScheduler(() => undefined);
  held.run(() => {
    const clock = schedulerClock(held, WALL0);
    syntheticSamples({ series: 2, ratePerSecond: 10, count: 6, disorderMs: 80, scheduler: held, clock, random: () => 0.9 })
      .subscribe({ next: () => count++, complete: () => (heldDoneAtMs = held.now()) });
  });
  assert.equal([count, heldDoneAtMs], [6, 200]);
});

test('synthetic: its options — start time, name, attributes, the random values (from `random`), a period of whole nanoseconds (rounded), tickMs; no tick left once unsubscribed', () => {
  const scheduler = new TestScheduler(() => undefined);
  let out: Sample[] = [];
  scheduler.run(() => {
    syntheticSamples({ series: 2, ratePerSecond: 7, count: 4, startUnixNano: 5n, name: 'load', attributes: (s) => ({ cpu: String(s) }), valuePattern: 'random', random: () => 0.25, scheduler, clock: schedulerClock(scheduler, WALL0) })
      .pipe(toArray()).subscribe((x) => (out = x));
  });
  // 1 s / 7 = 142 857 142.86 ns: 142 857 143.
  assert.equal(out.map((x) => [x.name, x.attributes, x.value, x.timeUnixNano]), [
    ['load', { cpu: '0' }, 0.25, 5n], ['load', { cpu: '1' }, 0.25, 5n], ['load', { cpu: '0' }, 0.25, 142_857_148n], ['load', { cpu: '1' }, 0.25, 142_857_148n],
  ]);
  // tickMs: looked at every 50 ms, what fell due meanwhile comes then.
  const ticked = new TestScheduler(() => undefined);
  const atMs: number[] = [];
  ticked.run(() => {
    syntheticSamples({ series: 1, ratePerSecond: 100, count: 6, tickMs: 50, scheduler: ticked, clock: schedulerClock(ticked, WALL0) }).subscribe(() => atMs.push(ticked.now()));
  });
  assert.equal(atMs, [0, 50, 50, 50, 50, 50]);
  // Unsubscribed, it leaves no tick scheduled.
  const left = new VirtualTimeScheduler();
  syntheticSamples({ series: 1, ratePerSecond: 1, scheduler: left, clock: schedulerClock(left, WALL0) }).subscribe().unsubscribe();
  assert.is(pendingActions(left), 0);
});

test('synthetic: the disorder stays within disorderMs of grid time when the ticks run late (a busy event loop)', () => {
  for (const tickMs of [10, 300]) {
    const scheduler = new TestScheduler(() => undefined);
    let out: Sample[] = [];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    scheduler.run(() => {
      const clock = schedulerClock(scheduler, WALL0);
      syntheticSamples({ series: 4, ratePerSecond: 100, count: 4_000, disorderMs: 50, tickMs, scheduler, clock, random }).pipe(toArray()).subscribe((x) => (out = x));
    });
    assert.is(out.length, 4_000);
    // How far behind the newest sample emitted before it each sample comes out, in ms.
    let newest = 0n;
    let worstMs = 0;
    for (const s of out) {
      if (s.timeUnixNano > newest) newest = s.timeUnixNano;
      worstMs = Math.max(worstMs, Number(newest - s.timeUnixNano) / 1e6);
    }
    assert.ok(worstMs <= 50, `ticks every ${tickMs} ms: a sample came out ${worstMs} ms behind a newer one (disorderMs 50)`);
    assert.ok(worstMs >= 20, `ticks every ${tickMs} ms: there is disorder (${worstMs} ms)`);
  }
});

test('synthetic above what a tick may emit (10 M samples/s): at most MAX_PER_TICK a tick, the next at once, every sample on its grid; one tick emitted all that was due', () => {
  const ts = new TestScheduler(() => undefined);
  const bursts: number[] = [0];
  /** The test scheduler, counting the samples each scheduled tick emits. */
  const scheduler: SchedulerLike = {
    now: () => ts.now(),
    schedule: (work, delay, state) => ts.schedule(function (this: SchedulerAction<unknown>, st) {
      bursts.push(0);
      return (work as (this: SchedulerAction<unknown>, st: unknown) => void).call(this, st);
    }, delay, state),
  };
  let out: Sample[] = [];
  let lastAtMs = -1;
  ts.run(() => {
    const clock = schedulerClock(ts, WALL0);
    syntheticSamples({ series: 10, ratePerSecond: 1_000_000, count: 200_000, valuePattern: 'sequence', scheduler, clock })
      .pipe(tap(() => bursts[bursts.length - 1]!++), toArray()).subscribe((x) => ((out = x), (lastAtMs = ts.now())));
  });
  // All due by 20 ms: the ticks after a full one come at once, not a tick's 10 ms apart (100 ms for ten).
  assert.ok(lastAtMs <= 20, `the last at ${lastAtMs} ms`);
  assert.is(out.length, 200_000);
  assert.ok(out.every((s, i) => s.value === i && s.timeUnixNano === BigInt(WALL0) * 1_000_000n + BigInt(Math.floor(i / 10) * 1_000)), 'in order, each on its grid time');
  assert.ok(Math.max(...bursts) <= MAX_PER_TICK, `largest tick ${Math.max(...bursts)}`);
  assert.ok(bursts.length >= 200_000 / MAX_PER_TICK, 'the rest in the ticks that follow');
});

test.run();
