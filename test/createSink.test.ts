/**
 * The config's sink as src/sinks.ts createSink makes it: the OTLP sink's settings reach the
 * exporter (what `chronoq validate` shows as in effect); a header file only touched, its value as
 * it was, is not read as a change; the console sink stops on EPIPE alone — once, for good — and
 * lets other errors of standard output be.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRight } from 'fp-ts/lib/Either.js';
import { createSink } from '../src/sinks.js';
import { decodeConfig } from '../src/config/decode.js';
import { systemClock } from '../src/clock.js';
import { isRetryable } from '../src/errors.js';
import type { Sample } from '../src/sample.js';
import { tempDir, until } from './support/cli.js';

const test = suite('createSink');

const sinkOf = (yaml: string) => {
  const r = decodeConfig(`sink:\n${yaml}`, {});
  if (!isRight(r) || r.right.sink === undefined) throw new Error(JSON.stringify(r));
  return r.right.sink;
};

test("the OTLP sink's compression and timeout from the config are the exporter's", () => {
  for (const [compression, timeoutMs] of [['gzip', 2_500], ['none', 7_000]] as const) {
    const sink = createSink(sinkOf(`  type: otlp-grpc\n  endpoint: http://127.0.0.1:1\n  compression: ${compression}\n  timeoutMs: ${timeoutMs}\n`), {}, systemClock, { env: {} });
    try {
      assert.equal([sink.effective?.['compression'], sink.effective?.['timeoutMs']], [compression, timeoutMs]);
    } finally {
      sink.close();
    }
  }
});

test('a header file touched but not changed is not a header read again; changed, it is', async () => {
  const token = join(tempDir(), 'token');
  writeFileSync(token, 's3cret\n');
  const sink = createSink(sinkOf(`  type: otlp-grpc\n  endpoint: http://127.0.0.1:1\n  headers:\n    authorization: "Bearer \${file:${token}}"\n`), {}, systemClock, { fileCheckMs: 20, env: {} });
  const events: string[] = [];
  const sub = sink.headerFiles$!.subscribe((e) => events.push(e.kind));
  try {
    const later = new Date(Date.now() + 60_000);
    utimesSync(token, later, later);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(events, [], 'touched: nothing to say');
    writeFileSync(token, 'n3w\n');
    await until('the change read', () => events.length > 0, 5_000);
    assert.equal(events, ['reloaded']);
  } finally {
    sub.unsubscribe();
    sink.close();
  }
});

test('the console sink: an error of standard output other than EPIPE is not its end; EPIPE is, said once, and later batches are refused for good', async () => {
  const sink = createSink({ type: 'console' }, {}, systemClock);
  const said: string[] = [];
  let ended = false;
  sink.gone$!.subscribe({ next: (e) => void said.push(e.message), complete: () => (ended = true) });
  const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1n, attributes: {} };
  try {
    process.stdout.emit('error', Object.assign(new Error('write EAGAIN'), { code: 'EAGAIN' }));
    process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.equal([said, ended], [['nothing reads standard output any more (write EPIPE)'], true], 'once, and completed');
    const refused = await new Promise<unknown>((resolve) => sink.send([sample]).subscribe({ error: resolve, complete: () => resolve(undefined) }));
    assert.ok(refused instanceof Error && /standard output is closed \(EPIPE\)/.test(refused.message) && !isRetryable(refused), String(refused));
  } finally {
    sink.close();
  }
});

test.run();
