/** `chronoq inspect`: a spool's waiting samples, a dead-letter file's letters; read only. */
import { suite } from 'uvu';
import { lateDetail } from '../src/lateDetail.js';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, runCli, tempDir } from './support/cli.js';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { Spool } from '../src/spool/spool.js';
import { summarizeDeadLetters } from '../src/cli/inspectDeadLetters.js';

const test = suite('chronoq inspect');

test('inspect: samples waiting per lane in a spool, as text and JSON', async () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  const opened = Spool.open(path, { lanes: 2 });
  if (opened._tag !== 'Right') throw opened.left;
  opened.right.spool.append([0, 1, 2, 3].map((i) => ({ name: 'm', kind: 'gauge' as const, value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { s: String(i) } })));
  opened.right.spool.close();
  const text = await runCli(['inspect', path]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /4 samples waiting/);
  assert.match(text.stdout, /2025-11-25T10:00:00\.000Z/);
  assert.match(text.stdout, /newest sample it was ever given: 2025-11-25T10:00:00\.000Z \(a restart's trusted time starts just after it/);
  const json = JSON.parse((await runCli(['inspect', path, '--json'])).stdout) as { waiting: number; lanes: { waiting: number }[]; newestGivenUnixNano: string };
  assert.is(json.waiting, 4);
  assert.is(json.lanes.reduce((n, l) => n + l.waiting, 0), 4);
  assert.is(json.newestGivenUnixNano, '1764064800000000003');
  assert.is((await runCli(['inspect', join(dir, 'none.db')])).code, 2);
});

test('inspect: the samples waiting by the resource they were written under, which they go out as (resource eras), and those written before it was recorded', async () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  const sample = (i: number) => ({ name: 'm', kind: 'gauge' as const, value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { s: String(i % 2) } });
  const run = (resource: Record<string, string | number> | undefined, values: number[], settle = 0): void => {
    const opened = Spool.open(path, { lanes: 2, ...(resource ? { resource } : {}) });
    if (opened._tag !== 'Right') throw opened.left;
    const spool = opened.right.spool;
    spool.append(values.map(sample));
    if (settle > 0) spool.settle(spool.recover().filter((s) => (s.value as number) < settle));
    spool.close();
  };
  run(undefined, [0, 1]); // as an older chronoq wrote it: no resource recorded
  run({ 'service.name': 'shop', 'service.version': '1' }, [2, 3, 4]);
  run({ 'service.name': 'shop', 'service.version': '2', ratio: Number.NaN }, [5, 6, 7, 8]);
  const text = await runCli(['inspect', path]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /\nwaiting  resource they were written under, and go out as\n2        \(written before chronoq recorded it: the next run's\)\n3        \{"service\.name":"shop","service\.version":"1"\}\n4        \{"service\.name":"shop","service\.version":"2","ratio":\{"doubleValue":"NaN"\}\}\n$/);
  const json = JSON.parse((await runCli(['inspect', path, '--json'])).stdout) as { resources: unknown[] };
  assert.equal(json.resources, [
    { waiting: 2 },
    { resource: { 'service.name': 'shop', 'service.version': '1' }, waiting: 3 },
    { resource: { 'service.name': 'shop', 'service.version': '2', ratio: { doubleValue: 'NaN' } }, waiting: 4 },
  ]);
  // Delivered (settled), a resource's samples are not listed.
  run({ 'service.name': 'shop', 'service.version': '2', ratio: Number.NaN }, [], 5);
  const after = JSON.parse((await runCli(['inspect', path, '--json'])).stdout) as { resources: { waiting: number }[] };
  assert.equal(after.resources.map((r) => r.waiting), [4]);
});

test('inspect is read only: pointed at a file that is not a spool, or at a damaged spool, it says so and changes nothing', async () => {
  const dir = tempDir();
  const files = { text: join(dir, 'notes.db'), other: join(dir, 'other-app.db'), damaged: join(dir, 'spool.db') };
  writeFileSync(files.text, 'not a database\n');
  // Another program's SQLite database: before, inspect added chronoq's tables to it (and moved a
  // non-database file aside, putting a fresh spool in its place).
  const otherDb = new Database(files.other);
  otherDb.exec("CREATE TABLE users (id INTEGER); INSERT INTO users VALUES (1)");
  otherDb.close();
  const damaged = Spool.open(files.damaged);
  if (damaged._tag !== 'Right') throw damaged.left;
  for (let b = 0; b < 50; b++) damaged.right.spool.append(Array.from({ length: 40 }, (_, i) => ({ name: 'm', kind: 'gauge' as const, value: b * 40 + i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(b * 40 + i), attributes: {} })));
  damaged.right.spool.checkpoint();
  damaged.right.spool.close();
  truncateSync(files.damaged, Math.floor(statSync(files.damaged).size * 0.6));
  const before = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, readFileSync(f)]));
  // SQLite's own reader files of a WAL database (-wal, -shm) may appear beside the damaged spool;
  // nothing else may.
  const listing = () => readdirSync(dir).filter((f) => !/^spool\.db-(wal|shm)$/.test(f)).sort();
  const filesBefore = listing();

  const text = await runCli(['inspect', files.text]);
  assert.is(text.code, 2);
  assert.match(text.stderr, /notes\.db is neither a chronoq spool \(SQLite\) nor a dead-letter file \(NDJSON\); nothing was changed/);
  const otherApp = await runCli(['inspect', files.other]);
  assert.is(otherApp.code, 2);
  assert.match(otherApp.stderr, /other-app\.db is not a chronoq spool/);
  const cut = await runCli(['inspect', files.damaged]);
  assert.match(cut.stderr + cut.stdout, /chronoq run would move it aside and salvage (the )?\d+ samples/);
  for (const [k, f] of Object.entries(files)) assert.ok(readFileSync(f).equals(before[k]!), `${k}: unchanged`);
  assert.equal(listing(), filesBefore, 'nothing moved aside or created');
});

