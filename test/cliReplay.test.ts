/** `chronoq replay`, spawned as a user would run it: dead-letter files and stdin, what they carry, what it cannot read (stopped part-way: cliReplayStop.test.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, runCli, tempDir, writeConfig } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { mk, open as openSpool } from './support/spool.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq replay');

test('replay: the samples of a dead-letter file go out again with their original timestamps, exactly', async () => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  const f = new DeadLetterFile(dlPath);
  const times = [1_764_064_800_000_000_001n, 1_764_064_800_500_000_002n, 1_764_064_801_000_000_003n];
  times.forEach((t, i) => f.append({ reason: 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: t, attributes: { host: 'a' } }, detail: 'x', atUnixMs: 0 }));
  f.close();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'replay-dead.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const r = await runCli(['replay', dlPath, '--config', cfg]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /replayed 3 samples .*: 3 delivered, 0 dead-lettered/);
  const got = readFileSync(out, 'utf8').trim().split('\n').map((l) => BigInt((JSON.parse(l) as { timeUnixNano: string }).timeUnixNano));
  assert.equal(got, times);
  assert.not.ok(existsSync(join(dir, 'replay-dead.ndjson')));
});

test('dead letters and an NDJSON sink record the resource their samples go out as: replayed under another config, they still go as the service they came from (they went as the replaying config\'s)', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  // Two series: one with no resource of its own (the config's applies), one with its own.
  writeFileSync(input, ['{"name":"cpu","value":1,"timeUnixNano":"1764064800000000001","attributes":{"cpu":"0"}}',
    '{"name":"cpu","value":2,"timeUnixNano":"1764064800000000002","attributes":{"cpu":"1"},"resource":{"service.name":"its-own"}}', ''].join('\n'));
  const dlPath = join(dir, 'dead.ndjson');
  const port = await freePort(); // nothing listens here: under at-most-once both become letters
  const edge = writeConfig(dir, ['resource: {service.name: edge-a, deployment.environment: prod}', `sources: [{type: ndjson, path: ${input}}]`,
    `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`, 'delivery: {guarantee: at-most-once}', `deadLetter: {path: ${dlPath}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'), 'edge.yaml');
  const run = await runCli(['run', '-q', edge]);
  assert.is(run.code, 0, run.stderr);
  const resources = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { item?: { resource?: unknown }; resource?: unknown }).map((x) => x.item?.resource ?? x.resource);
  const expected = [{ 'service.name': 'edge-a', 'deployment.environment': 'prod' }, { 'service.name': 'its-own' }];
  assert.equal(resources(dlPath), expected);
  // Replayed elsewhere, under a config of another resource, into an NDJSON sink.
  const out = join(dir, 'out.ndjson');
  const central = writeConfig(dir, ['resource: {service.name: central}', `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'replay-dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'), 'central.yaml');
  const replay = await runCli(['replay', dlPath, '--config', central]);
  assert.is(replay.code, 0, replay.stderr);
  assert.equal(resources(out), expected);
  // A sample with no resource, into that NDJSON sink: written with the config's.
  const live = writeConfig(dir, ['resource: {service.name: central}', `sources: [{type: ndjson, path: ${input}}]`, `sink: {type: ndjson, path: ${join(dir, 'live.ndjson')}}`, `deadLetter: {path: ${join(dir, 'live-dead.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'), 'live.yaml');
  assert.is((await runCli(['run', '-q', live])).code, 0);
  assert.equal(resources(join(dir, 'live.ndjson')), [{ 'service.name': 'central' }, { 'service.name': 'its-own' }]);
});

test('replay: the NaN and infinite gauges an earlier chronoq set aside as `invalid` (their value written null) go out now as those doubles; a null value of another letter is still not a sample', async () => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  const letter = (value: string, i: number, detail = `value must be a finite number, got ${value}`) =>
    JSON.stringify({ reason: 'invalid', item: { name: 'queue.avg_wait', kind: 'gauge', value: null, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), attributes: {} }, detail, atUnixMs: 0 });
  writeFileSync(dlPath, `${[letter('NaN', 0), letter('Infinity', 1), letter('-Infinity', 2), letter('NaN', 3, 'value must be a number, got null')].join('\n')}\n`);
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'again.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const r = await runCli(['replay', dlPath, '--config', cfg]);
  assert.match(r.stderr, /replayed 3 samples .*: 3 delivered, 0 dead-lettered/);
  assert.match(r.stderr, /line 4 not replayed: its item is not a sample: value must be a number, got null/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: unknown }).value), ['NaN', 'Infinity', '-Infinity']);
});

test('replay: letters of any age go out (none is stale: under skew.policy dead-letter every letter over maxPastMs old came back a skew letter); one in the future is still caught', async () => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  const again = join(dir, 'again.ndjson');
  const f = new DeadLetterFile(dlPath);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const hourNs = 3_600_000_000_000n;
  for (const [i, t] of [nowNs - 30n * 24n * hourNs, nowNs - 2n * hourNs, nowNs + hourNs].entries()) {
    f.append({ reason: 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: t, attributes: {} }, detail: 'x', atUnixMs: 0 });
  }
  f.close();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${again}}`, 'skew: {policy: dead-letter}', 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const r = await runCli(['replay', dlPath, '--config', cfg]);
  assert.is(r.code, 1, r.stderr); // a letter dead-lettered again
  assert.match(r.stderr, /replayed 3 samples .*: 2 delivered, 1 dead-lettered/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value), [0, 1]);
  const bounced = readFileSync(again, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { value: number }; detail: string });
  assert.equal(bounced.map((d) => [d.reason, d.item.value]), [['skew', 2]]);
  assert.match(bounced[0]!.detail, /in the future/);
});

test('replay given a file of samples, not dead letters: the first ten lines named, the rest counted, a hint to use run — not a line per sample (2 000 lines were 2 000 warnings)', async () => {
  const dir = tempDir();
  const samplesPath = join(dir, 'samples.ndjson');
  const lines = Array.from({ length: 2_000 }, (_, i) => JSON.stringify({ name: 'cpu', value: i, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)) }));
  writeFileSync(samplesPath, `${[...lines, '{not json'].join('\n')}\n`);
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, `deadLetter: {path: ${join(dir, 'again.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['replay', samplesPath, '--config', cfg]);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('WARN'));
  assert.is(warnings.length, 12, warnings.join('\n'));
  assert.match(r.stderr, /line 1 not replayed: a sample, not a dead letter\n/);
  assert.match(r.stderr, /line 10 not replayed: a sample, not a dead letter \(lines not replayed after this one are counted, and said in the last line\)/);
  assert.not.match(r.stderr, /line 11 not replayed/);
  assert.match(r.stderr, /: 1991 more lines not replayed \(the last: .*line 2001 not replayed: (?!a sample)/);
  assert.match(r.stderr, /2000 of the lines skipped are samples, not dead letters: a file of samples is sent by `chronoq run` with a source \{type: ndjson, path: .*samples\.ndjson\}/);
  assert.match(r.stderr, /replayed 0 samples from .*: 0 delivered, 0 dead-lettered, 2001 lines skipped/);
  // An OTLP/JSON request (a Collector's file exporter's line) is samples too, not a broken letter.
  const request = join(dir, 'request.ndjson');
  writeFileSync(request, `${JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'q', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asDouble: 1 }] } }] }] }] })}\n`);
  const otlp = await runCli(['replay', request, '--config', cfg]);
  assert.match(otlp.stderr, /line 1 not replayed: a sample, not a dead letter\n/);
  assert.match(otlp.stderr, /1 of the lines skipped are samples, not dead letters/);
});

test('replay pointed at a spool says it is one, and how its samples are sent (it read the database as lines: 15 "not JSON" warnings and a hint to send it as samples)', async () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'chronoq-spool.db');
  const { spool } = openSpool(spoolPath, 1);
  spool.append([0, 1, 2].map((i) => mk(i)));
  spool.close();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, `deadLetter: {path: ${join(dir, 'again.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['replay', spoolPath, '--config', cfg]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /cannot replay .*chronoq-spool\.db: it is a chronoq spool \(SQLite\), not a dead-letter file; chronoq run with spool\.path .* delivers what it holds first/);
  assert.not.match(r.stderr, /not JSON/);
  assert.not.ok(existsSync(join(dir, 'out.ndjson')), 'nothing sent');
});

test('replay - reads the letters from stdin: a grep of a dead-letter file replays just those', () => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  const f = new DeadLetterFile(dlPath);
  for (let i = 0; i < 6; i++) f.append({ reason: i % 2 ? 'rejected' : 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} }, detail: 'x', atUnixMs: 0 });
  f.close();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'again.ndjson')}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const input = readFileSync(dlPath, 'utf8').split('\n').filter((l) => l.includes('"retries-exhausted"')).join('\n');
  const r = spawnSync(process.execPath, [BIN, 'replay', '-', '--config', cfg], { input, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /replayed 3 samples from stdin: 3 delivered, 0 dead-lettered/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value), [0, 2, 4]);
});

test('a dead-letter file with rotated files beside it: inspect and replay name them and the command that sends every file oldest first; with no file at PATH they said only "no file" / ENOENT', async () => {
  const dir = tempDir();
  const dlPath = join(dir, 'dead.ndjson');
  const out = join(dir, 'out.ndjson');
  // Each letter (~200 bytes) fills a file of maxBytes 150: four letters, in PATH.3, .2, .1 and PATH.
  const f = new DeadLetterFile(dlPath, { maxBytes: 150, maxFiles: 5 });
  for (let i = 0; i < 4; i++) {
    f.append({ reason: 'retries-exhausted', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} }, detail: 'x', atUnixMs: 0 });
    f.flush();
  }
  f.close();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'again.ndjson')}}`, 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const oldestFirst = `${dlPath}.3 ${dlPath}.2 ${dlPath}.1 ${dlPath}`;
  const inspected = await runCli(['inspect', dlPath]);
  assert.is(inspected.code, 0, inspected.stderr);
  assert.match(inspected.stdout, /1 letters/);
  assert.ok(inspected.stdout.includes(`older dead letters are in 3 rotated files, ${dlPath}.3 (oldest) to ${dlPath}.1; every file, oldest first: cat ${oldestFirst} | chronoq replay -`), inspected.stdout);
  assert.equal((JSON.parse((await runCli(['inspect', dlPath, '--json'])).stdout) as { rotatedFiles: string[] }).rotatedFiles, [`${dlPath}.1`, `${dlPath}.2`, `${dlPath}.3`]);
  const one = await runCli(['replay', dlPath, '--config', cfg]);
  assert.is(one.code, 0, one.stderr);
  assert.ok(one.stderr.includes(`replaying ${dlPath} only: older dead letters are in 3 rotated files`), one.stderr);
  assert.match(one.stderr, /replayed 1 samples/);
  // The command it names sends all four, oldest first.
  rmSync(out);
  const all = spawnSync(process.execPath, [BIN, 'replay', '-', '--config', cfg], { input: oldestFirst.split(' ').map((p) => readFileSync(p, 'utf8')).join(''), encoding: 'utf8', timeout: 60_000 });
  assert.is(all.status, 0, all.stderr);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value), [0, 1, 2, 3]);
  // No file at PATH, the letters all in rotated files.
  renameSync(dlPath, `${dlPath}.moved`);
  const missing = await runCli(['replay', dlPath, '--config', cfg]);
  assert.is(missing.code, 2);
  assert.ok(missing.stderr.includes(`cannot read ${dlPath}: ENOENT; older dead letters are in 3 rotated files, ${dlPath}.3 (oldest) to ${dlPath}.1; every file, oldest first: cat ${dlPath}.3 ${dlPath}.2 ${dlPath}.1 | chronoq replay -`), missing.stderr);
  const notThere = await runCli(['inspect', dlPath]);
  assert.is(notThere.code, 2);
  assert.match(notThere.stderr, /no file at .*dead\.ndjson; older dead letters are in 3 rotated files/);
});

test('replay of something that cannot be read as a file says so and exits 2', async () => {
  const dir = tempDir();
  const cfg = writeConfig(dir, [`sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const missing = await runCli(['replay', join(dir, 'nope.ndjson'), '--config', cfg]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.ndjson: ENOENT/);
  // A directory opens, and fails when read: it was "replayed 0 samples", exit 0.
  const directory = await runCli(['replay', dir, '--config', cfg]);
  assert.is(directory.code, 2, directory.stderr);
  assert.match(directory.stderr, /cannot read .*: EISDIR/);
});

test("replay says the sink's start warnings, as run does (an endpoint with no port, here)", async () => {
  const dir = tempDir();
  const letters = join(dir, 'none.ndjson');
  writeFileSync(letters, '');
  const cfg = writeConfig(dir, ['sink: {type: otlp-grpc, endpoint: "http://127.0.0.1"}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['replay', letters, '--config', cfg]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'the sink endpoint http://127.0.0.1 names no port: gRPC dials 127.0.0.1:443, in plaintext');
});

test('replay of the configured dead-letter file writes its new letters to FILE.replay, also when FILE is named by another path (a symlinked directory, a hard link): they were appended to the file being replayed', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'real'));
  symlinkSync(join(dir, 'real'), join(dir, 'link'));
  const dlPath = join(dir, 'real', 'dead.ndjson');
  const future = (BigInt(Date.now()) + 3_600_000n) * 1_000_000n;
  const letter = `${JSON.stringify({ reason: 'skew', item: { name: 'cpu', kind: 'gauge', value: 1, timeUnixNano: String(future), attributes: {} }, detail: 'x', atUnixMs: 0 })}\n`;
  for (const [named, configured] of [[dlPath, dlPath], [dlPath, join(dir, 'link', 'dead.ndjson')], [join(dir, 'hard.ndjson'), dlPath]] as const) {
    writeFileSync(dlPath, letter);
    rmSync(`${dlPath}.replay`, { force: true });
    rmSync(`${named}.replay`, { force: true });
    if (named !== dlPath) rmSync(named, { force: true }), linkSync(dlPath, named);
    const cfg = writeConfig(dir, ['sink: {type: console}', `deadLetter: {path: ${configured}}`, 'skew: {policy: dead-letter}', ''].join('\n'));
    const r = await runCli(['replay', named, '--config', cfg]);
    assert.match(r.stderr, /replayed 1 samples .*: 0 delivered, 1 dead-lettered \(→ [^)]*\.ndjson\.replay\)/, `${named} with ${configured}: ${r.stderr}`);
    assert.is(readFileSync(dlPath, 'utf8'), letter, `${named} with ${configured}: the file replayed is as it was`);
    assert.is(readFileSync(`${named}.replay`, 'utf8').split('\n').filter(Boolean).length, 1);
  }
});

test.run();
