/**
 * `chronoq run` with a spool, restarted: counters that come without a start time go on from the
 * start the run before gave them, instead of starting again (a true reset point, which a receiver
 * turning cumulatives into deltas reads as a reset: no rate across the restart). The states are
 * kept in the spool when the run ends, and taken up once by the next.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from './support/cli.js';

const test = suite('chronoq run: counter starts across a restart');

const T0 = 1_764_064_800_000_000_000n;
const line = (name: string, value: number, s: number): string => `{"name":"${name}","kind":"sum","value":${value},"timeUnixNano":"${T0 + BigInt(s) * 1_000_000_000n}","attributes":{"queue":"a"}}`;

test('a counter goes on from its start across runs; a value that went down meanwhile is a reset; a series missing from a run is kept for the next', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const out = join(dir, 'out.ndjson');
  const config = (spool: boolean) => writeConfig(dir, [
    `sources: [{type: ndjson, path: ${input}}]`, `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ...(spool ? [`spool: {path: ${join(dir, 'spool.db')}}`] : []), '',
  ].join('\n'), spool ? 'spool.yaml' : 'memory.yaml');
  /** One run over `lines`: the start of each sample it delivered, as seconds after T0. */
  const runOver = async (lines: string[], spool = true): Promise<number[]> => {
    writeFileSync(input, `${lines.join('\n')}\n`);
    rmSync(out, { force: true });
    const r = await runCli(['run', config(spool), '--quiet']);
    assert.is(r.code, 0, r.stderr);
    return readFileSync(out, 'utf8').trim().split('\n').map((l) => Number((BigInt((JSON.parse(l) as { startTimeUnixNano: string }).startTimeUnixNano) - T0) / 1_000_000_000n));
  };
  assert.equal(await runOver([line('jobs', 5, 1), line('jobs', 7, 2), line('bytes', 100, 2)]), [1, 1, 2]);
  const inspected = await runCli(['inspect', join(dir, 'spool.db')]);
  assert.match(inspected.stdout, /starts kept for the next run of 2 counters that came without one/, inspected.stdout);
  assert.is((JSON.parse((await runCli(['inspect', join(dir, 'spool.db'), '--json'])).stdout) as { seriesStartsKept?: number }).seriesStartsKept, 2);
  assert.equal(await runOver([line('jobs', 9, 3)]), [1], 'on from its start, 1 s, not a reset at 3 s');
  assert.equal(await runOver([line('jobs', 2, 5), line('bytes', 150, 5)]), [3, 2], 'jobs went down (a reset after 3 s); bytes, absent a run, on from 2 s');
  assert.equal(await runOver([line('jobs', 4, 6)], false), [6], 'without a spool, nothing is kept: a true reset point');
});

test.run();
