/** An earlier run's backlog goes out with the resource it was written under (src/spool/resourceEras.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import type { Attributes, Sample } from '../src/sample.js';
import { startCli, runningFor, tempDir, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';
import { mk } from './support/spool.js';

const test = suite('spool: resource eras');

const openWith = (path: string, resource: Attributes | undefined) => {
  const r = Spool.open(path, { lanes: 2, ...(resource ? { resource } : {}) });
  if (!isRight(r)) throw r.left;
  return r.right.spool;
};
const v1 = { 'service.name': 'shop', 'service.version': '1', weird: Number.NaN };
const v2 = { 'service.name': 'shop', 'service.version': '2' };
const resourcesOf = (samples: readonly Sample[]): Map<unknown, unknown> => new Map(samples.map((s) => [s.value, s.resource]));

test("a backlog written under one resource is read back with it after a restart under another; the new run's own samples are not", () => {
  const path = join(tempDir(), 'spool.db');
  const first = openWith(path, v1);
  const own = { ...mk(2), resource: { 'service.name': 'bridged' } };
  first.append([mk(0), mk(1), own]);
  first.abandon();
  const second = openWith(path, v2);
  second.append([mk(3)]);
  const back = resourcesOf(second.recover());
  assert.equal(back.get(0), v1, 'written under version 1: goes out as version 1 (NaN attribute too)');
  assert.equal(back.get(1), v1);
  assert.equal(back.get(2), { 'service.name': 'bridged' }, "a sample's own resource is kept");
  assert.is(back.get(3), undefined, "this run's sample: the sink adds this run's resource");
  second.abandon();
  // Back under version 1: the first run's samples are the current era's again, the second's are version 2.
  const third = openWith(path, v1);
  const again = resourcesOf(third.recover());
  assert.is(again.get(0), undefined);
  assert.equal(again.get(3), v2);
  // Writing under version 1 again, after version 2: a new era, not the first one's.
  third.append([mk(4)]);
  third.abandon();
  const fourth = openWith(path, { 'service.name': 'shop', 'service.version': '3' });
  const last = resourcesOf(fourth.recover());
  assert.equal([last.get(0), last.get(3), last.get(4)], [v1, v2, v1]);
  fourth.close();
});

test('an era is recorded with the first chunk written under a new resource, once; eras without chunks are dropped at open', () => {
  const path = join(tempDir(), 'spool.db');
  const eras = () => {
    const db = new Database(path, { readonly: true });
    const n = db.prepare('SELECT COUNT(*) FROM resource_eras').pluck().get();
    db.close();
    return n;
  };
  const a = openWith(path, v1);
  assert.is(eras(), 0, 'nothing written yet: no era');
  a.append([mk(0)]);
  a.append([mk(1)]);
  a.close();
  assert.is(eras(), 1);
  const again = openWith(path, v1);
  again.append([mk(2)]);
  again.close();
  assert.is(eras(), 1, 'unchanged: no new era');
  openWith(path, v2).close();
  assert.is(eras(), 1, 'a run that writes nothing records nothing');
  const b = openWith(path, v2);
  b.append([mk(3)]);
  assert.is(eras(), 2, 'version 1 still has chunks');
  b.settle(b.recover());
  b.close();
  openWith(path, v2).close();
  assert.is(eras(), 1, "version 1's chunks are settled: its era is gone");
});

test('an append that fails takes its era back with it, and the next one records it: no chunk is read back under the era before', () => {
  const path = join(tempDir(), 'spool.db');
  const a = openWith(path, v1);
  a.append([mk(0)]);
  a.abandon();
  const b = openWith(path, v2);
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  assert.throws(() => b.append([{ ...mk(1), value: circular as never }]), /circular/i); // in the transaction, after the era row
  b.append([mk(2)]);
  b.abandon();
  const c = openWith(path, { 'service.name': 'shop', 'service.version': '3' });
  const back = resourcesOf(c.recover());
  assert.equal(back.get(0), v1);
  assert.equal(back.get(2), v2, 'written under version 2 (as version 1, had the era been lost with the failed append)');
  c.close();
});

test('a spool opened without a resource (the Spool API on its own) reads back samples as written', () => {
  const path = join(tempDir(), 'spool.db');
  const first = openWith(path, v1);
  first.append([mk(0)]);
  first.abandon();
  const plain = openWith(path, undefined);
  assert.is(plain.recover()[0]!.resource, undefined);
  plain.close();
});

test('chronoq run: a backlog left in the spool by a run with service.version 1 is sent as version 1 by the next run, with version 2', async () => {
  const dir = tempDir();
  const port = await freePort(); // nothing listens: the first run's samples stay in the spool
  const out = join(dir, 'out.ndjson');
  const config = (version: string, sink: string, name: string, count: number) => writeConfig(dir, [
    `sources: [{type: synthetic, series: 1, ratePerSecond: 200, count: ${count}, valuePattern: sequence, name: ${name}}]`,
    sink,
    `spool: {path: ${join(dir, 'spool.db')}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    `resource: {service.name: shop, service.version: "${version}"}`,
    'reorder: {maxDelayMs: 0}',
    'delivery: {shutdownDeadlineMs: 300, retry: {initialDelayMs: 50, maxDelayMs: 100}}',
    '',
  ].join('\n'), `${name}.yaml`);
  const down = startCli(['run', config('1', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 200}`, 'before', 50), '--quiet']);
  await runningFor(down.stderrSoFar, 800);
  down.child.kill('SIGTERM');
  const stopped = await down.result;
  assert.match(stopped.stderr, /stay in the spool/);
  const up = await startCli(['run', config('2', `sink: {type: ndjson, path: ${out}}`, 'after', 5), '--quiet']).result;
  assert.is(up.code, 0, up.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; resource: Record<string, string> });
  const before = lines.filter((l) => l.name === 'before');
  assert.ok(before.length > 0, 'the backlog was sent');
  assert.equal([...new Set(before.map((l) => l.resource['service.version']))], ['1']);
  assert.equal([...new Set(lines.filter((l) => l.name === 'after').map((l) => l.resource['service.version']))], ['2']);
});

test.run();
