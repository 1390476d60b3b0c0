/**
 * Request headers gRPC does not send as given (src/config/grpcValues.ts). The config took them,
 * and then: a connection-specific header (`Connection: keep-alive`, copied from an HTTP/1 setup),
 * which HTTP/2 forbids, failed every call — grpc-js tried each again ~10 000 times until its
 * deadline, DEADLINE_EXCEEDED, retried for good, nothing delivered; `content-length` had every call
 * reset by the receiver (INTERNAL: every batch a dead letter); and gRPC's own headers (user-agent,
 * grpc-timeout, te, …) were overwritten on the wire without a word. Now they are config errors in
 * the config and in OTEL_EXPORTER_OTLP_[METRICS_]HEADERS, and otlpGrpcSink refuses them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { checkOtlpEnv } from '../src/config/grpcValues.js';
import { formatConfigError } from '../src/config/errors.js';
import { isInvalidOptionError } from '../src/errors.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { configErrorsOf } from './support/config.js';

const test = suite('gRPC request headers');
const FORBIDDEN = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings'];
const WRITTEN_BY_GRPC = ['te', 'content-type', 'user-agent', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding'];
const headerErrors = (name: string): string[] => configErrorsOf(`sink:\n  type: otlp-grpc\n  endpoint: http://c:4317\n  headers:\n    ${name}: "v"\n`);

/** An HTTP/2 server that answers every call gRPC OK and keeps the request headers as they arrived. */
const wireServer = async () => {
  const seen: http2.IncomingHttpHeaders[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    seen.push(headers);
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.alloc(5));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { seen, port: (server.address() as { port: number }).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

test('a header without a name is refused; an endpoint variable with spaces around it is checked as the exporter reads it, trimmed', () => {
  assert.match(headerErrors('""').join('\n'), /^config\.sink\.headers: expected a header name of letters, digits.*, found the name ""$/);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: ' dns:///collector:4317 ' }).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_ENDPOINT: expected an endpoint URL such as http://collector:4317 (or host:port), found "dns:///collector:4317" (did you mean http://collector:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)',
  ]);
});

test('the premise, with grpc-js itself: a forbidden header fails the call, gRPC\'s own are overwritten on the wire, others go as given', async () => {
  const server = await wireServer();
  const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  const call = (name: string) => {
    const metadata = new grpc.Metadata();
    metadata.set(name, 'GIVEN');
    const before = server.seen.length;
    return new Promise<{ error?: string; onWire?: string | string[] }>((resolve) =>
      client.makeUnaryRequest('/x/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), metadata, { deadline: Date.now() + 300 }, (err) =>
        resolve(err ? { error: grpc.status[err.code] } : { onWire: server.seen[before]?.[name] })));
  };
  try {
    for (const name of FORBIDDEN) assert.equal(await call(name), { error: 'DEADLINE_EXCEEDED' }, name);
    for (const name of WRITTEN_BY_GRPC) {
      const r = await call(name);
      assert.is(r.error, undefined, name);
      assert.is.not(r.onWire, 'GIVEN', name);
    }
    for (const name of ['x-api-key', 'authorization', 'host', 'grpc-foo', 'x-tenant.id']) assert.equal(await call(name), { onWire: 'GIVEN' }, name);
  } finally {
    client.close();
    await server.close();
  }
});

test('each is a config error, in any case, saying why (and the option that does it, where there is one); headers gRPC sends are taken', () => {
  assert.equal(headerErrors('Connection'), ['config.sink.headers.Connection: expected a header name gRPC sends as given, found the name "Connection", a connection header, which HTTP/2 forbids: every call would fail (gRPC tries each again until its deadline)']);
  assert.equal(headerErrors('grpc-timeout'), ['config.sink.headers.grpc-timeout: expected a header name gRPC sends as given, found the name "grpc-timeout", a header gRPC writes itself: the value given would not be sent (sink.timeoutMs sets it)']);
  assert.equal(headerErrors('content-length'), ['config.sink.headers.content-length: expected a header name gRPC sends as given, found the name "content-length", a length gRPC cannot give ahead of its stream: the receiver would reset every call']);
  for (const name of [...FORBIDDEN, ...WRITTEN_BY_GRPC, 'content-length', 'User-Agent', 'KEEP-ALIVE']) {
    assert.is(headerErrors(name).length, 1, name);
    assert.match(headerErrors(name)[0]!, /expected a header name gRPC sends as given/, name);
  }
  // A '.' is a metadata name's character too (the premise above sends x-tenant.id as given).
  for (const name of ['x-api-key', 'authorization', 'host', 'grpc-foo', 'x-instana-key', 'constructor', 'toString', 'x-tenant.id', 'X_Scope.OrgID']) assert.equal(headerErrors(name), [], name);
});

