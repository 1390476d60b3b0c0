/**
 * `chronoq run` with a spool, restarted: counters that come without a start time go on from the
 * start the run before gave them, instead of starting again (a true reset point, which a receiver
 * turning cumulatives into deltas reads as a reset: no rate across the restart). The states are
 * kept in the spool as the run goes (every second) and when it ends, and taken up by the next.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';

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

test('killed (kill -9): the states are in the spool with the samples they follow, so the next run goes on from them too', async () => {
  const dir = tempDir();
  const input = join(dir, 'in.ndjson');
  const out = join(dir, 'out.ndjson');
  const cfg = writeConfig(dir, [
    `sources: [{type: ndjson, path: ${input}, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}}]`,
    `sink: {type: ndjson, path: ${out}}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, `spool: {path: ${join(dir, 'spool.db')}}`,
    'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', 'batch: {maxDelayMs: 20}', '',
  ].join('\n'));
  /** The delivered samples so far, whole lines only: value and start (seconds after T0). */
  const delivered = (): { value: number; start: number }[] => {
    const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => {
      const x = JSON.parse(l) as { value: number; startTimeUnixNano: string };
      return { value: x.value, start: Number((BigInt(x.startTimeUnixNano) - T0) / 1_000_000_000n) };
    });
  };
  const runUntil = async (ready: () => boolean, signal: NodeJS.Signals, afterMs: number) => {
    const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
    try {
      await until('the run to start', () => stderrSoFar().includes('chronoq running'), 30_000);
      await until('its samples delivered', ready);
      await sleep(afterMs);
    } finally {
      child.kill(signal);
    }
    return result;
  };
  // 5 → 7, then down to 2: a reset after 2 s, the start from then on.
  writeFileSync(input, `${[line('jobs', 5, 1), line('jobs', 7, 2), line('jobs', 2, 3)].join('\n')}\n`);
  // Killed once the file's read position (once a second) and the states (SERIES_STARTS_WRITE_MS) are written, so the next run reads on after these lines.
  await runUntil(() => delivered().length >= 3, 'SIGKILL', 2_500);
  assert.equal(delivered(), [{ value: 5, start: 1 }, { value: 7, start: 1 }, { value: 2, start: 2 }]);
  appendFileSync(input, `${line('jobs', 4, 4)}\n`);
  const second = await runUntil(() => delivered().some((d) => d.value === 4), 'SIGINT', 100);
  assert.is(second.code, 0, second.stderr);
  assert.equal(delivered().filter((d) => d.value === 4), [{ value: 4, start: 2 }], 'on from the start after the reset, 2 s — not a new reset point at 4 s');
});

test.run();
