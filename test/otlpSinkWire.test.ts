/**
 * What otlpGrpcSink does on the wire besides its requests' bytes, seen from a plain HTTP/2 server
 * that holds every call unanswered: it names itself (user-agent), an attempt unsubscribed (a
 * shutdown's abort, a retry's cancel) cancels its call — the receiver is told, rather than left to
 * process a request nobody waits for until its deadline — and shutdown closes the connection.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { VERSION } from '../src/version.js';
import type { Sample } from '../src/sample.js';
import { until } from './support/cli.js';

const test = suite('otlpGrpcSink on the wire');
const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} };

interface HeldCall {
  readonly headers: http2.IncomingHttpHeaders;
  /** The stream's RST_STREAM code once it closed (8: CANCEL). */
  rstCode?: number;
}

/** An HTTP/2 server on 127.0.0.1 that answers no call. */
const holdingServer = async () => {
  const calls: HeldCall[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const call: HeldCall = { headers };
    calls.push(call);
    stream.on('error', () => undefined);
    stream.on('close', () => (call.rstCode = stream.rstCode));
    stream.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    calls,
    sessions,
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => (sessions.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
};

test('a call names chronoq and its version in its user-agent; unsubscribed, it is cancelled on the wire (RST_STREAM CANCEL)', async () => {
  const server = await holdingServer();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, timeoutMs: 60_000 });
  try {
    const attempt = sink.send([sample]).subscribe({ error: () => undefined });
    await until('the call at the receiver', () => server.calls.length === 1, 5_000);
    assert.match(String(server.calls[0]!.headers['user-agent']), new RegExp(`^chronoq/${VERSION.replaceAll('.', '\\.')} grpc-node-js/`));
    assert.is(server.calls[0]!.rstCode, undefined, 'held, not closed');
    attempt.unsubscribe();
    await until('the call cancelled', () => server.calls[0]!.rstCode !== undefined, 5_000);
    assert.is(server.calls[0]!.rstCode, http2.constants.NGHTTP2_CANCEL);
  } finally {
    sink.shutdown();
    await server.close();
  }
});

test('shutdown closes the connection (a sink let go holds no socket open)', async () => {
  const server = await holdingServer();
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, timeoutMs: 60_000 });
  try {
    const attempt = sink.send([sample]).subscribe({ error: () => undefined });
    await until('the call at the receiver', () => server.calls.length === 1, 5_000);
    attempt.unsubscribe();
    assert.is(server.sessions.size, 1);
    sink.shutdown();
    await until('the connection closed', () => server.sessions.size === 0, 5_000);
  } finally {
    sink.shutdown();
    await server.close();
  }
});

test("effective (what chronoq validate shows): a TLS sink says which CAs it trusts; a plaintext one says nothing of CAs", () => {
  const ca = readFileSync(join(import.meta.dirname, 'fixtures', 'tls', 'ca.pem'));
  const tls = otlpGrpcSink({ endpoint: 'https://127.0.0.1:9', tls: { ca } });
  const plain = otlpGrpcSink({ endpoint: 'http://127.0.0.1:9' });
  try {
    assert.equal([tls.effective.tls, tls.effective.trusts], [true, 'tls.ca']);
    assert.equal([plain.effective.tls, 'trusts' in plain.effective], [false, false]);
  } finally {
    tls.shutdown();
    plain.shutdown();
  }
});

test.run();
