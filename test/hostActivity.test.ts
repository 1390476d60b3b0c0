/** The host source's paging, processes, TCP connections and uptime, as the hostmetrics receiver's paging, processes, network and system scrapers send them; the file systems read off the event loop. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { VirtualTimeScheduler, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { hostSamples, type HostSourceOptions } from '../src/sources/host.js';
import { connectionsEachCollection } from '../src/sources/hostActivity.js';
import { parseSwaps, parseVmstat, readPaging } from '../src/sources/paging.js';
import { countProcesses, parseMiscStat, readProcesses, statusOfStat } from '../src/sources/processes.js';
import { TCP_STATES, countTcpTable, readTcpConnections } from '../src/sources/tcpConnections.js';
import { type Mount, type StatFsNumbers, filesystemSamples, statfsOffLoop } from '../src/sources/filesystems.js';
import { schedulerClock } from '../src/clock.js';
import type { Sample } from '../src/sample.js';

const test = suite('host source: paging, processes, connections, uptime');
const WALL0 = Date.UTC(2026, 11, 3, 10);
const BOOT = BigInt(WALL0 - 60_000) * 1_000_000n;

/** The first collection's samples of `family` (a name prefix), with only the given readers' families on. */
const firstCollection = (family: string, opts: HostSourceOptions): Sample[] => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    const off = { network: false, filesystem: false, disk: false, paging: false, processes: false, connections: false };
    hostSamples({ ...off, clock: schedulerClock(scheduler, WALL0), scheduler, startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 }, ...opts })
      .pipe(take(1_000)).subscribe((x) => out.push(x));
  });
  return out.filter((x) => x.name.startsWith(family) && x.timeUnixNano === BigInt(WALL0) * 1_000_000n);
};
const shape = (x: Sample) => [x.name, x.attributes, x.value, x.unit, x.monotonic ?? true];

