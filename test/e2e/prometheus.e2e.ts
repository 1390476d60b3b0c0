/**
 * Prometheus as the backend: chronoq → collector (prometheusremotewrite) → Prometheus 2.42, which
 * rejects out-of-order samples. (1) chronoq, with its spool, SIGKILLed while the collector is
 * down, then restarted: every sample is in Prometheus at its millisecond and the collector logged
 * no out-of-order rejection. (2) The same kind of crash through the Collector's own persistent
 * queue (an agent collector with sending_queue on file_storage, default consumers, in front of
 * the same gateway; chronoq without spool): its out-of-order rejections and losses, reported.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join, dirname } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { concatMap, from, lastValueFrom, toArray } from 'rxjs';
import { routed } from '../../src/routed.js';
import { deliverOrdered } from '../../operators/deliverOrdered.js';
import { startCollector, otlpReceiverYaml, metricsServiceYaml, type Collector } from '../support/collector.js';
import { OUT_OF_ORDER, linesMatching, startPrometheus, remoteWriteGatewayYaml as gatewayYaml, type Prometheus } from '../support/prometheus.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { startCli, tempDir, writeConfig, until, ndjsonToOtlpConfig } from '../support/cli.js';
import { inspectSpoolFile } from '../../src/spool/inspectSpool.js';
import { formatDeadLetterSummary, summarizeDeadLetters } from '../../src/cli/inspectDeadLetters.js';
import { Spool } from '../../src/spool/spool.js';
import { sleep } from './scenarios.js';
import { otlpGrpcSink } from '../../src/otlp/otlpGrpcSink.js';
import { CPU_STATES } from '../../src/sources/cpuTimes.js';
import type { Sample } from '../../src/sample.js';

const test = suite('e2e: Prometheus as the backend');
const binary = collectorOrSkip('e2e Prometheus');
const it = binary === undefined || !prometheusOrSkip('e2e Prometheus') ? test.skip : test;

const agentYaml = (gateway: Collector) => ({ port, output }: { port: number; output: string }) => `extensions:
  file_storage:
    directory: ${dirname(output)}
${otlpReceiverYaml(port)}
exporters:
  otlp:
    endpoint: 127.0.0.1:${gateway.port}
    tls:
      insecure: true
    sending_queue:
      enabled: true
      storage: file_storage
${metricsServiceYaml('otlp', ['file_storage'])}`;

const cliConfig = (dir: string, endpoint: string, name: string, opts: { spool: boolean; count?: number }) =>
  writeConfig(dir, [
    `sources: [{type: synthetic, series: 4, ratePerSecond: 100, valuePattern: sequence, name: ${name}${opts.count ? `, count: ${opts.count}` : ''}}]`,
    `sink: {type: otlp-grpc, endpoint: "${endpoint}", timeoutMs: 5000}`,
    ...(opts.spool ? [`spool: {path: ${join(dir, 'spool.db')}}`] : []),
    `deadLetter: {path: ${join(dir, `${name}-dead.ndjson`)}}`,
    'reorder: {maxDelayMs: 20}',
    'batch: {maxSize: 100, maxDelayMs: 100}',
    'delivery: {lanes: 2, shutdownDeadlineMs: 3000, retry: {initialDelayMs: 100, maxDelayMs: 500}, breaker: {failureThreshold: 3, halfOpenAfterMs: 300, maxHalfOpenAfterMs: 1000}}',
    '',
  ].join('\n'), `${name}.yaml`);

const outOfOrderLines = (...logs: string[]): number => linesMatching(OUT_OF_ORDER, ...logs).length;

/**
 * What a run's samples became and what the receivers said, for a failure's message: the done line,
 * the dead letters as `chronoq inspect` sums them up, the collector's export errors and
 * Prometheus's refusals ("Out of order sample from remote write" is its line for out of order,
 * out of bounds and duplicates alike).
 */
