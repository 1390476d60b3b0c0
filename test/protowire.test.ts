/**
 * RetryInfo's delay read from a gRPC status's details (`grpc-status-details-bin`), which is what
 * makes a RESOURCE_EXHAUSTED retryable and how long retryBackoff and the breaker wait: found among
 * other details, absent when there is none, never a throw on bytes that are not a status, and
 * never a negative or wrapped-around delay.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { retryDelayMsFromStatus } from '../src/otlp/protowire.js';
import { bytesField as bytes, intField as int, text } from './support/protobufWriter.js';

const test = suite('protowire: RetryInfo');

const any = (typeUrl: string, value: number[]): number[] => bytes(3, [...bytes(1, text(`type.googleapis.com/${typeUrl}`)), ...bytes(2, value)]);
const retryInfo = (seconds: bigint | number, nanos: number): number[] => any('google.rpc.RetryInfo', bytes(1, [...int(1, seconds), ...int(2, nanos)]));
const status = (...details: number[][]): Uint8Array => new Uint8Array([...int(1, 8), ...bytes(2, text('rate limited')), ...details.flat()]);

test('the delay in ms, seconds and nanoseconds, also after other details', () => {
  assert.is(retryDelayMsFromStatus(status(retryInfo(2, 500_000_000))), 2_500);
  assert.is(retryDelayMsFromStatus(status(retryInfo(0, 250_000))), 0.25);
  const errorInfo = any('google.rpc.ErrorInfo', [...bytes(1, text('RATE_LIMIT')), ...bytes(2, text('example.com'))]);
  assert.is(retryDelayMsFromStatus(status(errorInfo, retryInfo(30, 0))), 30_000);
  // An Any with a field it does not define before its value (a newer writer's): skipped, as protobuf skips unknown fields.
  const withExtra = bytes(3, [...bytes(1, text('type.googleapis.com/google.rpc.RetryInfo')), ...bytes(3, text('extra')), ...bytes(2, bytes(1, int(1, 4)))]);
  assert.is(retryDelayMsFromStatus(status(withExtra)), 4_000);
  // A RetryInfo without retry_delay: retrying at once is allowed.
  assert.is(retryDelayMsFromStatus(status(any('google.rpc.RetryInfo', []))), 0);
});

test('absent: no details, or none of them a RetryInfo', () => {
  assert.is(retryDelayMsFromStatus(status()), undefined);
  assert.is(retryDelayMsFromStatus(status(any('google.rpc.ErrorInfo', bytes(1, text('QUOTA'))))), undefined);
  assert.is(retryDelayMsFromStatus(new Uint8Array()), undefined);
});

test('bytes that are not a status give no delay and throw nothing', () => {
  const whole = status(retryInfo(2, 0));
  for (let cut = 1; cut < whole.length; cut++) {
    const r = retryDelayMsFromStatus(whole.subarray(0, cut));
    assert.ok(r === undefined || r === 2_000, `cut at ${cut}: ${r}`);
  }
  assert.is(retryDelayMsFromStatus(new Uint8Array([(1 << 3) | 3, 0])), undefined, 'a group (wire type 3)');
  assert.is(retryDelayMsFromStatus(new Uint8Array(Array.from({ length: 12 }, () => 0xff))), undefined, 'a varint longer than 64 bits');
});

test('a negative delay (a Duration is signed) is no wait, not 2⁶⁴ seconds', () => {
  assert.is(retryDelayMsFromStatus(status(retryInfo(-5, 0))), 0);
  assert.is(retryDelayMsFromStatus(status(retryInfo(0, -1_000_000))), 0);
  assert.is(retryDelayMsFromStatus(status(retryInfo(-1, -500_000_000))), 0);
});

test.run();
