/**
 * The otlp source's CORS (src/sources/corsPolicy.ts): a web page's OpenTelemetry exporter — the
 * official browser build of exporter-metrics-otlp-http, whose fetch runs in CORS mode — posts to
 * the OTLP/HTTP listener once the page's origin is allowed, its preflight let through before any
 * bearer token is asked for; refused, its export fails and the source says why (`cross-origin`).
 * Node's fetch enforces no CORS, so the page's fetch is test/support/browserFetch.ts, which does
 * what a browser does.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { collection, exportOnce, start } from './support/otlpReceiver.js';
import { browserFetch } from './support/browserFetch.js';
import type { OtlpReceiverOptions } from '../src/sources/otlpReceiver.js';

const test = suite('otlp source: CORS for web pages');

const require = createRequire(import.meta.url);
/** The exporter a bundler gives a web page (the package's `browser` field maps its platform to this). */
const { OTLPMetricExporter: BrowserExporter } = require(join(dirname(require.resolve('@opentelemetry/exporter-metrics-otlp-http/package.json')), 'build/src/platform/browser/OTLPMetricExporter.js')) as {
  OTLPMetricExporter: new (config: { url: string; headers?: Record<string, string>; timeoutMillis?: number }) => PushMetricExporter;
};

const PAGE = 'https://app.example.com';

/** One export by the browser exporter from a page at `origin`, with a browser's fetch; the answers the source counted, with their details. */
/** `timeoutMillis`: the exporter's, its retries included (a refused export is retried until then, as a browser's network error is). */
const exportFromPage = async (opts: Partial<OtlpReceiverOptions>, origin: string, headers: Record<string, string> = {}, timeoutMillis = 10_000) => {
  const answers: string[] = [];
  const details: string[] = [];
  const r = await start({ ...opts, onAnswer: (a, protocol, _peer, detail) => (answers.push(`${protocol} ${a}`), detail !== undefined && details.push(detail)) });
  const saved = { fetch: globalThis.fetch, location: Object.getOwnPropertyDescriptor(globalThis, 'location') };
  const page = browserFetch(origin);
  try {
    globalThis.fetch = page.fetch;
    Object.defineProperty(globalThis, 'location', { value: { origin }, configurable: true });
    const { rm } = await collection();
    const result = await exportOnce(new BrowserExporter({ url: `http://${r.http}/v1/metrics`, headers, timeoutMillis }), rm);
    return { result, answers, details, samples: r.samples, traffic: page.traffic };
  } finally {
    globalThis.fetch = saved.fetch;
    if (saved.location === undefined) delete (globalThis as { location?: unknown }).location;
    else Object.defineProperty(globalThis, 'location', saved.location);
    r.stop();
  }
};

test('a page whose origin is allowed exports: its preflight let through, then its POST taken, every point a sample', async () => {
  const e = await exportFromPage({ httpCors: { allowedOrigins: ['https://*.example.com'] } }, PAGE);
  assert.is(e.result.code, ExportResultCode.SUCCESS, String(e.result.error));
  assert.is(e.samples.length, 3);
  assert.equal(e.answers, ['http preflight', 'http taken']);
  assert.is(e.traffic.preflights[0]?.get('access-control-request-headers'), 'content-type', 'an OTLP content-type asks for a preflight');
  assert.equal(e.traffic.refusals, []);
});

test('without cors, or from an origin not allowed: the page\'s export fails, each preflight counted cross-origin with why', async () => {
  const none = await exportFromPage({}, PAGE, {}, 1_500);
  assert.is(none.result.code, ExportResultCode.FAILED);
  assert.is(none.samples.length, 0);
  assert.ok(none.answers.length > 1 && none.answers.every((a) => a === 'http cross-origin'), `sent again, refused again: ${none.answers.join()}`);
  assert.ok(none.traffic.refusals.every((r) => r === 'preflight: Access-Control-Allow-Origin (none)'), none.traffic.refusals.join());
  assert.match(none.details[0] ?? '', /^a page at https:\/\/app\.example\.com was not let post: this source serves no CORS/);
  const other = await exportFromPage({ httpCors: { allowedOrigins: ['https://app.example.com'] } }, 'https://app.example.com.evil.test', {}, 1_500);
  assert.is(other.result.code, ExportResultCode.FAILED);
  assert.ok(other.answers.every((a) => a === 'http cross-origin'), other.answers.join());
  assert.match(other.details[0] ?? '', /its origin https:\/\/app\.example\.com\.evil\.test is not one of cors\.allowedOrigins \(https:\/\/app\.example\.com\)/);
});

test('with a bearer token: the preflight, which carries none, is let through and authorization allowed; another header only when listed', async () => {
  const token = { bearerToken: 's3cret' };
  const withToken = await exportFromPage({ ...token, httpCors: { allowedOrigins: [PAGE] } }, PAGE, { Authorization: 'Bearer s3cret' });
  assert.is(withToken.result.code, ExportResultCode.SUCCESS, String(withToken.result.error));
  assert.equal(withToken.answers, ['http preflight', 'http taken']);
  const tenant = await exportFromPage({ ...token, httpCors: { allowedOrigins: [PAGE] } }, PAGE, { Authorization: 'Bearer s3cret', 'X-Tenant': 'a' }, 1_500);
  assert.is(tenant.result.code, ExportResultCode.FAILED);
  assert.match(tenant.details[0] ?? '', /it asks to send x-tenant, not one of cors\.allowedHeaders \(allowed: content-type, authorization\)/);
  const listed = await exportFromPage({ ...token, httpCors: { allowedOrigins: [PAGE], allowedHeaders: ['X-Tenant'] } }, PAGE, { Authorization: 'Bearer s3cret', 'X-Tenant': 'a' });
  assert.is(listed.result.code, ExportResultCode.SUCCESS, String(listed.result.error));
  const wrongToken = await exportFromPage({ ...token, httpCors: { allowedOrigins: [PAGE] } }, PAGE, { Authorization: 'Bearer other' }, 1_500);
  assert.is(wrongToken.result.code, ExportResultCode.FAILED);
  assert.equal(wrongToken.answers, ['http preflight', 'http unauthenticated'], 'the POST still needs the token');
});

test('a page reads Retry-After on a 503 (exposed), an answer carries credentials and Vary, a preflight its max age', async () => {
  const r = await start({ hasRoom: () => false, httpCors: { allowedOrigins: [PAGE], maxAgeSeconds: 600 } });
  try {
    const page = browserFetch(PAGE, 'include');
    const full = await page.fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.is(full.status, 503);
    assert.is(full.headers.get('retry-after'), '1', 'exposed to the page');
    const preflight = await fetch(`http://${r.http}/v1/metrics`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.is(preflight.status, 204);
    assert.is(preflight.headers.get('access-control-max-age'), '600');
    assert.is(preflight.headers.get('access-control-allow-methods'), 'POST');
    assert.is(preflight.headers.get('vary'), 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const plain = await fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', origin: 'https://elsewhere.test' } });
    assert.is(plain.status, 503, 'a request from an origin not allowed is still answered (a browser hides the answer from its page)');
    assert.is(plain.headers.get('access-control-allow-origin'), null);
    assert.is(plain.headers.get('vary'), 'Origin');
  } finally {
    r.stop();
  }
});

test.run();
