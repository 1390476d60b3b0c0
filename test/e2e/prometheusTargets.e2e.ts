/**
 * A Prometheus target's metrics, through chronoq, into Prometheus. A target serves a summary (with
 * quantiles 0, 0.25, 0.5, 0.99 and 1, as Go programs' go_gc_duration_seconds has), a counter, a
 * gauge and a classic histogram. Collector A scrapes it (its prometheus receiver, job
 * `via-chronoq`) and exports to `chronoq run` (an otlp source), which delivers to a gateway
 * Collector writing to Prometheus (prometheusremotewrite); Prometheus scrapes the same target
 * itself (job `direct`). (1) With the source's `summaries: gauges`, every series the target serves
 * is in Prometheus through chronoq as Prometheus's own scrape made it — names, labels (quantile
 * and bucket bounds written alike), values — and nothing is a dead letter. (2) The README's other
 * way: chronoq refusing summaries (its default) and Collector A dropping them with its filter
 * processor (`type == METRIC_DATA_TYPE_SUMMARY`): no dead letter, the rest delivered. (3) The
 * target stops: Collector A sends a staleness marker for each of its series; with the source's
 * `staleMarkers: skip` they are skipped — no dead letter, no partial success in A's log — and said
 * once; refused (the default), each is a dead letter.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { freePort, metricsServiceYaml, otlpReceiverYaml, startCollector, type Collector } from '../support/collector.js';
import { remoteWriteGatewayYaml, startPrometheus, type Prometheus, type PromSample } from '../support/prometheus.js';
import { collectorOrSkip, prometheusOrSkip } from './requireCollector.js';
import { startCli, tempDir, until, writeConfig } from '../support/cli.js';
import { sleep } from './scenarios.js';

const test = suite('e2e: Prometheus targets scraped by a Collector, through chronoq into Prometheus');
const binary = collectorOrSkip('e2e Prometheus targets');
const it = binary === undefined || !prometheusOrSkip('e2e Prometheus targets') ? test.skip : test;

/** What the target serves (Prometheus text format 0.0.4), the same at every scrape. */
const EXPOSITION = `# HELP rpc_duration_seconds RPC latency.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{method="get",quantile="0"} 0.0001
rpc_duration_seconds{method="get",quantile="0.25"} 0.125
rpc_duration_seconds{method="get",quantile="0.5"} 0.25
rpc_duration_seconds{method="get",quantile="0.99"} 1.5
rpc_duration_seconds{method="get",quantile="1"} 2.75
rpc_duration_seconds_sum{method="get"} 42.5
rpc_duration_seconds_count{method="get"} 100
# HELP requests_total Requests served.
# TYPE requests_total counter
requests_total{method="get"} 7
# HELP queue_depth Jobs waiting.
# TYPE queue_depth gauge
queue_depth 3
# HELP payload_bytes Request sizes.
# TYPE payload_bytes histogram
payload_bytes_bucket{le="100"} 2
payload_bytes_bucket{le="1000.5"} 5
payload_bytes_bucket{le="+Inf"} 6
payload_bytes_sum 4321
payload_bytes_count 6
`;
/** Every series the target serves, as Prometheus names them. */
const TARGET_SERIES = '{__name__=~"rpc_duration_seconds.*|requests_total|queue_depth|payload_bytes.*"}';

