/**
 * Counters without a start time, through `chronoq run` restarted, into a real Collector that turns
 * cumulatives into deltas (its cumulativetodelta processor, as a backend storing deltas does).
 * A stream's start time is part of what that processor tracks it by (identity.go, v0.159.0), and
 * the first point of a stream whose time is its start is dropped (tracker.go, initial_value auto):
 * with a spool, chronoq keeps each counter's start across the restart (src/spool/seriesStarts.ts),
 * so the interval across it is a delta like the others; without one, the counter starts again
 * from a true reset point — a new stream, whose first point is dropped: that interval is lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileExporterYaml, metricsServiceYaml, otlpReceiverYaml, readReceivedMetrics, startCollector } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { runCli, sleep, startCli, tempDir, until, writeConfig } from '../support/cli.js';

const test = suite('e2e: counter starts across a restart, into cumulativetodelta');
const binary = collectorOrSkip('e2e counter starts into cumulativetodelta');
const it = binary === undefined ? test.skip : test;

const T0 = 1_764_064_800_000_000_000n;
const line = (name: string, value: number, s: number): string => `{"name":"${name}","kind":"sum","value":${value},"timeUnixNano":"${T0 + BigInt(s) * 1_000_000_000n}","attributes":{"queue":"a"}}`;

/** A collector whose metrics go through cumulativetodelta into its file exporter. */
const deltasConfig = ({ port, output }: { port: number; output: string }): string => `${otlpReceiverYaml(port)}
processors:
  cumulativetodelta:
exporters:
${fileExporterYaml(output)}${metricsServiceYaml('file').replace('receivers: [otlp]', 'receivers: [otlp]\n      processors: [cumulativetodelta]')}`;

/** The deltas the Collector made of `name`, in order. */
const deltasOf = (output: string, name: string): number[] => readReceivedMetrics(output).filter((m) => m.metric['name'] === name).flatMap((m) => {
  const sum = m.metric['sum'] as { aggregationTemporality?: number; dataPoints?: { asInt?: string; asDouble?: number }[] };
  assert.is(sum.aggregationTemporality, 1, 'made deltas by the Collector');
  return (sum.dataPoints ?? []).map((p) => Number(p.asInt ?? p.asDouble));
});

it('with a spool the interval across the restart is a delta like the others; without, it is lost', async () => {
  const c = await startCollector(binary!, { configYaml: deltasConfig });
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    /** Two runs over the same counter, 5 → 7, then 9 → 12: the deltas the Collector made of them, in order. */
    const twoRuns = async (name: string, spool: boolean): Promise<number[]> => {
      const cfg = writeConfig(dir, [
        `sources: [{type: ndjson, path: ${input}}]`, `sink: {type: otlp-grpc, endpoint: "${c.endpoint}"}`, `deadLetter: {path: ${join(dir, `${name}.dead.ndjson`)}}`,
        'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', ...(spool ? [`spool: {path: ${join(dir, `${name}.db`)}}`] : []), '',
      ].join('\n'), `${name}.yaml`);
      for (const lines of [[line(name, 5, 1), line(name, 7, 2)], [line(name, 9, 3), line(name, 12, 4)]]) {
        writeFileSync(input, `${lines.join('\n')}\n`);
        const r = await runCli(['run', cfg, '--quiet']);
        assert.is(r.code, 0, r.stderr);
      }
      const deltas = () => deltasOf(c.output, name);
      // The last point is a delta either way: once it is in, every point before it is.
      await until(`${name}'s last delta`, () => deltas().at(-1) === 3, 20_000);
      return deltas();
    };
    const kept = await twoRuns('jobs.spooled', true);
    const memory = await twoRuns('jobs.memory', false);
    console.log(`deltas into cumulativetodelta across a restart of chronoq: with a spool ${kept.join(', ')} (of 12 − 5 = 7: ${kept.reduce((a, b) => a + b, 0)}); without ${memory.join(', ')} (${memory.reduce((a, b) => a + b, 0)})`);
    assert.equal(kept, [2, 2, 3], 'the first point only is dropped (its stream\'s first); 7 → 9 across the restart is counted');
    assert.equal(memory, [2, 3], 'without a spool, 7 → 9 is lost: the counter came back as a new stream');
  } finally {
    await c.stop();
  }
});

it('killed (kill -9) between the two: with a spool the interval across it is still a delta like the others', async () => {
  const c = await startCollector(binary!, { configYaml: deltasConfig });
  try {
    const dir = tempDir();
    const input = join(dir, 'in.ndjson');
    const name = 'jobs.killed';
    const cfg = writeConfig(dir, [
      `sources: [{type: ndjson, path: ${input}, follow: true, pollMs: 50, positionFile: ${join(dir, 'positions.json')}}]`,
      `sink: {type: otlp-grpc, endpoint: "${c.endpoint}"}`, `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, `spool: {path: ${join(dir, 'spool.db')}}`,
      'skew: {maxPastMs: 1000000000000}', 'reorder: {maxDelayMs: 0}', 'batch: {maxDelayMs: 20}', '',
    ].join('\n'));
    const deltas = () => deltasOf(c.output, name);
    /** A run until `ready`, then `afterMs` more, ended by `signal`. */
    const runUntil = async (ready: () => boolean, signal: NodeJS.Signals, afterMs: number) => {
      const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
      try {
        await until('the run to start', () => stderrSoFar().includes('chronoq running'), 30_000);
        await until(`${name}'s deltas`, ready, 20_000);
        await sleep(afterMs);
      } finally {
        child.kill(signal);
      }
      return result;
    };
    writeFileSync(input, `${[line(name, 5, 1), line(name, 7, 2)].join('\n')}\n`);
    // Killed once the read position and the states are written (each once a second).
    await runUntil(() => deltas().length === 1, 'SIGKILL', 2_500);
    appendFileSync(input, `${[line(name, 9, 3), line(name, 12, 4)].join('\n')}\n`);
    const second = await runUntil(() => deltas().at(-1) === 3, 'SIGINT', 100);
    assert.is(second.code, 0, second.stderr);
    console.log(`deltas into cumulativetodelta across a kill -9 of chronoq, with a spool: ${deltas().join(', ')}`);
    assert.equal(deltas(), [2, 2, 3], '7 → 9 across the kill is counted');
  } finally {
    await c.stop();
  }
});

test.run();
