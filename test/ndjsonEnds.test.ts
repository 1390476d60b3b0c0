/**
 * The ends of an NDJSON file source (src/sources/ndjson.ts): a last line without its newline, in a
 * file read once and in a followed file rotated away; what is said unread at a stop (nothing, at
 * the end); and OTLP/JSON requests in a followed file, which count as read once their last sample
 * settles (one of no points at once), so that a restart does not read them again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { VirtualTimeScheduler, lastValueFrom, toArray } from 'rxjs';
import { ndjsonSamples, type UnreadRest } from '../src/sources/ndjson.js';
import { tempDir } from './support/cli.js';
import { line, lines, run } from './support/followRuns.js';

const test = suite('NDJSON file ends');

/** An OTLP/JSON request of gauge points, one per value (none: a request of no points). */
const request = (...values: number[]): string =>
  `${JSON.stringify({ resourceMetrics: values.length === 0 ? [] : [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: values.map((v) => ({ timeUnixNano: String(1_000 + v), asDouble: v })) } }] }] }] })}\n`;

test('a file read once: its last line without a newline is a sample too', async () => {
  const path = join(tempDir(), 'in.ndjson');
  writeFileSync(path, `${lines(1, 2)}${line(3).trimEnd()}`);
  const samples = await lastValueFrom(ndjsonSamples({ path }).pipe(toArray()));
  assert.equal(samples.map((s) => s.value), [1, 2, 3]);
});

test('a followed file rotated away with its last line not ended: that line is read before the new file', () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, `${line(1)}${line(2).trimEnd()}`);
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const got: number[] = [];
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler }).subscribe((s) => got.push(s.value as number));
  scheduler.flush();
  renameSync(path, `${path}.1`);
  writeFileSync(path, line(3));
  scheduler.maxFrames += 1_000;
  scheduler.flush();
  sub.unsubscribe();
  assert.equal(got, [1, 2, 3]);
});

test('stopped at the end of what it holds, nothing is said unread: a followed file, and a gzip file read whole', async () => {
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 3));
  const unread: UnreadRest[] = [];
  const scheduler = new VirtualTimeScheduler(undefined, 1_000);
  const sub = ndjsonSamples({ path, follow: true, pollMs: 100, scheduler, onUnread: (e) => unread.push(e) }).subscribe();
  scheduler.flush();
  sub.unsubscribe();
  assert.equal(unread, []);
  const gz = join(tempDir(), 'old.ndjson.gz');
  writeFileSync(gz, gzipSync(lines(1, 3)));
  const samples = await lastValueFrom(ndjsonSamples({ path: gz, onUnread: (e) => unread.push(e) }).pipe(toArray()));
  assert.is(samples.length, 3);
  assert.equal(unread, [], 'read to its end: nothing left to print');
});

test('OTLP/JSON requests in a followed file count as read once their last sample settles, and one of no points at once: the next run reads on after them', () => {
  const dir = tempDir();
  const path = join(dir, 'requests.ndjson');
  const positions = join(dir, 'positions.json');
  writeFileSync(path, `${request(1, 2)}${request(3)}${request()}`);
  const first = run(path, positions);
  assert.equal(first.got, [1, 2, 3]);
  appendFileSync(path, line(4));
  const second = run(path, positions);
  assert.equal(second.got, [4], 'the requests are not read again');
  assert.equal(second.resumed.map((e) => [e.kind, e.saved.line]), [['resumed', 3]], 'after the request of no points too');
  // The last line a request, all settled: the next run starts after it.
  writeFileSync(path, request(7, 8));
  const whole = join(dir, 'whole.json');
  run(path, whole);
  assert.equal(run(path, whole).got, []);
  // A request whose first sample settled and whose last did not is read again whole.
  writeFileSync(path, request(5, 6));
  const partly = join(dir, 'partly.json');
  run(path, partly, (v) => v === 5);
  assert.equal(run(path, partly).got, [5, 6]);
});

test.run();
