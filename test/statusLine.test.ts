import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom } from 'rxjs';
import { createStats } from '../src/stats.js';
import { createAlerts } from '../src/telemetry/alerts.js';
import { renderPrometheus } from '../src/telemetry/prometheus.js';
import { formatStatus, snapshot, statusFields } from '../src/telemetry/status.js';
import { freePort } from './support/collector.js';
import { startFakeOtlpServer, type Reply } from './support/fakeOtlpServer.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { howFailing } from '../src/telemetry/failingAs.js';
import { ExportError } from '../src/errors.js';

const test = suite('the status line');

test('the status line shows rates, queue, breaker and dead letters by reason', () => {
  const s = createStats(100);
  const a = snapshot(s, 0);
  s.samplesIn = 2_000;
  s.delivered = 1_500;
  s.enteredDelivery = 2_000;
  s.breakerState = 'open';
  s.deadLetters.late = 4;
  const line = formatStatus(s, a, snapshot(s, 2_000), 'otlp-grpc localhost:4317');
  assert.is(line, 'in 1000/s · delivered 750/s · queued 500 · in flight 0 · retries 0 · breaker OPEN (otlp-grpc localhost:4317 unreachable: samples wait) · dead letters: late 4');
});

test('otlp requests refused (their points never taken, so no dead letters): the status line and its JSON fields count them by answer, once there are any', () => {
  const s = createStats(100);
  const a = snapshot(s, 0);
  s.otlpRequests.taken = 40;
  s.otlpRequests.partial = 2;
  s.otlpRequests.probe = 3; // health checks
  s.otlpRequests.preflight = 1; // a CORS preflight let through
  assert.not.match(formatStatus(s, a, snapshot(s, 1_000), 'x'), /refused/);
  assert.not.ok('otlpRequestsRefused' in statusFields(s, a, snapshot(s, 1_000)));
  s.otlpRequests['too-large'] = 2;
  s.otlpRequests.unauthenticated = 1;
  assert.match(formatStatus(s, a, snapshot(s, 1_000), 'x'), / · breaker closed · otlp requests refused: too-large 2, unauthenticated 1 · dead letters: none$/);
  assert.equal(statusFields(s, a, snapshot(s, 1_000))['otlpRequestsRefused'], { 'too-large': 2, unauthenticated: 1 });
});

test('calls held for a receiver that answers nothing: the status line and its JSON fields say it is silent, and since when (the breaker stays closed: nothing failed)', () => {
  const s = createStats(100);
  const a = snapshot(s, 10_000);
  s.samplesIn = 300;
  s.enteredDelivery = 300;
  s.inFlightBatches = 2;
  s.receiverSilentSinceMs = 7_600;
  const now = snapshot(s, 20_000);
  assert.is(formatStatus(s, a, now, 'otlp-grpc localhost:4317'), 'in 30/s · delivered 0.0/s · queued 300 · in flight 2 · retries 0 · breaker closed · otlp-grpc localhost:4317 SILENT for 12 s (requests held for its answer, not sent again) · dead letters: none');
  assert.is(statusFields(s, a, now)['receiverSilentSeconds'], 12);
  assert.match(renderPrometheus(s), /^chronoq_receiver_silent 1$/m);
  s.receiverSilentSinceMs = undefined;
  assert.not.match(formatStatus(s, a, now, 'otlp-grpc localhost:4317'), /SILENT/);
  assert.not.ok('receiverSilentSeconds' in statusFields(s, a, now));
  assert.match(renderPrometheus(s), /^chronoq_receiver_silent 0$/m);
});

test('an open breaker with nothing waiting (the last line after a drain deadline dead-lettered everything) does not say samples wait', () => {
  const s = createStats(100);
  const a = snapshot(s, 0);
  s.samplesIn = 2_000;
  s.enteredDelivery = 2_000;
  s.deadLetters.shutdown = 2_000;
  s.deadLetteredInDelivery = 2_000;
  s.breakerState = 'open';
  const line = formatStatus(s, a, snapshot(s, 1_000), 'otlp-grpc localhost:4317');
  assert.is(line, 'in 2000/s · delivered 0.0/s · queued 0 · in flight 0 · retries 0 · breaker OPEN (otlp-grpc localhost:4317 unreachable) · dead letters: shutdown 2000');
});

