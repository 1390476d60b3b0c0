/**
 * The otlp source's gRPC server (src/sources/otlpGrpcServer.ts): its answer, read back by the
 * official deserializer a sender uses — empty when every point was taken, else partial success
 * with the count rejected and why, counts and message lengths across varint's byte boundaries
 * (127 | 128, 16 383 | 16 384), where a hand-written encoder goes wrong first; and a listener
 * closed before its bind completes, which says nothing afterwards (the run stopping at its start).
 * What it takes and refuses is in test/otlpReceiver.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { exportResponseBytes, serveOtlpGrpc, varintBytes } from '../src/sources/otlpGrpcServer.js';
import type { OtlpServerOptions } from '../src/sources/otlpReceiverTypes.js';

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

test.run();
