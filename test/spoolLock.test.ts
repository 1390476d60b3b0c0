/**
 * One process per spool: a second opener is refused (and says who has it), a killed owner leaves
 * no stale lock, and `chronoq run` waits for a spool another chronoq is draining, then takes over
 * what it left. Without the lock, two runs on one spool delivered each other's samples (6 210
 * duplicates in 20 s) and left delivered samples waiting in it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { isSpoolInUseError, spoolOwner } from '../src/spool/spoolLock.js';
import type { Sample } from '../src/sample.js';
import { jsonLog, runCli, sleep, startCli, tempDir, until, writeConfig, type CliResult } from './support/cli.js';
import { freePort } from './support/collector.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { openSpool } from '../src/cli/openSpool.js';
import { resolveConfig } from '../src/config/resolve.js';
import { NEVER } from 'rxjs';

const test = suite('spool owner lock');
const root = new URL('..', import.meta.url).pathname;
const mk = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { s: String(i % 2) } });

test("the owner's record: since when it holds the spool, by its clock; a SpoolInUseError of another copy of chronoq is known by its name", () => {
  const path = join(tempDir(), 'spool.db');
  const first = Spool.open(path, { lanes: 1, clock: { now: () => 1_764_064_800_123.4, monotonic: () => 0 } });
  if (isLeft(first)) throw first.left;
  assert.equal(spoolOwner(path), { pid: process.pid, host: hostname(), sinceUnixMs: 1_764_064_800_123 });
  const second = Spool.open(path, { lanes: 1 });
  assert.ok(isLeft(second) && second.left.message.includes('since 2025-11-25T10:00:00.123Z'), isLeft(second) ? second.left.message : 'opened');
  first.right.spool.close();
  assert.ok(isSpoolInUseError(Object.assign(new Error('spool x is in use by another chronoq'), { name: 'SpoolInUseError' })));
  assert.not.ok(isSpoolInUseError({ name: 'SpoolInUseError', message: 'not an Error' }));
});

test('a second open of an open spool is refused, naming the owner; once closed or abandoned (as by kill -9) it opens', () => {
  const path = join(tempDir(), 'spool.db');
  const first = Spool.open(path, { lanes: 1 });
  if (isLeft(first)) throw first.left;
  first.right.spool.append([mk(0), mk(1)]);
  const second = Spool.open(path, { lanes: 1 });
  assert.ok(isLeft(second) && isSpoolInUseError(second.left), 'refused');
  if (isRight(second)) return;
  assert.match(second.left.message, new RegExp(`in use by another chronoq \\(pid ${process.pid} on ${hostname()}, since `));
  assert.equal(spoolOwner(path)?.pid, process.pid, 'inspect sees the owner');
  first.right.spool.abandon();
  assert.is(spoolOwner(path), undefined, 'an abandoned lock is no owner');
  const third = Spool.open(path, { lanes: 1 });
  if (isLeft(third)) throw third.left;
  assert.is(third.right.report.pending, 2, 'the next owner takes over what was left');
  third.right.spool.close();
  first.right.spool.close();
  const fourth = Spool.open(path, { lanes: 1 });
  assert.ok(isRight(fourth), 'free again after close');
  if (isRight(fourth)) fourth.right.spool.close();
});

test('waiting for a spool in use: a spool that fails otherwise once it is let go is said at once, not waited on to the end', async () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  const first = Spool.open(path, { lanes: 1 });
  if (isLeft(first)) throw first.left;
  const lines: string[] = [];
  const config = { ...resolveConfig({ spool: { path } }), sources: [] };
  // The clock stands still: only a spool that opens, or fails for another reason, ends the wait.
  const frozen = { now: () => 0, monotonic: () => 0 };
  const opening = openSpool(config, (level, message) => void lines.push(`${level} ${message}`), frozen, () => undefined, NEVER, 60_000);
  await until('the wait to be said', () => lines.length > 0, 5_000);
  first.right.spool.close();
  // The other one leaves the file holding something else (a spool is never that: it is refused, not moved aside).
  writeFileSync(path, 'not a spool at all, and longer than an SQLite header would be\n');
  const result = await Promise.race([opening, sleep(5_000).then(() => 'still waiting')]);
  assert.is(result, 'failed');
  assert.match(lines.at(-1) ?? '', /^error .*spool\.db/);
});

test('a process killed with SIGKILL while it holds a spool leaves no stale lock', async () => {
  // (The child keeps its Spool referenced: a Spool garbage-collected unclosed lets its lock go.)
  const path = join(tempDir(), 'spool.db');
  const holder = spawn(process.execPath, ['-e', `import(${JSON.stringify(join(root, 'dist/src/spool/spool.js'))}).then(({ Spool }) => { const r = Spool.open(${JSON.stringify(path)}); if (r._tag === 'Left') throw r.left; r.right.spool.append([{ name: 'm', kind: 'gauge', value: 7, timeUnixNano: 1764064800000000000n, attributes: {} }]); globalThis.held = r.right.spool; console.log('holding'); setInterval(() => {}, 1000); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    holder.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until('the holder', () => out.includes('holding'));
    const refused = Spool.open(path);
    assert.ok(isLeft(refused) && isSpoolInUseError(refused.left) && refused.left.owner?.pid === holder.pid, 'held by the child');
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const taken = Spool.open(path);
    if (isLeft(taken)) throw taken.left;
    assert.is(taken.right.report.pending, 1, "and the killed process's sample is recovered");
    taken.right.spool.close();
  } finally {
    holder.kill('SIGKILL');
  }
});

test('createPipeline on a spool another pipeline has open: a config error at config.spool.path naming the owner; free once the first shuts down', async () => {
  const dir = tempDir();
  const options = { sink: { type: 'ndjson', path: join(dir, 'o.ndjson') }, spool: { path: join(dir, 'spool.db') }, deadLetter: { path: join(dir, 'd.ndjson') } };
  const first = createPipeline(options);
  if (isLeft(first)) throw new Error('options');
  const second = createPipeline(options);
  assert.ok(isLeft(second));
  if (isRight(second)) return;
  assert.is(second.left[0]!.path, 'config.spool.path');
  assert.match(String(second.left[0]!.found), new RegExp(`in use by another chronoq \\(pid ${process.pid} on `));
  await first.right.shutdown();
  const third = createPipeline(options);
  assert.ok(isRight(third));
  if (isRight(third)) await third.right.shutdown();
});

/** A run whose receiver is unreachable: what it reads stays in the spool at shutdown. */
const stuckRun = async (dir: string, spool: string, name: string, shutdownDeadlineMs = 300) => {
  const input = join(dir, `${name}.ndjson`);
  writeFileSync(input, [0, 1, 2, 3, 4].map((i) => `{"name":"m","value":${i},"timeUnixNano":"17640648000000000${i}0"}\n`).join(''));
  const port = await freePort(); // nothing listens here
  return writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, `${name}-dead.ndjson`)}}`, `spool: {path: ${spool}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}',
    `delivery: {shutdownDeadlineMs: ${shutdownDeadlineMs}, retry: {initialDelayMs: 50, maxDelayMs: 200}}`, ''].join('\n'), `${name}.yaml`);
};

