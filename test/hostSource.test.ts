/** The host source: the hostmetrics receiver's metrics, names, units, types and attributes, from /proc where there is one. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { cpus, totalmem, uptime } from 'node:os';
import { take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { hostSamples, networkCounters } from '../src/sources/host.js';
import { CPU_STATES, type CpuTimes, cpuTimeDeltas, parseProcStat, readCpuTimes } from '../src/sources/cpuTimes.js';
import { MEMORY_STATES, parseMemInfo, readMemoryStates } from '../src/sources/memInfo.js';
import { parseNetDev } from '../src/sources/host.js';
import { deviceFsTypes, parseMountInfo, readFilesystems, readMounts, realDevice } from '../src/sources/filesystems.js';
import { parseDiskStats, readDiskStats } from '../src/sources/diskStats.js';
import { schedulerClock, systemClock } from '../src/clock.js';
import type { Sample } from '../src/sample.js';

const test = suite('host source');
const WALL0 = Date.UTC(2026, 10, 25, 10);

/** Two CPUs whose every reading adds 1, 2, … 8 s to cpu0's states (in CPU_STATES order) and twice that to cpu1's. */
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
    hostSamples({ intervalMs: 10_000, clock, scheduler, readCpuTimes: fakeCpuTimes() }).pipe(take(2_000)).subscribe((s) => out.push(s));
  });
  const names = new Set(out.map((s) => s.name));
  for (const n of ['system.cpu.time', 'system.cpu.utilization', 'system.cpu.logical.count', 'system.memory.usage', 'system.cpu.load_average.1m', 'process.cpu.time', 'process.memory.usage']) assert.ok(names.has(n), n);
  if (networkCounters().length > 0) for (const n of ['io', 'packets', 'errors', 'dropped']) assert.ok(names.has(`system.network.${n}`), n);
  const times = [...new Set(out.map((s) => s.timeUnixNano))];
  assert.equal(times.slice(0, 3), [0, 10_000, 20_000].map((d) => BigInt(WALL0 + d) * 1_000_000n));
  // Per CPU only (a series for the whole machine beside them made a sum over CPUs count it too),
  // by state, as the hostmetrics receiver has it: cpu0, cpu1, …, each CPU's shares adding up to 1;
  // from the second collection on (the first has no interval: a share since boot was sent).
  const cpuAt = (t: bigint | undefined) => out.filter((s) => s.name === 'system.cpu.utilization' && s.timeUnixNano === t);
  assert.is(cpuAt(times[0]).length, 0, 'none at the first collection');
  const cpuAt1 = cpuAt(times[1]);
  assert.equal([...new Set(cpuAt1.map((s) => s.attributes['cpu']))], ['cpu0', 'cpu1']);
  // fakeCpuTimes: each reading adds 1 s of user, 2 of system … 8 of wait to cpu0 (36 in all), twice that to cpu1.
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
  assert.equal(mem.map((s) => s.attributes['state']).sort(), existsSync('/proc/meminfo') ? [...MEMORY_STATES].sort() : ['free', 'used']);
  // The counters start where they count from: CPU time at the process's start, network bytes at
  // boot (they started at the first collection: bytes since boot in no time, a spike at each restart).
  const startsOf = (name: string) => new Set(out.filter((s) => s.name === name).map((s) => s.startTimeUnixNano));
  const uptimeMs = process.uptime() * 1000;
  const [cpuStart, ...more] = startsOf('process.cpu.time');
  assert.is(more.length, 0, 'one start time throughout');
  assert.ok(cpuStart! < times[0]! && Math.abs(Number(times[0]! - cpuStart!) / 1e6 - uptimeMs) < 5_000, `process start ${cpuStart}, first time ${times[0]}`);
  assert.equal(startsOf('system.network.io').size, networkCounters().length > 0 ? 1 : 0, 'one start time throughout');
});

