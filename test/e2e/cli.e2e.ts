/**
 * The `chronoq run` binary against a real collector that is SIGKILLed and restarted mid-stream:
 * every sample reaches it, in order, with its timestamp; and delivery resumes as soon as the
 * collector is back (restarted, or continued after SIGSTOP), not at the circuit breaker's next probe.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { startCollector, readReceived } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { startCli, tempDir, writeConfig } from '../support/cli.js';
import { measure } from './measure.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: chronoq run → real collector');
const binary = collectorOrSkip('e2e CLI');
const it = binary === undefined ? test.skip : test;

it('an outage during `chronoq run` loses nothing', async () => {
  const c = await startCollector(binary!);
  try {
    const dir = tempDir();
    const total = 2 * 200 * 10; // 2 series at 200/s for 10 s
    const cfg = writeConfig(dir, [
      `sources: [{type: synthetic, series: 2, ratePerSecond: 200, count: ${total}, valuePattern: sequence, name: cli.e2e}]`,
      `sink: {type: otlp-grpc, endpoint: "${c.endpoint}", timeoutMs: 2000}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      'reorder: {maxDelayMs: 20}',
      'batch: {maxSize: 200, maxDelayMs: 100}',
      'delivery: {retry: {initialDelayMs: 100, maxDelayMs: 1000}, breaker: {failureThreshold: 3, halfOpenAfterMs: 500, maxHalfOpenAfterMs: 2000}}',
      '',
    ].join('\n'));
    const { result } = startCli(['run', cfg, '--log-format', 'json']);
    await sleep(2_000);
    c.signal('SIGKILL');
    await sleep(4_000);
    await c.restart();
    const r = await result;
    assert.is(r.code, 0, r.stderr);
    const sent = Array.from({ length: total }, (_, value) => ({ value }));
    const m = measure(sent, readReceived(c.output).filter((p) => p.name === 'cli.e2e'), new Set());
    console.log(`chronoq run through a 4 s outage: sent ${m.sent}, delivered ${m.delivered}, lost ${m.lost}, inversions ${m.inversions}, duplicates ${m.duplicates}`);
    assert.is(m.lost, 0);
    assert.is(m.delivered, total);
    assert.is(m.inversions, 0);
    assert.match(r.stderr, /retries [1-9]/, "the outage was felt");
  } finally {
    await c.stop();
  }
});

/**
 * `chronoq run` at 200 samples/s; the collector is SIGKILLed and restarted on its port (an outage),
 * or SIGSTOPped and continued (a hang: its connection stays up, calls time out), for long enough
 * that the breaker opens. Delivery must resume within 3 s of the collector's return, where the
 * breaker's own wait is 30 s.
 */
const recovery = (fault: 'outage' | 'hang') => async () => {
  const c = await startCollector(binary!);
  let cli: ReturnType<typeof startCli> | undefined;
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, [
      'sources: [{type: synthetic, series: 2, ratePerSecond: 100, valuePattern: sequence, name: cli.recovery}]',
      `sink: {type: otlp-grpc, endpoint: "${c.endpoint}", timeoutMs: 2000}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      'reorder: {maxDelayMs: 20}',
      'batch: {maxSize: 100, maxDelayMs: 100}',
      'delivery: {retry: {initialDelayMs: 100, maxDelayMs: 1000}, breaker: {failureThreshold: 2, halfOpenAfterMs: 30000}}',
      '',
    ].join('\n'));
    cli = startCli(['run', cfg, '--log-format', 'json']);
    await sleep(2_000);
    c.signal(fault === 'outage' ? 'SIGKILL' : 'SIGSTOP');
    // The breaker opens (a hang: after two 2 s timeouts); its first probe would be 30 s later.
    await sleep(fault === 'outage' ? 4_000 : 7_000);
    if (fault === 'outage') await c.restart();
    else c.signal('SIGCONT');
    const backAt = Date.now();
    const received = () => readReceived(c.output).filter((p) => p.name === 'cli.recovery').length;
    const before = received();
    let resumedMs: number | undefined;
    while (Date.now() - backAt < 8_000 && resumedMs === undefined) {
      await sleep(100);
      if (received() > before) resumedMs = Date.now() - backAt;
    }
    console.log(`after ${fault === 'outage' ? 'a 4 s outage' : 'a 7 s hang'}, delivery resumed ${resumedMs ?? 'not within 8000'} ms after the collector's return (the breaker's own wait: 30 000 ms)`);
    assert.ok(resumedMs !== undefined && resumedMs <= 3_000, `resumed after ${resumedMs} ms`);
    cli.child.kill('SIGINT');
    const r = await cli.result;
    assert.is(r.code, 0, r.stderr);
    // An outage fails calls; a hang holds them (the sink says the collector answers nothing).
    assert.match(r.stderr, fault === 'outage' ? /is failing/ : /answers nothing/, 'the fault was felt');
    const points = readReceived(c.output).filter((p) => p.name === 'cli.recovery');
    const values = new Set(points.map((p) => p.value));
    const m = measure([...values].map((value) => ({ value })), points, new Set());
    assert.is(m.inversions, 0);
    // A hung collector used to process the copies of timed-out requests when it went on
    // (duplicates); the calls are held for its answer instead.
    assert.is(m.duplicates, 0);
    // every sample it read was delivered (nothing dead-lettered, nothing left: no spool)
    const done = r.stderr.split("\n").map((l) => { try { return JSON.parse(l) as { samplesIn?: number; delivered?: number }; } catch { return {}; } }).find((l) => l.samplesIn !== undefined);
    assert.ok(done !== undefined, r.stderr.slice(-2_000));
    assert.is(done!.delivered, done!.samplesIn);
    assert.is(values.size, done!.samplesIn);
  } finally {
    if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
    if (fault === 'hang') c.signal('SIGCONT');
    await c.stop();
  }
};

it('after an outage, `chronoq run` delivers again within seconds of the collector\'s return, although its breaker would wait 30 s', recovery('outage'));
it('after a hang (connection kept, calls timing out), `chronoq run` delivers again within seconds of the collector going on, although its breaker would wait 30 s', recovery('hang'));

test.run();