const diagnosis = async (stderr: string, deadLetterPath: string, gateway: Collector, p: Prometheus): Promise<string> => {
  const lines = (log: string, re: RegExp) => log.split('\n').filter((l) => re.test(l)).map((l) => l.slice(0, 400));
  return [
    ...lines(stderr, /done:/),
    existsSync(deadLetterPath) ? formatDeadLetterSummary(await summarizeDeadLetters(deadLetterPath)) : 'no dead letters',
    ...lines(gateway.logs(), /\terror\t/).map((l) => `collector: ${l}`),
    ...lines(p.logs(), /remote write/).map((l) => `prometheus: ${l}`),
  ].join('\n');
};

/** ms → value of every sample Prometheus holds for a metric, all series together. */
const stored = async (p: Prometheus, metric: string) => (await p.series(metric)).flatMap((s) => s.points);

it('chronoq with its spool, SIGKILLed while the collector is down: every sample in Prometheus at its ms, no out-of-order rejection', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const dir = tempDir();
  try {
    gateway.signal('SIGKILL');
    const run1 = startCli(['run', cliConfig(dir, gateway.endpoint, 'prom_a', { spool: true }), '--quiet']);
    // Until the spool holds 600 samples (1.5 s of the source), however slowly the run started.
    const spoolPath = join(dir, 'spool.db');
    const waiting = () => { const c = existsSync(spoolPath) ? inspectSpoolFile(spoolPath) : undefined; return c && isRight(c) ? c.right.waiting : 0; };
    await until('600 samples in the spool', () => waiting() >= 600, 30_000);
    run1.child.kill('SIGKILL');
    await run1.result;
    const opened = Spool.open(join(dir, 'spool.db'), { lanes: 2 });
    if (!isRight(opened)) throw opened.left;
    const spooled = opened.right.spool.recover();
    opened.right.spool.close();
    assert.ok(spooled.length > 500, `spooled ${spooled.length}`);
    await gateway.restart();
    const run2 = await startCli(['run', cliConfig(dir, gateway.endpoint, 'prom_a2', { spool: true, count: 100 }), '--quiet']).result;
    assert.is(run2.code, 0, run2.stderr);
    const points = await stored(p, 'prom_a');
    const at = new Map(points.map((x) => [x.value, x.ms]));
    const missing = spooled.filter((s) => at.get(s.value as number) !== Number(s.timeUnixNano / 1_000_000n));
    const rejections = outOfOrderLines(gateway.logs(), p.logs());
    console.log(`\nchronoq (spool) → collector → Prometheus, kill -9 while the collector was down: spooled ${spooled.length}, in Prometheus at their ms ${spooled.length - missing.length}, missing ${missing.length}, out-of-order rejections ${rejections}`);
    const values = new Set(points.map((x) => x.value));
    const elsewhere = missing.filter((s) => values.has(s.value as number));
    const why = missing.length + rejections === 0 ? '' : `${missing.length - elsewhere.length} absent, ${elsewhere.length} at another ms (first: ${missing.slice(0, 3).map((s) => `${String(s.value)} at ${s.timeUnixNano / 1_000_000n}`).join(', ')})\n${await diagnosis(run2.stderr, join(dir, 'prom_a2-dead.ndjson'), gateway, p)}`;
    assert.is(missing.length, 0, why);
    assert.is(rejections, 0, why);
  } finally {
    await gateway.stop();
    await p.stop();
  }
});

