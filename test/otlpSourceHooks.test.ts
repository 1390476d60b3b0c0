/**
 * The lines `chronoq run` logs for its otlp source's listeners (src/cli/otlpSourceHooks.ts), unit
 * by unit: where it listens, the first request of each kind it rejects in gRPC's words or HTTP's,
 * its TLS files read again (the client CA by its config name), not usable, its certificate near
 * its end or past it, its bearer token read again or not. The runs
 * that make them are in test/cliOtlp*.test.ts, otlpReceiverAuth.test.ts and headerFilesReload.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { otlpSourceHooks } from '../src/cli/otlpSourceHooks.js';
import type { Pipeline } from '../src/pipeline.js';
import { createStats } from '../src/stats.js';
import { resolvedConfigOf } from './support/config.js';

const test = suite("the otlp source's log lines");

const hooksLogging = () => {
  const c = resolvedConfigOf('sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:0"}, http: {endpoint: "127.0.0.1:0"}}, maxRequestBytes: 1000}]\nsink: {type: console}\n');
  const lines: string[] = [];
  const stats = createStats(100);
  const hooks = otlpSourceHooks(c, (level, message) => lines.push(`${level} ${message}`), () => ({ stats }) as Pipeline, () => undefined);
  return { hooks, lines, stats };
};

test('where each listener listens, and the HTTP one on which path', () => {
  const { hooks, lines } = hooksLogging();
  hooks.onListening!(0, { protocol: 'grpc', address: '127.0.0.1:4317' });
  hooks.onListening!(0, { protocol: 'http', address: '127.0.0.1:4318' });
  assert.equal(lines, [
    'info source 0 (otlp): listening for OTLP/gRPC on 127.0.0.1:4317',
    'info source 0 (otlp): listening for OTLP/HTTP on 127.0.0.1:4318 (POST /v1/metrics)',
  ]);
});

test("TLS files: read again (the client CA named as the config names it, clientCa), unusable, the certificate near its end (a day, days) and past it", () => {
  const { hooks, lines } = hooksLogging();
  hooks.onTlsEvent!(0, 'grpc', { kind: 'reloaded', changed: ['ca', 'cert', 'key'], certNotAfter: '2027-03-01T00:00:00.000Z' });
  hooks.onTlsEvent!(0, 'http', { kind: 'reloaded', changed: ['cert'] });
  hooks.onTlsEvent!(0, 'grpc', { kind: 'invalid', problem: 'tls.key is not the key of tls.cert' });
  hooks.onTlsEvent!(0, 'http', { kind: 'expiry', certNotAfter: '2026-12-08T00:00:00.000Z', daysLeft: 1, expired: false });
  hooks.onTlsEvent!(0, 'http', { kind: 'expiry', certNotAfter: '2026-12-12T00:00:00.000Z', daysLeft: 5, expired: false });
  hooks.onTlsEvent!(0, 'grpc', { kind: 'expiry', certNotAfter: '2026-12-01T00:00:00.000Z', daysLeft: 0, expired: true });
  assert.equal(lines, [
    "info source 0 (otlp): its gRPC listener's TLS files changed (clientCa, cert, key): new connections use them; its certificate is valid until 2027-03-01T00:00:00.000Z",
    "info source 0 (otlp): its HTTP listener's TLS files changed (cert): new connections use them",
    "warn source 0 (otlp): its gRPC listener's TLS files changed but cannot be used: tls.key is not the key of tls.cert; the ones read before stay in use until they can",
    "warn source 0 (otlp): its HTTP listener's certificate expires 2026-12-08T00:00:00.000Z, in 1 day: renew it (the new files are read when they change)",
    "warn source 0 (otlp): its HTTP listener's certificate expires 2026-12-12T00:00:00.000Z, in 5 days: renew it (the new files are read when they change)",
    "error source 0 (otlp): its gRPC listener's certificate expired 2026-12-01T00:00:00.000Z: clients that check it refuse to connect; replace the files its tls.cert and tls.key name (read again when they change)",
  ]);
});

test('the bearer token read again, or its file unusable', () => {
  const { hooks, lines } = hooksLogging();
  hooks.onTokenEvent!(0, { kind: 'reloaded', headers: ['authorization'], files: ['/run/secrets/token'] });
  hooks.onTokenEvent!(0, { kind: 'invalid', problem: '/run/secrets/token is empty' });
  assert.equal(lines, [
    'info source 0 (otlp): its bearer token was read again (/run/secrets/token changed): asked of requests from now on',
    "warn source 0 (otlp): its bearer token's file changed but cannot be used: /run/secrets/token is empty; the token read before is still asked for",
  ]);
});

test("the first request of each kind rejected, in its protocol's words (gRPC's status, HTTP's code); every one counted", () => {
  const { hooks, lines, stats } = hooksLogging();
  for (const answer of ['unauthenticated', 'too-large', 'malformed', 'unauthenticated', 'taken'] as const) hooks.onAnswer!(0, answer, 'grpc', '10.0.0.7:5000');
  hooks.onAnswer!(0, 'unauthenticated', 'http', '10.0.0.8:6000');
  assert.equal(lines.map((l) => /^(\w+) source 0 \(otlp\): a request over OTLP\/gRPC from 10\.0\.0\.7:5000 (.*?) was refused \(([^)]*)\)/.exec(l)?.slice(1)), [
    ['warn', 'without the bearer token it asks for', 'UNAUTHENTICATED'],
    ['warn', 'larger than its maxRequestBytes (1000)', 'RESOURCE_EXHAUSTED'],
    ['warn', 'that is no OTLP metrics request', 'INVALID_ARGUMENT'],
  ], lines.join('\n'));
  assert.equal([stats.otlpRequests.unauthenticated, stats.otlpRequests['too-large'], stats.otlpRequests.malformed, stats.otlpRequests.taken], [3, 1, 1, 1]);
});

test.run();