test('host: system.cpu.time, seconds in each state since boot, per CPU — at the first collection too — or, perCore false, for the machine; the CPU count', () => {
  const run = (perCore: boolean) => {
    const scheduler = new TestScheduler(() => undefined);
    const out: Sample[] = [];
    scheduler.run(() => {
      const clock = schedulerClock(scheduler, WALL0);
      hostSamples({ intervalMs: 1_000, clock, scheduler, perCore, readCpuTimes: fakeCpuTimes(), startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 } }).pipe(take(400)).subscribe((s) => out.push(s));
    });
    return out;
  };
  const at = (out: Sample[], name: string, dMs: number) => out.filter((s) => s.name === name && s.timeUnixNano === BigInt(WALL0 + dMs) * 1_000_000n);
  const perCpu = run(true);
  // fakeCpuTimes: reading n holds 1000 + n·k·(i+1) in state i of cpu k-1.
  const first = at(perCpu, 'system.cpu.time', 0);
  assert.equal(first.map((s) => [s.attributes['cpu'], s.attributes['state'], s.value]), [1, 2].flatMap((k) => CPU_STATES.map((state, i) => [`cpu${k - 1}`, state, 1_000 + k * (i + 1)])));
  assert.equal(at(perCpu, 'system.cpu.time', 1_000).map((s) => s.value), [1, 2].flatMap((k) => CPU_STATES.map((_, i) => 1_000 + 2 * k * (i + 1))));
  assert.ok(first.every((s) => s.kind === 'sum' && s.monotonic === undefined && s.unit === 's' && s.startTimeUnixNano === BigInt(WALL0 - 60_000) * 1_000_000n), 'a counter in s since boot');
  const machine = at(run(false), 'system.cpu.time', 0);
  assert.equal(machine.map((s) => [Object.keys(s.attributes).join(), s.attributes['state'], s.value]), CPU_STATES.map((state, i) => ['state', state, 2_000 + 3 * (i + 1)]));
  const count = at(perCpu, 'system.cpu.logical.count', 0);
  assert.equal(count.map((s) => [s.value, s.unit, s.kind, s.monotonic]), [[2, '{cpu}', 'sum', false]]);
});

test('host: memory by the receiver\'s states from /proc/meminfo — used is MemTotal − MemAvailable, cached holds reclaimable slab (gopsutil) — and this machine\'s', () => {
  const meminfo = (available: boolean) => [
    'MemTotal:       24683584 kB', 'MemFree:        22620156 kB', ...(available ? ['MemAvailable:   24234292 kB'] : []), 'Buffers:           93288 kB',
    'Cached:          1590656 kB', 'SwapCached:            0 kB', 'Active(file):     500000 kB', 'SReclaimable:     261512 kB', 'SUnreclaim:        32312 kB', 'HugePages_Total:       0', '',
  ].join('\n');
  const kB = 1024;
  assert.equal(parseMemInfo(meminfo(true)), {
    used: (24683584 - 24234292) * kB, free: 22620156 * kB, buffered: 93288 * kB, cached: (1590656 + 261512) * kB, slab_reclaimable: 261512 * kB, slab_unreclaimable: 32312 * kB,
  });
  // A kernel before 3.14 (no MemAvailable): gopsutil's fallback, available = cached + free.
  assert.is(parseMemInfo(meminfo(false))!.used, (24683584 - 22620156 - 1590656 - 261512) * kB);
  assert.is(parseMemInfo('nothing here\n'), undefined);
  assert.is(parseMemInfo('MemTotal:       24683584 kB\n'), undefined, 'MemFree missing: no free to say, nor a used it would guess');
  const real = readMemoryStates();
  assert.equal(Object.keys(real).sort(), existsSync('/proc/meminfo') ? [...MEMORY_STATES].sort() : ['free', 'used']);
  assert.ok(real.used! > 0 && real.free! > 0 && real.used! + real.free! <= totalmem(), JSON.stringify(real));
});

test('host: network bytes, packets, errors and drops per device and direction from /proc/net/dev', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo: 47101362582 3063853    0    0    0     0          0         0 47101362582 3063853    0    0    0     0       0          0',
    '  eth0: 1770797750  174093    3    7    0     0          0         0 15341418  149426    5   11    0     0       0          0',
    '',
  ].join('\n');
  assert.equal(parseNetDev(text), [
    { device: 'lo', receive: { bytes: 47101362582, packets: 3063853, errors: 0, dropped: 0 }, transmit: { bytes: 47101362582, packets: 3063853, errors: 0, dropped: 0 } },
    { device: 'eth0', receive: { bytes: 1770797750, packets: 174093, errors: 3, dropped: 7 }, transmit: { bytes: 15341418, packets: 149426, errors: 5, dropped: 11 } },
  ]);
});