it('two machines running the host source: apart in Prometheus (instance = their host.name), load averages not named ratios, memory as gauges, CPU per core only', async () => {
  // Before, they were one set of series: the resource reaches Prometheus only as job
  // (service.name) and instance (service.instance.id), which the host source did not set.
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const dir = tempDir();
  const runs: ReturnType<typeof startCli>[] = [];
  try {
    const machine = (host: string) =>
      writeConfig(dir, [
        `resource: {service.name: fleet, host.name: ${host}}`,
        'sources: [{type: host, intervalMs: 300, network: false}]',
        `sink: {type: otlp-grpc, endpoint: "${gateway.endpoint}"}`,
        `deadLetter: {path: ${join(dir, `${host}-dead.ndjson`)}}`,
        'reorder: {maxDelayMs: 0}',
        'batch: {maxSize: 100, maxDelayMs: 100}',
        '',
      ].join('\n'), `${host}.yaml`);
    runs.push(...['host-a', 'host-b'].map((h) => startCli(['run', machine(h), '--quiet'])));
    const instancesOf = async (metric: string) => new Set((await p.series(metric)).map((x) => x.labels['instance']));
    for (const end = Date.now() + 30_000; (await instancesOf('system_cpu_utilization_ratio')).size < 2; await sleep(200)) {
      if (Date.now() > end) throw new Error(`both machines not in Prometheus after 30 s: ${runs.map((r) => r.stderrSoFar()).join('\n')}`);
    }
    await sleep(1_000);
    for (const r of runs) r.child.kill('SIGINT');
    for (const r of runs) assert.is((await r.result).code, 0);
    const cpu = await p.series('system_cpu_utilization_ratio');
    assert.equal(new Set(cpu.map((x) => `${x.labels['job']} ${x.labels['instance']}`)), new Set(['fleet host-a', 'fleet host-b']));
    assert.is(cpu.length, 2 * cpus().length * CPU_STATES.length, `one series per machine, CPU and state: ${JSON.stringify(cpu.map((x) => x.labels))}`);
    assert.ok(cpu.every((x) => /^cpu\d+$/.test(x.labels['cpu'] ?? '') && (CPU_STATES as readonly string[]).includes(x.labels['state'] ?? '')), 'cpu and state as the hostmetrics receiver names them');
    assert.ok(cpu.every((x) => x.labels['cpu'] !== undefined), 'no series for the whole machine beside the cores');
    assert.equal(await instancesOf('system_cpu_load_average_1m'), new Set(['host-a', 'host-b']), 'load average in {thread}: no _ratio');
    assert.is((await p.series('system_cpu_load_average_1m_ratio')).length, 0);
    assert.equal(await instancesOf('system_memory_usage_bytes'), new Set(['host-a', 'host-b']), 'memory in use: an UpDownCounter, a gauge in Prometheus (no _total)');
    assert.is(outOfOrderLines(gateway.logs(), p.logs()), 0);
  } finally {
    for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.result));
    await gateway.stop();
    await p.stop();
  }
});

it("the Collector's own persistent queue (file_storage, default consumers) through a crash: its out-of-order rejections, reported", async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const agent = await startCollector(binary!, { configYaml: agentYaml(gateway) });
  const dir = tempDir();
  try {
    const total = 4 * 100 * 12;
    const run = startCli(['run', cliConfig(dir, agent.endpoint, 'prom_b', { spool: false, count: total }), '--quiet']);
    await sleep(2_000);
    gateway.signal('SIGKILL'); // the agent queues to disk
    await sleep(3_000);
    agent.signal('SIGKILL'); // crash with a persistent queue
    await sleep(1_000);
    await gateway.restart();
    await agent.restart(); // replays its queue with 10 consumers while new data flows
    const r = await run.result;
    assert.is(r.code, 0, r.stderr);
    await sleep(5_000); // let the agent drain
    const points = await stored(p, 'prom_b');
    const values = new Set(points.map((x) => x.value));
    const missing = Array.from({ length: total }, (_, v) => v).filter((v) => !values.has(v)).length;
    const rejections = outOfOrderLines(gateway.logs(), agent.logs());
    console.log(`\nCollector persistent queue (agent → gateway → Prometheus), crash while the gateway was down: sent ${total}, in Prometheus ${values.size}, missing ${missing}, out-of-order rejections logged ${rejections}`);
    assert.ok(values.size > 0, 'the harness measured it');
  } finally {
    await agent.stop();
    await gateway.stop();
    await p.stop();
  }
});

