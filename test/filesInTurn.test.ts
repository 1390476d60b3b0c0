/**
 * NDJSON files read once are read one after another, oldest first by their first sample
 * (src/sources/filesInTurn.ts). Read at once, two files of one series' history — a rotated log and
 * the file before it — interleaved, and every sample of the older one came after the newer one's:
 * 5 000 of 10 000 `late` dead letters.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Observable, concat, lastValueFrom, merge, of, throwError, toArray, catchError, EMPTY, Subject } from 'rxjs';
import { firstSampleTime, inTurn, oldestFirst } from '../src/sources/filesInTurn.js';
import { freePort } from './support/collector.js';
import { runCli, runningFor, startCli, tempDir, until, writeConfig } from './support/cli.js';

const test = suite('files read once, one after another');

const T0 = 1_764_064_800_000_000_000n;
const line = (i: number) => `{"name":"m","value":${i},"timeUnixNano":"${T0 + BigInt(i) * 1_000_000_000n}"}`;
const lines = (from: number, to: number) => `${Array.from({ length: to - from }, (_, k) => line(from + k)).join('\n')}\n`;

test('two files of one series, the newer listed first: every sample delivered, in order, none late; the start says the order', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.ndjson.1'), lines(0, 5000));
  writeFileSync(join(dir, 'app.ndjson'), lines(5000, 10000));
  const out = join(dir, 'out.ndjson');
  const cfg = writeConfig(dir, `sources: [{type: ndjson, path: ${join(dir, 'app.ndjson')}}, {type: ndjson, path: ${join(dir, 'app.ndjson.1')}}]\nsink: {type: ndjson, path: ${out}}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\nskew: {maxPastMs: infinite}\n`);
  const r = await runCli(['run', cfg]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /done: 10000 in, 10000 delivered, 0 dead-lettered/);
  assert.match(r.stderr, new RegExp(`read one after another, oldest first \\(by their first sample\\): ${join(dir, 'app.ndjson.1')}, ${join(dir, 'app.ndjson')}`));
  const values = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { value: number }).value);
  assert.equal(values, Array.from({ length: 10000 }, (_, i) => i));
  // validate says the order before a run.
  const validated = await runCli(['validate', cfg]);
  assert.match(validated.stdout, new RegExp(`# the files read once are read one after another, oldest first \\(by their first sample\\): ${join(dir, 'app.ndjson.1')}, ${join(dir, 'app.ndjson')}\\n`));
});

test('an archive read once and the live file followed, of one series: the followed file starts once the archive is read — none late', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.ndjson.1'), lines(0, 5000));
  writeFileSync(join(dir, 'app.ndjson'), lines(5000, 6000));
  const out = join(dir, 'out.ndjson');
  const cfg = writeConfig(dir, `sources: [{type: ndjson, path: ${join(dir, 'app.ndjson')}, follow: true, pollMs: 100, positionFile: ${join(dir, 'positions.json')}}, {type: ndjson, path: ${join(dir, 'app.ndjson.1')}}]\nsink: {type: ndjson, path: ${out}}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\nskew: {maxPastMs: infinite}\n`);
  const { child, result, stderrSoFar } = startCli(['run', cfg]);
  const written = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter((l) => l !== '') : []);
  await until('every sample written', () => written().length >= 6000 || /done/.test(stderrSoFar()), 20_000);
  child.kill('SIGTERM');
  const r = await result;
  assert.match(r.stderr, new RegExp(`the file read once is read first: ${join(dir, 'app.ndjson.1')}; the followed file after it: ${join(dir, 'app.ndjson')}`));
  assert.match(r.stderr, /done: 6000 in, 6000 delivered, 0 dead-lettered/);
  assert.equal(written().map((l) => (JSON.parse(l) as { value: number }).value), Array.from({ length: 6000 }, (_, i) => i));
});

test('the first sample is found in plain, gzip and OTLP/JSON files; a file without one goes last, in the order listed', () => {
  const dir = tempDir();
  const at = (name: string, text: string | Buffer) => (writeFileSync(join(dir, name), text), { path: join(dir, name) });
  const otlp = at('c.jsonl', `${JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'r', gauge: { dataPoints: [{ timeUnixNano: String(T0 + 9n), asInt: '1' }, { timeUnixNano: String(T0 + 3n), asInt: '2' }] } }] }] }] })}\n`);
  const gz = at('b.ndjson.gz', gzipSync(`not a sample\n${line(0)}\n`));
  const late = at('d.ndjson', lines(50, 51));
  const empty = at('e.ndjson', '');
  const prose = at('f.txt', 'hello\n');
  assert.is(firstSampleTime(otlp.path), T0 + 3n, "a request's earliest point");
  assert.is(firstSampleTime(gz.path), T0);
  assert.is(firstSampleTime(empty.path), undefined);
  assert.equal(oldestFirst([empty, late, prose, otlp, gz]).map((f) => f.path), [gz, otlp, late, empty, prose].map((f) => f.path));
  // A Collector's request a line may be large: its first line found past 256 KiB.
  const points = Array.from({ length: 10_000 }, (_, i) => ({ attributes: [{ key: 'pod', value: { stringValue: `pod-${i}` } }], timeUnixNano: String(T0 + 1n + BigInt(i)), asDouble: i }));
  const big = at('g.jsonl', `${JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'big', gauge: { dataPoints: points } }] }] }] })}\n`);
  assert.ok((readFileSync(big.path).length) > 512 * 1024, 'past what is peeked of a gzip file');
  assert.is(firstSampleTime(big.path), T0 + 1n);
  // A file of one sample without a line end, and a zstd file (this Node cannot peek into it): by its time, and last.
  const unended = at('h.ndjson', line(40));
  const zstd = at('i.ndjson.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
  assert.is(firstSampleTime(unended.path), T0 + 40_000_000_000n);
  assert.is(firstSampleTime(zstd.path), undefined);
  assert.equal(oldestFirst([zstd, late, unended]).map((f) => f.path), [unended, late, zstd].map((f) => f.path));
});

test('each begins when the one before has ended — or failed, whose error goes on to the reader; one never reached is said to be', async () => {
  const started: number[] = [];
  const source = (k: number, fail = false) => new Observable<number>((s) => {
    started.push(k);
    s.next(k);
    if (fail) s.error(new Error(`source ${k} failed`));
    else s.complete();
  });
  const notReached: number[] = [];
  const { gated } = inTurn([source(0), source(1, true), source(2)], (k) => notReached.push(k));
  const errors: string[] = [];
  const got = await lastValueFrom(merge(...gated.map((g) => g.pipe(catchError((e: Error) => (errors.push(e.message), EMPTY))))).pipe(toArray()));
  assert.equal([got, started, errors, notReached], [[0, 1, 2], [0, 1, 2], ['source 1 failed'], []]);
  // Stopped while the first is still read: the others are not reached.
  const never = new Subject<number>();
  const stopped = inTurn([never, of(1), concat(of(2), throwError(() => new Error('x')))], (k) => notReached.push(k));
  merge(...stopped.gated, stopped.after(of(3), () => notReached.push(3))).subscribe().unsubscribe();
  assert.equal(notReached, [1, 2, 3]);
});

test('a run stopped while the first file waits for room says the later one was not read, with the command for the whole of it', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'old.ndjson'), lines(0, 20_000));
  writeFileSync(join(dir, 'new.ndjson'), lines(20_000, 20_100));
  const port = await freePort(); // nothing listens: delivery waits, the queue fills, reading pauses
  const cfg = writeConfig(dir, [`sources: [{type: ndjson, path: ${join(dir, 'new.ndjson')}}, {type: ndjson, path: ${join(dir, 'old.ndjson')}}]`,
    `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${port}", timeoutMs: 300}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, 'skew: {maxPastMs: infinite}',
    'delivery: {maxQueued: 1000, shutdownDeadlineMs: 300, retry: {initialDelayMs: 50, maxDelayMs: 200}}', ''].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg]);
  await runningFor(stderrSoFar, 1_500);
  child.kill('SIGTERM');
  const r = await result;
  assert.match(r.stderr, new RegExp(`source 0 \\(ndjson ${join(dir, 'new.ndjson')}\\) stopped after line 0: the ${Buffer.byteLength(lines(20_000, 20_100))} bytes after it were not read \\(the rest: tail -n \\+1 `));
  assert.match(r.stderr, new RegExp(`source 1 \\(ndjson ${join(dir, 'old.ndjson')}\\) stopped after line \\d+`));
});

test.run();