test('inspect a dead-letter file: letters per reason with their time range, kinds of detail (the numbers that differ folded), metrics, series, and the refusals of a resend', async () => {
  const dir = tempDir();
  const path = join(dir, 'dead.ndjson');
  const f = new DeadLetterFile(path);
  const t0 = 1_764_064_800_000_000_000n; // 2025-11-25T10:00:00Z
  const s = (name: string, i: number, host: string) => ({ name, kind: 'gauge' as const, value: i, timeUnixNano: t0 + BigInt(i) * 1_000_000_000n, attributes: { host } });
  for (let i = 0; i < 3; i++) f.append({ reason: 'late', item: s('cpu', i, 'a'), detail: `sample at ${t0 + BigInt(i)} ns is older than the last released sample of its series (${t0 + 99n} ns); maxDelayMs 2000`, atUnixMs: 0 });
  const resend = 'the receiver refused the batch on a resend (attempt 2): 13 INTERNAL: Permanent error: remote write request failed; an earlier attempt failed with 4 DEADLINE_EXCEEDED: Deadline exceeded, which the receiver may have processed all the same: the samples may be there already (a backend that refuses a sample it holds, as Prometheus does, refuses the copy)';
  for (let i = 10; i < 12; i++) f.append({ reason: 'rejected', item: s('mem', i, 'b'), detail: resend, attempts: 2, atUnixMs: 0 });
  f.append({ reason: 'rejected', item: s('mem', 20, 'c'), detail: 'the receiver refused the batch: 3 INVALID_ARGUMENT: bad', attempts: 1, atUnixMs: 0 });
  f.close();
  writeFileSync(path, `${readFileSync(path, 'utf8')}not a letter\n`);

  const text = await runCli(['inspect', path]);
  assert.is(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.is(lines[0], `dead letters ${path}: 6 letters, 3 series, 1 lines that are not dead letters`);
  assert.is(lines[1], 'late: 3, samples from 2025-11-25T10:00:00.000Z to 2025-11-25T10:00:02.000Z');
  // Only what differs within a kind is folded: the three samples' times; not the last released
  // time they share, nor maxDelayMs (before: every number, "(N ns); maxDelayMs N").
  assert.is(lines[2], `         3 × sample at N ns is older than the last released sample of its series (${t0 + 99n} ns); maxDelayMs 2000`);
  assert.is(lines[3], '  behind what their series had sent by under 1 ms (disorder beyond reorder.maxDelayMs)');
  assert.is(lines[4], 'rejected: 3, samples from 2025-11-25T10:00:10.000Z to 2025-11-25T10:00:20.000Z');
  assert.match(lines[5]!, /^ {9}2 × the receiver refused the batch on a resend \(attempt 2\): 13 INTERNAL: .* 4 DEADLINE_EXCEEDED: /);
  assert.is(lines[6], '         1 × the receiver refused the batch: 3 INVALID_ARGUMENT: bad');
  assert.is(lines[7], 'metrics: cpu 3, mem 3');
  assert.match(lines[8]!, /^2 of the rejected were refused on a resend .*check the backend for them before replaying$/);

  const json = JSON.parse((await runCli(['inspect', path, '--json'])).stdout) as { letters: number; reasons: Record<string, { letters: number; oldestUnixNano: string }>; refusedOnResend: number; series: number };
  assert.is(json.letters, 6);
  assert.is(json.reasons['late']!.oldestUnixNano, String(t0));
  assert.is(json.refusedOnResend, 2);
  assert.is(json.series, 3);
});

test('late letters: how far behind what their series had sent, and how many so far behind that they are not disorder', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  const t = 1_764_064_800_000_000_000n;
  const late = (behindMs: number) => ({ reason: 'late', item: { name: 'cpu', kind: 'gauge', value: 1, timeUnixNano: String(t - BigInt(behindMs) * 1_000_000n), attributes: {} }, detail: lateDetail(t - BigInt(behindMs) * 1_000_000n, t, 'its series', 2_000), atUnixMs: 0 });
  writeFileSync(path, `${[late(3_000), late(1_800_000), late(1_800_000)].map((l) => JSON.stringify(l)).join('\n')}\n`);
  const r = await runCli(['inspect', path]);
  assert.ok(r.stdout.includes('\n  behind what their series had sent by 3.0 s to 30 min; 2 far behind it (over ten reorder windows and a minute): not disorder — the clock that stamped them was set back, or they were sent before\n'), r.stdout);
  const json = JSON.parse((await runCli(['inspect', path, '--json'])).stdout) as { reasons: Record<string, { behindMs?: unknown }> };
  assert.equal(json.reasons['late']!.behindMs, { least: 3_000, most: 1_800_000, far: 2 });
});

