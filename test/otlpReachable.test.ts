/**
 * Recovery after an outage: the sink's `reachable$` says when its connection is back, and the
 * pipeline half-opens its breaker on it, so delivery resumes within about a second of the
 * receiver's return instead of at the breaker's next probe (its wait doubles up to a minute; a
 * collector restarted after a 15 s outage was used again 20 s later).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft } from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer, type Reply } from './support/fakeOtlpServer.js';
import { tempDir } from './support/cli.js';

const test = suite('recovery when the receiver is reachable again');
const T0 = 1_764_064_800_000_000_000n;
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i) * 1_000_000n, attributes: { s: String(i % 3) } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ok = (): Reply => ({ ok: true });

/** Polls `check` every 50 ms for up to `ms`; the time it took, or undefined. */
const within = async (ms: number, check: () => boolean): Promise<number | undefined> => {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (check()) return Date.now() - t0;
    await sleep(50);
  }
  return check() ? Date.now() - t0 : undefined;
};

const send = (sink: ReturnType<typeof otlpGrpcSink>, batch: Sample[]) =>
  new Promise<string>((resolve) => sink.send(batch).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));

test('reachable$ emits when the connection comes back after the receiver went away, also when no call was made since', async () => {
  let server = await startFakeOtlpServer(ok);
  const port = server.port;
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
  let emitted = 0;
  const sub = sink.reachable$.subscribe(() => emitted++);
  try {
    assert.is(await send(sink, [sample(1)]), 'ok');
    assert.ok((await within(2_000, () => emitted === 1)) !== undefined, 'the first connection');
    // The receiver goes away; no call is made after that (as when a breaker holds them back).
    server.kill();
    await sleep(1_500);
    assert.is(emitted, 1, 'nothing while it is away');
    server = await startFakeOtlpServer(ok, undefined, port);
    const tookMs = await within(5_000, () => emitted === 2);
    assert.ok(tookMs !== undefined, 'reachable$ emitted when the receiver came back');
    assert.is(await send(sink, [sample(2)]), 'ok');
  } finally {
    sub.unsubscribe();
    sink.shutdown();
    server.kill();
  }
});

test('the pipeline delivers within seconds of the receiver coming back, although its breaker would wait a minute', async () => {
  const first = await startFakeOtlpServer(ok);
  const port = first.port;
  first.kill(); // the receiver is down from the start
  const dir = tempDir();
  const h = createPipeline({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${port}`, timeoutMs: 1_000 },
    reorder: { maxDelayMs: 0 },
    batch: { maxSize: 10, maxDelayMs: 10 },
    delivery: { lanes: 2, retry: { initialDelayMs: 50, maxDelayMs: 100 }, breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } },
    deadLetter: { path: join(dir, 'dead.ndjson') },
  });
  if (isLeft(h)) throw new Error(JSON.stringify(h.left));
  const pipeline = h.right;
  let server: Awaited<ReturnType<typeof startFakeOtlpServer>> | undefined;
  try {
    for (let i = 0; i < 30; i++) pipeline.push(sample(i));
    assert.ok((await within(5_000, () => pipeline.stats.breakerState === 'open')) !== undefined, 'the breaker opened');
    await sleep(500);
    server = await startFakeOtlpServer(ok, undefined, port);
    const tookMs = await within(5_000, () => pipeline.stats.delivered === 30);
    assert.ok(tookMs !== undefined, `delivered ${pipeline.stats.delivered} of 30 within 5 s of the return (the breaker's own wait: 60 s)`);
    assert.is(server.received.flatMap((r) => r.points).length, 30);
  } finally {
    await pipeline.shutdown(1_000);
    server?.kill();
  }
});

test.run();
