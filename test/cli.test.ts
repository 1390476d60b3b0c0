/** The `chronoq` command, spawned as a user would run it (validate: cliValidate.test.ts). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readerLeavesAfter, runCli, startCli, stopWhileWaitingForRoom, tempDir, writeConfig, runningFor } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq CLI');

test('--help, --version; an unknown command or option exits 2', async () => {
  const help = await runCli(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /chronoq run \[config.yaml\]/);
  // `chronoq help` as git and npm take it (it was an unknown command).
  // Nothing asked: the usage, exit 2 (a script that ran `chronoq` alone did nothing).
  const bare = await runCli([]);
  assert.equal([bare.code, bare.stdout], [2, help.stdout]);
  const word = await runCli(['help']);
  assert.is(word.code, 0, word.stderr);
  assert.is(word.stdout, help.stdout);
  assert.is((await runCli(['--version'])).stdout.trim(), '0.1.0');
  assert.is((await runCli(['frobnicate'])).code, 2);
  assert.is((await runCli(['run', '--colour'])).code, 2);
  const misspelt = await runCli(['inspct', 'x.db']);
  assert.is(misspelt.code, 2);
  assert.match(misspelt.stderr, /unknown command inspct \(did you mean inspect\? run, validate, replay or inspect; see --help\)/);
});

test('a file more than the command takes is an error, not ignored (run a.yaml b.yaml ran a.yaml alone); validate takes --config as run does', async () => {
  const dir = tempDir();
  const a = writeConfig(dir, 'sources: []\nsink: {type: console}\n', 'a.yaml');
  const b = writeConfig(dir, 'sources: []\nsink: {type: console}\n', 'b.yaml');
  const cases: ReadonlyArray<readonly [string[], RegExp]> = [
    [['run', a, b], /run: one config file, found 2 \(.*a\.yaml, .*b\.yaml\)/],
    [['run', a, '--config', b], /run: two config files, .*a\.yaml and --config .*b\.yaml: give one/],
    [['validate', a, b], /validate: one config file, found 2/],
    [['replay', 'x.ndjson', 'y.ndjson', '--config', a], /replay: one dead-letter file, found 2 \(x\.ndjson, y\.ndjson\): to replay several, oldest first, cat x\.ndjson y\.ndjson \| chronoq replay - --config .*a\.yaml/],
    [['inspect', 'x.db', 'y.db'], /inspect: one file, found 2/],
    [['run', a, '--json'], /run: --json is inspect's \(for log lines as JSON: --log-format json\)/],
    [['inspect', 'x.db', '--config', a], /inspect: --config is for run, validate and replay/],
    // Taken and ignored: replay exited 0 or 1 by its own rule whatever the flag said.
    [['replay', 'x.ndjson', '--fail-on-dead-letters'], /replay: --fail-on-dead-letters is run's \(replay exits 1 whenever a sample becomes a dead letter again\)/],
    [['validate', a, '--fail-on-dead-letters'], /validate: --fail-on-dead-letters is run's \(see --help\)$/m],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /chronoq running/, 'nothing ran');
  }
  const dash = await runCli(['validate', '-']);
  assert.is(dash.code, 2);
  // Before: "-: expected a readable config file, found ENOENT".
  assert.match(dash.stderr, /config error: -: expected a config file \(standard input is not read for the config: it is for an NDJSON source with path: -\), found - \(write the config to a file and give its name\)/);
  const v = await runCli(['validate', '--config', a]);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /^sink:\n {2}type: console/m);
  // run --config runs that config (not the default one: host metrics to localhost:4317).
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, '{"name":"m","value":1,"timeUnixNano":"1764064800000000000"}\n');
  const out = join(dir, 'out.ndjson');
  const ran = await runCli(['run', '--config', writeConfig(dir, `sources: [{type: ndjson, path: ${input}}]\nsink: {type: ndjson, path: ${out}}\nskew: {maxPastMs: 1e12}\nreorder: {maxDelayMs: 0}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`, 'c.yaml'), '-q']);
  assert.is(ran.code, 0, ran.stderr);
  assert.match(readFileSync(out, 'utf8'), /"timeUnixNano":"1764064800000000000"/);
  // replay and inspect without their file say which they need.
  for (const [command, words] of [['replay', 'replay: which dead-letter file?'], ['inspect', 'inspect: which file?']]) {
    const r = await runCli([command!]);
    assert.is(r.code, 2, command);
    assert.ok(r.stderr.includes(words!), r.stderr);
  }
});

test('a named pipe as a file source or a replayed file: a config error / an error at once (exit 2), where opening it stopped everything, Ctrl-C included, until a writer came', async () => {
  const dir = tempDir();
  const fifo = join(dir, 'samples.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const cfg = writeConfig(dir, ['sources: [{type: ndjson, path: ' + fifo + '}]', 'sink: {type: console}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const run = await runCli(['run', cfg], {}, 10_000);
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, /config\.sources\[0\]\.path: expected a readable file \(or - for standard input\), found ".*samples\.fifo" \(a named pipe: read it as standard input, path: - and < pipe\)/);
  const replay = await runCli(['replay', fifo], {}, 10_000);
  assert.is(replay.code, 2, replay.stderr);
  assert.match(replay.stderr, /cannot replay .*samples\.fifo: it is a named pipe.*chronoq replay - </);
});

test('run: bad NDJSON lines land in the dead-letter file (0600) with line numbers; good lines keep their exact times; --fail-on-dead-letters exits 3 then', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const out = join(dir, 'out.ndjson');
  const dl = join(dir, 'dead.ndjson');
  const lines = [
    '{"name":"cpu","value":0.5,"timeUnixNano":"1764064800123456789","attributes":{"host":"a"}}',
    'this is not json',
    '{"name":"cpu","value":0.6,"time":"2025-11-25T10:00:01.000000001Z","attributes":{"host":"a"}}',
    '{"name":"cpu","value":"high","timeUnixNano":"1764064802000000000"}',
    '{"name":"mem","kind":"sum","value":7,"timeUnixNano":"1764064803000000000"}',
    `[${'{"name":"cpu","value":0.7,"timeUnixNano":"1764064804000000000"},'.repeat(100)}]`, // longer than maxLineBytes
  ];
  (await import('node:fs')).writeFileSync(input, `${lines.join('\n')}\n`);
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}, maxLineBytes: 2000}]`, `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${dl}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ''].join('\n'));
  const r = await runCli(['run', cfg, '--quiet']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, / · delivered [\d.]+\/s · /, '--quiet: no status line, not even the last');
  const delivered = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timeUnixNano: string; value: number });
  assert.equal(delivered.map((d) => d.timeUnixNano).sort(), ['1764064800123456789', '1764064801000000001', '1764064803000000000']);
  const dead = readFileSync(dl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string });
  assert.equal(dead.map((d) => d.reason), ['invalid', 'invalid', 'invalid']);
  assert.match(dead[0]!.detail, /line 2: not JSON/);
  assert.match(dead[1]!.detail, /line 4: value must be a number, got "high"/);
  assert.match(dead[2]!.detail, /line 6: a line of 6402 bytes, longer than maxLineBytes 2000: not read/);
  assert.is(statSync(dl).mode & 0o777, 0o600);
  // Said in the log at the first (it was only a count in the status line), not once per line.
  const said = r.stderr.split('\n').filter((l) => /samples became dead letters/.test(l));
  assert.is(said.length, 1, r.stderr);
  assert.match(said[0]!, /WARN +samples became dead letters \(invalid\): /);
  assert.ok(said[0]!.includes(`${input} line 2: not JSON`) && said[0]!.includes(`; they are in ${dl}`), said[0]);
  // Replayed, such a letter is skipped with what it is (it said "its item is not a sample: a sample needs timeUnixNano").
  const replay = await runCli(['replay', dl, '--config', cfg]);
  assert.match(replay.stderr, /line 1 not replayed: it records input line 2 of .*in\.ndjson, which was not a sample \(not JSON[^)]*\): correct that line and feed it again/);
  assert.match(replay.stderr, /line 2 not replayed: it records input line 4 of .*in\.ndjson, which was not a sample \(value must be a number, got "high"\)/);
  assert.match(replay.stderr, /replayed 0 samples .*3 lines skipped/);
  // A batch job's check that everything arrived: exit 3 with dead letters, 0 without.
  const strict = await runCli(['run', cfg, '--quiet', '--fail-on-dead-letters']);
  assert.is(strict.code, 3, strict.stderr);
  (await import('node:fs')).writeFileSync(input, `${lines[0]}\n${lines[1]}\n`);
  const one = await runCli(['run', cfg, '--quiet', '--fail-on-dead-letters']);
  assert.is(one.code, 3, `a single dead letter is one too: ${one.stderr}`);
  (await import('node:fs')).writeFileSync(input, `${lines[0]}\n`);
  const clean = await runCli(['run', cfg, '--quiet', '--fail-on-dead-letters']);
  assert.is(clean.code, 0, clean.stderr);
});

test('a shutdown while a file source waits for room says where it stopped; what was read is accounted for, the rest is still in the file', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const total = 20_000;
  writeFileSync(input, Array.from({ length: total }, (_, i) => `{"name":"m","value":${i},"timeUnixNano":"${1_764_064_800_000_000_000n + BigInt(i)}"}\n`).join(''));
  const { stderr, logs, stopped } = await stopWhileWaitingForRoom(dir, input);
  assert.ok(stopped, stderr);
  const read = stopped.linesRead!;
  assert.ok(read >= 500 && read < 5_000, `${read} lines read before the queue was full`);
  const rest = readFileSync(input, 'utf8').split('\n').slice(read).filter((l) => l !== '');
  assert.match(stopped.message, new RegExp(`stopped after line ${read}: the ${Buffer.byteLength(rest.map((l) => `${l}\n`).join(''))} bytes after it were not read \\(the rest: tail -n \\+${read + 1} `));
  assert.is((JSON.parse(rest[0]!) as { value: number }).value, read, 'the rest starts right after the last line read');
  const done = logs.find((l) => l.message.startsWith('done'))!;
  assert.is(done.samplesIn, read);
  assert.is(done.deadLetters!['shutdown'], read, 'every line read is accounted for (as a shutdown dead letter: no spool)');
});

test('SIGTERM drains: everything read is delivered, then the process exits 0', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.ndjson');
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 3, ratePerSecond: 200, valuePattern: sequence}]', `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'batch: {maxSize: 50, maxDelayMs: 5000}', 'reorder: {maxDelayMs: 3000}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  await runningFor(stderrSoFar, 1_500);
  child.kill('SIGTERM');
  const r = await result;
  assert.is(r.code, 0, r.stderr);
  const done = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { message: string; samplesIn?: number; delivered?: number }).find((l) => l.message.startsWith('done'))!;
  assert.ok(done.samplesIn! > 100);
  assert.is(done.delivered, done.samplesIn, 'drained: buffered and batched samples were delivered, not dropped');
  assert.is(readFileSync(out, 'utf8').trim().split('\n').length, done.samplesIn);
  // The start line says the synthetic source's total rate (ratePerSecond is per series).
  assert.match(r.stderr, 'chronoq running: synthetic (3 series × 200/s = 600 samples/s) → ndjson ');
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) test(`${signal} with an unreachable receiver: after the deadline, what is left becomes dead letters \`shutdown\``, async () => {
  // SIGHUP (the terminal closed) used to end the process on the spot: no dead letter, no line.
  const dir = tempDir();
  const dl = join(dir, 'dead.ndjson');
  const port = await freePort(); // nothing listens here
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 2, ratePerSecond: 100, valuePattern: sequence}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 500}`, `deadLetter: {path: ${dl}}`, 'delivery: {shutdownDeadlineMs: 500, retry: {initialDelayMs: 50, maxDelayMs: 200}}', 'reorder: {maxDelayMs: 10}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  await runningFor(stderrSoFar, 1_500);
  child.kill(signal);
  const r = await result;
  assert.is(r.code, 0, r.stderr);
  const logs = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { message: string; samplesIn?: number; delivered?: number; deadLetters?: Record<string, number> });
  const done = logs.find((l) => l.message.startsWith('done'))!;
  assert.is(done.delivered, 0);
  assert.ok(done.samplesIn! > 50);
  assert.is(done.deadLetters!['shutdown'], done.samplesIn, 'every sample read is accounted for');
  const letters = readFileSync(dl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string });
  assert.is(letters.length, done.samplesIn);
  assert.ok(letters.every((l) => l.reason === 'shutdown'));
  assert.ok(logs.some((l) => /replay them with: chronoq replay/.test(l.message)));
});

test('lines that are not samples are counted in and dead-lettered: the spool count at shutdown and the done line add up', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const spool = join(dir, 'spool.db');
  const port = await freePort(); // nothing listens here
  writeFileSync(input, ['not json', '{"name":"m","value":"high","timeUnixNano":"1764064800000000000"}',
    ...[1, 2, 3].map((i) => `{"name":"m","value":${i},"timeUnixNano":"176406480${i}000000000"}`), ''].join('\n'));
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, `spool: {path: ${spool}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}',
    'delivery: {shutdownDeadlineMs: 300, retry: {initialDelayMs: 50, maxDelayMs: 200}}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  await runningFor(stderrSoFar, 1_500);
  child.kill('SIGTERM');
  const r = await result;
  const logs = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { message: string; samplesIn?: number; delivered?: number; deadLetters?: Record<string, number> });
  // It said "1 samples stay in the spool": the two bad lines were subtracted from the three samples.
  assert.ok(logs.some((l) => /deadline passed: 3 samples stay in the spool/.test(l.message)), r.stderr);
  const json = JSON.parse((await runCli(['inspect', spool, '--json'])).stdout) as { waiting: number };
  assert.is(json.waiting, 3);
  const done = logs.find((l) => l.message.startsWith('done'))!;
  assert.match(done.message, /^done: 5 in, 0 delivered, 2 dead-lettered, 3 left in the spool$/);
  assert.is(done.deadLetters!['invalid'], 2);
});

test('with its log gone (stderr closed, as when the terminal is) a run still drains at SIGHUP: every sample read becomes a dead letter, exit 0', async () => {
  // Before, the first log line written after the reader left (EPIPE) ended the process: exit 1, no dead letters.
  const dir = tempDir();
  const dl = join(dir, 'dead.ndjson');
  const port = await freePort(); // nothing listens here
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 2, ratePerSecond: 50, valuePattern: sequence}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`, `deadLetter: {path: ${dl}}`, 'delivery: {shutdownDeadlineMs: 300}', 'telemetry: {statusIntervalMs: 200}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg]);
  child.stderr!.once('data', () => child.stderr!.destroy());
  await runningFor(stderrSoFar, 1_500);
  child.kill('SIGHUP');
  const r = await result;
  assert.is(r.code, 0);
  const letters = readFileSync(dl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; item: { value: number } });
  assert.ok(letters.length > 20, `${letters.length} dead letters`);
  assert.ok(letters.every((l) => l.reason === 'shutdown'));
});

test('console sink whose reader goes away (| head): the run stops, what it could not write becomes dead letters saying why, the done line adds up, exit 1', async () => {
  // Before, the EPIPE ended the process with exit 0 on the spot: no done line, no dead letters,
  // the samples read and not yet written nowhere.
  const dir = tempDir();
  const dl = join(dir, 'dead.ndjson');
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 2, ratePerSecond: 200, valuePattern: sequence}]', 'sink: {type: console}', `deadLetter: {path: ${dl}}`, 'reorder: {maxDelayMs: 2000}', 'batch: {maxSize: 50, maxDelayMs: 200}', ''].join('\n'));
  // A 2 s reorder window always holds ~800 samples when the reader leaves: what the run cannot
  // write is never nothing (with 10 ms, a run could stop between batches with nothing pending).
  const { child, result } = startCli(['run', cfg, '--log-format', 'json']);
  readerLeavesAfter(child, 3);
  const r = await result;
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /nothing reads standard output any more/);
  const done = r.stderr.split('\n').map((l) => { try { return JSON.parse(l) as { samplesIn?: number; delivered?: number; deadLetters?: { rejected: number } }; } catch { return {}; } }).find((l) => l.samplesIn !== undefined);
  assert.ok(done !== undefined, r.stderr);
  const letters = readFileSync(dl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string });
  assert.ok(letters.length >= 1, 'what was not written is a dead letter');
  assert.is(done!.deadLetters!.rejected, letters.length);
  assert.is(done!.samplesIn, done!.delivered! + letters.length, 'every sample read: written or a dead letter');
  assert.ok(letters.every((l) => l.reason === 'rejected' && /standard output is closed \(EPIPE\)/.test(l.detail)));
});

test('the dead-letter file rotates by size, keeps maxFiles, never loses the current letters', () => {
  const dir = tempDir();
  const path = join(dir, 'dl.ndjson');
  const removed: { path: string; letters: number }[] = [];
  const f = new DeadLetterFile(path, { maxBytes: 300, maxFiles: 2, onRemove: (e) => removed.push({ path: e.path, letters: e.letters }) });
  for (let i = 0; i < 12; i++) {
    f.append({ reason: 'late', item: { name: 'm', kind: 'gauge', value: i, timeUnixNano: BigInt(i), attributes: {} }, detail: 'x'.repeat(50), atUnixMs: 0 });
    f.flush();
  }
  f.close();
  assert.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`));
  assert.not.ok(existsSync(`${path}.3`), 'only maxFiles rotated files are kept');
  const values = [`${path}.2`, `${path}.1`, path].filter((p) => existsSync(p)).flatMap((p) => readFileSync(p, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { item: { value: number } }).item.value));
  assert.equal(values, values.slice().sort((a, b) => a - b), 'oldest file first, in order');
  assert.is(values.at(-1), 11);
  assert.is(statSync(`${path}.1`).mode & 0o777, 0o600);
  // The letters rotation removes are told, never gone without a word.
  assert.ok(removed.length > 0 && removed.every((r) => r.path === `${path}.2`));
  assert.is(removed.reduce((n, r) => n + r.letters, 0) + values.length, 12, 'removed + kept = every letter written');
});

test('chronoq run logs the dead letters rotation removes', async () => {
  const dir = tempDir();
  const port = await freePort(); // nothing listens here: under at-most-once each batch is dead-lettered
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, ratePerSecond: 200, count: 60, valuePattern: sequence}]', `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`,
    'delivery: {guarantee: at-most-once, breaker: {failureThreshold: 1000}}', 'batch: {maxSize: 10, maxDelayMs: 10}', 'reorder: {maxDelayMs: 0}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}, maxBytes: 2000, maxFiles: 1}`, ''].join('\n'));
  const r = await runCli(['run', cfg, '--log-format', 'json']);
  const removedLines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { message: string; letters?: number }).filter((l) => l.message.startsWith('dead-letter rotation removed'));
  assert.ok(removedLines.length > 0, r.stderr);
  assert.match(removedLines[0]!.message, /dead\.ndjson\.1: its \d+ dead letters are gone \(deadLetter\.maxFiles 1 files of maxBytes 2000; raise them to keep more\)/);
  const kept = [join(dir, 'dead.ndjson'), join(dir, 'dead.ndjson.1')].filter((p) => existsSync(p)).reduce((n, p) => n + readFileSync(p, 'utf8').trim().split('\n').filter(Boolean).length, 0);
  assert.is(removedLines.reduce((n, l) => n + l.letters!, 0) + kept, 60, 'removed + kept = every sample');
});

test.run();