test('a kind of detail keeps the numbers its letters share: a lone letter is shown whole, "RFC 3339" stays; past 300 characters, text that differs is cut', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  const invalid = (line: number, time: string) => ({ reason: 'invalid', item: { source: 'in.ndjson', line }, detail: `in.ndjson line ${line}: time "${time}" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)`, atUnixMs: 0 });
  const long = (tail: string) => ({ reason: 'rejected', item: {}, detail: `${'x'.repeat(310)} ${tail}`, atUnixMs: 0 });
  writeFileSync(path, [invalid(4, '2026-12-04 08:00:03'), invalid(9, '2026-12-04 08:00:07'), invalid(12, 'yesterday'), long('a'), long('b')].map((l) => JSON.stringify(l)).join('\n'));
  const s = await summarizeDeadLetters(path);
  // Before: "in.ndjson line N: time \"N-N-N N:N:N\" is not RFC N (e.g. N-N-NTN:N:NZ)", for each.
  assert.equal(s.reasons['invalid']!.details, [
    { detail: 'in.ndjson line N: time "2026-12-04 08:00:N" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)', letters: 2 },
    { detail: 'in.ndjson line 12: time "yesterday" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)', letters: 1 },
  ]);
  assert.equal(s.reasons['rejected']!.details, [{ detail: `${'x'.repeat(300)}…`, letters: 2 }]);
});

test('kinds of detail and metrics past the five most frequent are counted, not left out without a word', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  const letters = Array.from({ length: 8 }, (_, k) => Array.from({ length: 8 - k }, () => ({ reason: 'invalid', item: { name: `m${k}` }, detail: `problem ${'abcdefgh'[k]}`, atUnixMs: 0 }))).flat();
  writeFileSync(path, letters.map((l) => JSON.stringify(l)).join('\n'));
  const s = await summarizeDeadLetters(path);
  // Before: 36 letters, five kinds shown (8 + 7 + 6 + 5 + 4 = 30), and nothing said of the other 6.
  assert.equal(s.reasons['invalid']!.moreKinds, { kinds: 3, letters: 6 });
  assert.equal(s.moreMetrics, { names: 3, letters: 6 });
  const text = await runCli(['inspect', path]);
  const lines = text.stdout.trim().split('\n');
  assert.is(lines[7], '         6 × (3 more kinds of detail)');
  assert.is(lines[8], 'metrics: m0 8, m1 7, m2 6, m3 5, m4 4, and 3 more (6 letters)');
});

