/**
 * Delivery to a real OpenTelemetry Collector, measured at the receiver: steady stream, a 20 s
 * outage (SIGKILL + restart on the same port), a 15 s hang (SIGSTOP/SIGCONT), and a batch the
 * collector refuses permanently.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCollector, type Collector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { runChronoq, killAndRestart, stopAndContinue } from './scenarios.js';
import { formatTable } from './measure.js';
import { otlpGrpcSink } from '../../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../../src/sample.js';

const test = suite('e2e: chronoq → real collector');
const binary = collectorOrSkip('e2e delivery');
const it = binary === undefined ? test.skip : test;

const withCollector = async <T>(fn: (c: Collector) => Promise<T>, opts: Parameters<typeof startCollector>[1] = {}): Promise<T> => {
  const c = await startCollector(binary!, opts);
  try {
    return await fn(c);
  } catch (e) {
    console.log(c.logs().slice(-3000));
    throw e;
  } finally {
    await c.stop();
  }
};

const print = (scenario: string, r: Parameters<typeof formatTable>[0][number]) => console.log(`\n${formatTable([{ ...r, scenario, path: 'chronoq' }])}`);

it('steady: 3 series at 1 kHz for 10 s arrive once each, exact to the ns, each series in order', async () => {
  const r = await withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 10_000 }));
  print('steady', { ...r, scenario: '', path: '' });
  assert.is(r.sent, 30_000);
  assert.is(r.delivered, 30_000);
  assert.is(r.lost, 0);
  assert.is(r.restamped, 0);
  assert.is(r.inversions, 0);
  assert.is(r.duplicates, 0);
  assert.is(r.deadLettered, 0);
});

// The outage runs with the sink's encoding worker (encodeOffThread): the backlog after the
// restart goes in full batches of 1 000, which the worker encodes (the steady stream's ~150 are
// encoded in place).
it('outage: SIGKILL 3 s in, restart 20 s later: 0 lost, 0 inversions, 0 re-stamped; duplicates counted', async () => {
  const r = await withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 30_000, fault: killAndRestart(3_000, 20_000), encodeOffThread: true }));
  print('outage 20 s', { ...r, scenario: '', path: '' });
  assert.is(r.sent, 90_000);
  assert.is(r.lost, 0);
  assert.is(r.deadLettered, 0);
  assert.is(r.delivered, 90_000);
  assert.is(r.inversions, 0);
  assert.is(r.restamped, 0);
  assert.ok(r.retries > 0, 'the outage was felt');
});

it('hang: SIGSTOP 15 s then SIGCONT: 0 lost, 0 inversions, 0 re-stamped, 0 duplicates (the calls in flight are held, not sent again)', async () => {
  const r = await withCollector((c) => runChronoq({ collector: c, series: 3, ratePerSecond: 1_000, durationMs: 25_000, fault: stopAndContinue(3_000, 15_000) }));
  print('hang 15 s', { ...r, scenario: '', path: '' });
  assert.is(r.lost, 0);
  assert.is(r.deadLettered, 0);
  assert.is(r.delivered, 75_000);
  assert.is(r.inversions, 0, 'no inversions, even with timed-out requests processed late');
  assert.is(r.restamped, 0);
  // Each copy sent into the hung collector's connection used to be delivered once it went on
  // (102–942 duplicates a run); the calls are held for its answer instead (silentHold.ts).
  assert.is(r.duplicates, 0);
  assert.ok(r.silences > 0, 'the hang was felt: the sink found the collector silent');
});

it('permanent rejection: what the collector refuses (a request over its size limit) becomes dead letters with its message — only the oversized sample, the rest of its batch goes again in halves; the rest is delivered', async () => {
  const huge = 'x'.repeat(2 * 1024 * 1024);
  const r = await withCollector(
    (c) => runChronoq({
      collector: c, series: 3, ratePerSecond: 1_000, durationMs: 4_000,
      // sample 6000 carries a 2 MiB attribute: its request exceeds the receiver's 1 MiB limit
      transform: (s) => (s.value === 6_000 ? { ...s, attributes: { ...s.attributes, blob: huge } } : s),
    }),
    { maxRecvMiB: 1 },
  );
  print('permanent rejection', { ...r, scenario: '', path: '' });
  assert.ok(r.deadLettered > 0);
  assert.ok(r.deadLetters.some((d) => d.item.value === 6_000), 'the oversized sample is dead-lettered');
  assert.ok(r.deadLetters.every((d) => d.reason === 'rejected'));
  assert.ok(r.deadLetters.every((d) => /larger than max/i.test(d.detail)), r.deadLetters[0]?.detail);
  assert.ok(r.deadLetters.every((d) => d.error?.code === 8), 'RESOURCE_EXHAUSTED without RetryInfo: permanent');
  assert.is(r.lost, 0);
  assert.is(r.delivered + r.deadLettered, r.sent);
  // The refused request's batch went again in halves: only the sample too large on its own is left.
  assert.is(r.deadLettered, 1, 'only the oversized sample');
});

it("keepalive pings while calls wait are welcome at the Collector: 450 exports, 3 at a time, pinged every 100 ms, none refused, one connection (Go's gRPC server drops a client that pings too often: GOAWAY too_many_pings)", async () => {
  await withCollector(async (c) => {
    const sink = otlpGrpcSink({ endpoint: c.endpoint, keepaliveMs: 100 });
    let connections = 0;
    const sub = sink.reachable$.subscribe(() => connections++);
    const failures: string[] = [];
    try {
      for (let i = 0; i < 150; i++) {
        const sample: Sample = { name: 'keepalive', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} };
        // Three at a time, 40 ms apart: a ping goes out during calls, and at the start of a call after a quiet spell.
        const outcomes = await Promise.all([0, 1, 2].map(() => new Promise<string>((resolve) => sink.send([sample]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }))));
        failures.push(...outcomes.filter((o) => o !== 'ok'));
        await new Promise((r) => setTimeout(r, 40));
      }
    } finally {
      sub.unsubscribe();
      sink.shutdown();
    }
    assert.equal(failures, []);
    assert.is(connections, 1, 'never reconnected');
    assert.not.match(c.logs(), /too_many_pings|too many pings/i);
  });
});

test.run();
