import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { firstValueFrom, lastValueFrom, toArray, of, Subject } from 'rxjs';
import { right, isLeft, isRight } from 'fp-ts/lib/Either.js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { classifyExportFailure, GrpcStatus } from '../src/otlp/classify.js';
import { deliverOrdered } from '../operators/deliverOrdered.js';
import { isExportError, type ExportError } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import type { Routed } from '../src/routed.js';
import { isRejectedSamples, type DeliveryResult } from '../src/delivery.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

const test = suite('OTLP sink');
const T = 1_764_064_800_123_456_789n;
const g = (name: string, t: bigint, value: number, extra: Partial<Sample> = {}): Sample => ({ name, kind: 'gauge', value, timeUnixNano: t, attributes: { host: 'a' }, ...extra });

test('send: a sample whose time OTLP cannot carry becomes a dead letter by name; the rest of its batch is delivered', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    // 1.7e21 ns: a time in ms multiplied by 1e9 instead of 1e6, which the serializer would wrap to another time.
    const batch = [g('cpu', T, 1), g('cpu', 1_764_064_800_123n * 1_000_000_000n, 2), g('cpu', T + 2n, 3), g('cpu', -7n, 4)];
    const results = await lastValueFrom(of(...batch.map((s) => right(s) as Routed<Sample>)).pipe(deliverOrdered(sink.send, { batch: { maxSize: 10 } }), toArray()));
    const lefts = results.filter(isLeft).map((x) => x.left);
    assert.equal(lefts.map((l) => [l.reason, l.item.value]), [['rejected', 2], ['rejected', 4]]);
    assert.ok(lefts.every((l) => l.detail.startsWith('not sent: its time is outside what OTLP carries')), lefts[0]?.detail);
    assert.equal(results.filter(isRight).flatMap((x) => x.right.samples.map((s) => s.value)), [1, 3]);
    assert.equal(server.received.flatMap((r) => r.points.map((p) => p.timeUnixNano)), [T, T + 2n], 'only the carriable times reached the receiver');
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('send: a malformed sample (a time that is not a bigint) is refused by name with what is wrong; the rest of its batch is delivered', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    // From plain JavaScript, the easy mistake: a number where a bigint belongs.
    const numberTime = { ...g('cpu', T, 2), timeUnixNano: 1_764_064_800_123_000_000 } as unknown as Sample;
    const batch = [g('cpu', T, 1), numberTime, g('cpu', T + 2n, 3), g('cpu', 1n << 70n, 4)];
    const results = await lastValueFrom(of(...batch.map((s) => right(s) as Routed<Sample>)).pipe(deliverOrdered(sink.send, { batch: { maxSize: 10 } }), toArray()));
    const lefts = results.filter(isLeft).map((x) => x.left);
    assert.equal(lefts.map((l) => [l.reason, l.item.value]).sort(), [['rejected', 2], ['rejected', 4]]);
    assert.is(lefts.find((l) => l.item.value === 2)?.detail, 'not sent: it cannot be encoded: timeUnixNano must be a positive bigint');
    assert.ok(lefts.find((l) => l.item.value === 4)?.detail.startsWith('not sent: its time is outside what OTLP carries'));
    assert.equal(results.filter(isRight).flatMap((x) => x.right.samples.map((s) => s.value)), [1, 3]);
    assert.equal(server.received.flatMap((r) => r.points.map((p) => p.timeUnixNano)), [T, T + 2n]);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('send: success delivers every point exactly, headers reach the server, gzip works', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}`, headers: { 'x-api-key': 'secret' }, compression: 'gzip' });
  try {
    const emitted = await lastValueFrom(sink.send([g('cpu', T, 1), g('cpu', T + 1n, 2)]).pipe(toArray()));
    assert.equal(emitted, []);
    assert.equal(server.received[0]!.points.map((p) => p.timeUnixNano), [T, T + 1n]);
    assert.equal(server.received[0]!.metadata.get('x-api-key'), ['secret']);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

const failureOf = async (send: () => Promise<unknown>): Promise<ExportError> => {
  try {
    await send();
  } catch (e) {
    assert.ok(isExportError(e), `an ExportError, got ${String(e)}`);
    return e as ExportError;
  }
  throw new Error('expected the send to fail');
};

test('every gRPC status is classified per the OTLP spec; RESOURCE_EXHAUSTED only with RetryInfo', async () => {
  const retryable = new Set<number>([1, 4, 10, 11, 14, 15]);
  let next: { code: number; retryDelayMs?: number } = { code: 0 };
  const server = await startFakeOtlpServer(() => ({ ...next, message: `status ${next.code}` }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    for (let code = 1; code <= 16; code++) {
      next = { code };
      const e = await failureOf(() => firstValueFrom(sink.send([g('cpu', T, 1)]), { defaultValue: undefined }));
      assert.is(e.code, code);
      assert.is(e.retryable, retryable.has(code), `code ${code}`);
    }
    next = { code: GrpcStatus.RESOURCE_EXHAUSTED, retryDelayMs: 2_500 };
    const throttled = await failureOf(() => firstValueFrom(sink.send([g('cpu', T, 1)]), { defaultValue: undefined }));
    assert.ok(throttled.retryable);
    assert.is(throttled.retryAfterMs, 2_500);
    next = { code: GrpcStatus.UNAVAILABLE, retryDelayMs: 1_250 };
    const unavailable = await failureOf(() => firstValueFrom(sink.send([g('cpu', T, 1)]), { defaultValue: undefined }));
    assert.is(unavailable.retryAfterMs, 1_250);
    assert.ok(unavailable.answered, 'a status the receiver sent: it had the request');
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('connection refused is retryable; a server that never answers hits the deadline, retryable', async () => {
  const gone = await startFakeOtlpServer(() => ({ ok: true }));
  const port = gone.port;
  await gone.stop();
  const refused = otlpGrpcSink({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
  try {
    const e = await failureOf(() => firstValueFrom(refused.send([g('cpu', T, 1)]), { defaultValue: undefined }));
    assert.ok(e.retryable);
    assert.is(e.code, GrpcStatus.UNAVAILABLE);
    assert.not.ok(e.answered, 'UNAVAILABLE made up by the client: nothing reached a receiver');
  } finally {
    refused.shutdown();
  }

  // An HTTP/2 server that takes the call and never answers. (The fake gRPC server enforces the
  // grpc-timeout it is sent, so on a busy machine its own DEADLINE_EXCEEDED, with trailers, could
  // arrive before the client's timer: `answered`, and this test failed — and, its cleanup skipped,
  // left the suite's process hanging.)
  const silent = createHttp2Server();
  const sessions = new Set<ServerHttp2Session>();
  silent.on('session', (session) => sessions.add(session));
  silent.on('stream', () => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  // It answers no probe either: the call is held holdSilentMs past the timeout (silentHold.ts), then given up.
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 150, holdSilentMs: 100 });
  try {
    const d = await failureOf(() => firstValueFrom(sink.send([g('cpu', T, 1)]), { defaultValue: undefined }));
    assert.is(d.code, GrpcStatus.DEADLINE_EXCEEDED);
    assert.ok(d.retryable);
    assert.ok(d.outcomeUnknown && !d.answered, "the client's own deadline: no answer, outcome unknown");
  } finally {
    sink.shutdown();
    silent.close();
    for (const session of sessions) session.destroy();
  }
});

test('classification outside gRPC: transport codes, the exporter concurrency limit, a timeout, anything else permanent', () => {
  assert.ok(classifyExportFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).retryable);
  const reset = classifyExportFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  assert.ok(reset.retryable && reset.outcomeUnknown, 'a reset connection may have delivered the request');
  // Every transport code the sink retries, and which of them may have delivered the request.
  const transport = (code: string) => classifyExportFailure(Object.assign(new Error(code), { code }));
  assert.equal(
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'].map((c) => [c, transport(c).retryable, transport(c).outcomeUnknown]),
    [['ECONNREFUSED', true, false], ['ECONNRESET', true, true], ['EPIPE', true, true], ['ETIMEDOUT', true, true], ['EHOSTUNREACH', true, false], ['ENETUNREACH', true, false], ['EAI_AGAIN', true, false], ['ECONNABORTED', true, true]],
  );
  const limit = classifyExportFailure(new Error('Concurrent export limit reached'));
  assert.equal([limit.retryable, limit.code, limit.outcomeUnknown], [true, 'CONCURRENCY_LIMIT', false], 'never sent: nothing to fence');
  // A timeout said only in words (an exporter's own, no gRPC status): retried, and it may have landed.
  const timedOut = classifyExportFailure(new Error('Request timed out'));
  assert.equal([timedOut.retryable, timedOut.code, timedOut.outcomeUnknown], [true, 'TIMEOUT', true]);
  assert.not.ok(classifyExportFailure(new Error('Cannot serialize')).retryable);
  assert.not.ok(classifyExportFailure(Object.assign(new Error('bad file'), { code: 'ENOENT' })).retryable);
});

test("an export error's message is one line, without grpc-js's empty resolution note: dead letters' details quote it", () => {
  const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '), { code: GrpcStatus.UNAVAILABLE });
  // Before: the dead letters of an outage read "… ECONNREFUSED 127.0.0.1:1. Resolution note: " (the log line had it cut).
  assert.is(classifyExportFailure(refused).message, '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1.');
  const tls = Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: error:0A000086:SSL routines:\n  tls_post_process_server_certificate:certificate verify failed'), { code: GrpcStatus.UNAVAILABLE });
  assert.is(classifyExportFailure(tls).message, '14 UNAVAILABLE: No connection established. Last error: error:0A000086:SSL routines: tls_post_process_server_certificate:certificate verify failed');
});

test('partial success: the rejected points are isolated and become dead letters with the server message', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true, rejected: (p) => p.name === 'bad', message: 'metric name "bad" is not allowed' }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    const batch = [g('cpu', T, 1), g('bad', T + 1n, 2), g('cpu', T + 2n, 3), g('bad', T + 3n, 4)];
    // Besides, the halves found clean say they were taken (TakenSamples, for deliverOrdered's accounting).
    const emitted = (await lastValueFrom(sink.send(batch).pipe(toArray()))).filter(isRejectedSamples);
    assert.is(emitted.length, 1);
    assert.equal(emitted[0]!.samples, [batch[1], batch[3]]);
    const results = await lastValueFrom(of(...batch.map((s) => right(s) as Routed<Sample>)).pipe(deliverOrdered(sink.send, { batch: { maxSize: 10 } }), toArray()));
    const lefts = results.filter(isLeft).map((x) => x.left);
    assert.equal(lefts.map((l) => [l.reason, l.item.value]), [['rejected', 2], ['rejected', 4]]);
    assert.ok(lefts.every((l) => l.detail.includes('metric name "bad" is not allowed')));
    const delivered = results.filter(isRight).flatMap((x) => x.right.samples.map((s) => s.value));
    assert.equal(delivered, [1, 3]);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('partial success with nothing rejected and a message (a warning, per the OTLP spec) is logged once per message through diag; the batch is delivered', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true, warning: 'attribute values longer than 4096 characters were truncated' }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const warnings: string[] = [];
  const quiet = () => undefined;
  diag.setLogger({ warn: (m: string) => void warnings.push(m), error: quiet, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    for (let i = 0; i < 3; i++) {
      const emitted = await lastValueFrom(sink.send([g('cpu', T + BigInt(i), i)]).pipe(toArray()));
      assert.equal(emitted, [], 'delivered: nothing rejected');
    }
    assert.is(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /accepted every point with a warning: attribute values longer than 4096 characters were truncated/);
  } finally {
    diag.disable();
    sink.shutdown();
    await server.stop();
  }
});

test("an OK answer whose body is not an ExportMetricsServiceResponse (a proxy's, a receiver's bug): the batch is delivered, one warning says so; it was an uncaught exception (the end of `chronoq run`) and a batch that never settled", async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true, body: Buffer.from([0xff, 0xff, 0xff]) }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const warnings: string[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  const quiet = () => undefined;
  diag.setLogger({ warn: (m: string) => void warnings.push(m), error: quiet, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    for (let i = 0; i < 2; i++) {
      const settled = await Promise.race([lastValueFrom(sink.send([g('cpu', T + BigInt(i), i)]).pipe(toArray())), new Promise((r) => setTimeout(() => r('unsettled'), 2_000))]);
      assert.equal(settled, [], 'delivered');
    }
    assert.equal(uncaught, []);
    assert.is(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /answered OK with a body that is not an OTLP export response \(Truncated buffer[^)]*\): taken as accepted/);
  } finally {
    process.off('uncaughtException', onUncaught);
    diag.disable();
    sink.shutdown();
    await server.stop();
  }
});

test("RetryInfo's delay reaches retryBackoff", async () => {
  const server = await startFakeOtlpServer((_r, i) => (i === 0 ? { code: GrpcStatus.UNAVAILABLE, message: 'draining', retryDelayMs: 300 } : { ok: true }));
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  const retries: number[] = [];
  try {
    const input = new Subject<Routed<Sample>>();
    const done = lastValueFrom(input.pipe(deliverOrdered(sink.send, { retry: { initialDelayMs: 5, jitter: 'none' }, onRetry: (e) => retries.push(e.delayMs) }), toArray()));
    input.next(right(g('cpu', T, 1)));
    input.complete();
    const out: DeliveryResult[] = await done;
    assert.equal(retries, [300]);
    assert.ok(isRight(out[0]!) && out[0].right.attempts === 2);
    assert.is(server.received.length, 2);
  } finally {
    sink.shutdown();
    await server.stop();
  }
});

test('endpoint from OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT; the explicit option wins', () => {
  const saved = { ...process.env };
  try {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:1111';
    assert.is(otlpGrpcSink().address, '127.0.0.1:1111');
    process.env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] = 'http://127.0.0.1:2222';
    assert.is(otlpGrpcSink().address, '127.0.0.1:2222');
    assert.is(otlpGrpcSink({ endpoint: 'http://127.0.0.1:3333' }).address, '127.0.0.1:3333');
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'];
    assert.is(otlpGrpcSink().address, 'localhost:4317');
  } finally {
    process.env = saved;
  }
});

test('headers from OTEL_EXPORTER_OTLP_HEADERS reach the server', async () => {
  const saved = { ...process.env };
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  process.env['OTEL_EXPORTER_OTLP_HEADERS'] = 'x-instana-key=abc123';
  const sink = otlpGrpcSink({ endpoint: `http://127.0.0.1:${server.port}` });
  try {
    await lastValueFrom(sink.send([g('cpu', T, 1)]).pipe(toArray()));
    assert.equal(server.received[0]!.metadata.get('x-instana-key'), ['abc123']);
  } finally {
    process.env = saved;
    sink.shutdown();
    await server.stop();
  }
});

test.run();