test('the same in OTEL_EXPORTER_OTLP_[METRICS_]HEADERS', () => {
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=k,Keep-Alive=timeout%3D5' }).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_METRICS_HEADERS, header "Keep-Alive": expected a header name gRPC sends as given, found the name "Keep-Alive", a connection header, which HTTP/2 forbids: every call would fail (gRPC tries each again until its deadline) (sink.keepaliveMs sets gRPC\'s own keepalive)',
  ]);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=k,x-team=core' }), []);
});

test('a header given twice, in any case, is a config error (gRPC metadata names are lower case: the second value overwrote the first, and validate showed both)', () => {
  assert.equal(configErrorsOf('sink:\n  type: otlp-grpc\n  endpoint: http://c:4317\n  headers:\n    Authorization: "Bearer a"\n    x-team: core\n    authorization: "Bearer b"\n'), [
    'config.sink.headers.authorization: expected each header once, found the header of "Authorization" again (names are not case-sensitive: one value would overwrite the other)',
  ]);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'x-key=a,x-team=core,X-Key=b,x-team=ops' }).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_HEADERS, header "X-Key": expected each header once, found the header of entry 1 again (names are not case-sensitive: one value would overwrite the other)',
    'environment OTEL_EXPORTER_OTLP_HEADERS, header "x-team": expected each header once, found the header of entry 2 again (names are not case-sensitive: one value would overwrite the other)',
  ]);
  // The premise: gRPC metadata keeps one value of the two.
  const metadata = new grpc.Metadata();
  metadata.set('Authorization', 'Bearer a');
  metadata.set('authorization', 'Bearer b');
  assert.equal(metadata.get('authorization'), ['Bearer b']);
});

test('otlpGrpcSink refuses them (and a name or value grpc-js threw its own error for) with an InvalidOptionError naming the header', () => {
  const refusal = (headers: Record<string, string>): string => {
    try {
      otlpGrpcSink({ endpoint: 'http://127.0.0.1:9', headers }).shutdown();
      return 'built';
    } catch (e) {
      return isInvalidOptionError(e) ? e.message : `other: ${String(e)}`;
    }
  };
  assert.is(refusal({ connection: 'keep-alive' }), 'otlpGrpcSink: option headers.connection must be a header name gRPC sends as given, found the name "connection", a connection header, which HTTP/2 forbids: every call would fail (gRPC tries each again until its deadline)');
  assert.is(refusal({ 'grpc-encoding': 'gzip' }), 'otlpGrpcSink: option headers.grpc-encoding must be a header name gRPC sends as given, found the name "grpc-encoding", a header gRPC writes itself: the value given would not be sent (sink.compression sets it)');
  assert.match(refusal({ 'x-key-bin': 'AAEC' }), /^otlpGrpcSink: option headers\.x-key-bin must be a header name of letters/);
  assert.is(refusal({ 'x-key': 'caf\u00e9' }), 'otlpGrpcSink: option headers.x-key must be a header value of printable ASCII characters (gRPC metadata), found a value with U+00E9 at character 4');
  assert.is(refusal({ Authorization: 'Bearer a', authorization: 'Bearer b' }), 'otlpGrpcSink: option headers.authorization must be each header once, found the header of "Authorization" again (names are not case-sensitive: one value would overwrite the other)');
  // From JavaScript, without the types: a value that is not a string is refused as one, not sent as its text.
  assert.is(refusal({ 'x-key': 5 as unknown as string }), 'otlpGrpcSink: option headers.x-key must be a string, found number');
  assert.is(refusal({ 'x-key': 'k', authorization: 'Bearer t' }), 'built');
});

test.run();
