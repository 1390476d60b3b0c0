/**
 * `chronoq run` to a real collector whose OTLP receiver listens on a unix socket (`transport: unix`,
 * as a sidecar's does), the endpoint written `unix:/path` — one of gRPC's forms the OpenTelemetry
 * exporter reads as a host named "unix" (it dialled the socket "443"). Every sample arrives once,
 * in order per series, with its timestamp to the nanosecond.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startCollector, readReceived, otlpReceiverYaml, fileExporterYaml, metricsServiceYaml } from '../support/collector.js';
import { collectorOrSkip } from './requireCollector.js';
import { runCli, tempDir, writeConfig } from '../support/cli.js';

const test = suite('e2e: a collector on a unix socket');
const binary = collectorOrSkip('e2e unix socket');
const it = binary === undefined ? test.skip : test;

/** The TCP receiver (the harness waits for its port) and one on `socket`, both into the file exporter. */
const socketCollectorYaml = ({ port, output }: { port: number; output: string }): string => `${otlpReceiverYaml(port)}  otlp/unix:
    protocols:
      grpc:
        endpoint: ${join(dirname(output), 'otel.sock')}
        transport: unix
exporters:
${fileExporterYaml(output)}${metricsServiceYaml('file').replace('receivers: [otlp]', 'receivers: [otlp, otlp/unix]')}`;

it('unix:/path with tls.insecure: every sample once, in order, its time exact', async () => {
  const c = await startCollector(binary!, { configYaml: socketCollectorYaml });
  try {
    const dir = tempDir();
    const base = 1_764_064_800_000_000_000n;
    const lines = Array.from({ length: 300 }, (_, i) => ({ series: `q${i % 3}`, time: base + BigInt(i) * 10_000_001n, value: i }));
    const input = join(dir, 'samples.ndjson');
    writeFileSync(input, lines.map((l) => `{"name":"socket.e2e","value":${l.value},"timeUnixNano":"${l.time}","attributes":{"queue":"${l.series}"}}\n`).join(''));
    const cfg = writeConfig(dir, [
      `sources: [{type: ndjson, path: ${input}}]`,
      `sink: {type: otlp-grpc, endpoint: "unix:${join(dirname(c.output), 'otel.sock')}", tls: {insecure: true}}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      'reorder: {maxDelayMs: 0}',
      'batch: {maxSize: 50, maxDelayMs: 50}',
      '',
    ].join('\n'));
    const r = await runCli(['run', cfg, '--log-format', 'json']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /done: 300 in, 300 delivered, 0 dead-lettered/);
    // The file exporter flushes on its own schedule: wait for the last line.
    let got = readReceived(c.output).filter((p) => p.name === 'socket.e2e');
    for (let i = 0; i < 100 && got.length < 300; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      got = readReceived(c.output).filter((p) => p.name === 'socket.e2e');
    }
    assert.equal(got.map((p) => [p.timeUnixNano, p.value]).sort((a, b) => Number(a[1]) - Number(b[1])), lines.map((l) => [l.time, l.value]));
    for (const series of new Set(got.map((p) => p.series))) {
      const times = got.filter((p) => p.series === series).map((p) => p.timeUnixNano);
      assert.ok(times.every((t, i) => i === 0 || t > times[i - 1]!), `${series} in order`);
    }
    assert.is(new Set(got.map((p) => p.series)).size, 3);
  } finally {
    await c.stop();
  }
});

test.run();
