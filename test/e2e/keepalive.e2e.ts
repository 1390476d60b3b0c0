/**
 * sink.keepaliveMs is also how long a ping may go unanswered before the connection is dropped. Set
 * to 1 (milliseconds, meant as seconds?), a healthy collector's connection was dropped dozens of
 * times a minute ("Connection dropped" at each, a reconnect, a resend). The config now refuses
 * less than 1 000 (0 is off) and the library's sink takes 1 000 for less.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lastValueFrom, toArray } from 'rxjs';
import { startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { otlpGrpcSink } from '../../src/otlp/otlpGrpcSink.js';
import { decodeConfigValue } from '../../src/config/decode.js';
import type { Sample } from '../../src/sample.js';

const test = suite('e2e: keepalive against a real collector');
const binary = collectorOrSkip('e2e keepalive');
const it = binary === undefined ? test.skip : test;

it('otlpGrpcSink with keepaliveMs 1: 4 calls at a time for 5 s to a healthy collector, none fails', async () => {
  const c = await startCollector(binary!, { exporter: 'nop' });
  const sink = otlpGrpcSink({ endpoint: c.endpoint, keepaliveMs: 1, timeoutMs: 5_000 });
  try {
    const batch = (n: number): Sample[] => Array.from({ length: 200 }, (_, i) => ({ name: 'keepalive.e2e', kind: 'gauge', value: i, timeUnixNano: BigInt(n) * 1_000_000_000n + BigInt(i), attributes: { i: String(i % 20) } }));
    const failures: string[] = [];
    let calls = 0;
    const until = Date.now() + 5_000;
    const worker = async (): Promise<void> => {
      while (Date.now() < until) {
        calls++;
        await lastValueFrom(sink.send(batch(calls)).pipe(toArray())).catch((e: Error) => failures.push(e.message));
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    console.log(`keepaliveMs 1: ${calls} calls, ${failures.length} failed`);
    assert.equal(failures.slice(0, 3), [], `${failures.length} of ${calls} calls failed`);
  } finally {
    sink.shutdown();
    await c.stop();
  }
});

it('the config refuses keepaliveMs under 1 000 (0 is off)', () => {
  for (const keepaliveMs of [1, 999]) {
    const r = decodeConfigValue({ sink: { type: 'otlp-grpc', keepaliveMs } });
    assert.ok(r._tag === 'Left' && r.left.some((e) => e.path === 'config.sink.keepaliveMs' && /0 \(no pings\) or at least 1000 milliseconds/.test(e.expected)), JSON.stringify(r));
  }
  for (const keepaliveMs of [0, 1_000, 10_000]) assert.is(decodeConfigValue({ sink: { type: 'otlp-grpc', keepaliveMs } })._tag, 'Right', String(keepaliveMs));
});

test.run();
