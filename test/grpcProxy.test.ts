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
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { grpcProxyFor } from '../src/otlp/grpcProxy.js';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import { grpcLogToLog } from '../src/cli/log.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { withEnv } from './support/env.js';

const test = suite('gRPC through an HTTP proxy');
const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy', 'no_grpc_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'];

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
  assert.ok(bypassed('[::1]:4317', '::1'), 'an IPv6 host in brackets');
  assert.ok(!bypassed('127.0.0.1:4317', 'localhost, 127.0.0.1'), 'entries are not trimmed: " 127.0.0.1" is no suffix of the host');
  assert.ok(bypassed('collector:4317', 'a.example,'), 'an empty entry (a trailing comma) matches every host');
  assert.ok(bypassed('collector:4317', 'collector', 'no_grpc_proxy'));
  assert.ok(!bypassed('collector:4317', 'elsewhere', 'no_grpc_proxy'));
  assert.is(grpcProxyFor('collector:4317', { http_proxy: p, no_grpc_proxy: 'elsewhere', no_proxy: 'collector' })?.variable, 'http_proxy', 'no_grpc_proxy, when set, is the list');
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
      assert.is(proxy.tunnels.length - before, grpcProxyFor(target, env) === undefined ? 0 : 1, `tunnels with ${JSON.stringify(env)}`);
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
  logger.error!('"https:" scheme not supported in proxy URI');
  nowMs = 60_000;
  logger.error!('Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9');
  logger.debug!('a trace line');
  logger.debug!('a trace line');
  assert.equal(lines, [
    ['warn', 'grpc-js: Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9'],
    ['warn', 'grpc-js: "https:" scheme not supported in proxy URI'],
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
  assert.ok(messages.includes('grpc-js: Failed to connect to proxy 127.0.0.1:9 with error connect ECONNREFUSED 127.0.0.1:9'), messages.join('\n'));
  assert.match(r.stderr, /Last error: undefined \(the connection goes through the proxy http:\/\/\*\*\*@127\.0\.0\.1:9, from http_proxy, which did not connect it — the line grpc-js logged says why: a receiver to be reached directly belongs in no_proxy or no_grpc_proxy\)/);
  assert.not.match(r.stderr, /s3cret/);
  const v = await runCli(['validate', cfg], env);
  assert.match(v.stdout, /#\s+proxy: http:\/\/\*\*\*@127\.0\.0\.1:9 \(http_proxy\)/, v.stdout);
});

test.run();
