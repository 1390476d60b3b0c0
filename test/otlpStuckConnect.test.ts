/**
 * A receiver that accepts a connection and never answers on it: grpc-js waits on it for ever
 * (no connect timeout), so every later attempt failed with "Waiting for LB pick" although the
 * receiver served new connections normally. The sink gives up such an attempt after
 * connectTimeoutMs and connects afresh.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { sleep } from './support/cli.js';
import { createSink } from '../src/sinks.js';
import { decodeConfigValue } from '../src/config/decode.js';
import { systemClock } from '../src/clock.js';

const test = suite('a connection attempt that hangs');
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} });
const send = (sink: ReturnType<typeof otlpGrpcSink>, batch: Sample[]) =>
  new Promise<string>((resolve) => sink.send(batch).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));

/** In front of `targetPort`: holds the first connection open without a byte, forwards every later one. */
const silentFirst = async (targetPort: number) => {
  const held: Socket[] = [];
  let connections = 0;
  const server = createServer((s) => {
    s.on('error', () => undefined);
    if (connections++ === 0) return void held.push(s);
    const up = connect(targetPort, '127.0.0.1');
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: () => (held.forEach((s) => s.destroy()), server.close()),
  };
};

test('the first connection is held without an answer: after connectTimeoutMs the sink connects again, and delivers', async () => {
  const received: number[] = [];
  const server = await startFakeOtlpServer((r) => (received.push(r.points.length), { ok: true }));
  const proxy = await silentFirst(server.port);
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${proxy.port}`, timeoutMs: 300, connectTimeoutMs: 1_000 });
  let reachable = 0;
  const sub = sink.reachable$.subscribe(() => reachable++);
  try {
    const outcomes: string[] = [];
    // As retryBackoff would: attempt after attempt, for up to 8 s.
    for (const end = Date.now() + 8_000; Date.now() < end; await sleep(200)) {
      const outcome = await send(sink, [sample(0), sample(1)]);
      outcomes.push(outcome);
      if (outcome === 'ok') break;
    }
    assert.is(outcomes.at(-1), 'ok', `attempts: ${outcomes.join(' | ')}`);
    // Given up at timeoutMs without a connection, in grpc-js's words for that (deliveryLog.ts's hint reads them).
    assert.match(outcomes[0]!, /DEADLINE_EXCEEDED: no answer in 300 ms, Waiting for LB pick$/, 'the first attempts wait on the held connection');
    assert.equal(received, [2]);
    assert.is(proxy.connections(), 2, 'one new connection, not one per attempt');
    assert.ok(reachable >= 1, 'reachable$ follows the new connection');
  } finally {
    sub.unsubscribe();
    sink.shutdown();
    proxy.close();
    await server.stop();
  }
});

test('the config: sink.connectTimeoutMs reaches the sink (and must be 1 000 or more)', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const proxy = await silentFirst(server.port);
  const decoded = decodeConfigValue({ sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${proxy.port}`, timeoutMs: 300, connectTimeoutMs: 1_000 } });
  if (decoded._tag === 'Left') throw new Error(JSON.stringify(decoded.left));
  const sink = createSink(decoded.right.sink!, {}, systemClock);
  try {
    let outcome = '';
    for (const end = Date.now() + 8_000; Date.now() < end && outcome !== 'ok'; await sleep(200)) {
      outcome = await new Promise<string>((resolve) => sink.send([sample(0)]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
    }
    assert.is(outcome, 'ok');
  } finally {
    sink.close();
    proxy.close();
    await server.stop();
  }
  for (const connectTimeoutMs of [0, 5, 999]) {
    const bad = decodeConfigValue({ sink: { type: 'otlp-grpc', connectTimeoutMs } });
    assert.ok(bad._tag === 'Left' && bad.left.some((e) => e.path === 'config.sink.connectTimeoutMs' && /from 1000 up/.test(e.expected)), JSON.stringify(bad));
  }
});

test('a connectTimeoutMs too short for a TLS handshake (5 ms): the library\'s sink takes 1 000 for it and delivers (it gave up every connection: "Channel closed before call started")', async () => {
  const tlsDir = join(import.meta.dirname, 'fixtures/tls');
  const server = await startFakeOtlpServer(() => ({ ok: true }), { cert: readFileSync(join(tlsDir, 'server.pem')), key: readFileSync(join(tlsDir, 'server-key.pem')) });
  const sink = otlpGrpcSink({ endpoint: `https://localhost:${server.port}`, tls: { ca: readFileSync(join(tlsDir, 'ca.pem')) }, connectTimeoutMs: 5, timeoutMs: 3_000 });
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push(await new Promise<string>((resolve) => sink.send([sample(i)]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') })));
    assert.equal(outcomes, ['ok', 'ok', 'ok']);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test.run();
