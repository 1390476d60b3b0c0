/**
 * `chronoq run` with an otlp source whose OTLP/HTTP listener lets web pages post (protocols.http.cors):
 * its config, as written and as refused; a page of an allowed origin exports, a page of another is
 * refused, said once in a warning with why and counted in the status line, while the preflights let
 * through are counted apart (no refusal).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { configErrorsOf, resolvedConfigOf } from './support/config.js';
import { jsonLog, runCli, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { collection } from './support/otlpReceiver.js';
import { browserFetch } from './support/browserFetch.js';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';

const test = suite('chronoq run: CORS on the otlp source');

const http = (settings: string): string => `sources:\n  - type: otlp\n    protocols:\n      http:\n${settings}`;

test("'*' takes any origin; an origin and a listen endpoint written with spaces around (a \${VAR} set so) are taken trimmed", () => {
  const cfg = resolvedConfigOf(http('        endpoint: "${EP}"\n        cors: {allowedOrigins: ["*", "${ORIGIN}"]}\n'), { EP: ' localhost:4318 ', ORIGIN: ' https://app.example.com ' });
  const source = cfg.sources[0];
  assert.ok(source?.type === 'otlp');
  assert.is(source.protocols.http?.endpoint, 'localhost:4318');
  assert.equal(source.protocols.http?.cors?.allowedOrigins, ['*', 'https://app.example.com']);
});

test('cors is decoded under protocols.http, with what was meant for what is not right', async () => {
  assert.equal(configErrorsOf(http('        cors: {allowed_origins: ["https://app.example.com"], max_age: 600}\n')), [
    "config.sources[0].protocols.http.cors.allowed_origins: expected no key 'allowed_origins' (cors takes allowedOrigins, allowedHeaders, maxAgeSeconds), found a list (chronoq's name for it is 'allowedOrigins')",
    "config.sources[0].protocols.http.cors.max_age: expected no key 'max_age' (cors takes allowedOrigins, allowedHeaders, maxAgeSeconds), found number 600 (chronoq's name for it is 'maxAgeSeconds')",
    'config.sources[0].protocols.http.cors.allowedOrigins: expected a list of origins (required), found nothing',
  ]);
  assert.equal(configErrorsOf(http('        cors: {allowedOrigins: ["https://app.example.com/", "app.example.com", "https://*.*.example.com", "https://a.example.com/x"]}\n')), [
    "config.sources[0].protocols.http.cors.allowedOrigins[0]: expected an origin as a browser sends it: scheme://host[:port], one '*' at most (https://app.example.com, https://*.example.com), or '*' for any, found \"https://app.example.com/\" (https://app.example.com (an origin has no path and no trailing slash))",
    "config.sources[0].protocols.http.cors.allowedOrigins[1]: expected an origin as a browser sends it: scheme://host[:port], one '*' at most (https://app.example.com, https://*.example.com), or '*' for any, found \"app.example.com\" (with its scheme: https://app.example.com)",
    "config.sources[0].protocols.http.cors.allowedOrigins[2]: expected an origin as a browser sends it: scheme://host[:port], one '*' at most (https://app.example.com, https://*.example.com), or '*' for any, found \"https://*.*.example.com\"",
    "config.sources[0].protocols.http.cors.allowedOrigins[3]: expected an origin as a browser sends it: scheme://host[:port], one '*' at most (https://app.example.com, https://*.example.com), or '*' for any, found \"https://a.example.com/x\" (https://a.example.com (an origin has no path))",
  ]);
  assert.equal(configErrorsOf(http('        cors: {allowedOrigins: https://app.example.com}\n')), [
    'config.sources[0].protocols.http.cors.allowedOrigins: expected a list of origins, found "https://app.example.com" ([https://app.example.com])',
  ]);
  assert.equal(configErrorsOf(http('        cors: {allowedOrigins: []}\n')), ['config.sources[0].protocols.http.cors.allowedOrigins: expected a list of origins, at least one, found an empty list']);
  assert.equal(configErrorsOf('sources:\n  - type: otlp\n    protocols:\n      grpc:\n        cors: {allowedOrigins: ["*"]}\n'), [
    "config.sources[0].protocols.grpc.cors: expected no key 'cors' (otlp grpc protocol takes endpoint, tls), found a mapping (CORS is for web pages posting OTLP/HTTP: under protocols.http)",
  ]);
  const validated = await runCli(['validate', writeConfig(tempDir(), `${http('        cors: {allowedOrigins: ["https://*.example.com"], allowedHeaders: [X-Tenant], maxAgeSeconds: 600}\n')}sink: {type: console}\n`)]);
  assert.is(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /cors:\n\s+allowedOrigins:\n\s+- https:\/\/\*\.example\.com\n\s+allowedHeaders:\n\s+- X-Tenant\n\s+maxAgeSeconds: 600/);
});

test('a page of an allowed origin exports; one of another is refused, said once with why, counted in the status line', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    http('        endpoint: "127.0.0.1:0"\n        cors: {allowedOrigins: ["https://app.example.com"]}'),
    '    bearerToken: s3cret',
    'sink: {type: console}',
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'telemetry: {statusIntervalMs: 200}',
    '',
  ].join('\n')), '--log-format', 'json']);
  try {
    await until('chronoq listens', () => /listening for OTLP\/HTTP on 127\.0\.0\.1:\d+/.test(run.stderrSoFar()));
    const address = /listening for OTLP\/HTTP on (127\.0\.0\.1:\d+)/.exec(run.stderrSoFar())![1]!;
    assert.match(run.stderrSoFar(), /chronoq running: otlp \(HTTP 127\.0\.0\.1:0 CORS https:\/\/app\.example\.com\)/, 'the start line names the origins let in');
    const { rm } = await collection();
    const body = Buffer.from(JsonMetricsSerializer.serializeRequest(rm)!);
    const send = (origin: string) => browserFetch(origin).fetch(`http://${address}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' } });
    assert.is((await send('https://app.example.com')).status, 200);
    for (let i = 0; i < 2; i++) await send('https://other.example.com').then(() => assert.unreachable('refused'), (e: Error) => assert.is(e.message, 'Failed to fetch'));
    await until('a status line counting them', () => /otlp requests refused: cross-origin 2 · /.test(run.stderrSoFar()));
    run.child.kill('SIGINT');
    const r = await run.result;
    assert.is(r.code, 0, r.stderr);
    const warnings = jsonLog(r.stderr).filter((l) => l.level === 'warn').map((l) => l.message);
    assert.equal(warnings, [
      "source 0 (otlp): a web page's CORS preflight over OTLP/HTTP from 127.0.0.1:" + /from 127\.0\.0\.1:(\d+)/.exec(warnings[0] ?? '')?.[1] + " was refused, so its export fails: a page at https://other.example.com was not let post: its origin https://other.example.com is not one of cors.allowedOrigins (https://app.example.com). The page's exporter sees a network error, and what it sends again is refused the same way: its points never reach chronoq, so no dead letter holds them. Further ones are counted in the status line and chronoq_otlp_requests_total{answer=\"cross-origin\"}, not logged",
    ]);
    assert.match(r.stdout, /"name":"requests"/, 'the allowed page\'s points were delivered');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.run();
