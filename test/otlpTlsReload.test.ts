/**
 * Certificates rotated under a running sink: the config's TLS files are read again when they
 * change (src/otlp/tlsFilesWatch.ts). Before, the credentials built at start stayed in use: once
 * the receiver's certificates were re-issued by a new CA (and the client's files replaced to
 * match), every attempt failed its handshake until a restart. Against a real gRPC server with the
 * certificates of test/fixtures/tls (scripts/make-test-certs.sh: ca and ca2, a server and a client
 * certificate of each).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NEVER, Subject } from 'rxjs';
import { createSink, type Sink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';
import { logDeliveryTrouble } from '../src/telemetry/deliveryLog.js';
import { watchTlsFiles, type TlsFilesEvent } from '../src/otlp/tlsFilesWatch.js';
import { envTlsFiles } from '../src/otlp/envTlsFiles.js';
import { X509Certificate } from 'node:crypto';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { jsonLog, sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';
import { withEnv } from './support/env.js';
import { fileURLToPath } from 'node:url';

const test = suite('TLS files rotated while running');
const fixtures = join(import.meta.dirname, 'fixtures/tls');
const pem = (name: string): Buffer => readFileSync(join(fixtures, name));
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} });

/** The client's files, in a directory of their own: the ones ca.pem issued. */
const clientFiles = () => {
  const dir = tempDir();
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client-key.pem') };
  copyFileSync(join(fixtures, 'ca.pem'), files.ca);
  copyFileSync(join(fixtures, 'client.pem'), files.cert);
  copyFileSync(join(fixtures, 'client-key.pem'), files.key);
  return files;
};

/**
 * Delivers once; re-issues the receiver's certificates by ca2; replaces the client's `files` with
 * ca2's, the certificate first (a half rotation, expected to be reported as `halfProblem`), then
 * the key and the CA; and expects the sink to deliver again with them, without a restart.
 */
