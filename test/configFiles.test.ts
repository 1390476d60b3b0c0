/** What a config's files and header values are checked for when it is loaded (validate, run, createPipeline): each file's role, positions, TLS material, gRPC header values. */
import { suite } from 'uvu';
import Database from 'better-sqlite3';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { checkConfigFiles } from '../src/config/files.js';
import { checkOtlpEnv } from '../src/config/grpcValues.js';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { createPipeline } from '../src/otel/createPipeline.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { configErrorsOf, resolvedConfigOf } from './support/config.js';
import { parseSampleLine } from '../src/sampleJson.js';
import { mk, open as openSpool } from './support/spool.js';

const test = suite('config: files and header values checked at load');

test('a file in the wrong role is told what it is: a source on a spool or a dead-letter file, a spool.path or a dead-letter or sink path on a file of another kind (read as lines, moved aside, appended to)', () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'chronoq-spool.db');
  const { spool } = openSpool(spoolPath, 1);
  spool.append([mk(1)]);
  spool.close();
  const r = decodeConfig(`sources: [{type: ndjson, path: ${spoolPath}}]\n`, {});
  if (!isRight(r)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(r.right)).map(formatConfigError),
    [`config.sources[0].path: expected an NDJSON file of samples, found "${spoolPath}", a chronoq spool (SQLite) (what a spool holds is delivered by a run with spool.path ${spoolPath})`]);
  // And a spool.path naming a file that is not SQLite: run refuses it (it was moved aside "as damaged").
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'important notes\n');
  const n = decodeConfig(`sources: []\nspool: {path: ${notes}}\n`, {});
  if (!isRight(n)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(n.right)).map(formatConfigError),
    [`config.spool.path: expected a chronoq spool, or a file to be made, found "${notes}", a file of 16 bytes that is not an SQLite database (it begins "important notes") (give the spool a file of its own)`]);
  // Another program's SQLite database, a table named as a spool's among its own: run refuses it, and so does the check.
  const uploads = join(dir, 'uploads.db');
  const app = new Database(uploads);
  app.exec('CREATE TABLE chunks (id INTEGER PRIMARY KEY, upload_id TEXT, data BLOB); CREATE TABLE uploads (id TEXT)');
  app.close();
  const spoolPathOf = (path: string) => checkConfigFiles(resolvedConfigOf(`sources: []\nspool: {path: ${path}}\n`)).map(formatConfigError);
  assert.equal(spoolPathOf(uploads),
    [`config.spool.path: expected a chronoq spool, or a file to be made, found "${uploads}", another program's SQLite database (tables: chunks, uploads) (give the spool a file of its own)`]);
  assert.equal(spoolPathOf(spoolPath), [], 'a spool is one');
  // The files chronoq appends JSON lines to: one holding something else (a typo onto the config) had lines appended to it.
  const yaml = join(dir, 'chronoq.yaml');
  writeFileSync(yaml, 'sources: []\n');
  const ndjson = join(dir, 'out.ndjson');
  writeFileSync(ndjson, '\uFEFF  {"name":"m"}\n');
  const appended = decodeConfig(`sources: []\ndeadLetter: {path: ${yaml}}\nsink: {type: ndjson, path: ${ndjson}}\n`, {});
  if (!isRight(appended)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(appended.right)).map(formatConfigError),
    [`config.deadLetter.path: expected a dead-letter file or a file to be made, found "${yaml}", a file of 12 bytes that is not NDJSON (JSON objects, one a line) (it begins "sources: []") (chronoq appends JSON lines to it: give it a file of its own)`]);
  // Blank lines first, more than the 40 bytes looked at: NDJSON still.
  writeFileSync(ndjson, `${'\n'.repeat(50)}{"name":"m"}\n`);
  assert.equal(checkConfigFiles(resolveConfig(appended.right)).map(formatConfigError).filter((e) => e.startsWith('config.sink.path')), []);
  const letter = JSON.stringify({ reason: 'retries-exhausted', item: { name: 'm', kind: 'gauge', value: 1, timeUnixNano: '5', attributes: {} }, detail: 'x', atUnixMs: 0 });
  assert.equal(parseSampleLine(letter), { _tag: 'Left', left: 'a dead letter (reason retries-exhausted), not a sample: dead letters are sent again with chronoq replay FILE' });
});

