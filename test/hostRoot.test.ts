/**
 * The host source's `rootPath` (the Collector's hostmetrics `root_path`): chronoq in a container
 * with the machine's / mounted at /hostfs reads the host's /proc, its file systems and its name and
 * id there. Without it a container's chronoq read its own mounts (the host's file systems were not
 * there), its own processes, and named the host by the pod — and nothing said so.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { isLeft } from 'fp-ts/lib/Either.js';
import { readMounts, statfsOffLoop } from '../src/sources/filesystems.js';
import { rootOf } from '../src/sources/hostActivity.js';
import { hostResource } from '../src/config/hostResource.js';
import { loadConfig } from '../src/cli/loadConfig.js';
import { formatConfigError } from '../src/config/errors.js';
import type { Sample } from '../src/sample.js';
import { firstCollection } from './support/hostCollection.js';
import { tempDir, writeConfig } from './support/cli.js';
import { configErrorsOf } from './support/config.js';

const test = suite('host source under rootPath');

/** A machine's file system as a container sees it mounted: /proc, /sys, /dev and /etc of its own. */
const fakeHost = (): string => {
  const root = tempDir();
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file('proc/stat', 'cpu  1 0 1 10 0 0 0 0 0 0\ncpu0 100 0 50 1000 5 0 1 0 0 0\ncpu1 100 0 50 1000 5 0 1 0 0 0\ncpu2 100 0 50 1000 5 0 1 0 0 0\nprocesses 4242\nprocs_running 3\nprocs_blocked 1\n');
  file('proc/meminfo', 'MemTotal:       1000 kB\nMemFree:         400 kB\nMemAvailable:    600 kB\nBuffers:          10 kB\nCached:           20 kB\nSReclaimable:      5 kB\nSUnreclaim:        5 kB\n');
  file('proc/net/dev', 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n  eth7: 5000 50 0 0 0 0 0 0 7000 70 0 0 0 0 0 0\n');
  file('proc/diskstats', '   8       0 sdz 100 0 800 10 200 0 1600 20 0 30 40 0 0 0 0 0 0\n');
  file('proc/filesystems', 'nodev\tproc\n\text4\n');
  // The host's root on an LVM volume, named by its /dev/mapper link (relative, as udev makes it).
  file('proc/1/mountinfo', '25 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n');
  file('dev/dm-0', '');
  mkdirSync(join(root, 'dev/mapper'), { recursive: true });
  symlinkSync('../dm-0', join(root, 'dev/mapper/vg-root'));
  file('proc/swaps', 'Filename\tType\tSize\tUsed\tPriority\n/dev/sdz2 partition\t2048\t1024\t-2\n');
  file('proc/vmstat', 'pgpgin 10\npgpgout 20\npswpin 1\npswpout 2\npgfault 100\npgmajfault 3\n');
  file('proc/17/stat', '17 (sleepy) S 1 17 17 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n');
  file('proc/18/stat', '18 (busy) R 1 18 18 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n');
  file('proc/net/tcp', '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n');
  file('etc/hostname', 'node-7\n');
  file('etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  return root;
};

const collectOnce = (rootPath: string): Sample[] => firstCollection({ rootPath: `${rootPath}/` });

test("every family from the host's /proc under rootPath, not this process's", () => {
  const out = collectOnce(fakeHost());
  const of = (name: string) => out.filter((s) => s.name === name);
  assert.equal(of('system.cpu.logical.count').map((s) => s.value), [3]);
  assert.equal(of('system.memory.usage').find((s) => s.attributes['state'] === 'used')?.value, 400 * 1024);
  assert.equal([...new Set(of('system.network.io').map((s) => s.attributes['device']))], ['eth7']);
  assert.equal([...new Set(of('system.disk.io').map((s) => s.attributes['device']))], ['sdz']);
  assert.equal(of('system.paging.usage').map((s) => [s.attributes['device'], s.attributes['state'], s.value]), [['/dev/sdz2', 'used', 1024 * 1024], ['/dev/sdz2', 'free', 1024 * 1024]]);
  assert.equal(of('system.processes.created').map((s) => s.value), [4242]);
  assert.is(of('system.processes.count').find((s) => s.attributes['status'] === 'sleeping')?.value, 1);
});

test("the host's mounts (its init's mountinfo), devices named as the host names them, their usage read through the root", async () => {
  const root = fakeHost();
  assert.equal(readMounts(root), [{ device: '/dev/dm-0', mode: 'rw', mountpoint: '/', type: 'ext4' }]);
  // rootPath written with a trailing slash (/hostfs/) names the devices the same, as the host names them.
  assert.equal(readMounts(rootOf({ rootPath: `${root}//` })), [{ device: '/dev/dm-0', mode: 'rw', mountpoint: '/', type: 'ext4' }]);
  const asked: string[] = [];
  const used: string[] = [];
  statfsOffLoop(async (p) => (asked.push(p), { blocks: 10, bfree: 5, bavail: 4, bsize: 4096, files: 10, ffree: 5 }), root)(readMounts(root), (u) => used.push(u.mountpoint));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal([asked, used], [[`${root}/`], ['/']]);
});

test("the machine's name and id from its /etc, not the container's; config: rootPath must hold a /proc, and root_path is answered", () => {
  const root = fakeHost();
  const r = hostResource(root);
  assert.equal([r['host.name'], r['host.id']], ['node-7', '0123456789abcdef0123456789abcdef']);
  const dir = tempDir();
  const loaded = loadConfig(writeConfig(dir, `sources: [{type: host, rootPath: ${root}}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\nsink: {type: console}\n`), {});
  assert.ok(!isLeft(loaded) && loaded.right.resource['host.name'] === 'node-7' && loaded.right.resource['service.instance.id'] === 'node-7');
  const empty = tempDir();
  const missing = loadConfig(writeConfig(dir, `sources: [{type: host, rootPath: ${empty}}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\nsink: {type: console}\n`), {});
  assert.equal(isLeft(missing) ? missing.left.map(formatConfigError) : [], [
    `config.sources[0].rootPath: expected the host's file system mounted there (its proc/stat readable), as the hostmetrics receiver's root_path: / mounted at /hostfs, found "${empty}" (ENOENT for proc/stat)`,
  ]);
  assert.match(configErrorsOf('sources: [{type: host, root_path: /hostfs}]\n').join('\n'), /did you mean 'rootPath'\? root_path is the hostmetrics receiver's name for it/);
});

test("the machine's id from /var/lib/dbus/machine-id when /etc's is empty (as the SDK reads them); an empty /etc/hostname is this process's name; neither file: no host.id", () => {
  const root = tempDir();
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'var/lib/dbus'), { recursive: true });
  writeFileSync(join(root, 'etc/machine-id'), '\n');
  writeFileSync(join(root, 'var/lib/dbus/machine-id'), 'fedcba9876543210fedcba9876543210\n');
  writeFileSync(join(root, 'etc/hostname'), '  \n');
  const r = hostResource(root);
  assert.equal([r['host.name'], r['host.id']], [hostname(), 'fedcba9876543210fedcba9876543210']);
  const bare = hostResource(tempDir());
  assert.equal([bare['host.name'], 'host.id' in bare], [hostname(), false]);
});

test.run();
