/**
 * The host and port the sink dials, written out (src/otlp/dialTarget.ts). The exporter reduces an
 * endpoint URL to its host part and gRPC fills a missing port with 443: `http://collector` dialled
 * collector:443 in plaintext with the status line saying "otlp-grpc collector", and
 * `http://collector:80` lost its port to URL parsing and dialled 443 too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:net';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { endpointPortWarning } from '../src/otlp/dialTarget.js';
import { createSink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';

const test = suite('sink endpoint port');

test('the address says the port dialled: 443 where none was written, the written one otherwise (80 too)', () => {
  const saved = { ...process.env };
  try {
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'];
    assert.is(otlpGrpcSink({ endpoint: 'http://127.0.0.1' }).address, '127.0.0.1:443');
    assert.is(otlpGrpcSink({ endpoint: 'https://collector.example' }).address, 'collector.example:443');
    assert.is(otlpGrpcSink({ endpoint: 'http://127.0.0.1:80' }).address, '127.0.0.1:80');
    assert.is(otlpGrpcSink({ endpoint: 'http://[::1]:80/' }).address, '[::1]:80');
    assert.is(otlpGrpcSink({ endpoint: 'http://127.0.0.1:4317' }).address, '127.0.0.1:4317');
    assert.is(otlpGrpcSink().address, 'localhost:4317');
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:80';
    assert.is(otlpGrpcSink().address, '127.0.0.1:80', 'from the environment too');
    assert.is(otlpGrpcSink({ endpoint: 'http://127.0.0.1' }).address, '127.0.0.1:443', 'the option wins');
  } finally {
    process.env = saved;
  }
});

const listenOn = (port: number): Promise<{ server: Server; connections: () => number } | string> =>
  new Promise((resolve) => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen(port, '127.0.0.1', () => resolve({ server, connections: () => connections }));
  });

test('http://127.0.0.1:80 dials port 80', async () => {
  const listening = await listenOn(80);
  if (typeof listening === 'string') {
    console.log(`\n  !!! SKIPPED the dial to port 80: cannot listen on 127.0.0.1:80 here (${listening}); the address check above still ran`);
    return;
  }
  const sink = otlpGrpcSink({ endpoint: 'http://127.0.0.1:80', timeoutMs: 2_000 });
  try {
    await new Promise<void>((resolve) => sink.send([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} }]).subscribe({ error: () => resolve(), complete: () => resolve() }));
    assert.ok(listening.connections() > 0, 'a connection on port 80 (before: none; it went to 443)');
  } finally {
    sink.shutdown();
    listening.server.close();
  }
});

test('a plaintext endpoint without a port: a start warning naming the port dialled and 4317; none with a port, or over TLS', () => {
  assert.is(endpointPortWarning('http://collector'), 'the sink endpoint http://collector names no port: gRPC dials collector:443, in plaintext; OTLP/gRPC receivers listen on 4317 (write http://collector:4317)');
  assert.ok(endpointPortWarning('HTTP://collector/')?.includes('collector:443'));
  assert.is(endpointPortWarning('http://collector:4317'), undefined);
  assert.is(endpointPortWarning('http://collector:80'), undefined);
  assert.is(endpointPortWarning('https://collector.example'), undefined);
  assert.is(endpointPortWarning('collector:4317'), undefined);
  assert.is(endpointPortWarning(undefined), undefined);
  assert.is(endpointPortWarning('http://'), undefined, 'no host at all: nothing to name');
  const sink = createSink({ type: 'otlp-grpc', endpoint: 'http://127.0.0.1' }, {}, systemClock, { env: {} });
  try {
    assert.equal(sink.startWarnings, ['the sink endpoint http://127.0.0.1 names no port: gRPC dials 127.0.0.1:443, in plaintext; OTLP/gRPC receivers listen on 4317 (write http://127.0.0.1:4317)']);
    assert.match(sink.describe, 'otlp-grpc 127.0.0.1:443');
  } finally {
    sink.close();
  }
  const fromEnv = createSink({ type: 'otlp-grpc' }, {}, systemClock, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1' } });
  fromEnv.close();
  assert.equal(fromEnv.startWarnings, ['the sink endpoint http://127.0.0.1 names no port: gRPC dials 127.0.0.1:443, in plaintext; OTLP/gRPC receivers listen on 4317 (write http://127.0.0.1:4317)'], 'from the environment');
});

test.run();
