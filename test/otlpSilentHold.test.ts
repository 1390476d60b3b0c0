/**
 * The sink's hold (src/otlp/silentHold.ts) against a gRPC server that stops answering and goes on
 * (as a SIGSTOPped collector: calls wait, then are all answered): a call past timeoutMs is held
 * while the receiver answers nothing, so it is sent once; a receiver that answers others gets
 * the timeout as before; the hold is bounded by holdSilentMs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { decodeConfigValue } from '../src/config/decode.js';
import { createSink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer, type Reply } from './support/fakeOtlpServer.js';

const test = suite('OTLP sink: holding calls while the receiver is silent');
const T0 = 1_764_064_800_000_000_000n;
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i) * 1_000_000n, attributes: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A receiver that, while stopped, answers no call (empty probes included) until it goes on, when it answers them all. */
const stoppable = async (o: { emptyAnswered?: boolean } = {}) => {
  let goOn: (() => void) | undefined;
  let resumed: Promise<Reply> | undefined;
  const server = await startFakeOtlpServer((r) => (resumed !== undefined && !(o.emptyAnswered && r.points.length === 0) ? { later: resumed } : { ok: true }));
  return {
    server,
    stop: () => void (resumed = new Promise<Reply>((resolve) => (goOn = () => resolve({ ok: true })))),
    goOn: () => (goOn?.(), (resumed = undefined)),
    /** Requests with data the receiver took in. */
    dataRequests: () => server.received.filter((r) => r.points.length > 0).length,
  };
};

/** One send: its outcome ('ok' or the error's message) and how long it took. */
const timedSend = async (sink: ReturnType<typeof otlpGrpcSink>, batch: Sample[]) => {
  const t0 = Date.now();
  const outcome = await new Promise<string>((resolve) => sink.send(batch).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
  return { outcome, tookMs: Date.now() - t0 };
};

/** The sink's warnings (diag) while `fn` runs. */
const warningsOf = async <T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> => {
  const warnings: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m: string) => void warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    return { result: await fn(), warnings };
  } finally {
    diag.disable();
  }
};

test('stopped for 3 s with timeoutMs 500: the call is held, answered once the receiver goes on, and sent once; two log lines say so', async () => {
  const r = await stoppable();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${r.server.port}`, timeoutMs: 500 });
  try {
    assert.is((await timedSend(sink, [sample(0)])).outcome, 'ok', 'connected');
    r.stop();
    setTimeout(r.goOn, 3_000);
    const { result, warnings } = await warningsOf(() => timedSend(sink, [sample(1), sample(2)]));
    assert.is(result.outcome, 'ok');
    assert.ok(result.tookMs >= 2_500, `answered when the receiver went on: ${result.tookMs} ms`);
    assert.is(r.dataRequests(), 2, 'the held batch was sent once');
    assert.is(warnings.length, 2, warnings.join(' | '));
    assert.match(warnings[0]!, /answers nothing .* 1 request\(s\) in flight are held for its answer, up to 60000 ms more/);
    assert.match(warnings[1]!, /answers again after \d+\.\d s of silence/);
  } finally {
    sink.shutdown();
    r.server.kill();
  }
});

/** A sink with `sinkOpts` to a stoppable receiver, one batch delivered, then the receiver stopped; `body` runs, then it goes on and both end. */
const afterStop = async (sinkOpts: { timeoutMs: number; holdSilentMs?: number }, receiverOpts: { emptyAnswered?: boolean }, body: (sink: ReturnType<typeof otlpGrpcSink>) => Promise<void>) => {
  const r = await stoppable(receiverOpts);
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${r.server.port}`, ...sinkOpts });
  try {
    assert.is((await timedSend(sink, [sample(0)])).outcome, 'ok');
    r.stop();
    await body(sink);
  } finally {
    r.goOn();
    await sleep(100);
    sink.shutdown();
    r.server.kill();
  }
};