test('host: file systems as the receiver picks them — types that need a device, from mountinfo — with space used, free and reserved, and inodes', () => {
  const types = deviceFsTypes('nodev\tsysfs\nnodev\ttmpfs\nnodev\toverlay\n\text4\n\txfs\nnodev\tzfs\n');
  assert.equal([...types], ['ext4', 'xfs', 'zfs']);
  const mountinfo = [
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683584k',
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
    '40 27 254:1 / /srv/my\\040data ro,nosuid shared:5 - xfs /dev/vdb1 ro',
    '41 27 0:40 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw,lowerdir=a',
    '',
  ].join('\n');
  const mounts = parseMountInfo(mountinfo, types);
  assert.equal(mounts, [
    { device: '/dev/vda', mode: 'rw', mountpoint: '/', type: 'ext4' },
    { device: '/dev/vdb1', mode: 'ro', mountpoint: '/srv/my data', type: 'xfs' },
  ]);
  // Devices as gopsutil names them: /dev/root by its major:minor, an LVM volume by its dm node.
  const resolved = parseMountInfo([
    '27 1 179:2 / / rw,noatime - ext4 /dev/root rw',
    '30 27 253:0 / /var rw - xfs /dev/mapper/vg-var rw',
    '31 27 0:50 / /tank rw - zfs tank rw,xattr',
  ].join('\n'), types, (device, majorMinor) => (device === '/dev/root' ? `/dev/mmcblk0p2 (${majorMinor})` : device.startsWith('/dev/mapper/') ? '/dev/dm-0' : device));
  assert.equal(resolved.map((m) => m.device), ['/dev/mmcblk0p2 (179:2)', '/dev/dm-0', 'tank']);
  // A device of none is no device's; a mount said neither rw nor ro is of an unknown mode.
  assert.equal(parseMountInfo('50 27 0:60 / /mnt/x rw - ext4 none rw\n51 27 254:2 / /mnt/y relatime - ext4 /dev/vdc rw\n', types), [{ device: '/dev/vdc', mode: 'unknown', mountpoint: '/mnt/y', type: 'ext4' }]);
  // /dev/root by its major:minor's link in /sys (a Raspberry Pi's root= device); a device without such a link as named.
  const root = tempDir();
  mkdirSync(join(root, 'sys/dev/block'), { recursive: true });
  symlinkSync('../../devices/platform/emmc2bus/mmc1/mmcblk0/mmcblk0p2', join(root, 'sys/dev/block/179:2'));
  assert.equal([realDevice('/dev/root', '179:2', root), realDevice('/dev/root', '179:3', root), realDevice('/dev/sda1', '8:1', root)], ['/dev/mmcblk0p2', '/dev/root', '/dev/sda1']);
  // init's mountinfo first, else this process's (init's is not readable by another user).
  const own = join(root, 'own-mountinfo');
  writeFileSync(own, '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n');
  if (existsSync('/proc/filesystems')) assert.equal(readMounts('', [join(root, 'no-such-mountinfo'), own]).map((m) => m.device), ['/dev/vda']);
  const statfs = (path: string) => {
    if (path !== '/') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    return { bsize: 4096, blocks: 1_000, bfree: 400, bavail: 300, files: 500, ffree: 120 };
  };
  assert.equal(readFilesystems(mounts, statfs), [
    { device: '/dev/vda', mode: 'rw', mountpoint: '/', type: 'ext4', bytes: { used: 600 * 4096, free: 300 * 4096, reserved: 100 * 4096 }, inodes: { used: 380, free: 120 } },
  ], 'one statfs cannot read is left out');
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    hostSamples({ clock: schedulerClock(scheduler, WALL0), scheduler, readFilesystems: () => readFilesystems(mounts, statfs), startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 } })
      .pipe(take(1_000)).subscribe((x) => out.push(x));
  });
  const first = out.filter((x) => x.name.startsWith('system.filesystem.') && x.timeUnixNano === BigInt(WALL0) * 1_000_000n);
  assert.equal(first.map((x) => [x.name, x.attributes['state'], x.value, x.unit, x.kind, x.monotonic, x.startTimeUnixNano]), [
    ['system.filesystem.usage', 'used', 600 * 4096, 'By', 'sum', false, BigInt(WALL0 - 60_000) * 1_000_000n],
    ['system.filesystem.usage', 'free', 300 * 4096, 'By', 'sum', false, BigInt(WALL0 - 60_000) * 1_000_000n],
    ['system.filesystem.usage', 'reserved', 100 * 4096, 'By', 'sum', false, BigInt(WALL0 - 60_000) * 1_000_000n],
    ['system.filesystem.inodes.usage', 'used', 380, '{inodes}', 'sum', false, BigInt(WALL0 - 60_000) * 1_000_000n],
    ['system.filesystem.inodes.usage', 'free', 120, '{inodes}', 'sum', false, BigInt(WALL0 - 60_000) * 1_000_000n],
  ]);
  assert.equal(first[0]!.attributes, { device: '/dev/vda', mode: 'rw', mountpoint: '/', type: 'ext4', state: 'used' });
  if (existsSync('/proc/self/mountinfo')) assert.ok(readFilesystems().some((f) => f.mountpoint === '/'), 'this machine\'s root file system');
});

