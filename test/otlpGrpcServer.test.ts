/**
 * The otlp source's gRPC server (src/sources/otlpGrpcServer.ts):
 * - its answer, read back by the official deserializer a sender uses: empty when every point was
 *   taken, else partial success with the count rejected and why — counts and message lengths
 *   across varint's byte boundaries (127 | 128, 16 383 | 16 384), where a hand-written encoder
 *   goes wrong first;
 * - a fault in taking a request: INTERNAL with its message;
 * - a listener closed before its bind completes says nothing afterwards (the run stopping at its
 *   start); a call still open at a close is cut a moment after;
 * - the HTTP/2 windows it announces (grpcFlowControl.ts).
 * What it takes and refuses is in test/otlpReceiver.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { exportResponseBytes, serveOtlpGrpc, varintBytes } from '../src/sources/otlpGrpcServer.js';
import type { OtlpServerOptions, TakeRequest } from '../src/sources/otlpReceiverTypes.js';
import { connect } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { collection, exportCall } from './support/otlpReceiver.js';

const test = suite('otlp source: the gRPC server');

const readBack = (rejected: number, message: string): { rejected: number; message: string } => {
  const partial = ProtobufMetricsSerializer.deserializeResponse(exportResponseBytes({ kind: 'taken', rejected, message }))?.partialSuccess;
  return { rejected: Number(partial?.rejectedDataPoints ?? 0), message: partial?.errorMessage ?? '' };
};

test('everything taken: an empty answer', () => {
  assert.is(exportResponseBytes({ kind: 'taken', rejected: 0, message: '' }).length, 0);
});

test('partial success read back as written, counts and message lengths on both sides of each varint byte boundary', () => {
  for (const rejected of [1, 127, 128, 129, 300, 16_383, 16_384, 2_097_152, 2 ** 31 - 1]) {
    assert.equal(readBack(rejected, 'refused'), { rejected, message: 'refused' }, `${rejected} rejected`);
  }
  for (const length of [1, 127, 128, 16_383, 16_384]) {
    assert.equal(readBack(3, 'x'.repeat(length)), { rejected: 3, message: 'x'.repeat(length) }, `a message of ${length} bytes`);
  }
  // Its length in bytes, not characters: 64 characters of two bytes each are 128 bytes.
  assert.equal(readBack(3, 'é'.repeat(64)), { rejected: 3, message: 'é'.repeat(64) });
});

test("nothing rejected but a message: a warning, still said (OTLP's partial success with 0 rejected)", () => {
  assert.equal(readBack(0, 'attribute values were truncated'), { rejected: 0, message: 'attribute values were truncated' });
});

test('varint bytes', () => {
  assert.equal([0, 1, 127, 128, 300, 16_384].map(varintBytes), [[0], [1], [0x7f], [0x80, 0x01], [0xac, 0x02], [0x80, 0x80, 0x01]]);
});

test('a listener closed before its bind completes says neither that it listens nor that it failed; one left open says where it listens', async () => {
  const heard: string[] = [];
  const opts = (name: string): OtlpServerOptions => ({
    noRoom: () => false, read: {}, authorized: undefined, onAnswer: undefined, maxRequestBytes: undefined, tls: undefined,
    onListening: (e) => heard.push(`${name} listening on ${e.address}`), onError: (e) => heard.push(`${name} error ${String(e)}`),
  });
  const take = () => Promise.resolve({ kind: 'taken', rejected: 0, message: '' } as const);
  serveOtlpGrpc('127.0.0.1:0', take, opts('closed')).close();
  const open = serveOtlpGrpc('127.0.0.1:0', take, opts('open'));
  try {
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(heard.map((h) => h.replace(/:\d+$/, ':PORT')), ['open listening on 127.0.0.1:PORT']);
  } finally {
    open.close();
  }
});

/** A plaintext listener on a free port, taking requests with `take`; its address once it listens. */
const serve = async (take: TakeRequest, maxRequestBytes?: number): Promise<{ address: string; close: () => void }> => {
  let listening: (address: string) => void = () => undefined;
  const address = new Promise<string>((resolve) => (listening = resolve));
  const listener = serveOtlpGrpc('127.0.0.1:0', take, {
    noRoom: () => false, read: {}, authorized: undefined, onAnswer: undefined, maxRequestBytes, tls: undefined,
    onListening: (e) => listening(e.address), onError: (e) => assert.unreachable(String(e)),
  });
  return { address: await address, close: listener.close };
};

test('a request whose taking failed — a fault, not a refusal, which the source answers otherwise — is answered INTERNAL with the fault\'s message, not left unanswered', async () => {
  const { bytes } = await collection();
  const server = await serve(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'lane')")));
  try {
    const { error } = await exportCall(server.address, bytes, { deadlineMs: 10_000 });
    assert.equal([error?.code, error?.details], [status.INTERNAL, "Cannot read properties of undefined (reading 'lane')"]);
  } finally {
    server.close();
  }
});

test('closed with a call it has not answered: the call is cut a moment later (it waited for its deadline, the port held)', async () => {
  const { bytes } = await collection();
  let taken = 0;
  const server = await serve(() => (taken++, new Promise(() => undefined)));
  const call = exportCall(server.address, bytes, { deadlineMs: 20_000 });
  for (let i = 0; i < 200 && taken === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  server.close();
  const { error } = await call;
  assert.ok(error !== undefined && error.code !== status.DEADLINE_EXCEEDED, `cut, not left to its deadline: ${error?.code} ${error?.details}`);
});

test("the HTTP/2 windows it announces: a stream's holds a whole request of maxRequestBytes (to 2³¹ − 1), the connection's 64 MiB", async () => {
  const windowsOf = async (maxRequestBytes: number): Promise<{ stream: number; connection: number }> => {
    const server = await serve(() => Promise.resolve({ kind: 'taken', rejected: 0, message: '' }), maxRequestBytes);
    const session = connect(`http://${server.address}`);
    try {
      const stream = await new Promise<number>((resolve) => session.once('remoteSettings', (s) => resolve(s.initialWindowSize ?? -1)));
      for (let i = 0; i < 100 && (session.state.remoteWindowSize ?? 0) <= 65_535; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      return { stream, connection: session.state.remoteWindowSize ?? -1 };
    } finally {
      session.close();
      server.close();
    }
  };
  assert.equal(await windowsOf(8 * 2 ** 20), { stream: 8 * 2 ** 20, connection: 64 * 2 ** 20 });
  assert.equal(await windowsOf(2 ** 32), { stream: 2 ** 31 - 1, connection: 64 * 2 ** 20 }, "HTTP/2's largest");
});

test.run();
