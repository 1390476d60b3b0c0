/**
 * Gauges that are NaN or ±Infinity (an average over nothing, a ratio of zeros), and a histogram
 * whose sum and max are infinite, read from an NDJSON file by `chronoq run`, as a real collector
 * receives them: the doubles they are, as the stock exporter sends them. They were `invalid`
 * dead letters.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, readReceived, readReceivedMetrics } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { ndjsonToOtlpConfig, startCli, tempDir, until } from '../support/cli.js';

const test = suite('e2e: NaN and infinite values');
const binary = collectorOrSkip('e2e NaN and infinite values');
const it = binary === undefined ? test.skip : test;

const T0_NS = BigInt(Date.now() - 60_000) * 1_000_000n;

it('`chronoq run` delivers gauges written "NaN", "Infinity" and "-Infinity" (as OTLP/JSON writes them) or NaN bare (as Python writes it) as those doubles, each at its time, and a histogram with an infinite sum and max', async () => {
  const c = await startCollector(binary!);
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const values = ['NaN', 0.25, 'Infinity', '-Infinity', 'NaN'];
    const lines = values.map((value, i) => JSON.stringify({ name: 'queue.avg_wait', value, timeUnixNano: String(T0_NS + BigInt(i) * 1_000_000_000n), attributes: { queue: 'q1' } }));
    lines[4] = lines[4]!.replace('"value":"NaN"', '"value": NaN'); // as Python's json module writes it
    // A histogram whose sum and max are infinite (the SDK's, once Infinity was recorded).
    lines.push(JSON.stringify({ name: 'job.seconds', kind: 'histogram', value: { boundaries: [1], counts: [1, 1], count: 2, sum: 'Infinity', min: 0.5, max: 'Infinity' }, timeUnixNano: String(T0_NS), attributes: {} }));
    writeFileSync(input, `${lines.join('\n')}\n`);
    const cfg = ndjsonToOtlpConfig(dir, input, c.endpoint);
    const deadLetters = join(dir, 'dead.ndjson');
    const r = await startCli(['run', cfg, '--quiet']).result;
    assert.is(r.code, 0, r.stderr);
    const received = () => readReceived(c.output).filter((p) => p.name === 'queue.avg_wait');
    await until('the 5 points at the collector', () => received().length >= 5, 5_000);
    assert.equal(received().map((p) => [p.timeUnixNano, String(p.value)]), values.map((v, i) => [T0_NS + BigInt(i) * 1_000_000_000n, String(v)]));
    await until('the histogram at the collector', () => readReceived(c.output).some((p) => p.name === 'job.seconds'), 5_000);
    const [histogram] = readReceivedMetrics(c.output).filter(({ metric }) => metric['name'] === 'job.seconds').map(({ metric }) => (metric['histogram'] as { dataPoints: Record<string, unknown>[] }).dataPoints[0]!);
    assert.equal([histogram!['count'], histogram!['bucketCounts'], histogram!['sum'], histogram!['min'], histogram!['max']], ['2', ['1', '1'], 'Infinity', 0.5, 'Infinity']);
    assert.ok(!existsSync(deadLetters) || readFileSync(deadLetters, 'utf8') === '', 'no dead letters');
  } finally {
    await c.stop();
  }
});

test.run();