test('the files chronoq writes: a directory, one whose directory is a file, an NDJSON sink\'s file that holds something else are each refused at their path', () => {
  const dir = tempDir();
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'important notes\n');
  const r = decodeConfig(`sources: []\ndeadLetter: {path: ${dir}}\nsink: {type: ndjson, path: ${notes}}\nspool: {path: ${join(notes, 'spool.db')}}\n`, {});
  if (!isRight(r)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(r.right)).map(formatConfigError), [
    `config.deadLetter.path: expected a file chronoq can write, found "${dir}" (a directory)`,
    `config.spool.path: expected a file chronoq can write, found "${join(notes, 'spool.db')}" (${notes} is not a directory)`,
    `config.sink.path: expected an NDJSON file or a file to be made, found "${notes}", a file of 16 bytes that is not NDJSON (JSON objects, one a line) (it begins "important notes") (chronoq appends JSON lines to it: give it a file of its own)`,
  ]);
});

test('sources[].positionFile: a followed file keeps its read position in chronoq-positions.json unless it names another; only with follow; checked writable; a followed file may come later', () => {
  const dir = tempDir();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, '');
  const resolved = (source: string) => {
    const r = decodeConfig(`sources: [${source}]\n`, {});
    assert.ok(isRight(r));
    return isRight(r) ? resolveConfig(r.right) : resolveConfig({});
  };
  const positionFileOf = (source: string) => { const s = resolved(source).sources[0]!; return s.type === 'ndjson' ? s.positionFile : 'not ndjson'; };
  assert.is(positionFileOf(`{type: ndjson, path: ${file}, follow: true}`), 'chronoq-positions.json');
  // (And every NDJSON source shows its line bound: 1 MiB unless set.)
  const maxLineBytesOf = (source: string) => { const s = resolved(source).sources[0]!; return s.type === 'ndjson' ? s.maxLineBytes : 'not ndjson'; };
  assert.equal([maxLineBytesOf(`{type: ndjson, path: ${file}}`), maxLineBytesOf('{type: ndjson, path: "-", maxLineBytes: 4096}')], [1_048_576, 4_096]);
  assert.is(positionFileOf(`{type: ndjson, path: ${file}, follow: true, positionFile: /var/lib/chronoq/p.json}`), '/var/lib/chronoq/p.json');
  assert.is(positionFileOf(`{type: ndjson, path: ${file}}`), undefined, 'a file read once has none');
  assert.is(positionFileOf('{type: ndjson, path: "-", follow: true}'), undefined, 'nor standard input');
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${file}, positionFile: ${join(dir, 'p.json')}}`)).map(formatConfigError),
    [`config.sources[0].positionFile: expected a position file only with follow: true (a file read once is read whole at every run), found "${join(dir, 'p.json')}"`]);
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${file}, follow: true, positionFile: /nonexistent/p.json}`)).map(formatConfigError),
    ['config.sources[0].positionFile: expected a file chronoq can write, found "/nonexistent/p.json" (ENOENT: cannot create it in /nonexistent)']);
  // A followed file may come later, in a directory that exists; a file read once must be there.
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${join(dir, 'later.ndjson')}, follow: true}`)), []);
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${join(dir, 'later.ndjson')}}`)).map(formatConfigError),
    [`config.sources[0].path: expected a readable file (or - for standard input), found "${join(dir, 'later.ndjson')}" (ENOENT)`]);
  assert.equal(checkConfigFiles(resolved('{type: ndjson, path: /nonexistent/later.ndjson, follow: true}')).map(formatConfigError),
    ['config.sources[0].path: expected a readable file (or - for standard input), or one to come in a directory that exists, found "/nonexistent/later.ndjson" (ENOENT)']);
  // A pattern, as the Collector's filelog receiver takes (include: [/var/log/app/*.log]), is not
  // expanded: followed, it was waited for as a file of that name ("no such file yet"), for good.
  writeFileSync(join(dir, 'b.ndjson'), '');
  const pattern = join(dir, '*.ndjson');
  for (const follow of [', follow: true', '']) {
    assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${pattern}"${follow}}`)).map(formatConfigError),
      [`config.sources[0].path: expected a file's path (a pattern is not expanded), found "${pattern}" (a pattern, which matches 2 files now: b.ndjson, in.ndjson) (one source for each file: - {type: ndjson, path: ${join(dir, 'b.ndjson')}${follow}})`], follow);
  }
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${join(dir, 'app-?.log')}", follow: true}`)).map(formatConfigError),
    [`config.sources[0].path: expected a file's path (a pattern is not expanded), found "${join(dir, 'app-?.log')}" (a pattern, which matches no file now)`]);
  // Listed in order, five at most; `?` one character, `*` none too; one file is one.
  const many = join(tempDir(), 'many');
  mkdirSync(many);
  for (const name of ['c', 'a', 'g', 'e', 'b', 'f', 'd']) writeFileSync(join(many, `${name}.ndjson`), '');
  writeFileSync(join(many, 'app-1.log'), '');
  writeFileSync(join(many, 'app-12.log'), '');
  const found = (path: string) => checkConfigFiles(resolved(`{type: ndjson, path: "${path}"}`)).map((e) => e.found);
  assert.equal(found(join(many, '*.ndjson')), [`"${join(many, '*.ndjson')}" (a pattern, which matches 7 files now: a.ndjson, b.ndjson, c.ndjson, d.ndjson, e.ndjson, …)`]);
  assert.equal(found(join(many, 'app-?.log')), [`"${join(many, 'app-?.log')}" (a pattern, which matches 1 file now: app-1.log)`]);
  assert.equal(found(join(many, 'a*.ndjson')), [`"${join(many, 'a*.ndjson')}" (a pattern, which matches 1 file now: a.ndjson)`]);
  writeFileSync(join(dir, '[x].ndjson'), ''); // a file that is named so is read
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${join(dir, '[x].ndjson')}"}`)), []);
});

