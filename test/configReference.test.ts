/**
 * examples/reference.yaml names every key of the config at its default, and what `chronoq
 * validate` prints is itself a config that reads back as the same one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft } from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { decodeConfig, decodeConfigValue } from '../src/config/decode.js';
import { resolveConfig, maskSecrets, type ResolvedConfig } from '../src/config/resolve.js';

const test = suite('config reference');
const reference = readFileSync(new URL('../examples/reference.yaml', import.meta.url), 'utf8');

const resolved = (text: string): ResolvedConfig => {
  const r = decodeConfig(text, {});
  if (isLeft(r)) throw new Error(r.left.map((e) => `${e.path}: ${e.expected}`).join('; '));
  return resolveConfig(r.right);
};

test("validate's output reads back as the same config (the default maxAttempts, printed .inf, was refused: 'expected a positive integer, found number Infinity')", () => {
  for (const text of ['{}', reference, 'delivery: {retry: {maxAttempts: infinite}}', 'delivery: {retry: {maxAttempts: 7}}']) {
    const first = resolved(text);
    assert.equal(resolved(stringify(maskSecrets(first))), first, text.slice(0, 40));
  }
  assert.is(resolved('delivery: {retry: {maxAttempts: .inf}}').delivery.retry.maxAttempts, Infinity);
  const bad = decodeConfigValue({ delivery: { retry: { maxAttempts: 1.5 } } });
  assert.ok(isLeft(bad) && bad.left.some((e) => e.path === 'config.delivery.retry.maxAttempts' && /a positive integer or "infinite"/.test(e.expected)));
});

test('examples/reference.yaml: its values are the defaults (for its sources: reorder.maxDelayMs is 0 when the only source is a host source)', () => {
  const ref = resolved(reference);
  const defaults = resolved(stringify({ sources: (parse(reference) as { sources: unknown }).sources }));
  for (const section of ['resource', 'skew', 'reorder', 'batch', 'delivery', 'deadLetter', 'telemetry'] as const) assert.equal(ref[section], defaults[section], section);
  assert.equal(ref.sources[0], { ...defaults.sources[0], perCore: true, network: true, connections: true, filesystem: true, disk: true, paging: true, processes: true }, 'the host source (each family on unless false)');
  assert.equal({ ...ref.sink, type: 'otlp-grpc' }, { type: 'otlp-grpc', endpoint: 'http://localhost:4317', timeoutMs: 10_000, compression: 'none', connectTimeoutMs: 20_000, keepaliveMs: 10_000, holdSilentMs: 60_000, encodeOffThread: false });
});

/** The keys a mapping at `path` takes, as the unknown-key error lists them. */
const keysAt = (path: readonly string[], base: Record<string, unknown> = {}): string[] => {
  const value: Record<string, unknown> = structuredClone(base);
  let at = value;
  for (const p of path) at = (at[p] ??= {}) as Record<string, unknown>;
  at['zzz'] = 1;
  const r = decodeConfigValue(value);
  const takes = isLeft(r) ? r.left.map((e) => /takes ([^)]*)\)/.exec(e.expected)?.[1]).find((x) => x !== undefined) : undefined;
  if (takes === undefined) throw new Error(`no key list at ${path.join('.')}`);
  return takes.split(', ');
};

test('examples/reference.yaml names every key of every section, source and sink (commented out where off by default)', () => {
  const sections: [readonly string[], Record<string, unknown>?][] = [
    [[]], [['skew']], [['reorder']], [['batch']], [['delivery']], [['delivery', 'retry']], [['delivery', 'breaker']],
    [['sink'], { sink: { type: 'otlp-grpc' } }], [['sink', 'tls'], { sink: { type: 'otlp-grpc' } }],
    [['deadLetter']], [['spool'], { spool: { path: 'x' } }], [['telemetry']], [['telemetry', 'alerts']], [['telemetry', 'prometheus'], { telemetry: { prometheus: { port: 1 } } }],
  ];
  const missing: string[] = [];
  for (const [path, base] of sections) for (const key of keysAt(path, base)) if (!new RegExp(`\\b${key}:`).test(reference)) missing.push([...path, key].join('.'));
  for (const type of ['host', 'ndjson', 'synthetic', 'otlp']) {
    const r = decodeConfigValue({ sources: [{ type, path: 'x', zzz: 1 }] });
    const takes = isLeft(r) ? r.left.map((e) => /takes ([^)]*)\)/.exec(e.expected)?.[1]).find((x) => x !== undefined) : undefined;
    for (const key of takes!.split(', ')) if (!new RegExp(`\\b${key}:`).test(reference)) missing.push(`sources[${type}].${key}`);
  }
  assert.equal(missing, []);
});

test('the spool section, commented out in examples/reference.yaml, names its defaults too', () => {
  const block = reference.slice(reference.indexOf('# spool:')).split('\n\n')[0]!.split('\n').map((l) => l.replace(/^# ?/, '')).join('\n');
  for (const fsync of ['always', 'interval']) {
    const documented = resolved(block.replace('fsync: always', `fsync: ${fsync}`)).spool;
    assert.equal(documented, resolved(`spool: {path: ./chronoq-spool.db, fsync: ${fsync}}`).spool, fsync);
  }
  assert.equal(resolved('spool: {path: s.db, fsync: interval}').spool, { path: 's.db', maxBytes: 1024 ** 3, fsync: { intervalMs: 1_000 } });
});

test("what validate prints hides the sink's header values and its TLS key file's path, and the otlp source's bearer token", () => {
  const c = resolved('sources: [{type: otlp, bearerToken: s3cret, protocols: {grpc: {endpoint: "127.0.0.1:4317"}}}]\nsink: {type: otlp-grpc, headers: {x-tenant: acme, authorization: Bearer abc}, tls: {ca: ca.pem, cert: c.pem, key: k.pem}}\n');
  const shown = maskSecrets(c) as { sources: { bearerToken: string }[]; sink: { headers: unknown; tls: unknown } };
  assert.equal(shown.sink.headers, { 'x-tenant': '***', authorization: '***' });
  assert.equal(shown.sink.tls, { ca: 'ca.pem', cert: 'c.pem', key: '***' });
  assert.is(shown.sources[0]!.bearerToken, '***');
});

test.run();
