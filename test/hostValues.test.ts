/**
 * The host source's values, each from its own reading: each network direction its own counters,
 * each load average its own column of /proc/loadavg, a memory state the machine does not report
 * left out (not sent as 0), and this process's CPU time and resident memory as Node reports them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAverages, type HostSourceOptions } from '../src/sources/host.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { firstCollection } from './support/hostCollection.js';

const test = suite('host source: each value from its own reading');

/** The samples of the first collection, file systems left out (read off the event loop). */
const first = (opts: HostSourceOptions): Sample[] => firstCollection({ filesystem: false, ...opts });
const valuesOf = (out: Sample[], name: string, attribute: string): [unknown, unknown][] =>
  out.filter((s) => s.name === name).map((s) => [s.attributes[attribute], s.value]);

test('network: receive and transmit each from their own columns of /proc/net/dev; load averages 1m, 5m, 15m from /proc/loadavg in that order', () => {
  const root = tempDir();
  mkdirSync(join(root, 'proc/net'), { recursive: true });
  writeFileSync(join(root, 'proc/net/dev'), 'Inter-|   Receive |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n  eth7: 5000 50 1 2 0 0 0 0 7000 70 3 4 0 0 0 0\n');
  writeFileSync(join(root, 'proc/loadavg'), '0.25 0.50 0.75 2/300 4242\n');
  const out = first({ rootPath: root });
  assert.equal(valuesOf(out, 'system.network.io', 'direction'), [['receive', 5000], ['transmit', 7000]]);
  assert.equal(valuesOf(out, 'system.network.packets', 'direction'), [['receive', 50], ['transmit', 70]]);
  assert.equal(valuesOf(out, 'system.network.errors', 'direction'), [['receive', 1], ['transmit', 3]]);
  assert.equal(valuesOf(out, 'system.network.dropped', 'direction'), [['receive', 2], ['transmit', 4]]);
  assert.equal(['1m', '5m', '15m'].map((n) => out.find((s) => s.name === `system.cpu.load_average.${n}`)?.value), [0.25, 0.5, 0.75]);
  // Without the file (another OS), or with one that is not the kernel's: Node's.
  assert.equal(loadAverages(join(root, 'nowhere')).length, 3);
  writeFileSync(join(root, 'proc/loadavg'), 'garbage\n');
  assert.equal(loadAverages(root).map((x) => Number.isFinite(x)), [true, true, true]);
});

test('memory: only the states the machine reports (a kernel without slab counters sends none of them, not 0)', () => {
  const out = first({ readMemoryStates: () => ({ used: 600, free: 400 }) });
  assert.equal(valuesOf(out, 'system.memory.usage', 'state'), [['used', 600], ['free', 400]]);
});

test("this process: CPU time in seconds by state as process.cpuUsage counts it, and its resident memory (RSS)", () => {
  const before = process.cpuUsage();
  const out = first({});
  const after = process.cpuUsage();
  const rss = process.memoryUsage().rss;
  const cpu = Object.fromEntries(valuesOf(out, 'process.cpu.time', 'state')) as Record<string, number>;
  assert.ok(cpu['user']! >= before.user / 1e6 && cpu['user']! <= after.user / 1e6, `user ${cpu['user']} s`);
  assert.ok(cpu['system']! >= before.system / 1e6 && cpu['system']! <= after.system / 1e6, `system ${cpu['system']} s`);
  const memory = out.find((s) => s.name === 'process.memory.usage')!.value as number;
  assert.ok(Math.abs(memory - rss) < rss * 0.2, `${memory} bytes against an RSS of ${rss}`);
});

test.run();