test('an open breaker says how the receiver fails, from the sink\'s own errors: unreachable, not answering, refusing for now, throttling (it said "unreachable" for all of them)', async () => {
  const port = await freePort(); // nothing listens
  const replies: Reply[] = [{ hang: true }, { code: 14, message: 'data refused due to high memory usage' }, { code: 8, message: 'rate limit exceeded', retryDelayMs: 1_000 }];
  let next = 0;
  const server = await startFakeOtlpServer(() => replies[next]!);
  const failureOf = async (endpoint: string): Promise<unknown> => {
    // holdSilentMs 200: a receiver that answers nothing is held that long past the timeout (silentHold.ts).
    const sink = otlpGrpcSink({ endpoint, timeoutMs: 300, connectTimeoutMs: 2_000, holdSilentMs: 200 });
    try {
      await firstValueFrom(sink.send([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} }]), { defaultValue: undefined });
      throw new Error('expected the send to fail');
    } catch (e) {
      return e;
    } finally {
      sink.shutdown();
    }
  };
  const said: string[] = [];
  try {
    said.push(howFailing(await failureOf(`http://127.0.0.1:${port}`)));
    for (next = 0; next < replies.length; next++) said.push(howFailing(await failureOf(`http://127.0.0.1:${server.port}`)));
  } finally {
    await server.stop();
  }
  assert.equal(said, ['unreachable', 'not answering', 'refusing for now', 'throttling']);
  // An NDJSON sink on a full disk is retried until there is room (sinks.ts): it is not "unreachable".
  assert.is(howFailing(new ExportError('cannot write out.ndjson: ENOSPC: no space left on device', { retryable: true, code: 'ENOSPC' })), 'out of disk space');
  // A quota is a full disk too; a timeout of our own (a string code) is not answering, a refused connection unreachable; a call cancelled in flight, not answering.
  const word = (code: string | number, more: { outcomeUnknown?: boolean } = {}) => howFailing(new ExportError('x', { retryable: true, code, ...more }));
  assert.equal([word('EDQUOT'), word('TIMEOUT'), word('ECONNREFUSED'), word(1, { outcomeUnknown: true }), word(1)], ['out of disk space', 'not answering', 'unreachable', 'not answering', 'failing']);
  const s = createStats(100);
  s.breakerState = 'open';
  s.enteredDelivery = 10;
  s.failingAs = 'not answering';
  assert.match(formatStatus(s, snapshot(s, 0), snapshot(s, 1_000), 'otlp-grpc 127.0.0.1:4317'), /breaker OPEN \(otlp-grpc 127\.0\.0\.1:4317 not answering: samples wait\)/);
  s.breakerOpenedAtMs = 0;
  const [change] = createAlerts({ breakerOpenSeconds: 1 }).evaluate(s, 5_000);
  assert.match(change!.message, /the receiver is not answering, samples are waiting/);
});

test('the status line and /metrics show what waits before the queue: in the reorder buffer and in the spool', () => {
  const s = createStats(100);
  s.samplesIn = 10_000;
  s.deadLetters.late = 4; // dead-lettered before delivery: not held anywhere
  s.enteredDelivery = 6_000;
  s.delivered = 5_000;
  s.waitingInSpool = 1_000;
  const line = formatStatus(s, snapshot(s, 0), snapshot(s, 1_000), 'otlp-grpc x:4317');
  assert.match(line, / · queued 1000 \(\+2996 in reorder, \+1000 in the spool\) · in flight/);
  s.reorderOverflow = 7;
  assert.match(renderPrometheus(s), /^chronoq_reorder_buffered 2996$/m);
  assert.match(renderPrometheus(s), /^chronoq_reorder_overflow_total 7$/m);
  s.enteredDelivery = 9_996 - 1_000;
  assert.match(formatStatus(s, snapshot(s, 0), snapshot(s, 1_000), 'otlp-grpc x:4317'), / · queued 3996 \(\+1000 in the spool\) · in flight/);
});

test('a spool that cannot be written (disk full) shows in the status line and /metrics while it lasts', () => {
  const s = createStats(100);
  const line = () => formatStatus(s, snapshot(s, 0), snapshot(s, 1_000), 'otlp-grpc x:4317');
  assert.not.match(line(), /SPOOL/);
  assert.match(renderPrometheus(s), /^chronoq_spool_write_failing 0$/m);
  s.spoolFailing = true;
  assert.match(line(), / · breaker closed · SPOOL NOT WRITABLE \(samples not durable\) · dead letters: none$/);
  assert.match(renderPrometheus(s), /^chronoq_spool_write_failing 1$/m);
});

test('clock trouble shows in the status line by kind, once there is any (it was only in /metrics)', () => {
  const s = createStats(100);
  const line = () => formatStatus(s, snapshot(s, 0), snapshot(s, 1_000), 'otlp-grpc x:4317');
  assert.not.match(line(), /skew/);
  s.skew.future = 3;
  s.skew['source-offset'] = 1;
  assert.match(line(), / · breaker closed · clock skew: future 3, source-offset 1 · dead letters: none$/);
});

test('the line\'s edges: two readings in the same millisecond give finite rates; samples that wait only in reorder or the spool still read as waiting; a silence begun after the reading is 0 s, not negative; how it fails only while the breaker is not closed', () => {
  const s = createStats(100);
  s.samplesIn = 10;
  const a = snapshot(s, 5_000);
  assert.match(formatStatus(s, a, snapshot(s, 5_000), 'x'), /^in 0\.0\/s · delivered 0\.0\/s · /);
  assert.equal([statusFields(s, a, snapshot(s, 5_000))['inPerSecond'], statusFields(s, a, snapshot(s, 5_000))['deliveredPerSecond']], [0, 0]);
  s.breakerState = 'open';
  s.waitingInSpool = 7; // in the spool only: nothing queued or in flight
  assert.match(formatStatus(s, a, snapshot(s, 6_000), 'x'), /breaker OPEN \(x unreachable: samples wait\)/);
  assert.is(statusFields(s, a, snapshot(s, 6_000))['failingAs'], 'unreachable');
  s.waitingInSpool = 0;
  s.samplesIn = 20; // 20 taken in, none in delivery yet: in the reorder buffer
  assert.match(formatStatus(s, a, snapshot(s, 6_000), 'x'), /queued 0 \(\+20 in reorder\) · .*samples wait/);
  s.breakerState = 'closed';
  assert.not.ok('failingAs' in statusFields(s, a, snapshot(s, 6_000)));
  s.receiverSilentSinceMs = 9_000; // after the reading (a clock behind the scheduler's)
  assert.is(statusFields(s, a, snapshot(s, 6_000))['receiverSilentSeconds'], 0);
  assert.match(formatStatus(s, a, snapshot(s, 6_000), 'x'), / · x SILENT for 0 s /);
});

test.run();