test('paging: swap devices from /proc/swaps (KiB → bytes used and free), the kernel\'s counts from /proc/vmstat — not gopsutil\'s ×4096', () => {
  const swaps = parseSwaps([
    'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority',
    '/dev/vda3                               partition\t2097148\t\t1024\t\t-2',
    '/swap\\040file                          file\t\t16380\t\t0\t\t-3',
    '',
  ].join('\n'));
  assert.equal(swaps, [{ device: '/dev/vda3', usedBytes: 1024 * 1024, freeBytes: 2096124 * 1024 }, { device: '/swap\\040file', usedBytes: 0, freeBytes: 16380 * 1024 }]);
  assert.equal(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n'), [], 'no swap: no device');
  const counters = parseVmstat('nr_free_pages 1\npgpgin 22292381\npgpgout 48999280\npswpin 5\npswpout 7\npgfault 369334401\npgmajfault 19759\n');
  assert.equal(counters, { pagedIn: 22292381, pagedOut: 48999280, swappedIn: 5, swappedOut: 7, faults: 369334401, majorFaults: 19759 });
  assert.is(parseVmstat('pgpgin 1\n'), undefined, 'a counter missing: none sent rather than a wrong one');
  assert.is(parseVmstat('pgpgin 1\npgpgout 2\npswpin 3\npswpout 4\npgfault -5\npgmajfault 6\n'), undefined, 'a counter that is not a count: none sent either');

  const samples = firstCollection('system.paging.', { paging: true, readPaging: () => ({ swaps, counters }) });
  assert.equal(samples.map(shape), [
    ['system.paging.usage', { device: '/dev/vda3', state: 'used' }, 1024 * 1024, 'By', false],
    ['system.paging.usage', { device: '/dev/vda3', state: 'free' }, 2096124 * 1024, 'By', false],
    ['system.paging.usage', { device: '/swap\\040file', state: 'used' }, 0, 'By', false],
    ['system.paging.usage', { device: '/swap\\040file', state: 'free' }, 16380 * 1024, 'By', false],
    ['system.paging.operations', { direction: 'page_in', type: 'major' }, 5, '{operations}', true],
    ['system.paging.operations', { direction: 'page_out', type: 'major' }, 7, '{operations}', true],
    ['system.paging.operations', { direction: 'page_in', type: 'minor' }, 22292381, '{operations}', true],
    ['system.paging.operations', { direction: 'page_out', type: 'minor' }, 48999280, '{operations}', true],
    ['system.paging.faults', { type: 'major' }, 19759, '{faults}', true],
    ['system.paging.faults', { type: 'minor' }, 369334401 - 19759, '{faults}', true],
  ]);
  assert.ok(samples.every((x) => x.kind === 'sum' && x.startTimeUnixNano === BOOT), 'sums since boot');
  assert.equal(firstCollection('system.paging.', { paging: true, readPaging: () => ({ swaps: [], counters: undefined }) }), [], 'no swap, no vmstat: nothing');
  assert.equal(firstCollection('system.paging.', { paging: false, readPaging: () => ({ swaps, counters }) }), [], 'paging: false');
  if (existsSync('/proc/vmstat')) assert.ok(readPaging().counters !== undefined, "this machine's counters");
  // Under rootPath, the host's /proc (a container reading its host's, mounted at /hostfs).
  const root = tempDir();
  mkdirSync(join(root, 'proc'));
  writeFileSync(join(root, 'proc', 'swaps'), 'Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2 partition 1000 10 -2\n');
  writeFileSync(join(root, 'proc', 'vmstat'), 'pgpgin 1\npgpgout 2\npswpin 3\npswpout 4\npgfault 5\npgmajfault 6\n');
  assert.equal(readPaging(root), { swaps: [{ device: '/dev/sdb2', usedBytes: 10 * 1024, freeBytes: 990 * 1024 }], counters: { pagedIn: 1, pagedOut: 2, swappedIn: 3, swappedOut: 4, faults: 5, majorFaults: 6 } });
});

test('processes: a state letter after the command (which may hold parentheses and spaces) as the receiver names it; running and blocked from /proc/stat; the rest unknown', () => {
  assert.is(statusOfStat('1234 (my (odd) cmd) S 1 1234 1234 0 -1'), 'sleeping');
  assert.equal(['R', 'S', 'D', 'U', 'I', 'Z', 'T', 't', 'W', 'X'].map((c) => statusOfStat(`7 (x) ${c} 1`)), ['running', 'sleeping', 'blocked', 'blocked', 'idle', 'zombies', 'stopped', 'stopped', 'paging', 'unknown']);
  const misc = parseMiscStat('cpu 1 2 3\nctxt 99\nprocesses 300488\nprocs_running 3\nprocs_blocked 1\n');
  assert.equal(misc, { created: 300488, running: 3, blocked: 1 });
  assert.is(parseMiscStat('cpu 1 2 3\n'), undefined);
  assert.is(parseMiscStat('processes 5\nprocs_running 1\n'), undefined, 'procs_blocked missing');
  assert.equal(countProcesses(['sleeping', 'running'], { created: 2, running: 1, blocked: 0 }).byStatus, { sleeping: 1, blocked: 0, running: 1 }, 'none unknown: no such series');
  // 7 listed: 3 sleeping, 1 idle, 1 running by letter (/proc/stat says 3 running, 1 blocked), 1 gone, 1 of an unknown letter.
  const counts = countProcesses(['sleeping', 'sleeping', 'sleeping', 'idle', 'running', undefined, 'unknown'], misc!);
  assert.equal(counts, { byStatus: { sleeping: 3, idle: 1, unknown: 1, blocked: 1, running: 3 }, created: 300488 });
  assert.equal(countProcesses(['sleeping', 'zombies', undefined, undefined], { created: 5, running: 0, blocked: 0 }).byStatus, { sleeping: 1, zombies: 1, blocked: 0, running: 0, unknown: 2 }, 'what the walk missed is unknown');
  assert.equal(countProcesses(['unknown', 'sleeping', undefined, undefined], { created: 5, running: 0, blocked: 0 }).byStatus, { unknown: 3, sleeping: 1, blocked: 0, running: 0 }, 'an unknown letter and what the walk missed');
  // A /proc of its own: the processes are its numbered entries; without /proc/stat, none at all.
  const root = tempDir();
  for (const [pid, letter] of [['1', 'S'], ['22', 'R']] as const) (mkdirSync(join(root, 'proc', pid), { recursive: true }), writeFileSync(join(root, 'proc', pid, 'stat'), `${pid} (x) ${letter} 1`));
  writeFileSync(join(root, 'proc', 'fb0'), 'not a process');
  assert.is(readProcesses(root), undefined, 'no /proc/stat');
  writeFileSync(join(root, 'proc', 'stat'), 'processes 40\nprocs_running 1\nprocs_blocked 0\n');
  assert.equal(readProcesses(root), { byStatus: { sleeping: 1, running: 1, blocked: 0 }, created: 40 });

  const samples = firstCollection('system.processes.', { processes: true, readProcesses: () => counts });
  const byStatus = (x: Sample) => `${x.name} ${x.attributes['status'] ?? ''}`;
  assert.equal(samples.sort((a, b) => byStatus(a).localeCompare(byStatus(b))).map(shape), [
    ['system.processes.count', { status: 'blocked' }, 1, '{processes}', false],
    ['system.processes.count', { status: 'idle' }, 1, '{processes}', false],
    ['system.processes.count', { status: 'running' }, 3, '{processes}', false],
    ['system.processes.count', { status: 'sleeping' }, 3, '{processes}', false],
    ['system.processes.count', { status: 'unknown' }, 1, '{processes}', false],
    ['system.processes.created', {}, 300488, '{processes}', true],
  ]);
  assert.ok(samples.every((x) => x.kind === 'sum' && x.startTimeUnixNano === BOOT));
  assert.equal(firstCollection('system.processes.', { processes: false, readProcesses: () => counts }), [], 'processes: false');
  if (existsSync('/proc/stat')) {
    const mine = readProcesses()!;
    assert.ok(mine.created > 0 && (mine.byStatus['running'] ?? 0) >= 1, `this machine's processes: ${JSON.stringify(mine)}`);
  }
});

test('connections: TCP sockets of /proc/net/tcp and tcp6 by state, every state present, alike sockets once, FIN_WAIT under the receiver\'s names', async () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const v4 = [
    header,
    '   0: 0100007F:A1B2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0',
    '   1: 0100007F:A1B2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 112 1 0 100 0 0 10 0', // SO_REUSEPORT: the same listener again
    '   2: 0100007F:A1B2 0100007F:C3D4 01 00000000:00000000 00:00000000 00000000     0        0 113 1 0 20 4 30 10 -1',
    '   3: 0100007F:C3D4 0100007F:A1B2 04 00000000:00000000 00:00000000 00000000     0        0 114 1 0 20 4 30 10 -1',
    '   4: 0100007F:C3D5 0100007F:A1B2 06 00000000:00000000 03:00000EE4 00000000     0        0 0 3',
    // Not connected, alike but for the remote address: two sockets. A state the kernel does not write here: none.
    '   5: 0100007F:C3D6 0200007F:0000 07 00000000:00000000 00:00000000 00000000     0        0 116 1 0 100 0 0 10 0',
    '   6: 0100007F:C3D6 0300007F:0000 07 00000000:00000000 00:00000000 00000000     0        0 117 1 0 100 0 0 10 0',
    '   7: 0100007F:C3D7 00000000:0000 0C 00000000:00000000 00:00000000 00000000     0        0 118 1 0 100 0 0 10 0',
    '',
  ].join('\n');
  const v6 = [header, '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 115 1 0 100 0 0 10 0', ''].join('\n');
  const counts: Record<string, number> = Object.fromEntries(TCP_STATES.map((s) => [s, 0]));
  const seen = new Set<string>();
  countTcpTable(v4, counts, seen);
  countTcpTable(v6, counts, seen);
  assert.equal(counts, { CLOSE_WAIT: 0, CLOSE: 2, CLOSING: 0, DELETE: 0, ESTABLISHED: 1, FIN_WAIT_1: 1, FIN_WAIT_2: 0, LAST_ACK: 0, LISTEN: 2, SYN_SENT: 0, SYN_RECV: 0, TIME_WAIT: 1 });
  // Read from a root: both files; nothing without /proc/net/tcp (not Linux, or no network namespace's files).
  const root = tempDir();
  mkdirSync(join(root, 'proc/net'), { recursive: true });
  writeFileSync(join(root, 'proc/net/tcp'), v4);
  writeFileSync(join(root, 'proc/net/tcp6'), v6);
  assert.equal(await readTcpConnections(root), counts);
  assert.is(await readTcpConnections(join(root, 'nowhere')), undefined);

  const samples = firstCollection('system.network.connections', { connections: true, readTcpConnections: () => counts });
  assert.equal(samples.length, 12, 'every state, 0 too');
  assert.ok(samples.every((x) => x.kind === 'sum' && x.monotonic === false && x.unit === '{connections}' && x.attributes['protocol'] === 'tcp' && x.startTimeUnixNano === BOOT));
  assert.equal(Object.fromEntries(samples.map((x) => [x.attributes['state'], x.value])), counts);
  assert.equal(firstCollection('system.network.connections', { connections: false, readTcpConnections: () => counts }), [], 'connections: false');
  if (existsSync('/proc/net/tcp')) assert.equal(Object.keys((await readTcpConnections())!).sort(), [...TCP_STATES].sort(), "this machine's, every state");
});