test('one file in two roles is refused: a source reading the dead-letter file (it fed on its own letters without end, each line twice as long), or the NDJSON sink\'s file, or another source\'s', () => {
  const dir = tempDir();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, '');
  const errorsOf = (yaml: string) => {
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r), JSON.stringify(r));
    return isRight(r) ? checkConfigFiles(resolveConfig(r.right)).map(formatConfigError) : [];
  };
  assert.equal(errorsOf(`sources: [{type: ndjson, path: '-'}]\nsink: {type: ndjson, path: '-'}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [], 'standard input and standard output are no file');
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}, follow: true}]\ndeadLetter: {path: ${file}}\n`), [
    `config.deadLetter.path: expected a file of its own, not also config.sources[0].path's, found "${file}" (a source reading the dead letters reads its own letters, forever; to send dead letters again: chronoq replay FILE)`,
  ]);
  // Through a symbolic link too (the same file by device and inode).
  const link = join(dir, 'link.ndjson');
  symlinkSync(file, link);
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${link}, follow: true}]\nsink: {type: ndjson, path: ${file}}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [
    `config.sink.path: expected a file of its own, not also config.sources[0].path's, found "${file}" (a source reading what the sink writes sends every sample again, forever)`,
  ]);
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}}, {type: ndjson, path: ${file}}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [
    `config.sources[1].path: expected a file of its own, not also config.sources[0].path's, found "${file}"`,
  ]);
  assert.equal(errorsOf(`spool: {path: ${join(dir, 'x.db')}}\ndeadLetter: {path: ${join(dir, 'x.db')}}\n`), [
    `config.spool.path: expected a file of its own, not also config.deadLetter.path's, found "${join(dir, 'x.db')}"`,
  ]);
  // Files not there yet (a followed file whose writer starts later, letters to come), named through a symlinked directory.
  mkdirSync(join(dir, 'real'));
  symlinkSync(join(dir, 'real'), join(dir, 'linked'));
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${join(dir, 'linked', 'app.ndjson')}, follow: true}]\ndeadLetter: {path: ${join(dir, 'real', 'app.ndjson')}}\n`), [
    `config.deadLetter.path: expected a file of its own, not also config.sources[0].path's, found "${join(dir, 'real', 'app.ndjson')}" (a source reading the dead letters reads its own letters, forever; to send dead letters again: chronoq replay FILE)`,
  ]);
  // A position file in another role: said at that role's path (a position file has no one path: several sources may name it).
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}, follow: true, positionFile: ${join(dir, 'dead.ndjson')}}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [
    `config.deadLetter.path: expected a file of its own, not also a source's positionFile's, found "${join(dir, 'dead.ndjson')}"`,
  ]);
  // Followed sources share a position file by design (a position per file in it).
  const other = join(dir, 'other.ndjson');
  writeFileSync(other, '');
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}, follow: true}, {type: ndjson, path: ${other}, follow: true}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), []);
});

