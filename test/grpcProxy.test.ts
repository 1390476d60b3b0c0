/**
 * The HTTP proxy the sink's connection goes through (src/otlp/grpcProxy.ts): grpc-js takes one from
 * grpc_proxy / https_proxy / http_proxy, and when it did not connect, every attempt failed with
 * "No connection established. Last error: undefined." while the reason went to standard error as
 * grpc-js's own "E Failed to connect to proxy …" line, outside the log's format. Now the sink says
 * which proxy it goes through (validate, the run's lines), the failing line says what to do, and
 * grpc-js's lines are log lines.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { grpcProxyFor, proxyEnvWarnings } from '../src/otlp/grpcProxy.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { grpcLogToLog } from '../src/cli/log.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { withEnv } from './support/env.js';

const test = suite('gRPC through an HTTP proxy');
const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy', 'no_grpc_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'GRPC_PROXY', 'NO_PROXY'];

/** An HTTP CONNECT proxy that tunnels to whatever is asked and counts the tunnels. */
const startProxy = async () => {
  const tunnels: string[] = [];
  const server = createServer();
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    const close = () => (client.destroy(), upstream.destroy());
    upstream.on('error', close);
    client.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { tunnels, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
};

/** Runs `fn` with exactly `env`'s proxy variables set (the others unset), restoring them after. */
const withProxyEnv = <T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> =>
  withEnv({ ...Object.fromEntries(PROXY_VARIABLES.map((k) => [k, undefined])), ...env }, fn);

test('which proxy, by grpc-js\'s rules: the first of grpc_proxy, https_proxy, http_proxy (lower case), http:// only, not for a unix socket or a host in no_grpc_proxy / no_proxy', () => {
  const p = 'http://proxy.corp:3128';
  assert.equal(grpcProxyFor('collector:4317', { http_proxy: p }), { variable: 'http_proxy', url: p });
  assert.equal(grpcProxyFor('collector:4317', { http_proxy: p, https_proxy: 'http://s:1', grpc_proxy: 'http://g:2' }), { variable: 'grpc_proxy', url: 'http://g:2' });
  assert.equal(grpcProxyFor('collector:4317', { http_proxy: 'http://u:secret@proxy.corp:3128' }), { variable: 'http_proxy', url: 'http://***@proxy.corp:3128' }, 'credentials masked');
  for (const env of [{}, { HTTP_PROXY: p }, { http_proxy: 'https://proxy.corp:3128' }, { http_proxy: 'proxy.corp:3128' }, { http_proxy: 'not a url' }]) {
    assert.is(grpcProxyFor('collector:4317', env), undefined, JSON.stringify(env));
  }
  assert.is(grpcProxyFor('unix:/run/otel.sock', { http_proxy: p }), undefined);
  const bypassed = (target: string, noProxy: string, variable = 'no_proxy') => grpcProxyFor(target, { http_proxy: p, [variable]: noProxy }) === undefined;
  assert.ok(bypassed('collector.corp:4317', '.corp'), 'a suffix');
  assert.ok(bypassed('10.1.2.3:4317', 'localhost,10.0.0.0/8'), 'a CIDR range');
  assert.ok(!bypassed('11.1.2.3:4317', '10.0.0.0/8'));
  assert.ok(bypassed('10.0.0.5:4317', '10.0.0.5/32'), 'a /32: the one address');
  assert.ok(!bypassed('10.0.0.6:4317', '10.0.0.5/32'));
  assert.ok(!bypassed('10.0.0.5:4317', '10.0.0.5/33'), 'past /32 no range, and no suffix of the host');
  // As grpc-js computes the mask: -1 << 32 is -1 in JavaScript (the shift taken mod 32), so /0 holds one address, not all.
  assert.ok(!bypassed('10.1.2.3:4317', '0.0.0.0/0'));
  assert.ok(bypassed('[::1]:4317', '::1'), 'an IPv6 host in brackets');
  assert.ok(!bypassed('127.0.0.1:4317', 'localhost, 127.0.0.1'), 'entries are not trimmed: " 127.0.0.1" is no suffix of the host');
  assert.ok(bypassed('collector:4317', 'a.example,'), 'an empty entry (a trailing comma) matches every host');
  assert.ok(bypassed('collector:4317', 'collector', 'no_grpc_proxy'));
  assert.ok(!bypassed('collector:4317', 'elsewhere', 'no_grpc_proxy'));
  assert.is(grpcProxyFor('collector:4317', { http_proxy: p, no_grpc_proxy: 'elsewhere', no_proxy: 'collector' })?.variable, 'http_proxy', 'no_grpc_proxy, when set, is the list');
});

test('proxy settings gRPC does not read as meant are said: no http:// scheme, an https:// proxy, upper case only, NO_PROXY alone', () => {
  const t = 'collector.corp:4317';
  assert.equal(proxyEnvWarnings(t, { https_proxy: 'proxy.corp:3128' }), [
    "https_proxy=proxy.corp:3128 is not used for the sink's connection: gRPC (grpc-js) takes a proxy only as an http:// URL — write http://proxy.corp:3128; the sink connects to collector.corp:4317 directly",
  ]);
  assert.equal(proxyEnvWarnings(t, { http_proxy: 'https://u:secret@proxy.corp:3128' }), [
    "http_proxy=https://***@proxy.corp:3128 is not used for the sink's connection: gRPC (grpc-js) takes a proxy only as an http:// URL — it speaks to a proxy in plain HTTP (CONNECT), whatever the endpoint's scheme, and cannot use one reached over TLS; the sink connects to collector.corp:4317 directly",
  ]);
  assert.equal(proxyEnvWarnings(t, { grpc_proxy: 'u:secret@10.0.0.1:3128' })[0]?.startsWith('grpc_proxy=***@10.0.0.1:3128 is not used'), true, 'credentials masked in a value without a scheme');
  assert.equal(proxyEnvWarnings(t, { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://other:1' }), [
    "HTTPS_PROXY=http://proxy.corp:3128 is not used for the sink's connection: gRPC (grpc-js) reads only lower-case proxy variables (grpc_proxy, https_proxy, http_proxy), so it connects to collector.corp:4317 directly; set https_proxy as well for it to go through the proxy",
  ]);
  assert.equal(proxyEnvWarnings(t, { https_proxy: 'http://proxy.corp:3128', NO_PROXY: 'localhost,.corp' }), [
    'NO_PROXY lists collector.corp, but gRPC (grpc-js) reads only no_grpc_proxy and no_proxy (lower case): the sink connects through the proxy http://proxy.corp:3128 (https_proxy); set no_proxy as well for collector.corp to be reached directly',
  ]);
  // Nothing to say: no proxy at all; a proxy gRPC uses; a receiver meant to be reached directly
  // (a no-proxy list of either case names it); upper case beside lower case; a unix socket.
  for (const env of [{}, { http_proxy: 'http://proxy.corp:3128' }, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.corp' }, { https_proxy: 'p:1', no_proxy: '.corp' },
    { https_proxy: 'p:1', NO_PROXY: '.corp' }, { HTTPS_PROXY: 'http://p:1', https_proxy: 'http://p:1' }, { http_proxy: 'http://p:1', NO_PROXY: '.corp', no_proxy: '.corp' }]) {
    assert.equal(proxyEnvWarnings(t, env), [], JSON.stringify(env));
  }
  assert.equal(proxyEnvWarnings('unix:/run/otel.sock', { https_proxy: 'p:1', HTTPS_PROXY: 'http://p:1' }), []);
  // A receiver on this machine: not reached through a proxy by Go's rules, so an upper-case or
  // unusable setting changes nothing worth a word — but grpc-js does tunnel it through a proxy it uses.
  for (const local of ['localhost:4317', '127.0.0.1:4317', '[::1]:4317']) {
    assert.equal(proxyEnvWarnings(local, { HTTPS_PROXY: 'http://p:1' }), [], local);
    assert.equal(proxyEnvWarnings(local, { https_proxy: 'p:1' }), [], local);
    assert.equal(proxyEnvWarnings(local, { https_proxy: 'http://p:1', no_proxy: 'localhost,127.0.0.1,::1' }), [], local);
  }
  assert.equal(proxyEnvWarnings('localhost:4317', { http_proxy: 'http://proxy.corp:3128' }), [
    'the receiver localhost:4317 is on this machine, yet gRPC connects to it through the proxy http://proxy.corp:3128 (http_proxy), which then dials its own localhost: grpc-js leaves out no address of its own accord (Go, and so the Collector, leaves out this machine\'s); add localhost to no_proxy',
  ]);
});

test('the rules agree with grpc-js: a real CONNECT proxy sees a tunnel exactly when grpcProxyFor names it, and the samples arrive either way', async () => {
  const receiver = await startFakeOtlpServer(() => ({ ok: true }));
  const proxy = await startProxy();
  const target = `127.0.0.1:${receiver.port}`;
  const cases: Record<string, string>[] = [
    { http_proxy: proxy.url },
    { grpc_proxy: proxy.url, no_proxy: '127.0.0.1' },
    { http_proxy: proxy.url, no_proxy: '127.0.0.0/8' },
    { http_proxy: proxy.url, no_proxy: 'localhost, 127.0.0.1' },
    { http_proxy: proxy.url, no_proxy: 'localhost,' },
    { https_proxy: proxy.url, no_grpc_proxy: 'other', no_proxy: '127.0.0.1' },
    { HTTP_PROXY: proxy.url },
    { HTTPS_PROXY: proxy.url },
    { https_proxy: proxy.url.replace('http://', '') },
    { https_proxy: proxy.url.replace('http://', 'https://') },
    { http_proxy: proxy.url, NO_PROXY: '127.0.0.1' },
  ];
  try {
    for (const env of cases) {
      const before = proxy.tunnels.length;
      const delivered = await withProxyEnv(env, async () => {
        const sink = otlpGrpcSink({ endpoint: `http://${target}`, timeoutMs: 5_000 });
        try {
          assert.equal(sink.proxy, grpcProxyFor(target, env), JSON.stringify(env));
          await lastValueFrom(sink.send([{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1n, attributes: {} }]).pipe(toArray()));
          return true;
        } finally {
          sink.shutdown();
        }
      });
      assert.ok(delivered);
      const tunnels = proxy.tunnels.length - before;
      assert.is(tunnels, grpcProxyFor(target, env) === undefined ? 0 : 1, `tunnels with ${JSON.stringify(env)}`);
      // A warning says what happened: here (a receiver on this machine) one only when the
      // connection went through the proxy, which a user can hardly mean.
      const warnings = proxyEnvWarnings(target, env);
      assert.equal(warnings.map((w) => /is on this machine, yet gRPC connects to it through the proxy/.test(w)), tunnels === 0 ? [] : [true], `${warnings.join('\n')} (${tunnels} tunnels)`);
    }
  } finally {
    await proxy.close();
    await receiver.stop();
  }
});

test('grpc-js\'s lines become log lines: its errors as warnings, the same line at most once a minute', () => {
  const lines: [string, string][] = [];
  let nowMs = 0;
  const logger = grpcLogToLog((level, message) => void lines.push([level, message]), { monotonic: () => nowMs });
  logger.error!('Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9');
  nowMs = 59_000;
  logger.error!('Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9');
  // Said whole by the sink's start warning (proxyEnvWarnings), not at every new channel:
  logger.error!('"https:" scheme not supported in proxy URI');
  logger.error!('cannot parse value of "https_proxy" env var');
  nowMs = 60_000;
  logger.error!('Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9');
  logger.debug!('a trace line');
  logger.debug!('a trace line');
  assert.equal(lines, [
    ['warn', 'grpc-js: Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9'],
    ['warn', 'grpc-js: Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9'],
    ['debug', 'grpc-js: a trace line'],
    ['debug', 'grpc-js: a trace line'],
  ]);
});

test('chronoq run through a proxy that refuses: the run names the proxy, grpc-js\'s reason is a JSON log line, the failing line says where to bypass it; validate shows it', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [
    'sources: [{type: synthetic, series: 1, count: 2}]',
    'sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:4317"}',
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'delivery: {guarantee: at-most-once}',
    '',
  ].join('\n'));
  const env = { http_proxy: 'http://user:s3cret@127.0.0.1:9', no_proxy: '', NO_PROXY: '' };
  const r = await runCli(['run', cfg, '--log-format', 'json'], env);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.every((l) => l.startsWith('{')), `every line is JSON:\n${r.stderr}`);
  const messages = lines.map((l) => (JSON.parse(l) as { message: string }).message);
  assert.ok(messages.some((m) => m.startsWith('chronoq running: ') && m.includes('→ otlp-grpc 127.0.0.1:4317 via proxy http://***@127.0.0.1:9;')), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('the receiver 127.0.0.1:4317 is on this machine, yet gRPC connects to it through the proxy http://***@127.0.0.1:9 (http_proxy)')), messages.join('\n'));
  assert.ok(messages.includes('grpc-js: Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9'), messages.join('\n'));
  assert.match(r.stderr, /Last error: undefined \(the connection goes through the proxy http:\/\/\*\*\*@127\.0\.0\.1:9, from http_proxy, which did not connect it — the line grpc-js logged says why: a receiver to be reached directly belongs in no_proxy or no_grpc_proxy\)/);
  assert.not.match(r.stderr, /s3cret/);
  const v = await runCli(['validate', cfg], env);
  assert.match(v.stdout, /#\s+proxy: http:\/\/\*\*\*@127\.0\.0\.1:9 \(http_proxy\)/, v.stdout);
  // A proxy gRPC does not take is said once, at start, instead of grpc-js's bare line.
  const remote = writeConfig(dir, readFileSync(cfg, 'utf8').replace('http://127.0.0.1:4317', 'http://collector.invalid:4317'), 'remote.yaml');
  const ignored = await runCli(['run', remote, '--log-format', 'json'], { http_proxy: '', https_proxy: '127.0.0.1:9', no_proxy: '', NO_PROXY: '' });
  const said = ignored.stderr.trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message);
  assert.ok(said.includes("https_proxy=127.0.0.1:9 is not used for the sink's connection: gRPC (grpc-js) takes a proxy only as an http:// URL — write http://127.0.0.1:9; the sink connects to collector.invalid:4317 directly"), said.join('\n'));
  assert.not.ok(said.some((m) => m.includes('cannot parse value')), said.join('\n'));
});

test.run();