test('inspect - sums up dead letters from stdin, as replay - takes them (a rotated file with the newest: cat PATH.1 PATH | chronoq inspect -)', () => {
  const letter = (i: number, reason: string) => JSON.stringify({ reason, item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), attributes: {} }, detail: 'x', atUnixMs: 0 });
  const input = [letter(1, 'late'), letter(2, 'late'), letter(3, 'overflow')].join('\n');
  const r = spawnSync(process.execPath, [BIN, 'inspect', '-'], { input, encoding: 'utf8', timeout: 60_000 });
  // Before: "no file at -", exit 2.
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^dead letters stdin: 3 letters, 1 series\nlate: 2, /);
  assert.match(r.stdout, /\noverflow: 1, /);
  const json = spawnSync(process.execPath, [BIN, 'inspect', '-', '--json'], { input, encoding: 'utf8', timeout: 60_000 });
  assert.is((JSON.parse(json.stdout) as { letters: number }).letters, 3);
  // One series whatever order its attributes were written in (two programs, or JSON from a map): it counted each order as a series.
  const ordered = (i: number, attributes: Record<string, string>) => JSON.stringify({ reason: 'late', item: { name: 'cpu', kind: 'gauge', value: i, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), attributes, resource: { 'service.name': 'a', 'host.name': 'h' } }, detail: 'x', atUnixMs: 0 });
  const reordered = spawnSync(process.execPath, [BIN, 'inspect', '-'], { input: [ordered(1, { cpu: '0', state: 'user' }), ordered(2, { state: 'user', cpu: '0' })].join('\n'), encoding: 'utf8', timeout: 60_000 });
  assert.match(reordered.stdout, /^dead letters stdin: 2 letters, 1 series\n/);
});

test('inspect given a file of samples (an NDJSON sink\'s) says they are samples and how they are sent, as replay does; it said only "0 letters, N lines that are not dead letters"', async () => {
  const dir = tempDir();
  const path = join(dir, 'out.ndjson');
  writeFileSync(path, ['{"name":"cpu","kind":"gauge","value":1,"timeUnixNano":"5","attributes":{}}', '{"name":"cpu","value":2,"time":"2025-11-25T10:00:00Z"}', 'not json', ''].join('\n'));
  const r = spawnSync(process.execPath, [BIN, 'inspect', path], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 letters, 0 series, 3 lines that are not dead letters\n2 of the lines that are not dead letters are samples: a file of samples is sent by `chronoq run` with a source \{type: ndjson, path: .*out\.ndjson\}/);
  const json = JSON.parse(spawnSync(process.execPath, [BIN, 'inspect', '-', '--json'], { input: readFileSync(path), encoding: 'utf8', timeout: 60_000 }).stdout) as { samples?: number };
  assert.is(json.samples, 2);
  const stdin = spawnSync(process.execPath, [BIN, 'inspect', '-'], { input: readFileSync(path), encoding: 'utf8', timeout: 60_000 });
  assert.match(stdin.stdout, /path: -\}/);
});

test('a dead-letter file with a byte order mark (saved by a Windows editor): its first letter counts, as replay reads it', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  const letter = (i: number) => JSON.stringify({ reason: 'rejected', item: { name: 'g', kind: 'gauge', value: i, timeUnixNano: String(1_764_064_800_000_000_000n + BigInt(i)), attributes: {} }, detail: 'x', atUnixMs: 0 });
  writeFileSync(path, `\uFEFF${letter(1)}\r\n${letter(2)}\r\n`);
  const s = await summarizeDeadLetters(path);
  // Before: 1 letter and "1 lines that are not dead letters".
  assert.is(s.letters, 2);
  assert.is(s.unreadable, 0);
});

test('a file of details that do not fold (ids in them) is summed up in bounded memory: past 10 000 kinds, the rest are one line', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  const id = (i: number): string => (i < 26 ? '' : id(Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26)); // a, b, …, z, aa, ab, …: no digits
  writeFileSync(path, Array.from({ length: 10_050 }, (_, i) => JSON.stringify({ reason: 'rejected', item: {}, detail: `request ${id(i)} refused`, atUnixMs: 0 })).join('\n'));
  const s = await summarizeDeadLetters(path);
  assert.is(s.letters, 10_050);
  assert.is(s.reasons['rejected']!.details[0]!.detail, '(other kinds)');
  assert.is(s.reasons['rejected']!.details[0]!.letters, 50);
});

test.run();