const rotatedUnder = async (files: { ca: string; cert: string; key: string }, makeSink: (endpoint: string) => Sink, halfProblem: string): Promise<void> => {
  let server = await startFakeOtlpServer(() => ({ ok: true }), { cert: pem('server.pem'), key: pem('server-key.pem'), clientCa: pem('ca.pem') });
  const port = server.port;
  const sink = makeSink(`https://localhost:${port}`);
  const events: TlsFilesEvent[] = [];
  sink.tlsFiles$!.subscribe((e) => events.push(e));
  const send = (i: number) => new Promise<string>((resolve) => sink.send([sample(i)]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
  try {
    assert.is(await send(1), 'ok');
    // Rotation on the receiver's side: its certificate and the client certificates it accepts now come from ca2.
    server.kill();
    server = await startFakeOtlpServer(() => ({ ok: true }), { cert: pem('server2.pem'), key: pem('server2-key.pem'), clientCa: pem('ca2.pem') }, port);
    await sleep(200);
    const refused = await send(2);
    assert.match(refused, /UNAVAILABLE.*(certificate|handshake|alert)/i, refused);
    // Half a rotation: the new client certificate beside the old key.
    copyFileSync(join(fixtures, 'client2.pem'), files.cert);
    await until('the half rotation to be reported', () => events.length > 0, 5_000);
    assert.equal(events, [{ kind: 'invalid', problem: halfProblem }]);
    await sleep(300);
    assert.is(events.length, 1, 'reported once, not at every look');
    // The rest: the key and the CA bundle.
    copyFileSync(join(fixtures, 'client2-key.pem'), files.key);
    copyFileSync(join(fixtures, 'ca2.pem'), files.ca);
    await until('the new files to be taken', () => events.some((e) => e.kind === 'reloaded'), 5_000);
    const reloaded = events.find((e) => e.kind === 'reloaded');
    assert.ok(reloaded?.kind === 'reloaded' && reloaded.changed.includes('cert') && reloaded.changed.includes('key') && reloaded.changed.includes('ca'), JSON.stringify(events));
    assert.ok(reloaded.certNotAfter !== undefined && /20\d\d|21\d\d/.test(reloaded.certNotAfter));
    let outcome = '';
    for (let i = 3; i < 30 && outcome !== 'ok'; i++) {
      outcome = await send(i);
      if (outcome !== 'ok') await sleep(100);
    }
    assert.is(outcome, 'ok', 'delivered with the rotated certificates, no restart');
    assert.ok(server.received.length >= 1);
  } finally {
    sink.close();
    server.kill();
  }
};

test('the receiver re-issued by a new CA, the client files replaced (half-way first): the sink reports the half, then connects with the new ones and delivers', async () => {
  const files = clientFiles();
  await rotatedUnder(files, (endpoint) => createSink({ type: 'otlp-grpc', endpoint, timeoutMs: 1_000, tls: files }, {}, systemClock, { fileCheckMs: 100 }),
    `config.sink.tls.key: expected the private key of tls.cert, found ${JSON.stringify(files.key)}, the key of another certificate`);
});

test('the same with the files named by OTEL_EXPORTER_OTLP_CERTIFICATE / _CLIENT_CERTIFICATE / _CLIENT_KEY (as an OpenTelemetry Operator sets them): they are watched too', async () => {
  const files = clientFiles();
  const variables = { OTEL_EXPORTER_OTLP_CERTIFICATE: files.ca, OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: files.cert, OTEL_EXPORTER_OTLP_CLIENT_KEY: files.key };
  // The exporter base reads them from process.env when the sink is made.
  await withEnv(variables, () =>
    rotatedUnder(files, (endpoint) => createSink({ type: 'otlp-grpc', endpoint, timeoutMs: 1_000 }, {}, systemClock, { fileCheckMs: 100 }),
      `environment OTEL_EXPORTER_OTLP_CLIENT_KEY: expected the private key of OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE, found ${JSON.stringify(files.key)}, the key of another certificate`));
});

test('which environment variables are watched: as the exporter base uses them', () => {
  const cwd = '/srv/app';
  const env = { OTEL_EXPORTER_OTLP_CERTIFICATE: 'certs/ca.pem', OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: ' ', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/tls/c.pem', OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: '/tls/k.pem' };
  const watched = (e: Record<string, string>, configEndpoint?: string) => envTlsFiles(e, configEndpoint, cwd)?.files;
  // A blank signal-specific variable falls back to the general one; paths are the working directory's.
  assert.equal(watched({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }), { ca: '/srv/app/certs/ca.pem', cert: '/tls/c.pem', key: '/tls/k.pem' });
  assert.equal(envTlsFiles({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }, undefined, cwd)?.settings.names,
    { ca: 'OTEL_EXPORTER_OTLP_CERTIFICATE', cert: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', key: 'OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY' });
  // Plaintext: http://, the default endpoint, or no scheme with INSECURE=true; the config's endpoint wins over the variable's.
  assert.is(watched({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }), undefined);
  assert.is(watched(env), undefined, 'the default endpoint is http://localhost:4317');
  assert.is(watched({ ...env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_INSECURE: ' TRUE ' }), undefined);
  assert.ok(watched({ ...env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'collector:4317' }), 'no scheme and not insecure: TLS');
  assert.ok(watched({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }), 'https:// is TLS whatever INSECURE says (the scheme wins)');
  assert.ok(watched({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' }, 'https://other:4317'));
  assert.is(watched({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }, 'http://other:4317'), undefined);
  // No file named: nothing to watch.
  assert.is(watched({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' }), undefined);
  // With sink.tls in the config the variables are not used (the config's credentials win), so not watched.
  const withTls = createSink({ type: 'otlp-grpc', endpoint: 'https://127.0.0.1:1', tls: { insecure: false } }, {}, systemClock, { env: { ...env } });
  assert.is(withTls.tlsFileSettings, undefined);
  withTls.close();
});

test('a client certificate close to its end is reported at start (once), and again when it has expired', () => {
  const files = { ca: join(fixtures, 'ca.pem'), cert: join(fixtures, 'client.pem'), key: join(fixtures, 'client-key.pem') };
  const notAfterMs = Date.parse(new X509Certificate(pem('client.pem')).validTo);
  let nowMs = notAfterMs - 3 * 86_400_000 - 3_600_000; // 3 days and an hour left
  let look = (): void => undefined;
  const events: TlsFilesEvent[] = [];
  const watch = watchTlsFiles(files, { everyMs: 10_000, now: () => nowMs, onReload: () => undefined, onEvent: (e) => events.push(e), every: (_ms, fn) => ((look = fn), { cancel: () => undefined }) });
  assert.equal(events.map((e) => e.kind === 'expiry' && [e.daysLeft, e.expired]), [[3, false]], 'at start');
  look();
  nowMs += 3_600_000;
  look();
  assert.is(events.length, 1, 'once, not at every look');
  nowMs = notAfterMs + 1;
  look();
  look();
  assert.equal(events.map((e) => e.kind === 'expiry' && e.expired), [false, true]);
  watch.cancel();
  // Eight days from its end: nothing yet.
  const quiet: TlsFilesEvent[] = [];
  watchTlsFiles(files, { everyMs: 10_000, now: () => notAfterMs - 8 * 86_400_000, onReload: () => undefined, onEvent: (e) => quiet.push(e), every: () => ({ cancel: () => undefined }) });
  assert.equal(quiet, []);
});

test('a reload is done once; the new certificate\'s end is the one watched; a clock set back says nothing; two problems at once are counted', () => {
  const files = clientFiles();
  const notAfterMs = Date.parse(new X509Certificate(pem('client.pem')).validTo);
  let nowMs = notAfterMs - 3 * 86_400_000;
  let look = (): void => undefined;
  const events: TlsFilesEvent[] = [];
  const reloads: unknown[] = [];
  const watch = watchTlsFiles(files, { everyMs: 10_000, now: () => nowMs, onReload: (t) => reloads.push(t), onEvent: (e) => events.push(e), every: (_ms, fn) => ((look = fn), { cancel: () => undefined }) });
  assert.equal(events.map((e) => e.kind), ['expiry']);
  // The clock set back a month: the certificate is far from its end again, which is no news.
  nowMs -= 30 * 86_400_000;
  look();
  assert.equal(events.map((e) => e.kind), ['expiry']);
  nowMs += 30 * 86_400_000;
  events.length = 0;
  // Rotated to ca2's pair, which ends within days of the first: its own nearness is said (once per certificate).
  copyFileSync(join(fixtures, 'client2.pem'), files.cert);
  copyFileSync(join(fixtures, 'client2-key.pem'), files.key);
  copyFileSync(join(fixtures, 'ca2.pem'), files.ca);
  look();
  look();
  assert.equal(reloads.length, 1, 'reloaded once, not at every look');
  const notAfter2 = new X509Certificate(pem('client2.pem')).validTo;
  assert.equal(events.map((e) => (e.kind === 'expiry' ? [e.kind, e.certNotAfter] : [e.kind])), [['reloaded'], ['expiry', notAfter2]]);
  // Two problems at once (neither file a PEM): the first, and how many more.
  writeFileSync(files.cert, 'garbage');
  writeFileSync(files.key, 'garbage');
  look();
  const last = events.at(-1);
  assert.match(last?.kind === 'invalid' ? last.problem : '', /^config\.sink\.tls\.cert: .* \(and 1 more\)$/);
  watch.cancel();
});

test('a TLS file whose directory is moved away and replaced by a file (stat: ENOTDIR) is reported as unusable, not thrown out of the timer (the run ended); back as it was, nothing to reload', () => {
  const dir = join(tempDir(), 'certs');
  mkdirSync(dir);
  for (const f of ['ca.pem', 'client.pem', 'client-key.pem']) copyFileSync(join(fixtures, f), join(dir, f));
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client-key.pem') };
  let look = (): void => undefined;
  const events: TlsFilesEvent[] = [];
  const watch = watchTlsFiles(files, { everyMs: 10_000, now: () => 0, onReload: () => undefined, onEvent: (e) => events.push(e), every: (_ms, fn) => ((look = fn), { cancel: () => undefined }) });
  renameSync(dir, `${dir}.moved`);
  writeFileSync(dir, 'not a directory');
  look(); // threw ENOTDIR
  look();
  assert.equal(events.map((e) => e.kind), ['invalid'], 'said once');
  rmSync(dir);
  renameSync(`${dir}.moved`, dir);
  look();
  assert.equal(events.map((e) => e.kind), ['invalid'], 'the files in use are back as they were: nothing to reload');
  renameSync(dir, `${dir}.moved`);
  look();
  assert.equal(events.map((e) => e.kind), ['invalid', 'invalid'], 'gone again: said again');
  watch.cancel();
});

test('chronoq run says at start that its client certificate has expired (the wall clock 101 years on: the fixtures are valid for 100)', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, ratePerSecond: 5}]',
    `sink: {type: otlp-grpc, endpoint: "https://localhost:${await freePort()}", timeoutMs: 300, tls: {ca: ${join(fixtures, 'ca.pem')}, cert: ${join(fixtures, 'client.pem')}, key: ${join(fixtures, 'client-key.pem')}}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'delivery: {shutdownDeadlineMs: 100}', ''].join('\n'));
  const stepWallClock = fileURLToPath(new URL('./fixtures/stepWallClock.mjs', import.meta.url));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json'], { NODE_OPTIONS: `--import ${stepWallClock}`, STEP_AT_MS: '0', STEP_MS: String(101 * 365 * 86_400_000) });
  try {
    await until('the expiry line', () => /client certificate \(config\.sink\.tls\.cert\) expired/.test(stderrSoFar()), 15_000);
  } finally {
    child.kill('SIGTERM');
  }
  const line = jsonLog((await result).stderr).find((l) => /client certificate/.test(l.message));
  assert.is(line?.level, 'error');
  assert.match(line!.message, /expired .*: the receiver will refuse new connections; replace the files tls\.cert and tls\.key name/);
});

test('an unchanged or plaintext config has no watch; the command logs a change as a line, and a half rotation as a warning', () => {
  const lines: string[] = [];
  const tlsFiles$ = new Subject<TlsFilesEvent>();
  const sub = logDeliveryTrouble(NEVER, { sink: 'otlp-grpc collector:4317', log: (level, message) => void lines.push(`${level} ${message}`), deadLetterPath: 'dl.ndjson', tlsFiles$ });
  tlsFiles$.next({ kind: 'invalid', problem: 'config.sink.tls.key: expected the private key of tls.cert, found "k.pem", the key of another certificate' });
  tlsFiles$.next({ kind: 'reloaded', changed: ['cert', 'key'], certNotAfter: 'Nov 25 10:00:00 2027 GMT' });
  tlsFiles$.next({ kind: 'expiry', certNotAfter: 'Nov 25 10:00:00 2027 GMT', daysLeft: 1, expired: false });
  tlsFiles$.next({ kind: 'expiry', certNotAfter: 'Nov 25 10:00:00 2027 GMT', daysLeft: -1, expired: true });
  sub.unsubscribe();
  assert.equal(lines, [
    'warn otlp-grpc collector:4317: its TLS files changed but cannot be used: config.sink.tls.key: expected the private key of tls.cert, found "k.pem", the key of another certificate; the ones read before stay in use until they can',
    'info otlp-grpc collector:4317: its TLS files changed (tls.cert, tls.key): new connections use them; the client certificate is valid until Nov 25 10:00:00 2027 GMT',
    'warn otlp-grpc collector:4317: the client certificate (config.sink.tls.cert) expires Nov 25 10:00:00 2027 GMT, in 1 day: renew it (the new files are read when they change)',
    'error otlp-grpc collector:4317: the client certificate (config.sink.tls.cert) expired Nov 25 10:00:00 2027 GMT: the receiver will refuse new connections; replace the files tls.cert and tls.key name (read again when they change)',
  ]);
  // Files named by the environment: the lines name the variables.
  const fromEnv: string[] = [];
  const settings = envTlsFiles({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317', OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'c.pem', OTEL_EXPORTER_OTLP_CLIENT_KEY: 'k.pem' }, undefined)!.settings;
  const envSub = logDeliveryTrouble(NEVER, { sink: 'otlp-grpc collector:4317', log: (level, message) => void fromEnv.push(`${level} ${message}`), deadLetterPath: 'dl.ndjson', tlsFiles$, tlsFileSettings: settings });
  tlsFiles$.next({ kind: 'reloaded', changed: ['cert', 'key'] });
  tlsFiles$.next({ kind: 'expiry', certNotAfter: 'Nov 25 10:00:00 2027 GMT', daysLeft: -1, expired: true });
  envSub.unsubscribe();
  assert.equal(fromEnv, [
    'info otlp-grpc collector:4317: its TLS files changed (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY): new connections use them',
    'error otlp-grpc collector:4317: the client certificate (environment OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE) expired Nov 25 10:00:00 2027 GMT: the receiver will refuse new connections; replace the files OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY name (read again when they change)',
  ]);
  const plain = createSink({ type: 'otlp-grpc', endpoint: 'http://127.0.0.1:1' }, {}, systemClock);
  let events = 0;
  plain.tlsFiles$?.subscribe(() => events++);
  plain.close();
  assert.is(events, 0);
  // tls.insecure with files named: plaintext, so the files are not watched (a change would have
  // given the plaintext connection TLS credentials).
  const insecure = createSink({ type: 'otlp-grpc', endpoint: '127.0.0.1:1', tls: { insecure: true, ca: join(fixtures, 'ca.pem') } }, {}, systemClock);
  insecure.tlsFiles$?.subscribe(() => events++);
  insecure.close();
  assert.equal([insecure.tlsFileSettings, events], [undefined, 0]);
});

test.run();