test('host: block devices from /proc/diskstats — bytes (512-byte sectors), operations, merged, times in seconds, in flight — leaving out devices never used', () => {
  const text = [
    '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
    ' 254       0 vda 290988 85769 38631586 165757 1724818 1435860 84022208 427823 3 318544 703110 1068932 3 48931008 84552 545428 24976',
    ' 254       1 vda1 10 0 80 4 0 0 0 0 0 4 4',
    ' 254       2 vda2 10 0 80 4 0 0 0 0 0 4', // cut short: no weighted time
    '',
  ].join('\n');
  const disks = parseDiskStats(text);
  assert.equal(disks, [
    { device: 'vda', read: { bytes: 38631586 * 512, operations: 290988, merged: 85769, timeS: 165.757 }, write: { bytes: 84022208 * 512, operations: 1724818, merged: 1435860, timeS: 427.823 }, ioTimeS: 318.544, weightedIoTimeS: 703.11, pendingOperations: 3 },
    { device: 'vda1', read: { bytes: 80 * 512, operations: 10, merged: 0, timeS: 0.004 }, write: { bytes: 0, operations: 0, merged: 0, timeS: 0 }, ioTimeS: 0.004, weightedIoTimeS: 0.004, pendingOperations: 0 },
  ]);
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  const boot = BigInt(WALL0 - 60_000) * 1_000_000n;
  scheduler.run(() => {
    hostSamples({ clock: schedulerClock(scheduler, WALL0), scheduler, readDiskStats: () => disks.slice(0, 1), filesystem: false, startTimes: { bootMs: WALL0 - 60_000, processMs: WALL0 } })
      .pipe(take(1_000)).subscribe((x) => out.push(x));
  });
  const first = out.filter((x) => x.name.startsWith('system.disk.') && x.timeUnixNano === BigInt(WALL0) * 1_000_000n);
  assert.equal(first.map((x) => [x.name, x.attributes['direction'] ?? '', x.value, x.unit, x.monotonic ?? true]), [
    ['system.disk.io', 'read', 38631586 * 512, 'By', true], ['system.disk.operations', 'read', 290988, '{operations}', true],
    ['system.disk.merged', 'read', 85769, '{operations}', true], ['system.disk.operation_time', 'read', 165.757, 's', true],
    ['system.disk.io', 'write', 84022208 * 512, 'By', true], ['system.disk.operations', 'write', 1724818, '{operations}', true],
    ['system.disk.merged', 'write', 1435860, '{operations}', true], ['system.disk.operation_time', 'write', 427.823, 's', true],
    ['system.disk.io_time', '', 318.544, 's', true], ['system.disk.weighted_io_time', '', 703.11, 's', true],
    ['system.disk.pending_operations', '', 3, '{operations}', false],
  ]);
  assert.ok(first.every((x) => x.kind === 'sum' && x.startTimeUnixNano === boot && x.attributes['device'] === 'vda'), 'counters since boot, per device');
  assert.not.ok(out.some((x) => x.name.startsWith('system.filesystem.')), 'filesystem: false');
  if (existsSync('/proc/diskstats')) assert.ok(readDiskStats().every((d) => d.device !== ''), "this machine's devices");
});

test('host: perCore false gives system.cpu.utilization for the whole machine, one series a state, adding up to 1', () => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  scheduler.run(() => {
    hostSamples({ intervalMs: 1_000, clock: schedulerClock(scheduler, WALL0), scheduler, perCore: false, readCpuTimes: fakeCpuTimes() }).pipe(take(400)).subscribe((s) => out.push(s));
  });
  const cpu = out.filter((s) => s.name === 'system.cpu.utilization' && s.timeUnixNano === BigInt(WALL0 + 1_000) * 1_000_000n);
  assert.ok(out.filter((s) => s.name === 'system.cpu.utilization').every((s) => s.timeUnixNano > BigInt(WALL0) * 1_000_000n), 'none at the first collection');
  assert.ok(cpu.every((s) => Object.keys(s.attributes).join() === 'state'), 'no cpu attribute');
  // Both CPUs together: 3 s of each 108 for user … 24 for wait.
  assert.equal(cpu.map((s) => [s.attributes['state'], s.value]), CPU_STATES.map((state, i) => [state, (3 * (i + 1)) / 108]));
});

