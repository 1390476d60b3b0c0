/**
 * Spool append throughput with fsync 'always' and 'interval', against the in-memory delivery
 * queue in the same run; appends settled 100 bursts later, as delivery settles them; and the
 * time to reopen and recover 1 M spooled samples; and the samples with an application's SDK
 * resource against without it. Bursts of 1 000 samples (one transaction each), 100 series. Not a test.
 *   npx tsx bench/spool.ts [--quick]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRight } from 'fp-ts/lib/Either.js';
import { Spool, type SpoolFsync } from '../src/spool/spool.js';
import { createSampleQueue } from '../src/sampleQueue.js';
import { workload } from './workload.js';
import { httpScope, sdkResource } from '../test/support/sdkResource.js';
import type { Sample } from '../src/sample.js';

const quick = process.argv.includes('--quick');
const total = quick ? 100_000 : 1_000_000;
const burst = 1_000;
const samples = workload({ total, series: 100, hz: 10, disorderMs: 0 }).map((a) => a.sample);
const dir = mkdtempSync(join(tmpdir(), 'chronoq-bench-spool-'));
const rate = (n: number, ms: number) => `${((n / ms) * 1000 / 1000).toFixed(0)} k samples/s`;

const memory = (() => {
  const q = createSampleQueue();
  const clock = { now: () => 0 };
  const t0 = performance.now();
  for (const s of samples) q.push(s, clock);
  return performance.now() - t0;
})();

const append = (fsync: SpoolFsync, label: string) => {
  const path = join(dir, `${label}.db`);
  const opened = Spool.open(path, { lanes: 4, fsync });
  if (!isRight(opened)) throw opened.left;
  const spool = opened.right.spool;
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += burst) spool.append(samples.slice(i, i + burst));
  const ms = performance.now() - t0;
  spool.close();
  return { path, ms };
};

/**
 * Appends each burst and settles it 100 bursts later, as delivery settles what it took: 100 000
 * samples written and not yet settled at any time (a gateway's delivery holds as many).
 */
const appendAndSettle = (fsync: SpoolFsync, label: string) => {
  const opened = Spool.open(join(dir, `${label}.db`), { lanes: 4, fsync });
  if (!isRight(opened)) throw opened.left;
  const spool = opened.right.spool;
  const unsettled: Sample[][] = [];
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += burst) {
    const b = samples.slice(i, i + burst);
    spool.append(b);
    unsettled.push(b);
    if (unsettled.length > 100) spool.settle(unsettled.shift()!);
  }
  for (const b of unsettled) spool.settle(b);
  const ms = performance.now() - t0;
  if (spool.inspect().waiting !== 0) throw new Error('not all settled');
  spool.close();
  return ms;
};

/**
 * The same samples, each with an application's SDK resource (~800 bytes of JSON: SDK, process,
 * host, container and cloud attributes) and an instrumentation scope, as an otlp source gives
 * them: appended and read back, bytes a sample, against the samples as they are.
 */
// One resource object and one scope object for them all, as a request's samples share theirs.
const resource = sdkResource('checkout-7d9f8c6b5-x2v4q');
const withSdkResource = samples.map((s) => ({ ...s, resource, scope: httpScope }));
const appendAndReadBack = (xs: readonly Sample[], label: string) => {
  const path = join(dir, `${label}.db`);
  const opened = Spool.open(path, { lanes: 4, fsync: 'always' });
  if (!isRight(opened)) throw opened.left;
  const t0 = performance.now();
  for (let i = 0; i < xs.length; i += burst) opened.right.spool.append(xs.slice(i, i + burst));
  const appendMs = performance.now() - t0;
  const bytes = opened.right.spool.usedBytes / xs.length;
  opened.right.spool.close();
  const again = Spool.open(path, { lanes: 4 });
  if (!isRight(again)) throw again.left;
  const t1 = performance.now();
  const back = again.right.spool.recover();
  const readMs = performance.now() - t1;
  again.right.spool.close();
  if (back.length !== xs.length) throw new Error(`read back ${back.length} of ${xs.length}`);
  return { appendMs, readMs, bytes };
};
const plain = appendAndReadBack(samples, 'plain');
const sdk = appendAndReadBack(withSdkResource, 'sdk-resource');

const always = append('always', 'always');
const interval = append({ intervalMs: 1000 }, 'interval');
const settledAlways = appendAndSettle('always', 'settled-always');
const settledInterval = appendAndSettle({ intervalMs: 1000 }, 'settled-interval');
const t0 = performance.now();
const reopened = Spool.open(interval.path, { lanes: 4 });
if (!isRight(reopened)) throw reopened.left;
const recovered = reopened.right.spool.recover();
const recoverMs = performance.now() - t0;
reopened.right.spool.close();
if (recovered.length !== total) throw new Error(`recovered ${recovered.length} of ${total}`);

console.log(`\nspool, ${total} samples in bursts of ${burst}`);
console.log(`  in-memory queue (baseline)     ${rate(total, memory)}`);
console.log(`  spool append, fsync always     ${rate(total, always.ms)}   ×${(memory / always.ms).toFixed(3)} of in-memory`);
console.log(`  spool append, fsync interval   ${rate(total, interval.ms)}   ×${(memory / interval.ms).toFixed(3)} of in-memory`);
console.log(`  append, and settle 100 bursts later, fsync always     ${rate(total, settledAlways)}`);
console.log(`  append, and settle 100 bursts later, fsync interval   ${rate(total, settledInterval)}`);
console.log(`  reopen + recover ${total} samples: ${(recoverMs / 1000).toFixed(2)} s`);
console.log(`  with an SDK's resource and a scope (fsync always): append ${rate(total, sdk.appendMs)} (×${(plain.appendMs / sdk.appendMs).toFixed(2)} of without), read back ${rate(total, sdk.readMs)} (×${(plain.readMs / sdk.readMs).toFixed(2)}), ${sdk.bytes.toFixed(0)} bytes a sample (${plain.bytes.toFixed(0)} without)`);
rmSync(dir, { recursive: true, force: true });
