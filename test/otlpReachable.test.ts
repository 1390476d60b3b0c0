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

/** A receiver whose process stops answering (as a SIGSTOPped collector: its connection stays up) until `hung` is false again. */
const hangable = async (opts: { emptyAnswered?: boolean } = {}) => {
  let hung = false;
  const server = await startFakeOtlpServer((r) => (hung && !(opts.emptyAnswered && r.points.length === 0) ? { hang: true } : ok()));
  return { server, hang: (h: boolean) => void (hung = h), empties: () => server.received.filter((r) => r.points.length === 0).length };
};

/**
 * A sink to `port` whose reachable$ is watched (emissions counted), after one delivered sample and
 * its connection's first emission; `body` runs with the receiver then hung and a call timed out.
 */
const afterTimedOutCall = async (h: Awaited<ReturnType<typeof hangable>>, body: (sink: ReturnType<typeof otlpGrpcSink>, emitted: () => number, news: readonly string[]) => Promise<void>, holdSilentMs = 0) => {
  // holdSilentMs 0: the call times out at timeoutMs (held, it would wait for the receiver: otlpSilentHold.test.ts).
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${h.server.port}`, timeoutMs: 500, holdSilentMs });
  const news: string[] = [];
  const sub = sink.reachable$.subscribe((n) => news.push(n));
  const emitted = () => news.length;
  try {
    assert.is(await send(sink, [sample(1)]), 'ok');
    assert.ok((await within(2_000, () => emitted() === 1)) !== undefined, 'the first connection');
    h.hang(true);
    assert.match(await send(sink, [sample(2)]), /DEADLINE_EXCEEDED/);
    await body(sink, emitted, news);
  } finally {
    sub.unsubscribe();
    sink.shutdown();
    h.server.kill();
  }
};

test('reachable$ emits when a receiver that stopped answering (connection kept) answers again after a call timed out', async () => {
  const h = await hangable();
  await afterTimedOutCall(h, async (sink, emitted, news) => {
    await sleep(2_500);
    assert.is(emitted(), 1, 'nothing while it is silent');
    assert.ok(h.empties() >= 2, `probes while silent, one a deadline: ${h.empties()}`);
    h.hang(false);
    assert.ok((await within(3_000, () => emitted() === 2)) !== undefined, 'reachable$ emitted once the receiver answered again');
    assert.equal(news, ['connected', 'answered'], 'the connection, then the answer (which the breaker takes however recent its last early half-open)');
    const probes = h.empties();
    await sleep(1_500);
    assert.is(h.empties(), probes, 'no probe after the answer');
    assert.is(await send(sink, [sample(3)]), 'ok');
  });
});

test('a receiver only slow with data (empty requests answered at once) is not reported back, and is probed once per timed-out call', async () => {
  const h = await hangable({ emptyAnswered: true });
  await afterTimedOutCall(h, async (_sink, emitted) => {
    await sleep(1_500);
    assert.is(emitted(), 1, 'answering empty requests at once is not news');
    assert.is(h.empties(), 1);
  });
});

test("held calls (holdSilentMs): a receiver only slow with data is not reported back either — the hold's own probe, answered, gave the call up, and no round of probes follows", async () => {
  const h = await hangable({ emptyAnswered: true });
  await afterTimedOutCall(h, async (_sink, emitted) => {
    await sleep(1_500);
    assert.is(emitted(), 1);
    assert.is(h.empties(), 1, "the hold's probe alone");
  }, 60_000);
});

test('without a subscriber to reachable$, a timed-out call sends no probe (holdSilentMs 0: the hold asks with probes of its own)', async () => {
  const { server, hang, empties } = await hangable();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, timeoutMs: 500, holdSilentMs: 0 });
  try {
    hang(true);
    assert.match(await send(sink, [sample(1)]), /DEADLINE_EXCEEDED/);
    await sleep(1_500);
    assert.is(empties(), 0);
  } finally {
    sink.shutdown();
    server.kill();
  }
});

test('the pipeline delivers within seconds of a hung receiver answering again, although its breaker would wait a minute (calls given up at timeoutMs: holdSilentMs 0)', async () => {
  const { server, hang } = await hangable();
  hang(true); // silent from the start, its connection accepted
  const dir = tempDir();
  const h = createPipeline({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${server.port}`, timeoutMs: 500, holdSilentMs: 0 },
    reorder: { maxDelayMs: 0 },
    batch: { maxSize: 10, maxDelayMs: 10 },
    delivery: { lanes: 2, fenceMs: 0, retry: { initialDelayMs: 50, maxDelayMs: 100 }, breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } },
    deadLetter: { path: join(dir, 'dead.ndjson') },
  });
  if (isLeft(h)) throw new Error(JSON.stringify(h.left));
  const pipeline = h.right;
  try {
    for (let i = 0; i < 30; i++) pipeline.push(sample(i));
    assert.ok((await within(5_000, () => pipeline.stats.breakerState === 'open')) !== undefined, 'the breaker opened');
    await sleep(2_000);
    hang(false);
    const tookMs = await within(5_000, () => pipeline.stats.delivered === 30);
    assert.ok(tookMs !== undefined, `delivered ${pipeline.stats.delivered} of 30 within 5 s of the receiver answering (the breaker's own wait: 60 s)`);
    const times = server.received.flatMap((r) => r.points.map((p) => p.timeUnixNano));
    assert.is(new Set(times).size, 30);
  } finally {
    await pipeline.shutdown(1_000);
    server.kill();
  }
});

test.run();
