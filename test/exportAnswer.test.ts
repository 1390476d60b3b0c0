/**
 * Reading a receiver's answer to an export (src/otlp/exportAnswer.ts) from its bytes: the
 * rejected count and message; a warning through diag for a message beside nothing rejected (the
 * OTLP spec's warning), not for a rejection (its points become dead letters, which say it); each
 * message once, and at most 100 of them (a receiver that puts a counter or a time in its
 * messages would otherwise grow the set for ever).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { createAnswerReader } from '../src/otlp/exportAnswer.js';
import { bytesField, intField, text } from './support/protobufWriter.js';

const test = suite('export answers read');

/** An ExportMetricsServiceResponse { partial_success { rejected_data_points, error_message } }. */
const answer = (rejected: number, message: string): Buffer =>
  Buffer.from(bytesField(1, [...(rejected > 0 ? intField(1, rejected) : []), ...(message ? bytesField(2, text(message)) : [])]));

/** The warnings diag got while `run` ran. */
const warningsOf = (run: () => void): string[] => {
  const warnings: string[] = [];
  const quiet = () => undefined;
  diag.setLogger({ warn: (m: string) => void warnings.push(m), error: quiet, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    run();
  } finally {
    diag.disable();
  }
  return warnings;
};

test('the rejected count and message are read; a rejection is not also a warning, a message beside nothing rejected is', () => {
  const read = createAnswerReader('127.0.0.1:4317');
  const warnings = warningsOf(() => {
    assert.equal(read(answer(3, 'bad metric name')), { rejected: 3, message: 'bad metric name' });
    assert.equal(read(answer(0, 'values truncated')), { rejected: 0, message: 'values truncated' });
    assert.equal(read(undefined), { rejected: 0, message: '' });
  });
  assert.equal(warnings, ['chronoq: the receiver at 127.0.0.1:4317 accepted every point with a warning: values truncated']);
});

test('each message is warned of once, and at most 100 messages in all', () => {
  const read = createAnswerReader('collector:4317');
  const warnings = warningsOf(() => {
    for (let i = 0; i < 150; i++) read(answer(0, `slow down (${i})`));
    read(answer(0, 'slow down (0)'));
  });
  assert.is(warnings.length, 100);
  assert.is(new Set(warnings).size, 100);
});

test.run();
