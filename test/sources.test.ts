import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, uptime } from 'node:os';
import { spawnSync } from 'node:child_process';
import { take, toArray, lastValueFrom, firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { hostSamples, networkBytes } from '../src/sources/host.js';
import { CPU_STATES, type CpuTimes, cpuTimeDeltas, parseProcStat, readCpuTimes } from '../src/sources/cpuTimes.js';
import { ndjsonSamples, type InvalidLine } from '../src/sources/ndjson.js';
import { syntheticSamples } from '../src/sources/synthetic.js';
import { schedulerClock, systemClock } from '../src/clock.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';

const test = suite('sources');
const WALL0 = Date.UTC(2026, 10, 25, 10);

/** Two CPUs whose every reading adds 1, 2, … 8 ticks to cpu0's states (in CPU_STATES order) and twice that to cpu1's. */
const fakeCpuTimes = (): (() => CpuTimes[]) => {
  let n = 0;
  return () => {
    n++;
    return [1, 2].map((k, i) => ({ cpu: `cpu${i}`, times: Object.fromEntries(CPU_STATES.map((state, j) => [state, 1_000 + n * k * (j + 1)])) }));
  };
};

test('host: CPU per core, memory, load, process, network, with the hostmetrics receiver\'s units and types; stamped on the clock at each interval', () => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    hostSamples({ intervalMs: 10_000, clock, scheduler, readCpuTimes: fakeCpuTimes() }).pipe(take(200)).subscribe((s) => out.push(s));
  });
  const names = new Set(out.map((s) => s.name));
  for (const n of ['system.cpu.utilization', 'system.memory.usage', 'system.cpu.load_average.1m', 'process.cpu.time', 'process.memory.usage']) assert.ok(names.has(n), n);
  if (networkBytes().length > 0) assert.ok(names.has('system.network.io'));
  const times = [...new Set(out.map((s) => s.timeUnixNano))];
  assert.equal(times.slice(0, 3), [0, 10_000, 20_000].map((d) => BigInt(WALL0 + d) * 1_000_000n));
  // Per CPU only (a series for the whole machine beside them made a sum over CPUs count it too),
  // by state, as the hostmetrics receiver has it: cpu0, cpu1, …, each CPU's shares adding up to 1;
  // from the second collection on (the first has no interval: a share since boot was sent).
  const cpuAt = (t: bigint | undefined) => out.filter((s) => s.name === 'system.cpu.utilization' && s.timeUnixNano === t);
  assert.is(cpuAt(times[0]).length, 0, 'none at the first collection');
  const cpuAt1 = cpuAt(times[1]);
  assert.equal([...new Set(cpuAt1.map((s) => s.attributes['cpu']))], ['cpu0', 'cpu1']);
  // fakeCpuTimes: each reading adds 1 tick of user, 2 of system … 8 of wait to cpu0 (36 in all), twice that to cpu1.
  assert.equal(cpuAt1.filter((s) => s.attributes['cpu'] === 'cpu0').map((s) => [s.attributes['state'], s.value]), CPU_STATES.map((state, i) => [state, (i + 1) / 36]));
  assert.ok(Math.abs(cpuAt1.filter((s) => s.attributes['cpu'] === 'cpu1').reduce((n, s) => n + (s.value as number), 0) - 1) < 1e-9, "cpu1's shares add up to 1");
  // Units as the hostmetrics receiver has them ("1" made a Prometheus backend name load a ratio).
  const unitOf = (name: string) => [...new Set(out.filter((s) => s.name === name).map((s) => s.unit))];
  for (const n of ['1m', '5m', '15m']) assert.equal(unitOf(`system.cpu.load_average.${n}`), ['{thread}'], n);
  assert.equal(unitOf('system.cpu.utilization'), ['1']);
  // Memory in use is an UpDownCounter (a non-monotonic sum), not a gauge.
  for (const n of ['system.memory.usage', 'process.memory.usage']) {
    assert.equal([...new Set(out.filter((s) => s.name === n).map((s) => `${s.kind} monotonic ${s.monotonic}`))], ['sum monotonic false'], n);
  }
  const mem = out.filter((s) => s.name === 'system.memory.usage' && s.timeUnixNano === times[0]);
  assert.equal(mem.map((s) => s.attributes['state']).sort(), ['available', 'used']);
  // The counters start where they count from: CPU time at the process's start, network bytes at
  // boot (they started at the first collection: bytes since boot in no time, a spike at each restart).
  const startsOf = (name: string) => new Set(out.filter((s) => s.name === name).map((s) => s.startTimeUnixNano));
  const uptimeMs = process.uptime() * 1000;
  const [cpuStart, ...more] = startsOf('process.cpu.time');
  assert.is(more.length, 0, 'one start time throughout');
  assert.ok(cpuStart! < times[0]! && Math.abs(Number(times[0]! - cpuStart!) / 1e6 - uptimeMs) < 5_000, `process start ${cpuStart}, first time ${times[0]}`);
  assert.equal(startsOf('system.network.io').size, networkBytes().length > 0 ? 1 : 0, 'one start time throughout');
});

test('host: perCore false gives system.cpu.utilization for the whole machine, one series a state, adding up to 1', () => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    hostSamples({ intervalMs: 1_000, clock: schedulerClock(scheduler, WALL0), scheduler, perCore: false, readCpuTimes: fakeCpuTimes() }).pipe(take(40)).subscribe((s) => out.push(s));
  });
  const cpu = out.filter((s) => s.name === 'system.cpu.utilization' && s.timeUnixNano === BigInt(WALL0 + 1_000) * 1_000_000n);
  assert.ok(out.filter((s) => s.name === 'system.cpu.utilization').every((s) => s.timeUnixNano > BigInt(WALL0) * 1_000_000n), 'none at the first collection');
  assert.ok(cpu.every((s) => Object.keys(s.attributes).join() === 'state'), 'no cpu attribute');
  // Both CPUs' ticks together: 3 of each 36·3 for user … 24 for wait.
  assert.equal(cpu.map((s) => [s.attributes['state'], s.value]), CPU_STATES.map((state, i) => [state, (3 * (i + 1)) / 108]));
});