test('host: a CPU whose counters did not move between two collections (taken offline) gives no utilization, not 0 / 0', () => {
  const scheduler = new TestScheduler(() => undefined);
  const out: Sample[] = [];
  let n = 0;
  const cpu1Moves = (): CpuTimes[] => [0, n++].map((k, i) => ({ cpu: `cpu${i}`, times: Object.fromEntries(CPU_STATES.map((state) => [state, 1_000 + k])) }));
  scheduler.run(() => {
    hostSamples({ intervalMs: 1_000, clock: schedulerClock(scheduler, WALL0), scheduler, readCpuTimes: cpu1Moves }).pipe(take(200)).subscribe((s) => out.push(s));
  });
  const utilization = out.filter((s) => s.name === 'system.cpu.utilization');
  assert.ok(utilization.length > 0);
  assert.equal([...new Set(utilization.map((s) => s.attributes['cpu']))], ['cpu1']);
  assert.ok(utilization.every((s) => Number.isFinite(s.value)));
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

test('host: CPU states from /proc/stat, in seconds (its unit is USER_HZ, 100 a second) — iowait, softirq and steal too, which os.cpus() leaves out — and the time between readings', () => {
  const at = (line0: string, line1: string) => parseProcStat(`cpu  1 2 3 4 5 6 7 8 0 0\n${line0}\n${line1}\nintr 1 2 3\nctxt 9\n`);
  /** Back to /proc/stat's ticks, to compare exactly. */
  const ticks = (times: Partial<Record<string, number>>) => Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v! * 100)]));
  //                                   user nice system idle iowait irq softirq steal guest guest_nice
  const before = at('cpu0 100 0 50 800 10 0 10 30 0 0', 'cpu1 10 0 10 100');
  assert.equal(before[0], { cpu: 'cpu0', times: { user: 1, nice: 0, system: 0.5, idle: 8, wait: 0.1, interrupt: 0, softirq: 0.1, steal: 0.3 } });
  assert.equal(before[1], { cpu: 'cpu1', times: { user: 0.1, nice: 0, system: 0.1, idle: 1 } }, 'an old kernel\'s four fields');
  const after = at('cpu0 160 0 60 900 30 0 10 100 0 0', 'cpu1 10 0 10 100');
  const [c0, c1] = cpuTimeDeltas(after, before);
  assert.equal(ticks(c0!.deltas), { user: 60, system: 10, idle: 100, interrupt: 0, nice: 0, softirq: 0, steal: 70, wait: 20 });
  assert.is(Math.round(c0!.total * 100), 260);
  assert.is(c1!.total, 0, 'no time passed on cpu1 (the source sends no shares for it)');
  // A counter lower than before (the CPU went offline and came back) counts from zero.
  const [, back] = cpuTimeDeltas(at('cpu0 160 0 60 900 30 0 10 100 0 0', 'cpu1 2 0 1 40'), before);
  assert.equal(ticks(back!.deltas), { user: 2, system: 1, idle: 40, nice: 0 });
});

test('host: with start times given, the counters carry them exactly', () => {
  const out: Sample[] = [];
  const clock = { now: () => WALL0, monotonic: () => 0 };
  hostSamples({ clock, scheduler: new TestScheduler(() => undefined), startTimes: { bootMs: WALL0 - 86_400_000, processMs: WALL0 - 2_500 } }).subscribe((s) => out.push(s));
  const startOf = (name: string) => out.find((s) => s.name === name)?.startTimeUnixNano;
  assert.is(startOf('process.cpu.time'), BigInt(WALL0 - 2_500) * 1_000_000n);
  if (networkCounters().length > 0) assert.is(startOf('system.network.io'), BigInt(WALL0 - 86_400_000) * 1_000_000n);
  assert.is(startOf('system.memory.usage'), BigInt(WALL0 - 86_400_000) * 1_000_000n, 'memory in use since boot');
  assert.is(startOf('process.memory.usage'), BigInt(WALL0 - 2_500) * 1_000_000n, 'and since the process started');
  assert.is(startOf('system.cpu.load_average.1m'), undefined, 'gauges have none');
  // On the system clock, by default: the machine's boot (as `uptime` has it) and this process's start.
  const real: Sample[] = [];
  hostSamples({ clock: systemClock, scheduler: new TestScheduler(() => undefined) }).subscribe((s) => real.push(s));
  const nowMs = Date.now();
  const realStart = (name: string) => Number(real.find((s) => s.name === name)!.startTimeUnixNano! / 1_000_000n);
  assert.ok(Math.abs(realStart('process.cpu.time') - (nowMs - process.uptime() * 1000)) < 1_000, 'the process start');
  if (networkCounters().length > 0) assert.ok(Math.abs(realStart('system.network.io') - (nowMs - uptime() * 1000)) < 2_000, 'the boot');
});

test.run();
