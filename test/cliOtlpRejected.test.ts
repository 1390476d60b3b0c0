/**
 * `chronoq run` with an otlp source that rejects requests for what they are — larger than its
 * maxRequestBytes, no metrics request, without its bearer token: no OTLP exporter sends such a
 * request again, and its points never reach chronoq (no dead letter holds them), so the run says
 * so — the first of each kind in a warning, every one in the status line and /metrics. Before, only
 * /metrics counted them, gRPC's too-large ones not at all. Points of a request taken that a sample
 * cannot hold are refused alone, as partial success: each a dead letter, counted and said.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { jsonLog, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { collection, exportCall, post } from './support/otlpReceiver.js';

const test = suite('chronoq run: otlp requests rejected');

const address = (stderr: string, protocol: 'gRPC' | 'HTTP') => new RegExp(`listening for OTLP/${protocol} on (127\\.0\\.0\\.1:\\d+)`).exec(stderr)?.[1];

test('each kind of rejected request: the first logged with what to do, all counted in the status line', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    'sources:',
    '  - type: otlp',
    '    protocols: {grpc: {endpoint: "127.0.0.1:0"}, http: {endpoint: "127.0.0.1:0"}}',
    '    maxRequestBytes: 1000',
    '    bearerToken: s3cret',
    'sink: {type: console}',
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'telemetry: {statusIntervalMs: 200}',
    '',
  ].join('\n')), '--log-format', 'json']);
  try {
    await until('chronoq listens', () => address(run.stderrSoFar(), 'gRPC') !== undefined && address(run.stderrSoFar(), 'HTTP') !== undefined);
    const grpc = address(run.stderrSoFar(), 'gRPC')!;
    const http = address(run.stderrSoFar(), 'HTTP')!;
    const { bytes } = await collection();
    const large = Buffer.concat(Array.from({ length: 4 }, () => bytes));
    for (let i = 0; i < 2; i++) {
      assert.ok((await exportCall(grpc, large)).error !== undefined, 'too large');
      assert.is((await post(http, bytes, { 'content-type': 'application/x-protobuf' })).status, 401, 'no token');
      assert.is((await post(http, 'x', { 'content-type': 'application/x-protobuf', authorization: 'Bearer s3cret' })).status, 400, 'no metrics request');
    }
    // Health checks and scanners on the OTLP port (a load balancer's GET /, no token): no export was lost, nothing said.
    assert.is((await fetch(`http://${http}/`)).status, 401);
    assert.is((await fetch(`http://${http}/v1/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status, 405);
    assert.is((await post(http, bytes, { 'content-type': 'application/x-protobuf', authorization: 'Bearer s3cret' })).status, 200, 'a request that is right is taken');
    await until('a status line counting them', () => /otlp requests refused: malformed 2, too-large 2, unauthenticated 2 · /.test(run.stderrSoFar()));
    run.child.kill('SIGINT');
    const r = await run.result;
    assert.is(r.code, 0, r.stderr);
    const warnings = jsonLog(r.stderr).filter((l) => l.level === 'warn').map((l) => l.message);
    // (gRPC's too-large answer is counted as its stream closes, after the client has it: the order of the lines may differ.)
    assert.equal(warnings.map((m) => /^source 0 \(otlp\): a request over OTLP\/(\w+) from 127\.0\.0\.1:\d+ (.*?) was refused \(([^)]*)\)/.exec(m)?.slice(1)).sort(), [
      ['HTTP', 'that is no OTLP metrics request', '400, or 404/405/415 for another path, method or type'],
      ['HTTP', 'without the bearer token it asks for', '401'],
      ['gRPC', 'larger than its maxRequestBytes (1000)', 'RESOURCE_EXHAUSTED'],
    ], 'the first of each kind, once:\n' + warnings.join('\n'));
    assert.match(warnings.find((m) => m.includes('maxRequestBytes'))!, /raise maxRequestBytes, or have the sender export smaller batches\. Its sender drops it .* chronoq_otlp_requests_total\{answer="too-large"\}, not logged$/);
    const refused = jsonLog(r.stderr).map((l) => (l as unknown as Record<string, unknown>)['otlpRequestsRefused']).filter((f) => f !== undefined);
    assert.equal(refused.at(-1), { malformed: 2, 'too-large': 2, unauthenticated: 2 }, 'and in the status line\'s JSON fields');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('points a sample cannot hold (a summary, refused by default): partial success to the sender, a dead letter naming the request\'s sender and why, counted in and dead-lettered, said', async () => {
  const dir = tempDir();
  const dead = join(dir, 'dead.ndjson');
  const run = startCli(['run', writeConfig(dir, [
    'sources: [{type: otlp, protocols: {http: {endpoint: "127.0.0.1:0"}}}]',
    'sink: {type: console}', `deadLetter: {path: ${dead}}`, 'reorder: {maxDelayMs: 0}', '',
  ].join('\n')), '--log-format', 'json']);
  try {
    await until('chronoq listens', () => address(run.stderrSoFar(), 'HTTP') !== undefined);
    const t = String(BigInt(Date.now()) * 1_000_000n);
    const request = { resourceMetrics: [{ scopeMetrics: [{ metrics: [
      { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 4 }] } },
      { name: 'rpc.duration', summary: { dataPoints: [{ timeUnixNano: t, count: '1', sum: 2 }] } },
    ] }] }] };
    const answer = await post(address(run.stderrSoFar(), 'HTTP')!, JSON.stringify(request), { 'content-type': 'application/json' });
    assert.equal([answer.status, (await answer.json() as { partialSuccess?: { rejectedDataPoints?: string } }).partialSuccess?.rejectedDataPoints], [200, '1']);
    run.child.kill('SIGINT');
    const r = await run.result;
    assert.match(r.stderr, /done: 2 in, 1 delivered, 1 dead-lettered/);
    const letters = readFileSync(dead, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string });
    assert.equal(letters.map((l) => l.reason), ['invalid']);
    assert.match(letters[0]!.detail, /^otlp http request from 127\.0\.0\.1:\d+: metric "rpc\.duration": its point, summaries, which chronoq does not carry as such/);
    const said = jsonLog(r.stderr).filter((l) => l.message.includes('rpc.duration'));
    assert.ok(said.length > 0 && said.every((l) => /otlp http request from 127\.0\.0\.1:\d+: metric "rpc\.duration"/.test(l.message)), r.stderr);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.run();