test('host: this machine\'s CPU times: every CPU as cpuN, with the eight states on Linux (os.cpus() elsewhere: five)', () => {
  const first = readCpuTimes();
  for (const until = Date.now() + 50; Date.now() < until; ); // ticks are 10 ms: let some pass
  const spent = cpuTimeDeltas(readCpuTimes(), first);
  assert.equal(spent.map((c) => c.cpu), cpus().map((_, i) => `cpu${i}`));
  const states = existsSync('/proc/stat') ? [...CPU_STATES] : ['user', 'system', 'idle', 'interrupt', 'nice'];
  for (const c of spent) assert.equal(Object.keys(c.deltas).sort(), [...states].sort(), c.cpu);
  assert.ok(spent.some((c) => c.total > 0), 'time passed');
});

test('host: CPU states from /proc/stat — iowait, softirq and steal too, which os.cpus() leaves out — shares of the time between readings', () => {
  const at = (line0: string, line1: string) => parseProcStat(`cpu  1 2 3 4 5 6 7 8 0 0\n${line0}\n${line1}\nintr 1 2 3\nctxt 9\n`);
  //                                   user nice system idle iowait irq softirq steal guest guest_nice
  const before = at('cpu0 100 0 50 800 10 0 10 30 0 0', 'cpu1 10 0 10 100');
  assert.equal(before[0], { cpu: 'cpu0', times: { user: 100, nice: 0, system: 50, idle: 800, wait: 10, interrupt: 0, softirq: 10, steal: 30 } });
  assert.equal(before[1], { cpu: 'cpu1', times: { user: 10, nice: 0, system: 10, idle: 100 } }, 'an old kernel\'s four fields');
  const after = at('cpu0 160 0 60 900 30 0 10 100 0 0', 'cpu1 10 0 10 100');
  const [c0, c1] = cpuTimeDeltas(after, before);
  assert.equal(c0, { cpu: 'cpu0', deltas: { user: 60, system: 10, idle: 100, interrupt: 0, nice: 0, softirq: 0, steal: 70, wait: 20 }, total: 260 });
  assert.is(c1!.total, 0, 'no time passed on cpu1 (the source sends no shares for it)');
  // A counter lower than before (the CPU went offline and came back) counts from zero.
  const [, back] = cpuTimeDeltas(at('cpu0 160 0 60 900 30 0 10 100 0 0', 'cpu1 2 0 1 40'), before);
  assert.equal(back, { cpu: 'cpu1', deltas: { user: 2, system: 1, idle: 40, nice: 0 }, total: 43 });
});

test('host: with start times given, the counters carry them exactly', () => {
  const out: Sample[] = [];
  const clock = { now: () => WALL0, monotonic: () => 0 };
  hostSamples({ clock, scheduler: new TestScheduler(() => undefined), startTimes: { bootMs: WALL0 - 86_400_000, processMs: WALL0 - 2_500 } }).subscribe((s) => out.push(s));
  const startOf = (name: string) => out.find((s) => s.name === name)?.startTimeUnixNano;
  assert.is(startOf('process.cpu.time'), BigInt(WALL0 - 2_500) * 1_000_000n);
  if (networkBytes().length > 0) assert.is(startOf('system.network.io'), BigInt(WALL0 - 86_400_000) * 1_000_000n);
  assert.is(startOf('system.memory.usage'), BigInt(WALL0 - 86_400_000) * 1_000_000n, 'memory in use since boot');
  assert.is(startOf('process.memory.usage'), BigInt(WALL0 - 2_500) * 1_000_000n, 'and since the process started');
  assert.is(startOf('system.cpu.load_average.1m'), undefined, 'gauges have none');
  // On the system clock, by default: the machine's boot (as `uptime` has it) and this process's start.
  const real: Sample[] = [];
  hostSamples({ clock: systemClock, scheduler: new TestScheduler(() => undefined) }).subscribe((s) => real.push(s));
  const nowMs = Date.now();
  const realStart = (name: string) => Number(real.find((s) => s.name === name)!.startTimeUnixNano! / 1_000_000n);
  assert.ok(Math.abs(realStart('process.cpu.time') - (nowMs - process.uptime() * 1000)) < 1_000, 'the process start');
  if (networkBytes().length > 0) assert.ok(Math.abs(realStart('system.network.io') - (nowMs - uptime() * 1000)) < 2_000, 'the boot');
});

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
  const line = (name: string, t: number) => `{"name":"${name}","value":${t},"timeUnixNano":"${t}"}\n`;
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

test('ndjson: a UTF-8 byte order mark before the first line is not part of it (files from Windows tools), read whole and followed', async () => {
  const dir = tempDir();
  const path = join(dir, 'bom.ndjson');
  const line = (v: number) => `{"name":"m","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(v)}","attributes":{"a":"b"}}`;
  writeFileSync(path, `\uFEFF${line(1)}\r\n${line(2)}\r\n`);
  for (const follow of [false, true]) {
    const invalid: InvalidLine[] = [];
    const got = await lastValueFrom(ndjsonSamples({ path, follow, pollMs: 20, onInvalid: (e) => invalid.push(e) }).pipe(take(2), toArray()));
    assert.equal(got.map((s) => s.value), [1, 2]);
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

test.run();