test('the sink\'s TLS files are checked at load: unreadable, not a certificate or key, half a client pair, a key of another certificate', () => {
  const dir = join(import.meta.dirname, 'fixtures/tls');
  const problems = (tls: Record<string, string>) => {
    const yaml = `sink:\n  type: otlp-grpc\n  endpoint: https://localhost:4317\n  tls:\n${Object.entries(tls).map(([k, v]) => `    ${k}: ${v.startsWith('/') ? v : join(dir, v)}\n`).join('')}`;
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r));
    return isRight(r) ? checkConfigFiles(resolveConfig(r.right)).map(formatConfigError) : [];
  };
  assert.equal(problems({ ca: 'ca.pem', cert: 'client.pem', key: 'client-key.pem' }), [], 'a valid mutual-TLS set');
  assert.equal(problems({ ca: '/nonexistent/ca.pem' }), ['config.sink.tls.ca: expected a readable file with a PEM certificate, found "/nonexistent/ca.pem" (ENOENT)']);
  assert.equal(problems({ ca: 'client-key.pem' }), [`config.sink.tls.ca: expected a PEM certificate, found "${join(dir, 'client-key.pem')}", a private key, not a certificate`]);
  assert.equal(problems({ cert: 'client.pem', key: 'client.pem' }), [`config.sink.tls.key: expected a PEM private key, found "${join(dir, 'client.pem')}", a certificate, not a private key (tls.cert and tls.key swapped?)`]);
  assert.equal(problems({ cert: 'client-key.pem', key: 'client.pem' }), [
    `config.sink.tls.cert: expected a PEM certificate, found "${join(dir, 'client-key.pem')}", a private key, not a certificate (tls.cert and tls.key swapped?)`,
    `config.sink.tls.key: expected a PEM private key, found "${join(dir, 'client.pem')}", a certificate, not a private key (tls.cert and tls.key swapped?)`,
  ]);
  // What gRPC cannot read though Node's X509Certificate can: DER (a DER client certificate
  // stopped the run with an uncaught "PEM routines::no start line"; a DER CA trusted nothing);
  // and an encrypted key (gRPC takes no passphrase). A combined PEM (certificate and key) is fine.
  const tmp = tempDir(); // removed at exit
  const clientKey = createPrivateKey(readFileSync(join(dir, 'client-key.pem')));
  writeFileSync(join(tmp, 'ca.der'), new X509Certificate(readFileSync(join(dir, 'ca.pem'))).raw);
  writeFileSync(join(tmp, 'key.der'), clientKey.export({ format: 'der', type: 'pkcs8' }));
  writeFileSync(join(tmp, 'encrypted.pem'), clientKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }));
  writeFileSync(join(tmp, 'notes.txt'), 'the CA is on the wiki\n');
  writeFileSync(join(tmp, 'bundle.p12'), Buffer.from([0x30, 0x82, 0x0a, 0x01, 0x02, 0x01, 0x03, 0x30]));
  assert.equal(problems({ ca: join(tmp, 'notes.txt') }), [`config.sink.tls.ca: expected a PEM certificate, found "${join(tmp, 'notes.txt')}", no PEM block in it`]);
  writeFileSync(join(tmp, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
  assert.equal(problems({ ca: join(tmp, 'broken.pem') }), [`config.sink.tls.ca: expected a PEM certificate, found "${join(tmp, 'broken.pem')}", which holds none`]);
  assert.equal(problems({ ca: join(tmp, 'bundle.p12') }), [
    `config.sink.tls.ca: expected a PEM certificate, found "${join(tmp, 'bundle.p12')}", binary, not PEM (a PKCS#12 bundle (.p12, .pfx)? openssl pkcs12 -in ${join(tmp, 'bundle.p12')} -nodes writes its certificates and key as PEM)`,
  ]);
  writeFileSync(join(tmp, 'combined.pem'), Buffer.concat([readFileSync(join(dir, 'client.pem')), readFileSync(join(dir, 'client-key.pem'))]));
  assert.equal(problems({ ca: join(tmp, 'ca.der'), cert: 'client.pem', key: join(tmp, 'key.der') }), [
    `config.sink.tls.ca: expected a PEM certificate, found "${join(tmp, 'ca.der')}", a DER (binary) certificate, not PEM (gRPC reads PEM only: openssl x509 -inform der -in ${join(tmp, 'ca.der')} -out ${join(tmp, 'ca.der')}.pem)`,
    `config.sink.tls.key: expected a PEM private key, found "${join(tmp, 'key.der')}", a DER (binary) private key, not PEM (gRPC reads PEM only: openssl pkey -inform der -in ${join(tmp, 'key.der')} -out ${join(tmp, 'key.der')}.pem)`,
  ]);
  assert.equal(problems({ cert: 'client.pem', key: join(tmp, 'encrypted.pem') }), [
    `config.sink.tls.key: expected a PEM private key, found "${join(tmp, 'encrypted.pem')}", an encrypted private key (gRPC takes no passphrase: give it decrypted — openssl pkey -in ${join(tmp, 'encrypted.pem')} -out ${join(tmp, 'encrypted.pem')}.plain — readable by this user alone)`,
  ]);
  // The older forms: an RSA key in PKCS#1 DER, and one encrypted the traditional way (Proc-Type: 4,ENCRYPTED in its PEM).
  writeFileSync(join(tmp, 'rsa.der'), clientKey.export({ format: 'der', type: 'pkcs1' }));
  writeFileSync(join(tmp, 'traditional.pem'), clientKey.export({ format: 'pem', type: 'pkcs1', cipher: 'aes-256-cbc', passphrase: 'x' }));
  assert.equal(problems({ cert: 'client.pem', key: join(tmp, 'rsa.der') }).map((e) => e.replace(/ \(gRPC reads.*$/, '')), [`config.sink.tls.key: expected a PEM private key, found "${join(tmp, 'rsa.der')}", a DER (binary) private key, not PEM`]);
  assert.equal(problems({ cert: 'client.pem', key: join(tmp, 'traditional.pem') }).map((e) => e.replace(/ \(gRPC takes.*$/, '')), [`config.sink.tls.key: expected a PEM private key, found "${join(tmp, 'traditional.pem')}", an encrypted private key`]);
  assert.equal(problems({ cert: join(tmp, 'combined.pem'), key: join(tmp, 'combined.pem') }), [], 'one file with the certificate and its key');
  assert.equal(problems({ cert: 'client.pem' }), ['config.sink.tls.key: expected the client key beside tls.cert (mutual TLS needs both), found nothing']);
  assert.equal(problems({ key: 'client-key.pem' }), ['config.sink.tls.cert: expected the client certificate beside tls.key (mutual TLS needs both), found nothing']);
  assert.equal(problems({ cert: 'client.pem', key: 'server-key.pem' }), [`config.sink.tls.key: expected the private key of tls.cert, found "${join(dir, 'server-key.pem')}", the key of another certificate`]);
  assert.equal(checkConfigFiles(resolveConfig({})), [], 'no TLS, nothing to check');
  // Without sink.tls, the files OTEL_EXPORTER_OTLP_* name, at their variables (an unreadable one was a diag warning, and the run went on without it).
  const tlsSink = (endpoint: string) => resolveConfig({ sink: { type: 'otlp-grpc', endpoint } });
  const env = { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem', OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: join(dir, 'client.pem') };
  assert.equal(checkConfigFiles(tlsSink('https://collector:4317'), readFileSync, env).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_CERTIFICATE: expected a readable file with a PEM certificate, found "/nonexistent/ca.pem" (ENOENT)',
    'environment OTEL_EXPORTER_OTLP_CLIENT_KEY: expected the client key beside OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE (mutual TLS needs both), found nothing',
  ]);
  assert.equal(checkConfigFiles(tlsSink('http://collector:4317'), readFileSync, env), [], 'plaintext: the variables are not used');
  assert.equal(checkConfigFiles(resolveConfig({ sink: { type: 'otlp-grpc', endpoint: 'https://collector:4317', tls: { insecure: false } } }), readFileSync, env), [], 'sink.tls wins over the variables');
  assert.equal(checkConfigFiles(tlsSink('https://collector:4317'), readFileSync, { OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'ca.pem') }), []);
});

test('sink.headers and OTEL_EXPORTER_OTLP_[METRICS_]HEADERS: names and values gRPC can send, checked at load (a bad value described, not printed); upper case folded', async () => {
  const yaml = ['sink:', '  type: otlp-grpc', '  headers:', '    x-key: "ключ"', '    "Bad Header": v', '    auth-bin: xx', '    X-Upper: fine', ''].join('\n');
  assert.equal(configErrorsOf(yaml), [
    'config.sink.headers.x-key: expected a header value of printable ASCII characters (gRPC metadata), found a value with U+043A at character 1',
    `config.sink.headers.Bad Header: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "Bad Header"`,
    `config.sink.headers.auth-bin: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "auth-bin"`,
  ]);
  assert.equal(configErrorsOf(['sink:', '  type: otlp-grpc', '  headers:', '    X-Upper: fine', '    x-api-key: "abc-123_/=+"', ''].join('\n')), []);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=ok,x-key=%D0%BA%D0%BB', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=fine' }).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_HEADERS, header "x-key": expected a header value of printable ASCII characters (gRPC metadata), found a value with U+043A at character 1',
  ]);
  // Entries the exporters' parser leaves out without a word — the header then not sent, every
  // request refused as unauthenticated — are errors, their values never printed.
  const env = 'api-key=abc%xyz,Authorization: Bearer t0ken,=v,k=,,ok=1,Authorization: Basic dXNlcjpwYXNz=,x-bin=1,q=s3c;ret';
  const leftOut = checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: env }).map(formatConfigError);
  const expected = 'expected comma-separated name=value pairs, values percent-encoded (a % itself as %25), as the OpenTelemetry exporters read them, found';
  assert.equal(leftOut, [
    `environment OTEL_EXPORTER_OTLP_HEADERS, header "api-key": ${expected} a value that is not valid percent-encoding: the exporter leaves the header out, and it would not be sent`,
    `environment OTEL_EXPORTER_OTLP_HEADERS, entry 2: ${expected} an entry of 27 characters with no "=" (not shown), which the exporter leaves out`,
    `environment OTEL_EXPORTER_OTLP_HEADERS, entry 3: ${expected} an entry of 2 characters with no name before its "=" (not shown), which the exporter leaves out`,
    `environment OTEL_EXPORTER_OTLP_HEADERS, header "k": ${expected} an empty value: the exporter leaves the header out, and it would not be sent`,
    // ': ' written for '=': the secret is in the name, which is not printed either.
    `environment OTEL_EXPORTER_OTLP_HEADERS, entry 7: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found a name with ":" at character 14 (not shown)`,
    `environment OTEL_EXPORTER_OTLP_HEADERS, header "x-bin": expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "x-bin"`,
    `environment OTEL_EXPORTER_OTLP_HEADERS, header "q": ${expected} a value with ";" at character 4, where the exporter cuts it (write it %3B): the header would be sent with less than its value`,
  ]);
  assert.not.ok(leftOut.some((m) => m.includes('abc%xyz') || m.includes('t0ken') || m.includes('dXNlcjpwYXNz') || m.includes('s3c')), 'no secret printed');
  // …which is what the exporters do with them (@opentelemetry/core's parser): all but ok and x-bin left out, q cut.
  assert.equal(parseKeyPairsIntoRecord(env), { ok: '1', 'x-bin': '1', q: 's3c' });
  // createPipeline returns them as config errors, where building the sink threw.
  const fromOptions = createPipeline({ sink: { type: 'otlp-grpc', headers: { 'x-key': 'ключ' } } });
  assert.equal(isLeft(fromOptions) ? fromOptions.left.map((e) => e.path) : [], ['config.sink.headers.x-key']);
  process.env['OTEL_EXPORTER_OTLP_METRICS_HEADERS'] = 'x-key=%D0%BA';
  try {
    const fromEnv = createPipeline({ sink: { type: 'otlp-grpc' } });
    assert.equal(isLeft(fromEnv) ? fromEnv.left.map((e) => e.path) : [], ['environment OTEL_EXPORTER_OTLP_METRICS_HEADERS, header "x-key"']);
  } finally {
    delete process.env['OTEL_EXPORTER_OTLP_METRICS_HEADERS'];
  }
  // chronoq run reports it as a config error (exit 2) where it stopped with an internal error and a stack trace.
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, count: 1}]', 'sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:1"}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['run', cfg], { OTEL_EXPORTER_OTLP_HEADERS: 'x-key=%D0%BA' });
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^config error: environment OTEL_EXPORTER_OTLP_HEADERS, header "x-key": expected a header value of printable ASCII/m);
  assert.not.match(r.stderr, /internal error|\n\s+at /);
});

test.run();
