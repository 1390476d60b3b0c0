/**
 * What src/cli/build.ts makes of a config, unit by unit: what `chronoq run`'s start line says of
 * the sources (describeSource) and of the order the NDJSON files are read in (fileReadOrder,
 * readOrderLine) — a user reads there what runs; the runs that print it (test/cli.test.ts,
 * cliOtlpCors, filesInTurn) see one case each, these the rest: standard input, TLS and mutual TLS,
 * both listeners, the synthetic source's total rate, followed files after the files read once —
 * and which sources' samples are taken as stamped by this machine's clock (buildParts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../src/config/resolve.js';
import { buildParts, describeSource, fileReadOrder, readOrderLine } from '../src/cli/build.js';
import { systemClock } from '../src/clock.js';
import { tempDir } from './support/cli.js';
import { resolvedConfigOf } from './support/config.js';

const test = suite('the parts a config builds');

const configOf = (sources: string, rest = ''): ResolvedConfig => resolvedConfigOf(`sources:\n${sources}sink: {type: console}\n${rest}`);
const described = (sources: string): string[] => configOf(sources).sources.map(describeSource);

test('ndjson: its path, or standard input for -; host', () => {
  assert.equal(described('  - {type: ndjson, path: /var/log/app.ndjson}\n  - {type: ndjson, path: "-"}\n  - {type: host}\n'),
    ['ndjson /var/log/app.ndjson', 'ndjson standard input', 'host']);
});

test('otlp: each listener with its endpoint, TLS or mutual TLS (a client CA), and the origins CORS lets in', () => {
  const tls = 'tls: {cert: s.pem, key: s-key.pem}';
  const mutual = 'tls: {cert: s.pem, key: s-key.pem, clientCa: ca.pem}';
  assert.equal(described(`  - {type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:4317", ${tls}}}}\n`), ['otlp (gRPC 127.0.0.1:4317 TLS)']);
  assert.equal(described(`  - {type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:4317", ${mutual}}}}\n`), ['otlp (gRPC 127.0.0.1:4317 mutual TLS)']);
  assert.equal(described('  - {type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:4317"}}}\n'), ['otlp (gRPC 127.0.0.1:4317)'], 'plaintext says nothing more');
  assert.equal(
    described(`  - {type: otlp, protocols: {grpc: {endpoint: "0.0.0.0:4317"}, http: {endpoint: "0.0.0.0:4318", ${mutual}, cors: {allowedOrigins: ["https://a.example", "https://b.example"]}}}}\n`),
    ['otlp (gRPC 0.0.0.0:4317, HTTP 0.0.0.0:4318 mutual TLS CORS https://a.example https://b.example)'],
  );
});

test('synthetic: series × rate per series = the total rate, with its defaults (10 series at 1/s)', () => {
  assert.equal(described('  - {type: synthetic, series: 500, ratePerSecond: 10}\n  - {type: synthetic}\n'),
    ['synthetic (500 series × 10/s = 5000 samples/s)', 'synthetic (10 series × 1/s = 10 samples/s)']);
});

test('read order: none to say for one file alone or none; the files read once, then the followed ones', () => {
  const line = (sources: string): string | undefined => readOrderLine(fileReadOrder(configOf(sources)));
  assert.is(line('  - {type: ndjson, path: /a.ndjson}\n'), undefined, 'one file: nothing to keep');
  assert.is(line('  - {type: ndjson, path: /f.ndjson, follow: true}\n  - {type: ndjson, path: /g.ndjson, follow: true}\n'), undefined, 'followed files alone are read at once');
  assert.is(line('  - {type: ndjson, path: "-"}\n  - {type: host}\n'), undefined, 'standard input is no file read in turn');
  assert.is(line('  - {type: ndjson, path: /a.ndjson}\n  - {type: ndjson, path: /f.ndjson, follow: true}\n'),
    'the file read once is read first: /a.ndjson; the followed file after it: /f.ndjson');
  assert.is(line('  - {type: ndjson, path: /a.ndjson}\n  - {type: ndjson, path: /b.ndjson}\n  - {type: ndjson, path: /f.ndjson, follow: true}\n  - {type: ndjson, path: /g.ndjson, follow: true}\n'),
    'the files read once are read one after another, oldest first (by their first sample): /a.ndjson, /b.ndjson; the followed files after them: /f.ndjson, /g.ndjson');
});

test('read order: the files read once by their first sample, whatever the config lists first; followed ones keep the config order', () => {
  const dir = tempDir();
  const sample = (t: string): string => `{"name":"m","kind":"gauge","value":1,"timeUnixNano":"${t}","attributes":{}}\n`;
  writeFileSync(join(dir, 'new.ndjson'), sample('1700000000000000000'));
  writeFileSync(join(dir, 'old.ndjson'), sample('1600000000000000000'));
  const order = fileReadOrder(configOf(`  - {type: ndjson, path: ${join(dir, 'new.ndjson')}}\n  - {type: ndjson, path: ${join(dir, 'z.ndjson')}, follow: true}\n  - {type: ndjson, path: ${join(dir, 'old.ndjson')}}\n  - {type: ndjson, path: ${join(dir, 'a.ndjson')}, follow: true}\n`));
  assert.equal(order.once, [{ index: 2, path: join(dir, 'old.ndjson') }, { index: 0, path: join(dir, 'new.ndjson') }]);
  assert.equal(order.followed, [{ index: 1, path: join(dir, 'z.ndjson') }, { index: 3, path: join(dir, 'a.ndjson') }]);
});

test("stamped by this machine's clock (a step of it corrected in them): host and synthetic samples; a file's and an OTLP listener's only when the source says so", () => {
  const dir = tempDir();
  const parts = buildParts(configOf([
    '  - {type: host}', '  - {type: synthetic}',
    '  - {type: ndjson, path: /a.ndjson}', '  - {type: ndjson, path: /b.ndjson, stampedLocally: true}',
    '  - {type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:0"}}}', '  - {type: otlp, protocols: {http: {endpoint: "127.0.0.1:0"}}, stampedLocally: true}', '',
  ].join('\n'), `deadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), systemClock);
  try {
    assert.equal(parts.stampedLocally, [true, true, false, true, false, true]);
  } finally {
    parts.deadLetterFile.close();
  }
});

test.run();
