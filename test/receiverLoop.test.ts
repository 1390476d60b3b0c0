/**
 * A sink aimed at this chronoq's own otlp source is a config error (src/config/receiverLoop.ts):
 * every sample would be sent back in, round and round. The names a listener is reached by from
 * here — loopback, every interface (0.0.0.0, ::), this machine's host name, in any case — and the
 * ones it is not (another port, another machine, an address it does not bind). The command's run of
 * it, with the applications' OTEL_EXPORTER_OTLP_ENDPOINT, is in test/cliOtlpSource.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostname } from 'node:os';
import { sinkIntoOwnReceiver } from '../src/config/receiverLoop.js';
import { formatConfigError } from '../src/config/errors.js';
import { resolvedConfigOf } from './support/config.js';

const test = suite('config: a sink into its own otlp source');

const loopErrors = (listen: string | undefined, sink: string | undefined, env: Record<string, string> = {}, sinkType = 'otlp-grpc'): string[] => {
  const grpc = listen === undefined ? '{}' : `{endpoint: "${listen}"}`;
  const c = resolvedConfigOf(`sources:\n  - {type: host}\n  - {type: otlp, protocols: {grpc: ${grpc}}}\nsink: {type: ${sinkType}${sink === undefined ? '' : `, endpoint: "${sink}"`}}\n`, env);
  return sinkIntoOwnReceiver(c, env).map(formatConfigError);
};
const loops = (listen: string | undefined, sink: string | undefined, env: Record<string, string> = {}): boolean => loopErrors(listen, sink, env).length === 1;

test('the error: which source, where it listens, the endpoint as given, and where it came from', () => {
  assert.equal(loopErrors('0.0.0.0:4317', 'http://localhost:4317'), [
    'config.sink.endpoint: expected a receiver other than this chronoq: sources[1] (otlp) listens on 0.0.0.0:4317, so every sample would be sent back in to it, round and round, found "http://localhost:4317" (give sink.endpoint the Collector\'s address)',
  ]);
  assert.equal(loopErrors(undefined, undefined), [
    'config.sink.endpoint: expected a receiver other than this chronoq: sources[1] (otlp) listens on localhost:4317, so every sample would be sent back in to it, round and round, found "http://localhost:4317" (give sink.endpoint the Collector\'s address)',
  ], "both defaults: the source's listener and the sink's endpoint");
  assert.equal(loopErrors('0.0.0.0:4317', undefined, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4317' }), [
    'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: expected a receiver other than this chronoq: sources[1] (otlp) listens on 0.0.0.0:4317, so every sample would be sent back in to it, round and round, found "http://127.0.0.1:4317" (give sink.endpoint the Collector\'s address (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, set for the applications, is read by chronoq\'s sink too when the config has no sink.endpoint))',
  ]);
});

test('reached from here: loopback, every interface, this machine\'s name, the same address, in any case and with a path', () => {
  assert.ok(loops('0.0.0.0:4317', `${hostname()}:4317`), 'this machine\'s host name');
  assert.ok(loops('0.0.0.0:4317', `http://${hostname().toUpperCase()}:4317`), 'in capitals');
  assert.ok(loops('[::]:4317', 'http://[::1]:4317'), 'IPv6 loopback into every interface');
  assert.ok(loops('localhost:4317', '127.0.0.1:4317'));
  assert.ok(loops('10.0.0.5:4317', '10.0.0.5:4317'), 'the very address it binds');
  assert.ok(loops('0.0.0.0:4317', 'https://LOCALHOST:4317/'), 'scheme, capitals and a trailing slash');
});

test('not reached: another port, another machine, an address it does not bind, a sink that is no OTLP sink', () => {
  assert.not.ok(loops('0.0.0.0:14317', 'localhost:4317'), 'another port');
  assert.not.ok(loops('0.0.0.0:4317', 'collector:4317'), 'another machine');
  assert.not.ok(loops('10.0.0.5:4317', 'localhost:4317'), 'loopback does not reach a listener on one address');
  assert.not.ok(loops('10.0.0.5:4317', '10.0.0.6:4317'));
  assert.not.ok(loops('0.0.0.0:4317', 'collector:4317', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317' }), 'sink.endpoint wins over the variable');
  assert.not.ok(loops('0.0.0.0:4317', 'unix:///run/otel.sock'), 'a unix socket');
  assert.equal(loopErrors('0.0.0.0:4317', undefined, {}, 'console'), [], 'console sink');
});

test('a blank OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is unset: the loop through OTEL_EXPORTER_OTLP_ENDPOINT behind it is still found', () => {
  const errors = loopErrors('0.0.0.0:4317', undefined, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317' });
  assert.is(errors.length, 1);
  assert.ok(errors[0]!.startsWith('OTEL_EXPORTER_OTLP_ENDPOINT: expected a receiver other than this chronoq'), errors[0]);
});

test.run();