test('chronoq run on a spool another chronoq has open waits for it, then takes over what it left: each sample delivered once, in order', async () => {
  const dir = tempDir();
  const spool = join(dir, 'spool.db');
  const a = startCli(['run', await stuckRun(dir, spool, 'a'), '--log-format', 'json']);
  await until('the first run to spool its file', () => a.stderrSoFar().includes('chronoq running'));
  await sleep(700);
  const input = join(dir, 'b.ndjson');
  writeFileSync(input, [5, 6].map((i) => `{"name":"m","value":${i},"timeUnixNano":"17640648000000000${i}0"}\n`).join(''));
  const out = join(dir, 'out.ndjson');
  const bCfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${input}}]`, `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'b-dead.ndjson')}}`,
    `spool: {path: ${spool}}`, 'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ''].join('\n'), 'b.yaml');
  const b = startCli(['run', bCfg, '--log-format', 'json']);
  try {
    await until('the second run to say it waits', () => b.stderrSoFar().includes('Waiting up to 15 s'));
    assert.match(b.stderrSoFar(), new RegExp(`spool ${spool} is in use by another chronoq \\(pid ${a.child.pid} on `));
    await sleep(500);
    assert.not.ok(existsSync(out), 'nothing read or sent while it waits');
    const inspected = await runCli(['inspect', spool]);
    assert.match(inspected.stdout, new RegExp(`in use by the chronoq with pid ${a.child.pid} on `), 'inspect names the owner');
    a.child.kill('SIGTERM');
    const ar: CliResult = await a.result;
    assert.is(ar.code, 0, ar.stderr);
    assert.ok(jsonLog(ar.stderr).some((l) => /5 samples stay in the spool/.test(l.message)), ar.stderr);
    // Its file read and every sample delivered, the second run ends by itself.
    const br = await b.result;
    assert.is(br.code, 0, br.stderr);
    const messages = jsonLog(br.stderr).map((l) => l.message);
    assert.ok(messages.some((m) => /the other chronoq let it go after \d+ ms; this one takes over/.test(m)), br.stderr);
    assert.ok(messages.some((m) => /5 samples from an earlier run are delivered first/.test(m)), br.stderr);
    const values = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value);
    assert.equal(values, [0, 1, 2, 3, 4, 5, 6], 'once each, the first run\'s first');
    const left = JSON.parse((await runCli(['inspect', spool, '--json'])).stdout) as { waiting: number; inUseBy?: unknown };
    assert.is(left.waiting, 0);
    assert.is(left.inUseBy, undefined);
  } finally {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  }
});

test('chronoq run gives up on a spool still in use after the wait: exit 1, nothing read; a stop signal ends the wait at once', async () => {
  const dir = tempDir();
  const spool = join(dir, 'spool.db');
  const a = startCli(['run', await stuckRun(dir, spool, 'a'), '--log-format', 'json']);
  try {
    await until('the first run', () => a.stderrSoFar().includes('chronoq running'));
    // delivery.shutdownDeadlineMs 100: waits 5.1 s.
    const b = await runCli(['run', await stuckRun(dir, spool, 'b', 100), '--log-format', 'json'], {}, 30_000);
    assert.is(b.code, 1, b.stderr);
    const errors = jsonLog(b.stderr).filter((l) => l.level === 'error');
    assert.equal(errors.length, 1, 'said once');
    assert.match(errors[0]!.message, /is in use by another chronoq .*Still in use after 5 s; nothing was read or sent/);
    assert.not.ok(jsonLog(b.stderr).some((l) => /chronoq running/.test(l.message)));
    const c = startCli(['run', await stuckRun(dir, spool, 'c'), '--log-format', 'json']);
    await until('the third run to wait', () => c.stderrSoFar().includes('Waiting up to'));
    c.child.kill('SIGINT');
    const cr = await c.result;
    assert.is(cr.code, 0, cr.stderr);
    assert.ok(jsonLog(cr.stderr).some((l) => /stopped while waiting for the spool: nothing was read/.test(l.message)), cr.stderr);
  } finally {
    a.child.kill('SIGKILL');
  }
});

test.run();