it('what the README tells Prometheus users, against the real stack: a sample Prometheus refuses (out of order, or older than its head takes) is a permanent error, so a dead letter; Prometheus down is UNAVAILABLE, so retried', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const sink = otlpGrpcSink({ endpoint: gateway.endpoint, resource: { 'service.name': 'e2e' } });
  const now = BigInt(Date.now()) * 1_000_000n;
  const send = (name: string, t: bigint) =>
    new Promise<{ code?: number; retryable?: boolean; message: string }>((resolve) =>
      sink.send([{ name, kind: 'gauge', value: 1, timeUnixNano: t, attributes: { a: '1' } } satisfies Sample]).subscribe({
        error: (e: { code?: number; retryable?: boolean; message: string }) => resolve(e),
        complete: () => resolve({ message: 'ok' }),
      }));
  try {
    assert.is((await send('prom_c', now)).message, 'ok');
    const outOfOrder = await send('prom_c', now - 60_000_000_000n);
    const tooOld = await send('prom_d', now - 3n * 3_600_000_000_000n); // 3 h behind the head's newest sample
    assert.is((await send('prom_e', now - 1_800_000_000_000n)).message, 'ok', '30 min old is taken');
    await p.stop();
    const down = await send('prom_f', now);
    console.log(`\nout of order: ${outOfOrder.message}\n3 h old: ${tooOld.message}\nPrometheus down: ${down.message.slice(0, 120)}`);
    for (const refused of [outOfOrder, tooOld]) assert.is(refused.retryable, false, refused.message);
    assert.is(down.retryable, true, down.message);
    assert.is(down.code, 14);
  } finally {
    sink.shutdown();
    await gateway.stop();
    await p.stop().catch(() => undefined);
  }
});

it('`chronoq run` with gauges that are NaN or ±Infinity: in Prometheus as those values, each at its millisecond (they were dead letters `invalid`)', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const dir = tempDir();
  const nowMs = Date.now();
  const values = [0.5, 'NaN', 'Infinity', '-Infinity'];
  try {
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, `${values.map((value, i) => JSON.stringify({ name: 'queue_avg_wait', value, timeUnixNano: String(BigInt(nowMs - 4_000 + i * 1_000) * 1_000_000n), attributes: { queue: 'q1' } })).join('\n')}\n`);
    const cfg = ndjsonToOtlpConfig(dir, input, gateway.endpoint);
    const r = await startCli(['run', cfg, '--quiet']).result;
    assert.is(r.code, 0, r.stderr);
    // Delivered means written to Prometheus: the gateway writes before it answers (its remote-write queue is off).
    assert.equal((await stored(p, 'queue_avg_wait')).map((x) => [x.ms, String(x.value)]), values.map((v, i) => [nowMs - 4_000 + i * 1_000, String(v)]));
    assert.not.ok(existsSync(join(dir, 'dead.ndjson')), 'no dead letters');
  } finally {
    await gateway.stop();
    await p.stop();
  }
});

it('one sample Prometheus refuses in a batch (out of order, a duplicate time with another value, too old): the others are in Prometheus, only it is a dead letter — Prometheus refuses the remote-write request whole', async () => {
  const p = await startPrometheus();
  const gateway = await startCollector(binary!, { configYaml: gatewayYaml(p) });
  const sink = otlpGrpcSink({ endpoint: gateway.endpoint, resource: { 'service.name': 'e2e' } });
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const at = (ms: number, value: number, series: string, t = t0 + BigInt(ms) * 1_000_000n): Sample => ({ name: 'prom_part', kind: 'gauge', value, timeUnixNano: t, attributes: { s: series } });
  const batches: Sample[][] = [
    [at(100, 1, 'a')],
    [at(50, 2, 'a'), at(200, 3, 'a'), at(300, 4, 'b')], // 50 ms behind a's newest
    [at(100, 9, 'a'), at(400, 5, 'a')], // a's time 100 again, another value
    [at(0, 7, 'old', BigInt(Date.now() - 5 * 3_600_000) * 1_000_000n), at(500, 8, 'c')], // 5 h old
  ];
  try {
    const out = await lastValueFrom(from(batches).pipe(
      concatMap((batch) => from(batch).pipe(routed(), deliverOrdered(sink.send, { batch: { maxSize: batch.length, maxDelayMs: 1_000 } }))),
      toArray(),
    ));
    const dead = out.filter(isLeft).map((r) => r.left.item.value);
    assert.equal(dead, [2, 9, 7], 'the refused samples, and only they');
    await sleep(500);
    const stored = Object.fromEntries((await p.series('prom_part')).map((x) => [x.labels['s'], x.points.map((q) => q.value)]));
    // Before: a [1] only — each batch refused whole, its good samples not stored.
    assert.equal(stored, { a: [1, 3, 5], b: [4], c: [8] });
  } finally {
    sink.shutdown();
    await gateway.stop();
    await p.stop();
  }
});

test.run();
