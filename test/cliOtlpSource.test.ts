/**
 * `chronoq run` with an otlp source: its config (the Collector's otlp receiver block), and what
 * its answer promises — with a spool, a request the exporter was told SUCCESS for is in the
 * spool, so a kill -9 of chronoq right after the answer loses none of it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { ExportResultCode } from '@opentelemetry/core';
import { configErrorsOf } from './support/config.js';
import { runCli, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { parseSampleLine, toJsonLine } from '../src/sampleJson.js';
import { parseDeadLetterLine } from '../src/deadLetterJson.js';
import { fromResourceMetrics } from '../src/otel/fromResourceMetrics.js';
import { loadConfig } from '../src/cli/loadConfig.js';
import { formatConfigError } from '../src/config/errors.js';

const test = suite('chronoq run with an otlp source');

const source = (protocols: string): string => `sources:\n  - type: otlp\n    protocols:\n${protocols}`;

test('the Collector\'s otlp receiver block is taken as written; an endpoint with a scheme, no protocol, a port out of range are config errors', async () => {
  assert.equal(configErrorsOf(source('      grpc:\n        endpoint: http://0.0.0.0:4317\n')), [
    'config.sources[0].protocols.grpc.endpoint: expected host:port to listen on (localhost:4317; 0.0.0.0:4317 for every interface; [::1]:4317), found "http://0.0.0.0:4317" (without the scheme: 0.0.0.0:4317 (a receiver\'s endpoint is where it listens, not a URL))',
  ]);
  assert.equal(configErrorsOf(source('      {}\n')), ['config.sources[0].protocols: expected grpc, http or both, found neither (protocols: {grpc: {endpoint: localhost:4317}})']);
  assert.equal(configErrorsOf(source('      http:\n        endpoint: "[::1]:70000"\n')), [
    'config.sources[0].protocols.http.endpoint: expected host:port to listen on (localhost:4317; 0.0.0.0:4317 for every interface; [::1]:4317): a port up to 65535, found "[::1]:70000"',
  ]);
  assert.equal(configErrorsOf(source('      grpc:\n        endpoint: :4317\n')), [
    'config.sources[0].protocols.grpc.endpoint: expected host:port to listen on (localhost:4317; 0.0.0.0:4317 for every interface; [::1]:4317), found ":4317" (a host too: localhost:4317 (this machine only) or 0.0.0.0:4317 (every interface))',
  ]);
  assert.equal(configErrorsOf(source('      grpc:\n        max_recv_msg_size_mib: 32\n')), [
    "config.sources[0].protocols.grpc.max_recv_msg_size_mib: expected no key 'max_recv_msg_size_mib' (otlp grpc protocol takes endpoint, tls), found number 32 (the source's maxRequestBytes (beside protocols, in bytes, for both protocols))",
  ]);
  // `grpc:` with nothing under it, as the Collector's docs write it: its default endpoint.
  const dir = tempDir();
  const validated = await runCli(['validate', writeConfig(dir, `${source('      grpc:\n      http:\n')}sink: {type: console}\n`)]);
  assert.is(validated.code, 0, validated.stderr);
  assert.match(validated.stdout, /grpc:\n\s+endpoint: localhost:4317\n\s+http:\n\s+endpoint: localhost:4318\n\s+maxRequestBytes: 16777216/);
  assert.match(validated.stdout, /stampedLocally: false/, 'its senders\' clocks are not this machine\'s unless it says so');
  assert.equal(configErrorsOf(`${source('      grpc:\n')}    stampedLocally: yes\n`), ['config.sources[0].stampedLocally: expected true or false, found "yes"']);
  // A bearer token is a secret: masked in what validate prints.
  const masked = await runCli(['validate', writeConfig(dir, `${source('      grpc:\n')}    bearerToken: s3cret-token\nsink: {type: console}\n`)]);
  assert.is(masked.code, 0, masked.stderr);
  assert.match(masked.stdout, /bearerToken: "\*\*\*"/);
  assert.not.match(masked.stdout, /s3cret-token/);
  // Read from a file (and watched): masked the same, the template no key of the output.
  writeFileSync(join(dir, 'token'), 's3cret-file-token\n');
  const fromFile = await runCli(['validate', writeConfig(dir, `${source('      grpc:\n')}    bearerToken: \${file:${join(dir, 'token')}}\nsink: {type: console}\n`)]);
  assert.is(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /bearerToken: "\*\*\*"/);
  assert.not.match(fromFile.stdout, /s3cret-file-token|bearerTokenTemplate/);
});

test('a sink aimed at the source\'s own gRPC endpoint is a config error: the applications\' OTEL_EXPORTER_OTLP_ENDPOINT, read by the sink too, made a loop', () => {
  const dir = tempDir();
  const errorsOf = (yaml: string, env: Record<string, string> = {}): string[] => {
    const r = loadConfig(writeConfig(dir, yaml), env);
    return r._tag === 'Left' ? r.left.map(formatConfigError) : [];
  };
  const listening = source('      grpc:\n        endpoint: 0.0.0.0:4317\n');
  assert.equal(errorsOf(listening, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317' }), [
    'OTEL_EXPORTER_OTLP_ENDPOINT: expected a receiver other than this chronoq: sources[0] (otlp) listens on 0.0.0.0:4317, so every sample would be sent back in to it, round and round, found "http://localhost:4317" (give sink.endpoint the Collector\'s address (OTEL_EXPORTER_OTLP_ENDPOINT, set for the applications, is read by chronoq\'s sink too when the config has no sink.endpoint))',
  ]);
  assert.equal(errorsOf(`${listening}sink: {type: otlp-grpc, endpoint: "127.0.0.1:4317"}\n`).length, 1, 'the config\'s own endpoint, as host:port');
  assert.equal(errorsOf(`${listening}sink: {type: otlp-grpc, endpoint: "http://collector:4317"}\n`, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4317' }), [], 'sink.endpoint wins over the variable');
  assert.equal(errorsOf(`${source('      grpc:\n        endpoint: 127.0.0.1:14317\n')}sink: {type: otlp-grpc, endpoint: "http://localhost:4317"}\n`), [], 'another port');
});

test('a listener\'s TLS: its files checked at load, the Collector\'s key names answered with chronoq\'s', () => {
  const dir = tempDir();
  const tls = join(import.meta.dirname, 'fixtures/tls');
  const errorsOf = (tlsYaml: string): string[] => {
    const r = loadConfig(writeConfig(dir, `${source(`      grpc:\n        endpoint: 127.0.0.1:14317\n        tls: ${tlsYaml}\n`)}sink: {type: console}\n`), {});
    return r._tag === 'Left' ? r.left.map(formatConfigError) : [];
  };
  assert.equal(errorsOf(`{cert: ${tls}/server.pem, key: ${tls}/server-key.pem, clientCa: ${tls}/ca.pem}`), []);
  assert.equal(errorsOf(`{cert: ${tls}/server.pem, key: ${tls}/client-key.pem}`), [
    `config.sources[0].protocols.grpc.tls.key: expected the private key of sources[0].protocols.grpc.tls.cert, found "${tls}/client-key.pem", the key of another certificate`,
  ]);
  assert.equal(errorsOf(`{cert: ${tls}/server.pem, key: ${tls}/nope.pem}`), [
    `config.sources[0].protocols.grpc.tls.key: expected a readable file with a PEM private key, found "${tls}/nope.pem" (ENOENT)`,
  ]);
  assert.equal(configErrorsOf(source('      grpc:\n        tls: {cert_file: a.pem, key: b.pem}\n')), [
    "config.sources[0].protocols.grpc.tls.cert_file: expected no key 'cert_file' (otlp source tls takes cert, key, clientCa), found \"a.pem\" (chronoq's name for it is 'cert')",
    'config.sources[0].protocols.grpc.tls.cert: expected a non-empty string (required), found nothing',
  ]);
});

/** Posts `n` points of one gauge over 50 series as OTLP/JSON, point i at 2025-11-25T10:00Z + (from + i) ms. */
const postPoints = (address: string, n: number, from: number) => fetch(`http://${address}/v1/metrics`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'big', gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ attributes: [{ key: 'k', value: { intValue: String(i % 50) } }], timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(from + i) * 1_000_000n), asInt: '1' })) } }] }] }] }),
});
const httpAddress = (stderr: string) => /listening for OTLP\/HTTP on (127\.0\.0\.1:\d+)/.exec(stderr)?.[1];

