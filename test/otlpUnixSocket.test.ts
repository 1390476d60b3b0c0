/**
 * A receiver on a unix socket (a sidecar collector with `transport: unix`), named in any of gRPC's
 * three forms: `unix:///run/otel.sock`, `unix:/run/otel.sock` and `unix:otel.sock` (relative to
 * the working directory). The config took all three, but the exporter reads only the first as a
 * socket: the other two it parsed as a host named "unix", which gRPC dialled as the socket "443"
 * ("connect ENOENT 443") at every attempt. And a plaintext receiver on a socket — the usual kind,
 * since a unix: endpoint is TLS unless insecure, as the OpenTelemetry exporters read it — got the
 * advice to write the endpoint as http://, which a socket has no form of.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { endpointErrorsOf } from './support/config.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { withEnv } from './support/env.js';

const test = suite('OTLP over a unix socket');
const sample = (value: number): Sample => ({ name: 'queue.depth', kind: 'gauge', value, timeUnixNano: 1_764_064_800_123_456_789n + BigInt(value), attributes: {} });

/** A fake receiver listening on `dir`/otel.sock. */
const socketServer = async (dir: string) => startFakeOtlpServer(() => ({ ok: true }), undefined, `unix://${join(dir, 'otel.sock')}`);

/** Sends one sample through a sink made with `endpoint` (in `cwd`), in plaintext; what it dials and how the send ended. */
const sendOne = async (endpoint: string | undefined, cwd: string, env: Record<string, string> = {}): Promise<{ dials: unknown; outcome: string }> => {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return await withEnv(env, async () => {
      const sink = otlpGrpcSink({ ...(endpoint !== undefined ? { endpoint } : {}), tls: { insecure: true }, timeoutMs: 5_000, connectTimeoutMs: 5_000 });
      try {
        const outcome = await lastValueFrom(sink.send([sample(1)]).pipe(toArray())).then(() => 'delivered', (e: Error) => e.message);
        return { dials: sink.effective.dials, outcome };
      } finally {
        sink.shutdown();
      }
    });
  } finally {
    process.chdir(before);
  }
};

test('every form of a unix: endpoint dials the socket and delivers, from the option and from OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', async () => {
  const dir = tempDir();
  const server = await socketServer(dir);
  const socket = join(dir, 'otel.sock');
  try {
    assert.equal(await sendOne(`unix://${socket}`, dir), { dials: `unix://${socket}`, outcome: 'delivered' });
    assert.equal(await sendOne(`unix:${socket}`, dir), { dials: `unix:${socket}`, outcome: 'delivered' }, 'it dialled unix:443');
    assert.equal(await sendOne(`UNIX:${socket}`, dir), { dials: `unix:${socket}`, outcome: 'delivered' });
    assert.equal(await sendOne('unix:otel.sock', dir), { dials: 'unix:otel.sock', outcome: 'delivered' }, 'relative to the working directory');
    assert.equal(await sendOne(undefined, dir, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `unix:${socket}` }), { dials: `unix:${socket}`, outcome: 'delivered' });
    assert.is(server.received.length, 5);
    assert.equal(server.received.map((r) => r.points.map((p) => p.timeUnixNano)), Array.from({ length: 5 }, () => [1_764_064_800_123_456_790n]));
  } finally {
    await server.stop();
  }
});

test('with a socket among them the order holds: sink.endpoint over OTEL_EXPORTER_OTLP_METRICS_ENDPOINT over OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
  const dialled = (endpoint: string | undefined, env: Record<string, string>) =>
    withEnv(env, async () => {
      const sink = otlpGrpcSink(endpoint !== undefined ? { endpoint } : {});
      sink.shutdown();
      return sink.effective.dials;
    });
  assert.is(await dialled('http://127.0.0.1:3333', { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'unix:///run/metrics.sock' }), '127.0.0.1:3333');
  assert.is(await dialled(undefined, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:2222', OTEL_EXPORTER_OTLP_ENDPOINT: 'unix:///run/all.sock' }), '127.0.0.1:2222');
  assert.is(await dialled(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'unix:///run/all.sock' }), 'unix:///run/all.sock');
  assert.is(await dialled('unix:///run/option.sock', { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:2222' }), 'unix:///run/option.sock');
});

test('the config takes a unix: endpoint with a path to a socket, and refuses one without (a directory, or none)', () => {
  for (const good of ['unix:///run/otel.sock', 'unix:/run/otel.sock', 'unix:otel.sock', 'unix:run/otel.sock']) assert.equal(endpointErrorsOf(good), [], good);
  for (const bad of ['unix:', 'unix://', 'unix:///', 'unix:///run/']) {
    assert.equal(endpointErrorsOf(bad), [`config.sink.endpoint: expected a unix socket endpoint such as unix:///run/otel.sock (or unix:relative/path.sock), found ${JSON.stringify(bad)}`], bad);
  }
});

test('chronoq run to a plaintext receiver on a socket: delivered with sink.tls.insecure; without it, the warning says to set insecure (it said to write http://)', async () => {
  const dir = tempDir();
  const server = await socketServer(dir);
  const config = (tls: string) => writeConfig(dir, [
    'sources: [{type: synthetic, series: 1, ratePerSecond: 50, count: 3}]',
    `sink: {type: otlp-grpc, endpoint: "unix:${join(dir, 'otel.sock')}"${tls}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    'delivery: {guarantee: at-most-once}',
    '',
  ].join('\n'));
  try {
    const plain = await runCli(['run', config(', tls: {insecure: true}'), '--log-format', 'json']);
    assert.is(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /done: 3 in, 3 delivered, 0 dead-lettered/);
    assert.is(server.received.reduce((n, r) => n + r.points.length, 0), 3);
    const tls = await runCli(['run', config(''), '--log-format', 'json']);
    assert.match(tls.stderr, /wrong version number/, tls.stderr);
    assert.match(tls.stderr, /the receiver on the socket does not speak TLS: a unix: endpoint is dialled with TLS unless sink\.tls\.insecure is true or OTEL_EXPORTER_OTLP_INSECURE=true/);
    assert.not.match(tls.stderr, /write the endpoint as http:\/\//);
  } finally {
    await server.stop();
  }
});

test.run();
