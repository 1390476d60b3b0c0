import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig, DEFAULT_CONFIG_YAML } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { unusedSettings } from '../src/config/unusedSettings.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { configErrorsOf, resolvedConfigOf } from './support/config.js';
import { loadConfig } from '../src/cli/loadConfig.js';

const test = suite('config and sample decoding');

test('the built-in default decodes: host every 10 s to otlp-grpc', () => {
  const r = decodeConfig(DEFAULT_CONFIG_YAML, {});
  assert.ok(isRight(r));
  if (isRight(r)) {
    const c = resolveConfig(r.right);
    assert.equal(c.sources, [{ type: 'host', intervalMs: 10_000 }]);
    assert.is(c.sink.type, 'otlp-grpc');
    assert.is(c.resource['service.name'], 'chronoq');
  }
});

test('a sink or source without `type` whose keys are one kind\'s only: the type to write is suggested', () => {
  const wanting = (kinds: string) => `expected one of ${kinds}, found nothing`;
  // It said only "expected one of …, found nothing": an endpoint is an otlp-grpc sink's, a path an ndjson one's.
  assert.equal(configErrorsOf('sink: {endpoint: "http://c:4317"}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")} (did you mean type: otlp-grpc? endpoint: a key of the otlp-grpc sink)`]);
  assert.equal(configErrorsOf('sink: {path: out.ndjson}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")} (did you mean type: ndjson? path: a key of the ndjson sink)`]);
  assert.equal(configErrorsOf('sources: [{path: in.ndjson, follow: true}]\n'), [`config.sources[0].type: ${wanting("'host', 'ndjson', 'synthetic', 'otlp'")} (did you mean type: ndjson? path, follow: keys of the ndjson source)`]);
  assert.equal(configErrorsOf('sink: {}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")}`], 'nothing to go by');
  assert.equal(configErrorsOf('sink: {path: x, endpoint: y}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")}`], 'no one kind takes both');
});

test('every problem is reported at its path, with suggestions; nothing throws', () => {
  assert.equal(configErrorsOf('batch:\n  maxSise: 10\n'), ["config.batch.maxSise: expected no key 'maxSise' (batch takes maxSize, maxDelayMs), found number 10 (did you mean 'maxSize'?)"]);
  // "Did you mean" whatever the case, and for a long key further off (up to a third of its length).
  assert.match(configErrorsOf('batch: {MAXSIZE: 10}\n')[0]!, /found number 10 \(did you mean 'maxSize'\?\)$/);
  assert.match(configErrorsOf('delivery: {retry: {maxElapsedMillis: 5}}\n')[0]!, /found number 5 \(did you mean 'maxElapsedMs'\?\)$/);
  assert.match(configErrorsOf('batch: {maxSizeBytes: 10}\n')[0]!, /found number 10$/, 'no suggestion farther than that');
  assert.equal(configErrorsOf('sources:\n  - type: syntetic\n'), ["config.sources[0].type: expected one of 'host', 'ndjson', 'synthetic', 'otlp', found \"syntetic\" (did you mean 'synthetic'?)"]);
  assert.equal(configErrorsOf('delivery:\n  retry:\n    jitter: ful\n'), ["config.delivery.retry.jitter: expected one of 'full', 'equal', 'decorrelated', 'none', found \"ful\" (did you mean 'full'?)"]);
  assert.equal(configErrorsOf('spool: {path: s.db, fsync: never}\n'), ["config.spool.fsync: expected one of 'always', 'interval', found \"never\""]);
  assert.equal(configErrorsOf('telemetry:\n  prometheus:\n    port: 99999\n'), ['config.telemetry.prometheus.port: expected a TCP port (1-65535), found number 99999']);
  // The ports' ends are ports: 65535 to serve on, 65535 to listen on for OTLP (0 there: any free one).
  assert.equal(configErrorsOf('telemetry:\n  prometheus:\n    port: 65535\n'), []);
  assert.equal(configErrorsOf('telemetry:\n  prometheus:\n    port: 65536\n'), ['config.telemetry.prometheus.port: expected a TCP port (1-65535), found number 65536']);
  assert.equal(configErrorsOf('sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:65535"}, http: {endpoint: "[::1]:0"}}}]\n'), []);
  assert.equal(configErrorsOf('sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:65536"}}}]\n'), [
    'config.sources[0].protocols.grpc.endpoint: expected host:port to listen on (localhost:4317; 0.0.0.0:4317 for every interface; [::1]:4317): a port up to 65535, found "127.0.0.1:65536"',
  ]);
  assert.equal(configErrorsOf('sources: 3\n'), ['config.sources: expected a list of sources, found number 3']);
  // What was found, by its kind: YAML's null (~, null, a key with nothing after it) is null, not a mapping.
  assert.equal(configErrorsOf('sources: null\nbatch: {maxSize: ~}\nsink: {type: otlp-grpc, endpoint: {host: c}}\n'), [
    'config.sources: expected a list of sources, found null',
    'config.batch.maxSize: expected a positive integer, found null',
    'config.sink.endpoint: expected an endpoint URL such as http://collector:4317 (or host:port), found a mapping',
  ]);
  // A misspelt key does not hide the other mistakes of its mapping (lanes: 0 went unreported).
  assert.equal(configErrorsOf('delivery:\n  lanes: 0\n  order: series\n'), [
    "config.delivery.order: expected no key 'order' (delivery takes guarantee, lanes, retry, breaker, maxQueued, overflow, shutdownDeadlineMs, fenceMs), found \"series\"",
    'config.delivery.lanes: expected a whole number from 1 to 1024 (requests in flight at once), found number 0',
  ]);
  assert.equal(configErrorsOf('sources:\n  - type: ndjson\n    folow: true\n'), [
    "config.sources[0].folow: expected no key 'folow' (ndjson source takes type, path, follow, pollMs, positionFile, maxLineBytes, summaries, staleMarkers, stampedLocally), found boolean true (did you mean 'follow'?)",
    'config.sources[0].path: expected a non-empty string (required), found nothing',
  ]);
  assert.equal(configErrorsOf('sources:\n  - type: ndjson\n    path: x\n    maxLineBytes: 1MB\n'), ['config.sources[0].maxLineBytes: expected a positive integer, found "1MB" (did you mean 1000000? maxLineBytes is in bytes)']);
  assert.ok(configErrorsOf('a: [\n')[0]!.startsWith('config (line 2, column 1): expected valid YAML'));
  // A second host source sent every host series twice (perCore on one and off on the other: the CPU states per CPU and for the machine).
  assert.equal(configErrorsOf('sources: [{type: ndjson, path: a.ndjson}, {type: host, perCore: true}, {type: host, intervalMs: 60000, perCore: false}]\n'), [
    "config.sources[2]: expected no second host source (sources[1] is one): a second sends every host series again, each point twice, found another host source (keep one host source with the options of both: its intervalMs applies to every metric, and filesystem, disk, network, connections, paging and processes can each be left out)",
  ]);
  assert.equal(configErrorsOf('sources: [{type: host, intervalMs: 500}, {type: synthetic}, {type: ndjson, path: a.ndjson}]\n'), []);
  assert.equal(configErrorsOf('sources: [{type: host}, {type: host, intervalMs: nope}]\n'), ['config.sources[1].intervalMs: expected a positive integer, found "nope"'], 'what is wrong inside a source first');
});

test('YAML merge keys (<<: *anchor, as compose files use them): sources that share settings; a key of its own wins', () => {
  const text = ['sources:', '  - &base {type: ndjson, path: a.ndjson, follow: true, pollMs: 500}', '  - <<: *base', '    path: b.ndjson'].join('\n');
  const r = decodeConfig(text, {});
  assert.ok(isRight(r), JSON.stringify(r));
  assert.equal(r.right.sources, [
    { type: 'ndjson', path: 'a.ndjson', follow: true, pollMs: 500 },
    { type: 'ndjson', path: 'b.ndjson', follow: true, pollMs: 500 },
  ]);
});

test('an otlp exporter\'s keys copied from a Collector config are each answered with chronoq\'s own (insecure_skip_verify is not tls.insecure, which is no TLS at all)', () => {
  const errors = configErrorsOf('sink:\n  type: otlp-grpc\n  endpoint: https://c:4317\n  timeout: 10s\n  sending_queue: {queue_size: 5000}\n  tls:\n    ca_file: /etc/ca.pem\n    insecure_skip_verify: true\n');
  const sinkKeys = 'otlp-grpc sink takes type, endpoint, headers, compression, timeoutMs, tls, encodeOffThread, connectTimeoutMs, keepaliveMs, holdSilentMs';
  assert.equal(errors, [
    `config.sink.timeout: expected no key 'timeout' (${sinkKeys}), found "10s" (the Collector's timeout is timeoutMs here, in milliseconds)`,
    `config.sink.sending_queue: expected no key 'sending_queue' (${sinkKeys}), found a mapping (samples wait in memory up to delivery.maxQueued, and on disk in the spool: spool.path)`,
    "config.sink.tls.ca_file: expected no key 'ca_file' (tls takes ca, cert, key, insecure), found \"/etc/ca.pem\" (did you mean 'ca'? ca_file is the Collector's name for it)",
    "config.sink.tls.insecure_skip_verify: expected no key 'insecure_skip_verify' (tls takes ca, cert, key, insecure), found boolean true (chronoq always verifies the receiver's certificate — give its CA as tls.ca; tls.insecure is no TLS at all, for a plaintext receiver)",
  ]);
  // The TLS settings the Collector has and chronoq has not: what it does instead.
  assert.equal(configErrorsOf('sink:\n  type: otlp-grpc\n  tls:\n    server_name_override: collector.internal\n    include_system_ca_certs_pool: true\n').map((e) => e.replace(/^.*?, found [^(]*\(/, '').replace(/\)$/, '')), [
    "the certificate is checked against the endpoint's host: write a name the certificate lists as that host (an /etc/hosts entry where it does not resolve)",
    "without tls.ca, chronoq trusts the CAs Node ships with, not the system's store: NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt (Debian's) adds it",
  ]);
  // Elsewhere a key is still matched to the nearest known one.
  assert.match(configErrorsOf('delivery:\n  lanse: 4\n')[0]!, /did you mean 'lanes'\?\)$/);
});

test('a resource value YAML reads as a number written otherwise (service.version: 1.10 is 1.1, 2.0 is 2, 010 is 10) is refused with the quotes to write; numbers written as numbers are taken', () => {
  assert.equal(configErrorsOf('resource:\n  service.version: 1.10\n  build: 010\n  flags: 0x10\n'), [
    'config.resource.service.version: expected a value sent as written, found 1.10, which YAML reads as the number 1.1 (write "1.10" (in quotes) for the text, or 1.1 for the number)',
    'config.resource.build: expected a value sent as written, found 010, which YAML reads as the number 10 (write "010" (in quotes) for the text, or 10 for the number)',
    'config.resource.flags: expected a value sent as written, found 0x10, which YAML reads as the number 16 (write "0x10" (in quotes) for the text, or 16 for the number)',
  ]);
  // 2.0 (an integer's fraction), an octal, a sign before either.
  assert.equal(configErrorsOf('resource:\n  major: 2.0\n  mode: 0o17\n  offset: -010\n').map((e) => e.replace(/ \(write .*$/, '')), [
    'config.resource.major: expected a value sent as written, found 2.0, which YAML reads as the number 2',
    'config.resource.mode: expected a value sent as written, found 0o17, which YAML reads as the number 15',
    'config.resource.offset: expected a value sent as written, found -010, which YAML reads as the number -10',
  ]);
  const ok = decodeConfig('resource:\n  service.version: "1.10"\n  replicas: 3\n  ratio: 0.5\n  big: 1e3\n  half: .5\n', {});
  if (!isRight(ok)) throw new Error(JSON.stringify(ok.left));
  assert.equal(ok.right.resource, { 'service.version': '1.10', replicas: 3, ratio: 0.5, big: 1000, half: 0.5 });
});

test('broken YAML: the first error only, with how many follow from it, and the fix for an unquoted ${VAR} inside { }', () => {
  assert.equal(configErrorsOf('telemetry:\n  prometheus: {port: ${PORT:-9464}}\nbatch:\n  maxSize: 5\n'), [
    'config (line 2, column 23): expected valid YAML, found Unexpected flow-map-start at node end at line 2, column 23: (inside { } write a variable in quotes: "${VAR}"; 7 more YAML error(s) after it, most likely caused by it)',
  ]);
  // One error after the first is said too; the quotes are advised only for a variable inside { }.
  assert.equal(configErrorsOf('a: |\n  x\n b\n'), ['config (line 3, column 1): expected valid YAML, found All mapping items must start at the same column at line 3, column 1: (1 more YAML error(s) after it, most likely caused by it)']);
  assert.equal(configErrorsOf('sink:\n  type: otlp-grpc\n endpoint: ${X}\n'), ['config (line 3, column 1): expected valid YAML, found All mapping items must start at the same column at line 3, column 1:']);
});

test('an empty config, or one of comments only (a file being written), is every default, not an error', () => {
  for (const yaml of ['', '# nothing yet\n', '---\n']) assert.equal(configErrorsOf(yaml), [], JSON.stringify(yaml));
  assert.equal(resolvedConfigOf('# nothing yet\n'), resolvedConfigOf('{}\n'));
});

test('delivery.retry.multiplier below 1 is refused (each retry would come sooner than the one before, toward none: it was taken); 1 is a constant wait', () => {
  assert.equal(configErrorsOf('delivery: {retry: {multiplier: 0.5}}\n'), ['config.delivery.retry.multiplier: expected a finite number of at least 1 (each retry waits at least as long as the one before; 1: the same wait each time), found number 0.5']);
  assert.is(resolvedConfigOf('delivery: {retry: {multiplier: 1}}\n').delivery.retry.multiplier, 1);
});

test('maxElapsedMs accepts "infinite"', () => {
  assert.is(resolvedConfigOf('delivery:\n  retry:\n    maxElapsedMs: infinite\n').delivery.retry.maxElapsedMs, Infinity);
});

test('reorder.maxDelayMs: 0 by default when the only source is the host source (in order: its collections waited 2 s in memory, ahead of the spool, and a kill -9 lost them), 2 s with any other source or order global, as given when given', () => {
  const delayOf = (yaml: string): number => resolvedConfigOf(yaml).reorder.maxDelayMs;
  assert.is(delayOf('{}'), 0, 'the default config: one host source');
  assert.is(delayOf('sources: [{type: host, intervalMs: 1001}]\n'), 0);
  // Collections no further apart than skew.stepThresholdMs: a clock set back by less (no step, not
  // re-stamped) can make the next one earlier, which the reorder window repairs.
  assert.is(delayOf('sources: [{type: host, intervalMs: 1000}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: host, intervalMs: 5000}]\nskew: {stepThresholdMs: 5000}\n'), 2_000);
  assert.is(delayOf('sources: [{type: host}, {type: ndjson, path: "-"}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: ndjson, path: "-"}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: synthetic}]\n'), 2_000);
  assert.is(delayOf('sources: []\n'), 2_000, 'an application\'s pipeline, fed by push(): anything may come');
  assert.is(delayOf('reorder: {order: global}\n'), 2_000);
  assert.is(delayOf('skew: {policy: pass}\n'), 2_000, 'a step back is not re-stamped then');
  assert.is(delayOf('skew: {policy: dead-letter}\n'), 0);
  assert.is(delayOf('reorder: {maxDelayMs: 2000}\n'), 2_000);
  assert.is(delayOf('sources: [{type: ndjson, path: "-"}]\nreorder: {maxDelayMs: 0}\n'), 0);
});

test('reorder.maxSeries: 500 000 by default, "infinite" lifts the cap, a fraction is refused at its path', () => {
  const resolved = (text: string): number => resolvedConfigOf(text).reorder.maxSeries;
  assert.is(resolved('{}'), 500_000);
  assert.is(resolved('reorder:\n  maxSeries: infinite\n'), Infinity);
  assert.is(resolved('reorder:\n  maxSeries: 20000\n'), 20_000);
  const bad = decodeConfig('reorder:\n  maxSeries: 1.5\n', {});
  assert.ok(isLeft(bad) && bad.left.some((e) => e.path === 'config.reorder.maxSeries'));
});

test('telemetry.prometheus listens on 127.0.0.1 unless a host is given (its /metrics and probes are not for every interface by default)', () => {
  const listen = (yaml: string) => resolvedConfigOf(yaml).telemetry.prometheus;
  assert.equal(listen('telemetry: {prometheus: {port: 9464}}\n'), { port: 9464, host: '127.0.0.1' });
  assert.equal(listen('telemetry: {prometheus: {port: 9464, host: 0.0.0.0}}\n'), { port: 9464, host: '0.0.0.0' });
  assert.is(listen('{}\n'), undefined);
});

test('reorder.forgetSeriesAfterMs: a day by default, "infinite" keeps every series, a negative is refused at its path', () => {
  const resolved = (yaml: string) => resolvedConfigOf(yaml).reorder.forgetSeriesAfterMs;
  assert.is(resolved('{}\n'), 86_400_000);
  assert.is(resolved('reorder:\n  forgetSeriesAfterMs: infinite\n'), Infinity);
  assert.is(resolved('reorder:\n  forgetSeriesAfterMs: 3600000\n'), 3_600_000);
  assert.equal(configErrorsOf('reorder:\n  forgetSeriesAfterMs: -1\n'), ['config.reorder.forgetSeriesAfterMs: expected a non-negative number of milliseconds or "infinite", found number -1']);
});

test('skew.maxPastMs and maxFutureMs may be "infinite" (a backfill of old data: nothing is stale); other ms keys say they want a finite number', () => {
  const skewOf = (yaml: string) => resolvedConfigOf(yaml).skew;
  assert.is(skewOf('skew:\n  maxPastMs: .inf\n').maxPastMs, Infinity);
  assert.is(skewOf('skew:\n  maxPastMs: infinite\n  maxFutureMs: infinite\n').maxFutureMs, Infinity);
  assert.is(skewOf('{}\n').maxPastMs, 3_600_000);
  assert.equal(configErrorsOf('skew:\n  maxPastMs: -5\n'), ['config.skew.maxPastMs: expected a non-negative number of milliseconds or "infinite", found number -5']);
  assert.equal(configErrorsOf('batch:\n  maxDelayMs: .inf\n'), ['config.batch.maxDelayMs: expected a finite non-negative number, found number Infinity']);
});

test('every file in examples/ is a valid config, by all that `chronoq validate` checks (the reference passed decoding but not the check for a sink into its own otlp source, both at localhost:4317)', () => {
  const dir = new URL('../examples/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const r = loadConfig(join(dir, f), { INSTANA_AGENT_KEY: 'k' });
    assert.ok(isRight(r), `${f}: ${isLeft(r) ? r.left.map(formatConfigError).join('; ') : ''}`);
  }
});

test('settings that do nothing with the rest of the config are warned of by validate (and run): lanes under global order, retry backoff under at-most-once, a first wait above the longest', async () => {
  const warnings = (yaml: string, env: Record<string, string> = {}): string[] => {
    const d = decodeConfig(yaml, {});
    if (isLeft(d)) throw new Error(d.left.map(formatConfigError).join('; '));
    return unusedSettings(resolveConfig(d.right), env);
  };
  assert.equal(warnings('delivery: {lanes: 8}\nreorder: {order: global}\n'), ['delivery.lanes 8 is not used: reorder.order global delivers on one lane, so that the whole stream reaches the receiver in order']);
  assert.equal(warnings('delivery: {lanes: 2}\nreorder: {order: global}\n'), ['delivery.lanes 2 is not used: reorder.order global delivers on one lane, so that the whole stream reaches the receiver in order']);
  const otlp = 'sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:14317"}}}]\nsink: {type: console}\nspool: {path: s.db}\n';
  assert.equal(warnings(`${otlp}reorder: {maxDelayMs: 8000}\n`), [
    "spool s.db does not make sources[0] (otlp)'s answers durable: reorder.maxDelayMs 8000 holds the points longer than the 5000 ms an answer waits for them to reach the spool (within the exporters' 10 s deadline); a crash before then loses what was answered — keep maxDelayMs under 5000",
  ]);
  assert.equal(warnings(otlp), [], 'the default window (2 s)');
  assert.equal(warnings(`${otlp}reorder: {maxDelayMs: 5000}\n`).length, 1, 'a window as long as the wait: the answer is due as the points are let go');
  assert.equal(warnings(`${otlp}reorder: {maxDelayMs: 4999}\n`), []);
  assert.equal(warnings('delivery: {guarantee: at-most-once, retry: {maxAttempts: 5, jitter: none, maxElapsedMs: 5000}}\n'), [
    'delivery.retry.jitter, .maxAttempts are not used: delivery.guarantee at-most-once makes one attempt a batch (retry.maxElapsedMs still bounds its wait for an open breaker)',
  ]);
  // What is used says nothing: maxElapsedMs under at-most-once, lanes under series order, the defaults.
  assert.equal(warnings('delivery: {guarantee: at-most-once, retry: {maxElapsedMs: 5000}}\n'), []);
  assert.equal(warnings('delivery: {lanes: 8}\n'), []);
  assert.equal(warnings('reorder: {order: global}\ndelivery: {guarantee: at-most-once}\n'), []);
  assert.equal(warnings('delivery: {overflow: dead-letter-oldest}\nspool: {path: s.db}\n'), ['delivery.overflow dead-letter-oldest is not used with a spool: what has no room in delivery\'s queue waits in the spool, and a full spool (spool.maxBytes) refuses the newest samples']);
  assert.equal(warnings('delivery: {overflow: dead-letter-oldest}\n'), []);
  assert.equal(warnings('delivery: {retry: {initialDelayMs: 60000, maxDelayMs: 1000}}\n'), ['delivery.retry.initialDelayMs 60000 is not used: retry.maxDelayMs 1000 caps every wait, the first too']);
  assert.equal(warnings('delivery: {retry: {initialDelayMs: 1000, maxDelayMs: 1000}}\n'), []);
  assert.equal(warnings('delivery: {breaker: {halfOpenAfterMs: 120000, maxHalfOpenAfterMs: 60000}}\n'), ['delivery.breaker.maxHalfOpenAfterMs 60000 is not used: it is below breaker.halfOpenAfterMs 120000, so every wait is that']);
  assert.equal(warnings('delivery: {breaker: {halfOpenAfterMs: 60000, maxHalfOpenAfterMs: 60000}}\n'), [], 'equal: waits that do not grow, as written');
  assert.equal(warnings('skew: {sourceOffsetThresholdMs: 500}\n'), ['skew.sourceOffsetThresholdMs 500 is not used: without skew.sourceAttribute no source\'s clock is watched']);
  assert.equal(warnings('skew: {sourceOffsetThresholdMs: 500, sourceAttribute: host.name}\n'), []);
  assert.equal(warnings('sources: [{type: ndjson, path: "-", pollMs: 50}, {type: ndjson, path: "-", pollMs: 50, follow: true}, {type: ndjson, path: "-", pollMs: 250}]\n'), ['sources[0].pollMs 50 is not used: without follow: true the file is read once, to its end']);
  // Every key at its default, as examples/reference.yaml names them: nothing to warn of.
  assert.equal(warnings(readFileSync('examples/reference.yaml', 'utf8')), []);
  assert.equal(warnings('delivery: {guarantee: at-most-once}\nspool: {path: s.db}\n'), ['spool s.db is not used: delivery.guarantee at-most-once keeps nothing for a later attempt']);
  // The endpoint's scheme against sink.tls: given TLS files win over http://, insecure over https://.
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {ca: ca.pem}}\n'), ["sink.endpoint's http:// is not used: sink.tls gives TLS files, so the connection uses TLS; write https:// to say so, or leave sink.tls out for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {insecure: true}}\n'), ["sink.endpoint's https:// is not used: sink.tls.insecure true makes the connection plaintext; write http:// to say so, or leave insecure out for TLS"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {ca: ca.pem}}\n'), []);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: true}}\n'), []);
  // No files, and not insecure: TLS against the system's CAs (measured: "wrong version number" from a plaintext collector, and no warning).
  const systemCas = "sink.endpoint's http:// is not used: sink.tls without insecure: true makes the connection TLS (checked against the system's CAs); write https:// to say so, or leave sink.tls out for a plaintext receiver";
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {}}\n'), [systemCas]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: false}}\n'), [systemCas]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {}}\n'), []);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {insecure: false}}\n'), [], 'insecure false is TLS, as https:// says');
  // The endpoint from the environment, named as such (it was not looked at: no warning, and the hints advised the scheme already written).
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {ca: ca.pem}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }), ["OTEL_EXPORTER_OTLP_ENDPOINT's http:// is not used: sink.tls gives TLS files, so the connection uses TLS; write https:// to say so, or leave sink.tls out for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {insecure: true}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ' https://c:4317 ' }), ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT's https:// is not used: sink.tls.insecure true makes the connection plaintext; write http:// to say so, or leave insecure out for TLS"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {ca: ca.pem}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }), [], 'the config\'s endpoint wins over the variable');
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {ca: ca.pem}}\n'), [], 'no endpoint written: nothing to contradict');
  // TLS files from the OTLP variables with a plaintext endpoint: not read (a plaintext Collector took every batch, and nothing said so).
  const envCa = { OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/otel/ca.pem' };
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }),
    ["OTEL_EXPORTER_OTLP_CERTIFICATE is not used: OTEL_EXPORTER_OTLP_ENDPOINT's http:// makes the connection plaintext; write https:// to use it, or unset it for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317"}\n', { OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: 'c.pem', OTEL_EXPORTER_OTLP_CLIENT_KEY: 'k.pem' }),
    ["OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY are not used: sink.endpoint's http:// makes the connection plaintext; write https:// to use them, or unset them for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc}\n', envCa), ["OTEL_EXPORTER_OTLP_CERTIFICATE is not used: the default endpoint http://localhost:4317's http:// makes the connection plaintext; write https:// to use it, or unset it for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' }), [], 'TLS: used');
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "c:4317"}\n', envCa), [], 'no scheme: TLS unless INSECURE');
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'HTTP://c:4317' }), [], 'the exporter base tells http:// by its exact text: HTTP:// is TLS, the file read');
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: true}}\n', envCa), [], 'sink.tls given: the variables are not read at all');
  const r = await runCli(['validate', writeConfig(tempDir(), 'sources: []\ndelivery: {lanes: 4}\nreorder: {order: global}\n')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARN {2}delivery\.lanes 4 is not used: reorder\.order global delivers on one lane/);
});

test('a mapping given as a list is refused; a wrong header name is said once; a resource value may be a boolean; keys that fit two sink types suggest neither', () => {
  assert.equal(configErrorsOf('sink: {type: otlp-grpc, headers: [a, b]}\n'), ['config.sink.headers: expected a mapping of header names to values, found a list']);
  assert.equal(configErrorsOf('sink: {type: otlp-grpc, headers: {"bad key": 5}}\n'), [
    `config.sink.headers.bad key: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "bad key"`,
  ]);
  assert.equal(configErrorsOf('resource: {flag: true, n: 1, s: x}\n'), []);
  assert.equal(configErrorsOf('sink: {format: otlp-json}\n'), ["config.sink.type: expected one of 'otlp-grpc', 'ndjson', 'console', found nothing"], 'ndjson and console both take format');
});

test.run();