test('without a spool, requests are taken until the pipeline holds delivery.maxQueued + reorder.maxBuffered, each whole: one that would overflow is refused as unavailable, not answered as taken with its points dead-lettered', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    `${source('      http:\n        endpoint: 127.0.0.1:0\n')}sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:1"}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'delivery: {maxQueued: 1000, shutdownDeadlineMs: 500}',
    'reorder: {maxBuffered: 1000, maxDelayMs: 0}',
    '',
  ].join('\n'))]);
  try {
    await until('chronoq listens', () => httpAddress(run.stderrSoFar()) !== undefined);
    const post = (n: number, from: number) => postPoints(httpAddress(run.stderrSoFar())!, n, from);
    assert.is((await post(400, 0)).status, 200);
    // 400 + 2 700 is past the 2 000 the pipeline holds without overflowing (it made 100 overflow dead letters).
    assert.is((await post(2_700, 1_000)).status, 503);
    assert.match(run.stderrSoFar(), /no room for more samples \(the samples held in memory are at their limit, delivery.maxQueued \+ reorder.maxBuffered/);
    // Taken up to that limit: refused from half of maxQueued (500 waiting for delivery, a file source's gate), the last was not.
    assert.is((await post(700, 4_000)).status, 200);
    assert.is((await post(500, 5_000)).status, 200);
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: 1600 in, 0 delivered, 1600 dead-lettered/);
    assert.match(done.stderr, /"overflow":0/);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('with a spool, a receiver that is up but slower than the applications does not make chronoq refuse their requests: the spool takes them, and all arrive in order', async () => {
  // Refused from half of delivery.maxQueued on, a JS gRPC exporter's requests were lost with the spool all but empty.
  const dir = tempDir();
  const server = await startFakeOtlpServer(() => ({ later: new Promise((r) => setTimeout(() => r({ ok: true }), 200)) }));
  const run = startCli(['run', writeConfig(dir, [
    `${source('      http:\n        endpoint: 127.0.0.1:0\n')}sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
    `spool: {path: ${join(dir, 'spool.db')}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'delivery: {maxQueued: 1000}', 'reorder: {maxDelayMs: 0}', '',
  ].join('\n'))]);
  try {
    await until('chronoq listens', () => httpAddress(run.stderrSoFar()) !== undefined);
    const statuses: number[] = [];
    for (let r = 0; r < 10; r++) statuses.push((await postPoints(httpAddress(run.stderrSoFar())!, 1_000, r * 1_000)).status);
    assert.equal(statuses, Array(10).fill(200));
    const points = () => server.received.flatMap((x) => x.points);
    await until('the receiver has every point', () => points().length >= 10_000, 30_000);
    const times = points().map((p) => p.timeUnixNano);
    assert.is(new Set(times).size, 10_000, 'each point once');
    // Point i is of series i mod 50: each series' points in time order.
    const ofSeries = (k: number) => times.filter((t) => ((t - 1_764_064_800_000_000_000n) / 1_000_000n) % 50n === BigInt(k));
    for (let k = 0; k < 50; k++) assert.equal(ofSeries(k), [...ofSeries(k)].sort((a, b) => (a < b ? -1 : 1)), `series ${k} in order`);
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: 10000 in, 10000 delivered, 0 dead-lettered/);
    assert.not.match(done.stderr, /no room/);
  } finally {
    run.child.kill('SIGKILL');
    await server.stop();
  }
});

test('with a small spool and the receiver down, requests are refused before the spool would refuse their points: none answered 200 becomes a dead letter `overflow` (the reorder window\'s points, half the spool here, did not count toward its room)', async () => {
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    `${source('      http:\n        endpoint: 127.0.0.1:0\n')}sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:1"}`,
    `spool: {path: ${join(dir, 'spool.db')}, maxBytes: 3000000}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'delivery: {maxQueued: 1000, shutdownDeadlineMs: 500}', '',
  ].join('\n'))]);
  try {
    await until('chronoq listens', () => httpAddress(run.stderrSoFar()) !== undefined);
    // 20 applications, each sending its next 500 points once its request is answered (the spool's answer waits for the 2 s window), for 8 s.
    const answers = new Map<number, number>();
    const end = Date.now() + 8_000;
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (Date.now() < end) {
        // Stamped now (as an application does), so that requests in flight together are within the reorder window.
        const status = (await postPoints(httpAddress(run.stderrSoFar())!, 500, Date.now() - 1_764_064_800_000)).status;
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status !== 200) await new Promise((w) => setTimeout(w, 100));
      }
    }));
    assert.ok((answers.get(503) ?? 0) > 0, `refused at last: ${JSON.stringify([...answers])}`);
    run.child.kill('SIGINT');
    const done = await run.result;
    const taken = (answers.get(200) ?? 0) * 500;
    assert.match(done.stderr, new RegExp(`done: ${taken} in, 0 delivered, 0 dead-lettered, ${taken} left in the spool`), done.stderr.slice(-3000));
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('with a spool, points of a request that become dead letters before its answer (late: older than their series\' newest sent) are answered as rejected, with the reason; a request spooled whole is answered with no partial success', async () => {
  const dir = tempDir();
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const run = startCli(['run', writeConfig(dir, [
    `${source('      http:\n        endpoint: 127.0.0.1:0\n')}sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
    `spool: {path: ${join(dir, 'spool.db')}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', '',
  ].join('\n'))]);
  try {
    await until('chronoq listens', () => httpAddress(run.stderrSoFar()) !== undefined);
    const newest = await postPoints(httpAddress(run.stderrSoFar())!, 50, 10_000);
    assert.equal(await newest.json(), {}, 'spooled whole: nothing rejected');
    const older = await postPoints(httpAddress(run.stderrSoFar())!, 100, 0);
    const answer = (await older.json()) as { partialSuccess?: { rejectedDataPoints: string; errorMessage: string } };
    assert.is(answer.partialSuccess?.rejectedDataPoints, '100');
    assert.match(answer.partialSuccess!.errorMessage, /^100 point\(s\) taken and not delivered, kept as chronoq dead letters \(dead letter late: sample at \d+ ns is older than the last released sample of its series/);
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: 150 in, 50 delivered, 100 dead-lettered/);
  } finally {
    run.child.kill('SIGKILL');
    await server.stop();
  }
});

test('a dead letter of refused points, replayed, says what it is (the points are not in it; their sender was told)', () => {
  const letter = toJsonLine({ reason: 'invalid', item: { source: 'otlp http', peer: '10.0.0.7:51234', reason: 'metric "rpc": its point, summaries, which chronoq does not carry' }, detail: 'otlp http request from 10.0.0.7:51234: …', atUnixMs: 1 });
  assert.equal(parseDeadLetterLine(letter), {
    _tag: 'Left',
    left: 'it records points that otlp http refused from 10.0.0.7:51234 (metric "rpc": its point, summaries, which chronoq does not carry), which the letter does not hold: their sender was told so, in the answer\'s partial success',
  });
});

const collect = async () => {
  const reader = new (class extends MetricReader {
    protected async onForceFlush() {}
    protected async onShutdown() {}
  })({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'billing' }), readers: [reader] });
  const meter = provider.getMeter('billing');
  meter.createCounter('invoices').add(5, { region: 'eu' });
  meter.createGauge('open.invoices').record(17, { region: 'eu' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
};

test('with a spool, a request answered SUCCESS is in the spool: kill -9 right after the answer, and the next run delivers every point', async () => {
  const dir = tempDir();
  const base = `${source('      grpc:\n        endpoint: 127.0.0.1:0\n')}spool: {path: ${join(dir, 'spool.db')}}\ndeadLetter: {path: ${join(dir, 'dl.ndjson')}}\nreorder: {maxDelayMs: 300}\n`;
  // The receiver is down: nothing is delivered, the samples can only be in the spool.
  const first = startCli(['run', writeConfig(dir, `${base}sink: {type: otlp-grpc, endpoint: http://127.0.0.1:1}\n`, 'down.yaml')]);
  try {
    await until('chronoq listens', () => /listening for OTLP\/gRPC on 127\.0\.0\.1:\d+/.test(first.stderrSoFar()));
    const address = /listening for OTLP\/gRPC on (127\.0\.0\.1:\d+)/.exec(first.stderrSoFar())![1]!;
    const rm = await collect();
    const exporter = new OTLPMetricExporter({ url: `http://${address}` });
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(rm, resolve));
    await exporter.shutdown();
    assert.is(result.code, ExportResultCode.SUCCESS);
    first.child.kill('SIGKILL');
    await first.result;
    const out = join(dir, 'out.ndjson');
    const second = startCli(['run', writeConfig(dir, `${base}sink: {type: ndjson, path: ${out}}\n`, 'up.yaml')]);
    try {
      const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter((l) => l !== '') : []);
      await until('the next run delivers what the spool held', () => lines().length >= 2);
      second.child.kill('SIGINT');
      const done = await second.result;
      assert.match(done.stderr, /done: 2 in, 2 delivered, 0 dead-lettered/, done.stderr);
      const delivered = lines().map((l) => parseSampleLine(l)).map((r) => (r._tag === 'Right' ? r.right : (assert.unreachable(r.left) as never)));
      const sent = fromResourceMetrics(rm).samples;
      assert.equal(delivered.map((x) => [x.name, x.timeUnixNano, x.value, x.attributes, x.resource]), sent.map((x) => [x.name, x.timeUnixNano, x.value, x.attributes, x.resource]));
    } finally {
      second.child.kill('SIGKILL');
    }
  } finally {
    first.child.kill('SIGKILL');
  }
});

test.run();
