/**
 * Counters and histograms without start times, read from an NDJSON file by `chronoq run`, as a
 * real collector receives them: each point's start is its series' (the first point's time, the
 * point before a reset after one), as a receiver needs them to make rates — not its own time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startCollector, readReceived, readReceivedMetrics } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { ndjsonToOtlpConfig, startCli, tempDir, until } from '../support/cli.js';

const test = suite('e2e: start times of counters without them');
const binary = collectorOrSkip('e2e start times');
const it = binary === undefined ? test.skip : test;

const T0_MS = Date.now() - 60_000;
const at = (s: number): string => String(BigInt(T0_MS + s * 1000) * 1_000_000n);

it('`chronoq run` sends an NDJSON counter and histogram with their series\' start; a reset starts them after the point before', async () => {
  const c = await startCollector(binary!);
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const counter = [5, 7, 2, 4]; // 2 < 7: the counter started again between 1 s and 2 s
    const histogramCounts = [[1, 1], [2, 1], [0, 1], [1, 1]]; // the first bucket went back at 2 s
    writeFileSync(input, [
      ...counter.map((value, s) => JSON.stringify({ name: 'jobs.done', kind: 'sum', value, timeUnixNano: at(s), attributes: { queue: 'q1' } })),
      ...histogramCounts.map((counts, s) =>
        JSON.stringify({ name: 'jobs.seconds', kind: 'histogram', value: { boundaries: [1], counts, sum: 1, count: counts[0]! + counts[1]! }, timeUnixNano: at(s), attributes: {} })),
      JSON.stringify({ name: 'jobs.given', kind: 'sum', value: 9, timeUnixNano: at(3), startTimeUnixNano: at(-30), attributes: {} }),
      '',
    ].join('\n'));
    const cfg = ndjsonToOtlpConfig(dir, input, c.endpoint);
    const r = await startCli(['run', cfg, '--quiet']).result;
    assert.is(r.code, 0, r.stderr);
    // Delivered (acknowledged) before the command exited; the file exporter writes within its flush interval.
    await until('the 9 points at the collector', () => readReceived(c.output).filter((p) => p.name.startsWith('jobs.')).length >= 9, 5_000);
    const starts = (name: string): [string, string][] =>
      readReceivedMetrics(c.output)
        .filter(({ metric }) => metric['name'] === name)
        .flatMap(({ metric }) => ((metric['sum'] ?? metric['histogram']) as { dataPoints: Record<string, string>[] }).dataPoints)
        .map((dp) => [dp['startTimeUnixNano']!, dp['timeUnixNano']!]);
    const expected = [[at(0), at(0)], [at(0), at(1)], [at(1), at(2)], [at(1), at(3)]];
    assert.equal(starts('jobs.done'), expected, 'the counter');
    assert.equal(starts('jobs.seconds'), expected, 'the histogram');
    assert.equal(starts('jobs.given'), [[at(-30), at(3)]], 'a start the sample has is kept');
  } finally {
    await c.stop();
  }
});

test.run();