test('connections read off the event loop: sent when the read settles, stamped at its collection; no second read while one is in flight', async () => {
  const scheduler = new VirtualTimeScheduler();
  const settle: ((counts: Record<string, number>) => void)[] = [];
  const out: Sample[] = [];
  const sub = hostSamples({
    network: false, filesystem: false, disk: false, paging: false, processes: false, perCore: false,
    clock: schedulerClock(scheduler, WALL0), scheduler, intervalMs: 10_000, startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 },
    readTcpConnections: () => new Promise((resolve) => settle.push(resolve)),
  }).subscribe((x) => x.name === 'system.network.connections' && out.push(x));
  scheduler.maxFrames = 15_000;
  scheduler.flush(); // collections at 0 and 10 s: the first read still in flight, the second collection reads none
  assert.is(settle.length, 1);
  assert.equal(out, []);
  settle[0]!({ LISTEN: 2, ESTABLISHED: 5 });
  await Promise.resolve();
  assert.equal(out.map((x) => [x.attributes['state'], x.value, x.timeUnixNano]), [['LISTEN', 2, BigInt(WALL0) * 1_000_000n], ['ESTABLISHED', 5, BigInt(WALL0) * 1_000_000n]], 'stamped at the first collection');
  scheduler.maxFrames = 25_000;
  scheduler.flush(); // 20 s: read again
  assert.is(settle.length, 2);
  sub.unsubscribe();
  settle[1]!({ LISTEN: 3 });
  await Promise.resolve();
  assert.is(out.length, 2, 'nothing after unsubscribing');
  // A read that fails (the files gone for a moment) is no read in flight: the next collection reads again.
  let reads = 0;
  const each = connectionsEachCollection({ readTcpConnections: () => (++reads === 1 ? Promise.reject(new Error('EIO')) : { LISTEN: 1 }) }, () => undefined);
  assert.equal(each(1n, 0n), []);
  await new Promise((r) => setImmediate(r));
  assert.equal(each(2n, 0n).map((x) => [x.attributes['state'], x.value]), [['LISTEN', 1]]);
});

