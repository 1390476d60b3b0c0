/**
 * What `chronoq run` does when something outside the config's shape is wrong — a port in use, a
 * file that is not there, a source that fails, a dead-letter file it cannot write: a line saying
 * what and where, a non-zero exit when the run could not do its job, never a stack trace, and never
 * a sample unaccounted for.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { EMPTY, of, throwError } from 'rxjs';
import { jsonLog, runCli, tempDir, writeConfig } from './support/cli.js';
import { isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { mk as spoolSample } from './support/spool.js';
import { Pipeline, type PipelineEvent } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { otlpProtocolWarning } from '../src/config/grpcValues.js';

const test = suite('chronoq run: startup and runtime failures');
const noStack = (s: string) => !/\n\s+at /.test(s);

test('a self-metrics port already in use: a clear error before anything is read, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, [
      'sources: [{type: synthetic, series: 1, ratePerSecond: 10, count: 5, valuePattern: sequence}]',
      `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      `telemetry: {prometheus: {port: ${port}}}`,
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg, '--quiet']);
    assert.is(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot serve self-metrics on 127\\.0\\.0\\.1:${port} \\(telemetry\\.prometheus\\): .*EADDRINUSE`));
    assert.ok(noStack(r.stderr), r.stderr);
    assert.not.match(r.stderr, /chronoq running/, 'nothing started');
  } finally {
    taken.close();
  }
});

test('files the config names are checked before anything runs: a missing source file, unwritable dead-letter and sink paths; exit 2', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [
    `sources: [{type: ndjson, path: ${join(dir, 'missing.ndjson')}}]`,
    `sink: {type: ndjson, path: ${join(dir, 'no-such-dir', 'out.ndjson')}}`,
    `deadLetter: {path: ${join(dir, 'no-such-dir', 'dead.ndjson')}}`,
    '',
  ].join('\n'));
  for (const command of ['validate', 'run']) {
    const r = await runCli([command, cfg]);
    assert.is(r.code, 2, command);
    assert.match(r.stderr, /config\.sources\[0\]\.path: expected a readable file \(or - for standard input\), found ".*missing\.ndjson" \(ENOENT\)/);
    assert.match(r.stderr, /config\.sink\.path: expected a file chronoq can write, found ".*out\.ndjson" \(ENOENT: cannot create it in .*no-such-dir\)/);
    assert.match(r.stderr, /config\.deadLetter\.path: expected a file chronoq can write/);
    assert.ok(noStack(r.stderr), r.stderr);
  }
});

const T0 = 1_767_225_600_000_000_000n;
const mk = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(i) * 1_000_000n, attributes: {} });

test('a source that fails ends alone and is reported; the other sources are delivered; the pipeline says it failed', async () => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 } }), sources: [] };
  const sent: number[] = [];
  const events: PipelineEvent[] = [];
  const p = new Pipeline(config, {
    send: (batch) => (batch.forEach((s) => sent.push(s.value as number)), EMPTY),
    sources: [throwError(() => new Error('EACCES: permission denied, open /var/log/app.ndjson')), of(mk(0), mk(1), mk(2))],
    deadLetters: () => undefined,
    stampedLocally: false,
  });
  p.events$.subscribe((e) => events.push(e));
  p.start();
  await p.done;
  // Before, the first source's error ended the second one too, and the run ended as if both had run out.
  assert.equal(sent, [0, 1, 2]);
  const failed = events.filter((e) => e.type === 'source-failed');
  assert.is(failed.length, 1);
  assert.is(failed[0]!.type === 'source-failed' && failed[0]!.index, 0);
  assert.ok(p.failed);
});

test('a failing receiver is logged with its error once per episode, and its recovery once; the samples wait and arrive', async () => {
  // The first five requests fail UNAVAILABLE, then the receiver accepts. Before, the log only
  // counted retries in the status line: nothing said what was wrong.
  const server = await startFakeOtlpServer((_, i) => (i < 5 ? { code: 14, message: 'collector overloaded' } : { ok: true }));
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, [
      'sources: [{type: synthetic, series: 1, ratePerSecond: 20, count: 4, valuePattern: sequence}]',
      `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${server.port}"}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      'reorder: {maxDelayMs: 0}',
      'batch: {maxSize: 1, maxDelayMs: 10}',
      'delivery: {retry: {initialDelayMs: 20, maxDelayMs: 50}, breaker: {failureThreshold: 100}}',
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(r.code, 0, r.stderr);
    const messages = r.stderr.trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message);
    const failing = messages.filter((m) => m.includes('is failing'));
    assert.equal(failing, [`delivery to otlp-grpc 127.0.0.1:${server.port} is failing: 14 UNAVAILABLE: collector overloaded; retrying, the samples wait`]);
    assert.equal(messages.filter((m) => m.includes('works again')), [`delivery to otlp-grpc 127.0.0.1:${server.port} works again (after 5 failed attempts)`]);
    assert.ok(messages.some((m) => m === 'done: 4 in, 4 delivered, 0 dead-lettered'), messages.join('\n'));
  } finally {
    await server.stop();
  }
});

test('a sink endpoint that does not match the server — not gRPC (an OTLP/HTTP port), https:// to a plaintext one, http:// to a TLS one, a certificate not trusted, or one that accepts and never answers: the warning says so', async () => {
  const http1 = createHttpServer((_, res) => res.writeHead(404).end('404 page not found'));
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  const plaintext = await startFakeOtlpServer(() => ({ ok: true }));
  const tlsDir = join(import.meta.dirname, 'fixtures/tls');
  const tls = await startFakeOtlpServer(() => ({ ok: true }), { cert: readFileSync(join(tlsDir, 'server.pem')), key: readFileSync(join(tlsDir, 'server-key.pem')) });
  const mutual = await startFakeOtlpServer(() => ({ ok: true }), { cert: readFileSync(join(tlsDir, 'server.pem')), key: readFileSync(join(tlsDir, 'server-key.pem')), clientCa: readFileSync(join(tlsDir, 'ca.pem')) });
  const held: import('node:net').Socket[] = [];
  const silent = createServer((s) => held.push(s.on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const cases = [
    [`http://127.0.0.1:${(silent.address() as { port: number }).port}`, /DEADLINE_EXCEEDED.*Waiting for LB pick \(no connection yet: the receiver accepted one and has not answered on it — hung, overloaded, or a proxy holding it; a new one is tried after sink\.connectTimeoutMs\); retrying/],
    [`http://127.0.0.1:${(http1.address() as { port: number }).port}`, /Protocol error.* \(the endpoint answered, but not in gRPC: OTLP\/gRPC usually listens on 4317, OTLP\/HTTP on 4318\); retrying/],
    [`https://localhost:${plaintext.port}`, /wrong version number.* \(the endpoint does not speak TLS: for a plaintext receiver, write the endpoint as http:\/\/…\); retrying/],
    [`http://localhost:${tls.port}`, /Failed to connect.* \(the receiver closed the connection before HTTP\/2 started: one that expects TLS\? then write the endpoint as https:\/\/…; or one stopping or starting, as a collector restarting does\); retrying/],
    // Mutual TLS: no client certificate, and one the receiver does not trust (TLS 1.3: only a closed
    // connection, read as 'Failed to connect' or 'read ECONNRESET' — seen in CI).
    [`https://localhost:${mutual.port}`, /alert certificate required.* \(the receiver asks for a client certificate: give it as sink\.tls\.cert and sink\.tls\.key\); retrying/, `{ca: ${join(tlsDir, 'ca.pem')}}`],
    [`https://localhost:${mutual.port}`, /(Failed to connect|ECONNRESET).* \(the receiver closed the connection during the TLS handshake, as one does that does not accept this client's certificate: sink\.tls\.cert signed by a CA it trusts, not expired\?\); retrying/, `{ca: ${join(tlsDir, 'ca.pem')}, cert: ${join(tlsDir, 'client2.pem')}, key: ${join(tlsDir, 'client2-key.pem')}}`],
    [`https://localhost:${tls.port}`, /unable to verify the first certificate.* \(the receiver's TLS certificate is not trusted here: give its CA as sink\.tls\.ca or OTEL_EXPORTER_OTLP_CERTIFICATE; this process trusts the CAs Node ships with, not the system's store \(curl's, the Collector's\), unless NODE_EXTRA_CA_CERTS names a file of more\); retrying/],
  ] as const;
  try {
    for (const [endpoint, warning, tlsYaml] of cases as ReadonlyArray<readonly [string, RegExp, string?]>) {
      const dir = tempDir();
      const cfg = writeConfig(dir, [
        'sources: [{type: synthetic, series: 1, ratePerSecond: 20, count: 1, valuePattern: sequence}]',
        `sink: {type: otlp-grpc, endpoint: "${endpoint}", timeoutMs: 500${tlsYaml === undefined ? '' : `, tls: ${tlsYaml}`}}`,
        `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
        'reorder: {maxDelayMs: 0}',
        'delivery: {retry: {initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 3}}',
        '',
      ].join('\n'));
      // grpc-js trusts GRPC_DEFAULT_SSL_ROOTS_FILE_PATH alone when it is set (some machines set it): not here.
      const r = await runCli(['run', cfg], { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '' });
      assert.match(r.stderr, warning, r.stderr);
      assert.match(r.stderr, /done: 1 in, 0 delivered, 1 dead-lettered/);
    }
  } finally {
    http1.close();
    held.forEach((s) => s.destroy());
    silent.close();
    await plaintext.stop();
    await tls.stop();
    mutual.kill();
  }
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf (the JS SDK default, often set for a whole pod): a warning at start of run and replay that chronoq speaks gRPC, naming the endpoint; none for grpc', async () => {
  // Before, nothing was said until the first export failed with "Protocol error".
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, count: 1}]', 'sink: {type: otlp-grpc}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'));
    const endpoint = `http://127.0.0.1:${server.port}`;
    const warned = await runCli(['run', cfg], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.match(warned.stderr, /WARN +OTEL_EXPORTER_OTLP_PROTOCOL=http\/protobuf, but chronoq speaks OTLP\/gRPC only: it sends gRPC to 127\.0\.0\.1:\d+\n/, warned.stderr);
    assert.match(warned.stderr, /done: 1 in, 1 delivered/);
    const letters = join(dir, 'letters.ndjson');
    (await import('node:fs')).writeFileSync(letters, '{"reason":"rejected","item":{"name":"x","value":1,"timeUnixNano":"1764064800000000000","attributes":{}},"detail":"d","atUnixMs":1}\n');
    const replayed = await runCli(['replay', letters, '--config', cfg], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.match(replayed.stderr, /speaks OTLP\/gRPC only: it sends gRPC to 127\.0\.0\.1:\d+\n/, 'replay says it too');
    const quiet = await runCli(['run', cfg], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    assert.not.match(quiet.stderr, /speaks OTLP\/gRPC only/, 'the metrics variable wins');
    assert.equal(otlpProtocolWarning({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'collector:4318'),
      'OTEL_EXPORTER_OTLP_PROTOCOL=http/json, but chronoq speaks OTLP/gRPC only: it sends gRPC to collector:4318; 4318 is the usual OTLP/HTTP port, OTLP/gRPC listens on 4317');
    assert.is(otlpProtocolWarning({}, 'collector:4317'), undefined);
    // grpc in any case, with spaces around it, is what chronoq speaks: nothing to warn of.
    assert.is(otlpProtocolWarning({ OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC' }, 'collector:4317'), undefined);
    assert.is(otlpProtocolWarning({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ' grpc ' }, 'collector:4317'), undefined);
    // An empty metrics variable is not set: the general one says what is spoken.
    assert.match(otlpProtocolWarning({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: ' ', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'collector:4317') ?? '', /^OTEL_EXPORTER_OTLP_PROTOCOL=http\/protobuf, but/);
  } finally {
    await server.stop();
  }
});

test('better-sqlite3 without its compiled module (npm 11 skipped its install script): run and inspect say so and how to build it, in one line, exit 1', async () => {
  // It was better-sqlite3's own words: "cannot open ….lock (the spool's owner lock): Could not
  // locate the bindings file. Tried:" and a list of paths, nothing about what to do.
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, count: 5}]', 'sink: {type: ndjson, path: ' + join(dir, 'out.ndjson') + '}', `spool: {path: ${join(dir, 'spool.db')}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const env = { NODE_OPTIONS: `--require ${join(import.meta.dirname, 'fixtures/noSqliteModule.cjs')}` };
  const run = await runCli(['run', cfg], env);
  assert.is(run.code, 1, run.stderr);
  const errors = run.stderr.split('\n').filter((l) => /ERROR/.test(l));
  assert.is(errors.length, 1, run.stderr);
  assert.match(errors[0]!, `cannot open the spool ${join(dir, 'spool.db')}: better-sqlite3's native module (SQLite) is not built for this Node ${process.version} (Could not locate the bindings file). Build it`);
  assert.match(errors[0]!, 'npm rebuild better-sqlite3');
  assert.match(errors[0]!, 'npm install-scripts approve better-sqlite3');
  assert.match(errors[0]!, 'Or run without a spool');
  assert.not.match(run.stderr, /Tried|better_sqlite3\.node/);
  assert.ok(noStack(run.stderr), run.stderr);
  writeFileSync(join(dir, 'spool.db'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(84)])); // inspect tells a spool by its header
  const inspect = await runCli(['inspect', join(dir, 'spool.db')], env);
  assert.is(inspect.code, 2, inspect.stderr);
  assert.match(inspect.stderr, 'npm rebuild better-sqlite3');
  assert.not.match(inspect.stderr, /Or run without a spool|Tried/);
});

test('dead letters the file cannot take go to onWriteError (the command logs them), not into a crash', () => {
  const dir = join(tempDir(), 'letters');
  mkdirSync(dir);
  const failures: { error: unknown; lines: readonly string[] }[] = [];
  const file = new DeadLetterFile(join(dir, 'dead.ndjson'), { onWriteError: (error, lines) => failures.push({ error, lines }) });
  file.append({ reason: 'rejected', item: mk(1), detail: 'first', atUnixMs: 0 });
  file.flush();
  assert.is(file.written, 1);
  rmSync(dir, { recursive: true }); // the directory goes away (a cleanup job, a volume unmounted)
  file.close(); // the next letter must open the file again
  file.append({ reason: 'rejected', item: mk(2), detail: 'second', atUnixMs: 0 });
  file.flush();
  assert.is(failures.length, 1);
  assert.match(String(failures[0]!.error), /ENOENT/);
  assert.is(failures[0]!.lines.length, 1);
  assert.match(failures[0]!.lines[0]!, /"detail":"second"/);
  assert.is(file.failed, 1);
  // Without a handler the error is the caller's, as before.
  const bare = new DeadLetterFile(join(dir, 'dead.ndjson'));
  bare.append({ reason: 'rejected', item: mk(3), detail: 'third', atUnixMs: 0 });
  assert.throws(() => bare.flush(), /ENOENT/);
});

test('sources: [] — with a spool, delivers what it holds and stops; without one, a warning that there is nothing to send (it said `chronoq running:  → …`)', async () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'spool.db');
  const opened = Spool.open(spoolPath, { lanes: 1 });
  if (!isRight(opened)) throw opened.left;
  opened.right.spool.append([0, 1, 2, 3, 4].map((i) => spoolSample(i)));
  opened.right.spool.close();
  const out = join(dir, 'out.ndjson');
  const base = ['sources: []', `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`];
  const drained = await runCli(['run', writeConfig(dir, [...base, `spool: {path: ${spoolPath}}`, ''].join('\n'), 'a.yaml'), '--log-format', 'json']);
  assert.is(drained.code, 0, drained.stderr);
  const log = jsonLog(drained.stderr);
  assert.ok(log.some((l) => l.level === 'info' && /^chronoq running: no sources \(what the spool holds, then it stops\) → ndjson \S+; spool \S+spool\.db; dead letters → /.test(l.message)), drained.stderr);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value), [0, 1, 2, 3, 4]);
  assert.is(log.at(-1)!.delivered, 5);
  const idle = await runCli(['run', writeConfig(dir, [...base, ''].join('\n'), 'b.yaml'), '--log-format', 'json']);
  assert.is(idle.code, 0, idle.stderr);
  assert.ok(jsonLog(idle.stderr).some((l) => l.level === 'warn' && /^chronoq running: no sources \(nothing to send; without the key, the host source\) → ndjson \S+; dead letters → /.test(l.message)), idle.stderr);
});

test('a config file with no settings (empty, only comments, `---`) is the built-in defaults, said in a warning; `{}` asks for the defaults and is not warned of', async () => {
  const dir = tempDir();
  const warned = /config file .* holds no settings \(it is empty, or only comments\): chronoq runs with its built-in defaults/;
  for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# sink: {type: console}\n'], ['dashes.yaml', '---\n']] as const) {
    const r = await runCli(['validate', writeConfig(dir, text, name)]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, warned, name);
    assert.match(r.stdout, /type: host/, 'the defaults it resolved to');
  }
  const braces = await runCli(['validate', writeConfig(dir, '{}\n', 'braces.yaml')]);
  assert.is(braces.code, 0, braces.stderr);
  assert.not.match(braces.stderr, warned);
  // An empty file with an error from the environment: the error is what to mend, not the empty file.
  const refused = await runCli(['validate', join(dir, 'empty.yaml')], { OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=$(POD_NAME)' });
  assert.is(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /OTEL_RESOURCE_ATTRIBUTES/);
  assert.not.match(refused.stderr, warned);
  // replay with an empty --config: the warning before anything is sent (to localhost:4317).
  const letters = join(dir, 'none.ndjson');
  writeFileSync(letters, '');
  const replay = await runCli(['replay', letters, '--config', join(dir, 'empty.yaml'), '--log-format', 'json']);
  assert.ok(jsonLog(replay.stderr)[0]?.level === 'warn' && warned.test(jsonLog(replay.stderr)[0]!.message), replay.stderr);
});

test.run();
