/**
 * The `chronoq run` binary against a real collector that is SIGKILLed and restarted mid-stream:
 * every sample reaches it, in order, with its timestamp.
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

test.run();
