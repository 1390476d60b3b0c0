/**
 * A backlog stamped by a clock an hour ahead, read at once (a device's file), through `chronoq run`
 * → collector (prometheusremotewrite) → Prometheus 2.42, which keeps one sample a series a
 * millisecond. detectClockSkew re-stamps each sample onto the time it arrives; before, the 20
 * samples of the series came out within 3 ms, and Prometheus kept 3 of them — none refused, all
 * counted delivered. Now each goes a millisecond after the one before (src/correctedSeries.ts):
 * all 20 stored, in order, with or without per-source offsets (`skew.sourceAttribute`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector } from '../support/collector.js';
import { startPrometheus, remoteWriteGatewayYaml } from '../support/prometheus.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { jsonLog, startCli, tempDir, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: a backlog from a clock an hour ahead, into Prometheus');
const binary = collectorOrSkip('e2e future backlog, Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e future backlog, Prometheus') ? test.skip : test;
const HOUR_MS = 3_600_000;

it('20 samples of a series 1 s apart, an hour ahead, read at once: all 20 stored, each in a millisecond of its own, in order', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  try {
    for (const [metric, skew] of [['backlog.plain', ''], ['backlog.per_source', 'skew: {sourceAttribute: host}']] as const) {
      const dir = tempDir();
      const now = Date.now();
      const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ name: metric, value: i, timeUnixNano: String(BigInt(now + HOUR_MS + i * 1_000) * 1_000_000n), attributes: { host: 'ahead' } }));
      writeFileSync(join(dir, 'in.ndjson'), `${lines.join('\n')}\n`);
      const cfg = writeConfig(dir, [
        `sources: [{type: ndjson, path: ${join(dir, 'in.ndjson')}}]`,
        `sink: {type: otlp-grpc, endpoint: "${gateway.endpoint}"}`,
        `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
        skew,
        '',
      ].join('\n'));
      const r = await startCli(['run', cfg, '--log-format', 'json']).result;
      assert.is(r.code, 0, r.stderr);
      const done = jsonLog(r.stderr).find((l) => l.samplesIn !== undefined)!;
      assert.is(done.delivered, 20, JSON.stringify(done));
      await sleep(1_000);
      const points = (await p.series(metric.replace('.', '_'))).flatMap((s) => s.points);
      console.log(`\n${metric}: 20 samples an hour ahead, read at once → ${String(done.delivered)} delivered, ${points.length} stored in Prometheus at ${points.map((x) => x.ms - now).join(', ')} ms from the start`);
      assert.is(points.length, 20, 'every sample stored');
      assert.equal(points.map((x) => x.value), Array.from({ length: 20 }, (_, i) => i), 'in order');
      assert.ok(points.every((x) => x.ms < now + 60_000), 'onto the time they arrived, not an hour ahead');
    }
  } finally {
    await gateway.stop();
    await p.stop();
  }
});

test.run();
