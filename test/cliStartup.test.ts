/**
 * What `chronoq run` does when something outside the config's shape is wrong — a port in use, a
 * file that is not there, a source that fails, a dead-letter file it cannot write: a line saying
 * what and where, a non-zero exit when the run could not do its job, never a stack trace, and never
 * a sample unaccounted for.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from './support/cli.js';

const test = suite('chronoq run: startup and runtime failures');
const noStack = (s: string) => !/\n\s+at /.test(s);

test('a self-metrics port already in use: a clear error before anything is read, exit 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const dir = tempDir();
    const cfg = writeConfig(dir, [
      'sources: [{type: synthetic, series: 1, ratePerSecond: 10, count: 5, valuePattern: sequence}]',
      `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      `telemetry: {prometheus: {port: ${port}}}`,
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg, '--quiet']);
    assert.is(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot serve self-metrics on 127\\.0\\.0\\.1:${port} \\(telemetry\\.prometheus\\): .*EADDRINUSE`));
    assert.ok(noStack(r.stderr), r.stderr);
    assert.not.match(r.stderr, /chronoq running/, 'nothing started');
  } finally {
    taken.close();
  }
});

test.run();
