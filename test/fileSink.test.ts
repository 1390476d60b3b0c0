/**
 * The NDJSON file sink (and the console's): on a full disk the samples wait and go once there is
 * room; in format otlp-json a batch is a line, an OTLP/JSON request.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { writeLines } from '../src/sinks.js';
import type { Sample } from '../src/sample.js';
import { mk } from './support/spool.js';
import { configErrorsOf } from './support/config.js';
import { parseOtlpJsonLine } from '../src/otlpJson.js';

const test = suite('file sink');

/** A pipeline writing through `write`, fed 20 samples of one series; what it wrote and its stats. */
const run = async (write: (text: string) => void) => {
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 5, maxDelayMs: 5 }, delivery: { retry: { initialDelayMs: 10, maxDelayMs: 20 }, breaker: { failureThreshold: 100 } } }), sources: [] };
  const feed = new Subject<Sample>();
  const p = new Pipeline(config, { send: writeLines(write, 'out.ndjson', {}), sources: [feed], deadLetters: () => undefined, stampedLocally: false }).start();
  for (let i = 0; i < 20; i++) feed.next(mk(i, 0));
  feed.complete();
  await p.done;
  return p.stats;
};
const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}, write`), { code });

test('a full disk (ENOSPC, EDQUOT) is tried again: every sample written once, in order, none a dead letter (they were `rejected`)', async () => {
  for (const code of ['ENOSPC', 'EDQUOT']) {
    const written: number[] = [];
    let full = 4;
    const stats = await run((text) => {
      if (full-- > 0) throw errno(code, 'no space left on device');
      for (const line of text.trim().split('\n')) written.push((JSON.parse(line) as { value: number }).value);
    });
    assert.equal(written, Array.from({ length: 20 }, (_, i) => i), code);
    assert.is(stats.deadLetters.rejected, 0, code);
    assert.ok(stats.retries >= 4, `${code}: ${stats.retries} retries`);
  }
});

test('a file that cannot be written for another reason (EACCES) is still a permanent refusal: dead letters at once', async () => {
  const stats = await run(() => {
    throw errno('EACCES', 'permission denied');
  });
  assert.is(stats.deadLetters.rejected, 20);
  assert.is(stats.retries, 0);
});

test('format otlp-json: a batch a line, an OTLP/JSON request read back whole; the config takes samples or otlp-json', async () => {
  const lines: string[] = [];
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 5, maxDelayMs: 5 } }), sources: [] };
  const feed = new Subject<Sample>();
  const p = new Pipeline(config, { send: writeLines((t) => void lines.push(t), 'out.jsonl', { 'service.name': 'shop' }, 'otlp-json'), sources: [feed], deadLetters: () => undefined, stampedLocally: false }).start();
  for (let i = 0; i < 20; i++) feed.next(mk(i, 0));
  feed.complete();
  await p.done;
  assert.is(lines.length, 4, 'four batches of five');
  const read = lines.flatMap((l): Sample[] => {
    const r = parseOtlpJsonLine(l.trimEnd());
    if (r._tag === 'Left') throw new Error(r.left);
    return r.right.samples;
  });
  assert.equal(read.map((s) => [s.value, s.resource]), Array.from({ length: 20 }, (_, i) => [i, { 'service.name': 'shop' }]));
  assert.equal(configErrorsOf('sink: {type: ndjson, path: x, format: csv}\n'), [`config.sink.format: expected one of 'samples', 'otlp-json', found "csv"`]);
  assert.equal(configErrorsOf('sink: {type: console, format: otlp-json}\n'), []);
});

test.run();