test('holdSilentMs 0: the call is given up at timeoutMs, as before', () =>
  afterStop({ timeoutMs: 500, holdSilentMs: 0 }, {}, async (sink) => {
    const { outcome, tookMs } = await timedSend(sink, [sample(1)]);
    assert.match(outcome, /DEADLINE_EXCEEDED/);
    assert.ok(tookMs < 1_500, `${tookMs} ms`);
  }));

test('a receiver that answers others (empty requests at once) but not this call: given up just after timeoutMs, saying so', () =>
  afterStop({ timeoutMs: 500 }, { emptyAnswered: true }, async (sink) => {
    const { outcome, tookMs } = await timedSend(sink, [sample(1)]);
    assert.match(outcome, /DEADLINE_EXCEEDED: no answer in 500 ms \(the receiver answers others\)/);
    assert.ok(tookMs < 1_500, `${tookMs} ms`);
  }));

test('the hold is bounded: holdSilentMs 1 000 and a receiver still stopped: a deadline at about timeoutMs + holdSilentMs', () =>
  afterStop({ timeoutMs: 500, holdSilentMs: 1_000 }, {}, async (sink) => {
    const { outcome, tookMs } = await timedSend(sink, [sample(1)]);
    assert.match(outcome, /DEADLINE_EXCEEDED/);
    assert.ok(tookMs >= 1_400 && tookMs < 3_000, `${tookMs} ms`);
  }));

test('through a pipeline: its stats say the receiver is silent while calls are held, and not once it answers; every sample arrives once', async () => {
  const r = await stoppable();
  const h = createPipeline({
    sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${r.server.port}`, timeoutMs: 500 },
    reorder: { maxDelayMs: 0 },
    batch: { maxSize: 10, maxDelayMs: 10 },
    delivery: { lanes: 2 },
    deadLetter: { path: join(tempDir(), 'dead.ndjson') },
  });
  if (isLeft(h)) throw new Error(JSON.stringify(h.left));
  const pipeline = h.right;
  const until = async (ms: number, check: () => boolean) => {
    for (const end = Date.now() + ms; Date.now() < end && !check(); ) await sleep(50);
    return check();
  };
  try {
    pipeline.push(sample(0));
    assert.ok(await until(3_000, () => pipeline.stats.delivered === 1));
    r.stop();
    for (let i = 1; i <= 20; i++) pipeline.push(sample(i));
    assert.ok(await until(4_000, () => pipeline.stats.receiverSilentSinceMs !== undefined), 'said silent');
    assert.is(pipeline.stats.breakerState, 'closed', 'nothing failed');
    r.goOn();
    assert.ok(await until(4_000, () => pipeline.stats.delivered === 21), `delivered ${pipeline.stats.delivered} of 21`);
    assert.is(pipeline.stats.receiverSilentSinceMs, undefined, 'no longer silent');
    const times = r.server.received.flatMap((x) => x.points.map((p) => p.timeUnixNano));
    assert.equal([times.length, new Set(times).size], [21, 21], 'each sample once');
  } finally {
    r.goOn();
    await pipeline.shutdown(1_000);
    r.server.kill();
  }
});

test('the config: sink.holdSilentMs reaches the sink (0: given up at the timeout); a negative is refused', async () => {
  const r = await stoppable();
  const decoded = decodeConfigValue({ sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${r.server.port}`, timeoutMs: 500, holdSilentMs: 0 } });
  if (decoded._tag === 'Left') throw new Error(JSON.stringify(decoded.left));
  const sink = createSink(decoded.right.sink!, {}, systemClock);
  const send = (i: number) => new Promise<string>((resolve) => sink.send([sample(i)]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
  try {
    assert.is(await send(0), 'ok');
    r.stop();
    const t0 = Date.now();
    assert.match(await send(1), /DEADLINE_EXCEEDED/);
    assert.ok(Date.now() - t0 < 1_500, `${Date.now() - t0} ms`);
  } finally {
    r.goOn();
    sink.close();
    r.server.kill();
  }
  const bad = decodeConfigValue({ sink: { type: 'otlp-grpc', holdSilentMs: -1 } });
  assert.ok(bad._tag === 'Left' && bad.left.some((e) => e.path === 'config.sink.holdSilentMs'), JSON.stringify(bad));
});

test.run();
