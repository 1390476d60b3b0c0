/**
 * The otlp source's gRPC answer (src/sources/otlpGrpcServer.ts exportResponseBytes), read back by
 * the official deserializer a sender uses: empty when every point was taken, else partial success
 * with the count rejected and why — counts and message lengths across varint's byte boundaries
 * (127 | 128, 16 383 | 16 384), where a hand-written encoder goes wrong first.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { exportResponseBytes, varintBytes } from '../src/sources/otlpGrpcServer.js';

const test = suite('otlp source: the gRPC export response');

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

test.run();
