/**
 * The OTLP exporter environment variables the sink honours besides endpoint, headers and TLS
 * (those are in otlpSink and otlpTls): OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT, _COMPRESSION and
 * _INSECURE, each with the signal-specific one winning and an explicit option winning over both.
 * What is checked is what reaches the server: the call's deadline, the bytes on the wire (through
 * a counting TCP proxy, since the server undoes gzip before the handler sees the request), and
 * whether a plaintext connection was made at all.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, connect, type Server } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { otlpGrpcSink, type OtlpGrpcSinkOptions } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { insecureValueWarning } from '../src/otlp/envTlsFiles.js';
import { createSink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';

const test = suite('OTLP sink: OTEL_EXPORTER_OTLP_* timeout, compression, insecure');
const T = 1_767_225_600_000_000_000n;
// Repetitive, as metric batches are: gzip shrinks it several times over.
const batch: Sample[] = Array.from({ length: 1_000 }, (_, i) => ({ name: 'system.cpu.utilization', kind: 'gauge', value: 0.25, timeUnixNano: T + BigInt(i) * 1_000_000n, attributes: { host: 'web-1', cpu: String(i % 4) } }));

/** Sends `batch` once with `env` set while the sink is made; what the server saw, and the error if any. */
const sendWith = async (env: Record<string, string>, opts: (port: number) => OtlpGrpcSinkOptions) => {
  const fake = await startFakeOtlpServer(() => ({ ok: true }));
  // A TCP proxy in front of it counts the bytes the client sends.
  let bytesSent = 0;
  const proxy: Server = createServer((client) => {
    const upstream = connect(fake.port, '127.0.0.1');
    client.on('data', (d: Buffer) => (bytesSent += d.length));
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const sink = otlpGrpcSink(opts(port));
  for (const k of Object.keys(env)) delete process.env[k];
  const sentAtMs = Date.now();
  let error: unknown;
  try {
    await lastValueFrom(sink.send(batch), { defaultValue: undefined });
  } catch (e) {
    error = e;
  } finally {
    sink.shutdown();
    fake.kill();
    await new Promise((resolve) => proxy.close(resolve));
  }
  const first = fake.received[0];
  return { error, points: first?.points.length ?? 0, bytesSent, deadlineInMs: first === undefined ? NaN : first.deadlineMs - sentAtMs };
};
const plain = (port: number): OtlpGrpcSinkOptions => ({ endpoint: `http://127.0.0.1:${port}` });

test('OTEL_EXPORTER_OTLP_TIMEOUT sets the call deadline (default 10 s); the METRICS_ one wins; timeoutMs wins over both', async () => {
  // holdSilentMs 0: the deadline is the timeout itself (with a hold, timeout + holdSilentMs; below).
  const deadline = async (env: Record<string, string>, timeoutMs?: number) =>
    (await sendWith(env, (port) => ({ ...plain(port), holdSilentMs: 0, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }))).deadlineInMs;
  // The server derives the deadline from the relative grpc-timeout header on receipt: it is the
  // configured timeout give or take the request's transit, far from every other candidate.
  const near = (ms: number, expected: number, label: string) => assert.ok(Math.abs(ms - expected) < 1_000, `${label}: ${ms} ms, expected ~${expected}`);
  near(await deadline({}), 10_000, 'default');
  near(await deadline({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000' }), 3_000, 'OTEL_EXPORTER_OTLP_TIMEOUT');
  near(await deadline({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '6000' }), 6_000, 'METRICS_ wins');
  near(await deadline({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000' }, 20_000), 20_000, 'timeoutMs wins');
  // A call is held while the receiver answers nothing (silentHold.ts): the receiver is told the whole wait.
  near((await sendWith({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000' }, plain)).deadlineInMs, 63_000, 'timeout + the default holdSilentMs');
});

test('compression: gzip and OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION=gzip compress the requests on the wire; compression: none wins over the environment', async () => {
  const none = await sendWith({}, plain);
  const gzipEnv = await sendWith({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, plain);
  const gzipMetricsEnv = await sendWith({ OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip' }, plain);
  const explicitNone = await sendWith({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, (port) => ({ ...plain(port), compression: 'none' }));
  const explicitGzip = await sendWith({}, (port) => ({ ...plain(port), compression: 'gzip' }));
  for (const r of [none, gzipEnv, gzipMetricsEnv, explicitNone, explicitGzip]) assert.is(r.points, 1_000, 'every point arrives');
  assert.ok(explicitGzip.bytesSent * 3 < none.bytesSent, `compression: gzip ${explicitGzip.bytesSent} bytes vs ${none.bytesSent} plain`);
  assert.ok(gzipEnv.bytesSent * 3 < none.bytesSent, `gzip ${gzipEnv.bytesSent} bytes vs ${none.bytesSent} plain`);
  assert.ok(gzipMetricsEnv.bytesSent * 3 < none.bytesSent, `METRICS_ gzip ${gzipMetricsEnv.bytesSent} bytes`);
  assert.ok(explicitNone.bytesSent * 3 > none.bytesSent * 2, `explicit none ${explicitNone.bytesSent} bytes`);
});

test('an endpoint without a scheme is TLS unless OTEL_EXPORTER_OTLP_INSECURE=true', async () => {
  const insecure = await sendWith({ OTEL_EXPORTER_OTLP_INSECURE: 'true' }, (port) => ({ endpoint: `localhost:${port}`, timeoutMs: 3_000 }));
  assert.is(insecure.error, undefined);
  assert.is(insecure.points, 1_000);
  const secure = await sendWith({}, (port) => ({ endpoint: `localhost:${port}`, timeoutMs: 3_000 }));
  assert.ok(secure.error !== undefined, 'a TLS handshake with a plaintext server fails');
  assert.is(secure.points, 0);
});

test('OTEL_EXPORTER_OTLP_INSECURE=1 (true to Go\'s SDK) is read as false: TLS, refused by a plaintext server; a start warning says so, for any value but true or false', async () => {
  const one = await sendWith({ OTEL_EXPORTER_OTLP_INSECURE: '1' }, (port) => ({ endpoint: `localhost:${port}`, timeoutMs: 3_000 }));
  assert.is(one.points, 0, 'the premise: the exporter dialled TLS');
  assert.is(insecureValueWarning({ OTEL_EXPORTER_OTLP_INSECURE: '1' }, 'collector:4317', false), 'OTEL_EXPORTER_OTLP_INSECURE=1 is read as false — only true (in any case) is true to the OpenTelemetry exporters: collector:4317 is dialled with TLS');
  // The signal's own variable first, the endpoint from the environment when the config names none.
  assert.is(insecureValueWarning({ OTEL_EXPORTER_OTLP_METRICS_INSECURE: ' yes ', OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4317' }, undefined, false), 'OTEL_EXPORTER_OTLP_METRICS_INSECURE=yes is read as false — only true (in any case) is true to the OpenTelemetry exporters: otel:4317 is dialled with TLS');
  // Where the variable decides nothing, the warning says only what it is read as.
  assert.is(insecureValueWarning({ OTEL_EXPORTER_OTLP_INSECURE: 't' }, 'http://collector:4317', false), 'OTEL_EXPORTER_OTLP_INSECURE=t is read as false — only true (in any case) is true to the OpenTelemetry exporters');
  assert.is(insecureValueWarning({ OTEL_EXPORTER_OTLP_INSECURE: 'on' }, 'collector:4317', true), 'OTEL_EXPORTER_OTLP_INSECURE=on is read as false — only true (in any case) is true to the OpenTelemetry exporters');
  for (const value of ['true', ' TRUE ', 'False', 'false', '', '  ']) assert.is(insecureValueWarning({ OTEL_EXPORTER_OTLP_INSECURE: value }, 'collector:4317', false), undefined, JSON.stringify(value));
  assert.is(insecureValueWarning({}, 'collector:4317', false), undefined);
  // The sink's start warnings carry it (run, replay, validate and the library's pipelines log them).
  const sink = createSink({ type: 'otlp-grpc', endpoint: 'collector:4317' }, {}, systemClock, { env: { OTEL_EXPORTER_OTLP_INSECURE: '1' } });
  sink.close();
  assert.equal(sink.startWarnings, ['OTEL_EXPORTER_OTLP_INSECURE=1 is read as false — only true (in any case) is true to the OpenTelemetry exporters: collector:4317 is dialled with TLS']);
});

test.run();