test('file systems statfs\'d off the event loop: each mount reported when it answers; one that hangs is not asked again until it does, the others go on', async () => {
  const answers = new Map<string, ((s: StatFsNumbers) => void)[]>();
  const asked: string[] = [];
  const statfs = (path: string) => new Promise<StatFsNumbers>((resolve, reject) => {
    asked.push(path);
    if (path === '/gone') return reject(new Error('EIO'));
    answers.set(path, [...(answers.get(path) ?? []), resolve]);
  });
  const mounts: Mount[] = ['/', '/hung', '/gone'].map((mountpoint) => ({ device: `/dev/x${mountpoint.length}`, mode: 'rw', mountpoint, type: 'ext4' }));
  const each = statfsOffLoop(statfs);
  const got: string[] = [];
  const use = (u: { mountpoint: string; bytes: { used: number } }) => got.push(`${u.mountpoint} ${u.bytes.used}`);
  const numbers = (bfree: number): StatFsNumbers => ({ bsize: 4096, blocks: 100, bfree, bavail: bfree - 5, files: 50, ffree: 20 });
  each(mounts, use);
  assert.equal(asked, ['/', '/hung', '/gone']);
  answers.get('/')![0]!(numbers(40));
  await new Promise((r) => setImmediate(r));
  assert.equal(got, ['/ 245760'], 'the answer that came, (100 − 40) blocks of 4096; /gone failed and is left out');
  each(mounts, use); // /hung has not answered: not asked again
  assert.equal(asked, ['/', '/hung', '/gone', '/', '/gone']);
  answers.get('/hung')![0]!(numbers(90));
  answers.get('/')![1]!(numbers(30));
  await new Promise((r) => setImmediate(r));
  each(mounts, use);
  assert.equal(asked.slice(5), ['/', '/hung', '/gone'], 'asked again once it answered');
  assert.equal(got, ['/ 245760', '/hung 40960', '/ 286720']);
  const samples = filesystemSamples({ ...mounts[0]!, bytes: { used: 1, free: 2, reserved: 3 }, inodes: { used: 4, free: 5 } }, 7n, 1n);
  assert.equal(samples.map((x) => [x.name, x.attributes['state'], x.value, x.monotonic]), [
    ['system.filesystem.usage', 'used', 1, false], ['system.filesystem.usage', 'free', 2, false], ['system.filesystem.usage', 'reserved', 3, false],
    ['system.filesystem.inodes.usage', 'used', 4, false], ['system.filesystem.inodes.usage', 'free', 5, false],
  ]);
});

test('uptime: seconds since boot, time asleep included, a gauge as the receiver\'s system scraper sends it', () => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    const clock = schedulerClock(scheduler, WALL0);
    scheduler.schedule(() => clock.suspend(3_600_000), 15_000); // the machine slept an hour
    hostSamples({ network: false, filesystem: false, disk: false, paging: false, processes: false, connections: false, clock, scheduler, intervalMs: 10_000, startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 } })
      .pipe(take(1_000)).subscribe((x) => x.name === 'system.uptime' && out.push(x));
  });
  assert.equal(out.slice(0, 3).map((x) => [x.kind, x.unit, x.value, Number(x.timeUnixNano / 1_000_000n) - WALL0]), [['gauge', 's', 0, 0], ['gauge', 's', 10, 10_000], ['gauge', 's', 3620, 3_620_000]]);
});

test.run();
