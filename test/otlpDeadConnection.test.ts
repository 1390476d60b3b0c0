/**
 * A connection that goes silent without closing: the receiver's host or pod vanished without a
 * reset (a collector pod deleted in a rollout, a node lost, a NAT or proxy dropping the flow),
 * so nothing on it is answered while new connections reach a live receiver. Calls time out, the
 * empty probes too; grpc-js only leaves a connection that fails, and TCP gives up on unanswered
 * data after about 15 minutes (never, when a middlebox keeps acknowledging it). The sink pings
 * the connection while calls wait (gRPC keepalive) and drops it when a ping goes unanswered.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, connect, type Socket } from 'node:net';
import http2 from 'node:http2';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { sleep } from './support/cli.js';
import { createSink } from '../src/sinks.js';
import { decodeConfigValue } from '../src/config/decode.js';
import { systemClock } from '../src/clock.js';

const test = suite('a connection that goes silent');
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} });
const send = (sink: ReturnType<typeof otlpGrpcSink>, batch: Sample[]) =>
  new Promise<string>((resolve) => sink.send(batch).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));

/**
 * In front of `targetPort`, forwarding every connection; `silence()` stops forwarding on the
 * connections open now, both ways, and keeps them open (their bytes are read and dropped, as a
 * vanished host's would be), while later connections are forwarded as before.
 */
const silencingProxy = async (targetPort: number) => {
  const open = new Set<{ down: Socket; up: Socket }>();
  let connections = 0;
  const server = createServer((down) => {
    connections++;
    const up = connect(targetPort, '127.0.0.1');
    const pair = { down, up };
    open.add(pair);
    for (const s of [down, up]) {
      s.on('error', () => undefined);
      s.on('close', () => (down.destroy(), up.destroy(), open.delete(pair)));
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const silenced: Socket[] = [];
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    silence: () => {
      for (const { down, up } of open) {
        down.unpipe(up);
        up.unpipe(down);
        down.removeAllListeners('close');
        up.removeAllListeners('close');
        down.on('data', () => undefined); // read and dropped
        up.destroy(); // the receiver side is gone
        silenced.push(down);
      }
      open.clear();
    },
    close: () => {
      for (const s of silenced) s.destroy();
      for (const { down, up } of open) (down.destroy(), up.destroy());
      server.close();
    },
  };
};

/** Delivers one sample, silences the connection, then tries every 100 ms for up to `forMs`: the outcome, the time it took, the failures. */
const silenceAndRetry = async (proxy: Awaited<ReturnType<typeof silencingProxy>>, send: (i: number) => Promise<string>, forMs: number) => {
  assert.is(await send(1), 'ok');
  assert.is(proxy.connections(), 1);
  proxy.silence();
  const t0 = Date.now();
  let outcome = '';
  const failures: string[] = [];
  for (let i = 2; Date.now() - t0 < forMs; i++) {
    outcome = await send(i);
    if (outcome === 'ok') break;
    failures.push(outcome);
    await sleep(100);
  }
  return { outcome, tookMs: Date.now() - t0, failures };
};

test('the connection goes silent (its receiver vanished, new connections work): the sink leaves it and delivers on a new one', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const proxy = await silencingProxy(server.port);
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${proxy.port}`, timeoutMs: 500, keepaliveMs: 1_000 });
  try {
    // Before: every attempt timed out on the silent connection, for good.
    const { outcome, tookMs, failures } = await silenceAndRetry(proxy, (i) => send(sink, [sample(i)]), 10_000);
    assert.is(outcome, 'ok', `still failing after ${tookMs} ms: ${failures.slice(-2).join(' | ')}`);
    assert.ok(proxy.connections() >= 2, 'on a new connection');
    // A ping after keepaliveMs with calls waiting, unanswered for keepaliveMs more: ~2 s.
    assert.ok(tookMs < 5_000, `delivered again ${tookMs} ms after the connection went silent`);
    // The first attempt is held (probes get no answer either) until the keepalive drops the connection.
    assert.ok(failures.length > 0 && failures.every((f) => /DEADLINE_EXCEEDED|Connection dropped/.test(f)), failures.join(' | '));
  } finally {
    sink.shutdown();
    proxy.close();
    server.kill();
  }
});

test('the config: sink.keepaliveMs reaches the sink; 0 turns the pings off (and the silent connection is used for good); a negative is refused', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    for (const keepaliveMs of [1_000, 0]) {
      const proxy = await silencingProxy(server.port);
      // holdSilentMs 500: without pings a held call would wait its full minute on the silent connection.
      const decoded = decodeConfigValue({ sink: { type: 'otlp-grpc', endpoint: `http://127.0.0.1:${proxy.port}`, timeoutMs: 500, keepaliveMs, holdSilentMs: 500 } });
      if (decoded._tag === 'Left') throw new Error(JSON.stringify(decoded.left));
      const sink = createSink(decoded.right.sink!, {}, systemClock);
      const sendOne = (i: number) => new Promise<string>((resolve) => sink.send([sample(i)]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
      try {
        const { outcome, tookMs } = await silenceAndRetry(proxy, sendOne, keepaliveMs === 0 ? 4_000 : 8_000);
        if (keepaliveMs === 0) assert.is.not(outcome, 'ok', `keepaliveMs 0: delivered ${tookMs} ms after the silence, so something else left the connection`);
        else assert.is(outcome, 'ok', `keepaliveMs ${keepaliveMs}: still failing after ${tookMs} ms`);
      } finally {
        sink.close();
        proxy.close();
      }
    }
  } finally {
    server.kill();
  }
  const bad = decodeConfigValue({ sink: { type: 'otlp-grpc', keepaliveMs: -1 } });
  assert.ok(bad._tag === 'Left' && bad.left.some((e) => e.path === 'config.sink.keepaliveMs'), JSON.stringify(bad));
});

test('keepaliveMs under KEEPALIVE_MIN_MS (an application passing 1) is raised to it: no ping flood on a healthy receiver that takes its time', async () => {
  // A receiver answering each call after 600 ms, counting the pings it gets meanwhile (grpc-js's
  // server tells none of them). With keepaliveMs 1 taken as given, a healthy collector's
  // connection was dropped some 60 times in 40 s.
  let pings = 0;
  const server = http2.createServer();
  server.on('session', (session) => session.on('ping', () => pings++));
  server.on('stream', (stream) => {
    stream.resume();
    stream.on('end', () => setTimeout(() => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5)); // an empty ExportMetricsServiceResponse
    }, 600));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, keepaliveMs: 1, holdSilentMs: 0 });
  try {
    assert.is(await send(sink, [sample(1)]), 'ok');
    assert.ok(pings <= 1, `${pings} pings in 600 ms`);
  } finally {
    sink.shutdown();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