const startTarget = async (): Promise<{ address: string; server: Server }> => {
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${port}`, server };
};

/** Collector A: scrapes `target` every 500 ms (job via-chronoq) and exports to chronoq; with `dropSummaries`, its filter processor drops them first. */
const scraperYaml = (target: string, chronoqPort: number, dropSummaries: boolean) => ({ port }: { port: number }): string => `${otlpReceiverYaml(port)}  prometheus:
    config:
      scrape_configs:
        - job_name: via-chronoq
          scrape_interval: 500ms
          static_configs:
            - targets: [${target}]
${dropSummaries ? `processors:
  filter/summaries:
    error_mode: ignore
    metrics:
      metric:
        - 'type == METRIC_DATA_TYPE_SUMMARY'
` : ''}exporters:
  otlp:
    endpoint: 127.0.0.1:${chronoqPort}
    tls: {insecure: true}
    sending_queue: {enabled: false}
${metricsServiceYaml('otlp').replace('receivers: [otlp]', `receivers: [otlp, prometheus]${dropSummaries ? '\n      processors: [filter/summaries]' : ''}`)}`;

/**
 * A series as `name{labels}` and its newest value; without job and instance (which tell the two
 * ways apart) and the `otel_scope_*` labels prometheusremotewrite puts on every series it writes
 * (here the Collector's Prometheus receiver's scope name, on whatever a Collector passes on).
 */
const byName = (series: PromSample[], job: string): Map<string, number> =>
  new Map(series.filter((s) => s.labels['job'] === job).map((s) => {
    const { job: _, instance: __, __name__: name, ...labels } = s.labels;
    const text = Object.entries(labels).filter(([k]) => !k.startsWith('otel_scope_')).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',');
    return [`${name}{${text}}`, s.points[s.points.length - 1]!.value];
  }));

/** What a test's body is given of the stack. */
interface Stack {
  readonly p: Prometheus;
  readonly dir: string;
  readonly run: ReturnType<typeof startCli>;
  /** Collector A's log so far. */
  readonly scraperLogs: () => string;
  /** The target stops answering (its server closed). */
  readonly stopTarget: () => void;
}
/** A target, Prometheus scraping it, a gateway, `chronoq run` with `source` settings, Collector A: `body` runs with them, then all stop. */
const stack = async (source: string, dropSummaries: boolean, body: (s: Stack) => Promise<void>): Promise<void> => {
  const target = await startTarget();
  const p = await startPrometheus({ scrapeTargets: [target.address] });
  const gateway = await startCollector(binary!, { configYaml: remoteWriteGatewayYaml(p) });
  const chronoqPort = await freePort();
  const dir = tempDir();
  const run = startCli(['run', writeConfig(dir, [
    `sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${chronoqPort}"}}${source}}]`,
    `sink: {type: otlp-grpc, endpoint: "${gateway.endpoint}"}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'reorder: {maxDelayMs: 0}',
    'batch: {maxSize: 1000, maxDelayMs: 50}',
    '',
  ].join('\n'))]);
  let a: Collector | undefined;
  try {
    await until('chronoq listens', () => /listening for OTLP\/gRPC/.test(run.stderrSoFar()));
    a = await startCollector(binary!, { configYaml: scraperYaml(target.address, chronoqPort, dropSummaries) });
    const scraper = a;
    await body({ p, dir, run, scraperLogs: () => scraper.logs(), stopTarget: () => (target.server.closeAllConnections(), target.server.close()) });
  } finally {
    run.child.kill('SIGKILL');
    await a?.stop();
    await gateway.stop();
    await p.stop();
    target.server.closeAllConnections();
    target.server.close();
  }
};

/** Polls Prometheus until `ok` holds for what `selector` selects (30 s at most); the last answer. */
const seriesWhen = async (p: Prometheus, selector: string, ok: (s: PromSample[]) => boolean): Promise<PromSample[]> => {
  let last: PromSample[] = [];
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(250)) {
    last = await p.series(selector);
    if (ok(last)) break;
  }
  return last;
};

it('`summaries: gauges`: every series of the target — the summary\'s, a counter, a gauge, a histogram — is in Prometheus as Prometheus\'s own scrape of it made it, and nothing is a dead letter', async () => {
  await stack(', summaries: gauges', false, async ({ p, dir, run }) => {
    const series = await seriesWhen(p, TARGET_SERIES, (s) => byName(s, 'direct').size === 14 && byName(s, 'via-chronoq').size === 14);
    const direct = byName(series, 'direct');
    const viaChronoq = byName(series, 'via-chronoq');
    console.log(`\nseries in Prometheus: direct ${[...direct.keys()].join(' ')}\n  via chronoq ${[...viaChronoq.keys()].join(' ')}`);
    assert.is(direct.size, 14, 'Prometheus scraped the target: the summary\'s 5 quantiles, _sum, _count; the counter; the gauge; the histogram\'s 3 buckets, _sum, _count');
    assert.equal([...viaChronoq.entries()].sort(), [...direct.entries()].sort());
    assert.is(viaChronoq.get('rpc_duration_seconds{method="get",quantile="0.99"}'), 1.5);
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: \d+ in, \d+ delivered, 0 dead-lettered/);
    assert.not.ok(existsSync(join(dir, 'dead.ndjson')), 'no dead letters');
  });
});

it('refused by default, and dropped in front with the filter processor line the README gives: no dead letter, the rest delivered', async () => {
  await stack('', true, async ({ p, dir, run }) => {
    const others = await seriesWhen(p, '{__name__=~"requests_total|queue_depth", job="via-chronoq"}', (s) => s.length === 2);
    assert.is(others.length, 2, 'the counter and the gauge delivered');
    await sleep(1_500); // three more scrapes
    assert.equal((await p.series('{__name__=~"rpc_duration_seconds.*", job="via-chronoq"}')).length, 0);
    run.child.kill('SIGINT');
    const done = await run.result;
    assert.match(done.stderr, /done: \d+ in, \d+ delivered, 0 dead-lettered/);
    assert.not.ok(existsSync(join(dir, 'dead.ndjson')), 'no dead letters');
  });
});

/** How many whole lines the run's dead-letter file has (0: no file). */
const lettersWritten = (dir: string): number => (existsSync(join(dir, 'dead.ndjson')) ? readFileSync(join(dir, 'dead.ndjson'), 'utf8').split('\n').length - 1 : 0);
/** The dead letters a run wrote (none: no file). */
const deadLetters = (dir: string): { reason: string; detail: string }[] =>
  existsSync(join(dir, 'dead.ndjson')) ? readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string }) : [];

for (const policy of ['skip', 'refuse'] as const) {
  it(`the target stops: Collector A's staleness markers, one per series, ${policy === 'skip' ? 'skipped with `staleMarkers: skip` — no dead letter, no partial success in its log, said once' : 'refused by default — a dead letter each'}`, async () => {
    await stack(`, summaries: gauges, staleMarkers: ${policy}`, false, async ({ p, dir, run, scraperLogs, stopTarget }) => {
      await seriesWhen(p, TARGET_SERIES, (s) => byName(s, 'via-chronoq').size === 14);
      stopTarget();
      // The first failed scrape (within 500 ms) sends the markers; then two more scrapes' time.
      await until('the markers reached chronoq', () => (policy === 'skip' ? /are skipped/.test(run.stderrSoFar()) : lettersWritten(dir) >= 4), 20_000);
      await sleep(1_000);
      run.child.kill('SIGINT');
      const done = await run.result;
      const letters = deadLetters(dir);
      const partial = scraperLogs().split('\n').filter((l) => /Partial success/.test(l));
      const said = done.stderr.split('\n').filter((l) => /staleness markers; \d+ in a request from .* are skipped/.test(l));
      console.log(`\nstaleMarkers: ${policy}: ${letters.length} dead letters, ${partial.length} partial-success lines in Collector A's log; ${said[0] ?? 'no line said'}`);
      if (policy === 'skip') {
        assert.equal(letters, []);
        assert.equal(partial, []);
        assert.is(said.length, 1, done.stderr);
        assert.match(done.stderr, /done: \d+ in, \d+ delivered, 0 dead-lettered/);
      } else {
        // A marker for each point of the target's last scrape: the summary's, the counter's, the gauge's, the histogram's.
        assert.is(letters.length, 4, JSON.stringify(letters));
        for (const l of letters) assert.match(l.detail, /a staleness marker\), which a sample cannot be \(the source's `staleMarkers: skip` skips them\)/);
        assert.ok(partial.length >= 1, 'Collector A logs the partial success');
        assert.is(said.length, 0);
      }
    });
  });
}

test.run();
