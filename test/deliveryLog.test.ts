/**
 * The delivery log of `run` and `replay` (src/telemetry/deliveryLog.ts): failures and refusals as a few
 * lines, however many batches and samples they concern.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { logDeliveryTrouble, presentsClientCertificate, sinkLogOptions, type DeliveryLogOptions } from '../src/telemetry/deliveryLog.js';
import { resolveConfig } from '../src/config/resolve.js';
import { withEnv } from './support/env.js';
import { lateDetail, lateGapOf } from '../src/lateDetail.js';
import type { ResolvedConfig } from '../src/config/resolve.js';
import type { PipelineEvent } from '../src/pipeline.js';
import type { Sample } from '../src/sample.js';

const test = suite('delivery log');

const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1n, attributes: {} };
const refused = (detail: string): PipelineEvent => ({ type: 'dead-letter', deadLetter: { reason: 'rejected', item: sample, detail, atUnixMs: 0 } });

/** The log lines, and the summary timers, driven by hand together (`fn` runs each once). */
const watched = (more: Partial<DeliveryLogOptions> = {}) => {
  const events = new Subject<PipelineEvent>();
  const lines: { level: string; message: string }[] = [];
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  const timer = {
    fn: (): void => timers.forEach((t) => t.fn()),
    get ms() { return timers[0]?.ms ?? 0; },
    get cancelled() { return timers.length > 0 && timers.every((t) => t.cancelled); },
  };
  logDeliveryTrouble(events, {
    sink: 'otlp-grpc c:4317', deadLetterPath: 'dead.ndjson', log: (level, message) => void lines.push({ level, message }),
    every: (ms, fn) => {
      const t = { ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => void (t.cancelled = true) };
    },
    ...more,
  });
  return { events, lines, timer };
};

test('samples the receiver refuses: an error line at the first, with its words, a hint and where the letters are; then at most one line a minute with how many more', () => {
  const { events, lines, timer } = watched();
  for (let i = 0; i < 40; i++) events.next(refused('the receiver refused the batch: 12 UNIMPLEMENTED: The server does not implement the method /opentelemetry.proto.collector.metrics.v1.MetricsService/Export'));
  assert.is(lines.length, 1);
  assert.is(lines[0]!.level, 'error');
  assert.match(lines[0]!.message, /^otlp-grpc c:4317 refused samples, which are not sent again: the receiver refused the batch: 12 UNIMPLEMENTED: .* \(the endpoint speaks gRPC but has no OTLP metrics service: .*\); they are dead letters in dead\.ndjson \(chronoq replay sends them again\)$/);
  assert.is(timer.ms, 60_000);
  events.next(refused('the receiver rejected this data point (partial success): out of order sample'));
  timer.fn();
  assert.is(lines.length, 2);
  assert.is(lines[1]!.message, 'otlp-grpc c:4317 refused 40 more samples in the last minute (the latest: the receiver rejected this data point (partial success): out of order sample); they are dead letters in dead.ndjson');
  timer.fn(); // a minute without refusals: nothing to say
  assert.is(lines.length, 2);
  events.complete();
  assert.ok(timer.cancelled, 'the timer goes with the run');
});

test('credentials refused: the hint says where they are set; other dead letters are not refusals', () => {
  const { events, lines } = watched();
  events.next({ type: 'dead-letter', deadLetter: { reason: 'late', item: sample, detail: 'older than the last released', atUnixMs: 0 } });
  assert.not.match(lines.map((l) => l.message).join('\n'), /refused/);
  events.next(refused('the receiver refused the batch: 16 UNAUTHENTICATED: missing x-instana-key'));
  assert.match(lines.at(-1)!.message, /16 UNAUTHENTICATED: missing x-instana-key \(check the credentials the receiver expects: sink\.headers/);
});

test('refused credentials read from a file name the file (an expired token nobody renewed); the config gives the log which', () => {
  const { events, lines } = watched({ headerFiles: { authorization: '/var/run/secrets/tokens/otel' } });
  events.next(refused('the receiver refused the batch: 16 UNAUTHENTICATED: token expired'));
  assert.match(lines.at(-1)!.message, /16 UNAUTHENTICATED: token expired \(check the credentials the receiver expects: sink\.headers, an API key, x-instana-key; authorization is read from \/var\/run\/secrets\/tokens\/otel, again whenever it changes: is it renewed\?\)/);
  const c = resolveConfig({ sink: { type: 'otlp-grpc', headers: { authorization: 'Bearer t' }, headerTemplates: { authorization: 'Bearer ${file:/run/t}' } } });
  assert.equal(sinkLogOptions({ send: () => { throw new Error('unused'); }, describe: 'otlp-grpc x', close: () => undefined }, c).headerFiles, { authorization: '/run/t' });
});

test('dead letters for what the samples are (invalid, late, skew, overflow, retries exhausted): a warning at the first of each reason, naming the metric, the detail, a hint and the file; then at most a line a minute per reason; shutdown letters are the shutdown\'s to say', () => {
  // Before, none of these was said: a library pipeline made them without a line.
  const { events, lines, timer } = watched();
  const letter = (reason: 'invalid' | 'late' | 'overflow' | 'shutdown', detail: string, name = 'm'): PipelineEvent =>
    ({ type: 'dead-letter', deadLetter: { reason, item: { ...sample, name }, detail, atUnixMs: 0 } });
  for (let i = 0; i < 5; i++) events.next(letter('invalid', 'value must be a finite number, got NaN', 'avg.latency'));
  events.next(letter('late', 'older than the last released sample of its series'));
  events.next(letter('overflow', 'more than maxQueued 100000 samples waiting for delivery'));
  events.next(letter('shutdown', 'not delivered before shutdown: the drain deadline passed'));
  assert.equal(lines.map((l) => `${l.level} ${l.message}`), [
    'warn samples became dead letters (invalid) (the first: avg.latency): value must be a finite number, got NaN; they are in dead.ndjson',
    'warn samples became dead letters (late) (the first: m): older than the last released sample of its series (older than what was already sent of its series: disorder beyond reorder.maxDelayMs); they are in dead.ndjson',
    "warn samples became dead letters (overflow) (the first: m): more than maxQueued 100000 samples waiting for delivery (more samples waiting than delivery.maxQueued or the spool's maxBytes allow: the receiver was away longer than the queue lasts, or takes them slower than they come — or the limit is below what waits between two batches); they are in dead.ndjson",
  ]);
  timer.fn();
  assert.equal(lines.slice(3).map((l) => l.message), ['4 more samples became dead letters (invalid) in the last minute (the latest: value must be a finite number, got NaN); they are in dead.ndjson']);
  timer.fn();
  assert.is(lines.length, 4, 'a quiet minute says nothing');
});

test('a dead letter of a sample without a name (an empty one, or none: an item that is no sample) names no metric', () => {
  const { events, lines } = watched();
  events.next({ type: 'dead-letter', deadLetter: { reason: 'invalid', item: { ...sample, name: '' }, detail: 'a sample needs a name', atUnixMs: 0 } });
  events.next({ type: 'dead-letter', deadLetter: { reason: 'skew', item: 'not a sample' as unknown as Sample, detail: 'stamped an hour ahead', atUnixMs: 0 } });
  assert.match(lines[0]!.message, /^samples became dead letters \(invalid\): a sample needs a name/);
  assert.match(lines[1]!.message, /^samples became dead letters \(skew\): stamped an hour ahead/);
});

test('a late sample far older than what its series sent is not called disorder: its hint says how far, and what else it is', () => {
  const late = (detail: string): PipelineEvent => ({ type: 'dead-letter', deadLetter: { reason: 'late', item: sample, detail, atUnixMs: 0 } });
  const t = 1_764_064_800_000_000_000n;
  const first = (detail: string): string => {
    const { events, lines } = watched();
    events.next(late(detail));
    return lines[0]!.message;
  };
  // An hour behind (the clock that stamped it set back an hour), with a 2 s window.
  assert.match(first(lateDetail(t - 3_600_000_000_000n, t, 'its series', 2_000)), /\(60 min older than what was already sent of its series: not disorder a larger reorder\.maxDelayMs would take in — the clock that stamped it was set back, or it is data sent before, read again; docs\/clock\.md\); they are in dead\.ndjson$/);
  // 3 s behind a 2 s window: disorder.
  assert.match(first(lateDetail(t - 3_000_000_000n, t, 'its series', 2_000)), /\(older than what was already sent of its series: disorder beyond reorder\.maxDelayMs\); they/);
  // 5 min behind a 1 min window: within ten windows, still disorder.
  assert.match(first(lateDetail(t - 300_000_000_000n, t, 'its series', 60_000)), /disorder beyond reorder\.maxDelayMs/);
  // 30 s behind a 2 s window: over ten windows, but under a minute: still disorder.
  assert.match(first(lateDetail(t - 30_000_000_000n, t, 'its series', 2_000)), /disorder beyond reorder\.maxDelayMs/);
  // No source's clock watched (skew.sourceAttribute unset): what would catch a sender set back.
  const unwatched = watched({ watchesSourceClocks: false });
  unwatched.events.next(late(lateDetail(t - 3_600_000_000_000n, t, 'its series', 2_000)));
  unwatched.events.next(late(lateDetail(t - 3_000_000_000n, t, 'its series', 2_000)));
  unwatched.timer.fn();
  assert.match(unwatched.lines[0]!.message, /docs\/clock\.md\) — with skew\.sourceAttribute set to what names each sender \(service\.instance\.id, host\.name\), a sender whose clock is set back is found after 32 more of its samples and 10 s, and its samples re-stamped from then on; they are in dead\.ndjson$/);
  assert.not.match(first(lateDetail(t - 3_600_000_000_000n, t, 'its series', 2_000)), 'skew.sourceAttribute', 'not said when it is set, or unknown');
  const c = (skew: Record<string, unknown>) => sinkLogOptions({ send: () => { throw new Error('unused'); }, describe: 'otlp-grpc x', close: () => undefined }, resolveConfig({ sink: { type: 'otlp-grpc' }, skew })).watchesSourceClocks;
  assert.equal([c({}), c({ sourceAttribute: 'host.name' })], [false, true]);
  assert.equal(lateGapOf(lateDetail(t - 1_500_000n, t, 'the stream', 0.5)), { behindMs: 1.5, maxDelayMs: 0.5 });
  assert.is(lateGapOf('some other detail'), undefined);
});

test('delivery failing: one warning with the error and a hint, one line when it works again', () => {
  const { events, lines } = watched();
  const error = new Error('14 UNAVAILABLE: Name resolution failed for target dns:collectr.invalid:4317');
  for (let attempt = 1; attempt <= 3; attempt++) events.next({ type: 'retry', lane: 0, attempt, delayMs: 100, error });
  events.next({ type: 'delivered', delivered: { samples: [sample], lane: 0, attempts: 4, firstAttemptAtMs: 0, deliveredAtMs: 1 } });
  assert.equal(lines.map((l) => l.level), ['warn', 'info']);
  assert.match(lines[0]!.message, /^delivery to otlp-grpc c:4317 is failing: 14 UNAVAILABLE: Name resolution failed .* \(its host name does not resolve: a typo in sink\.endpoint, or this host's DNS; .*\); retrying, the samples wait$/);
  assert.is(lines[1]!.message, 'delivery to otlp-grpc c:4317 works again (after 3 failed attempts)');
  // The next outage is said again, and counted from its own first attempt.
  events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error: new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:4317') });
  events.next({ type: 'delivered', delivered: { samples: [sample], lane: 0, attempts: 2, firstAttemptAtMs: 0, deliveredAtMs: 1 } });
  assert.equal(lines.slice(2).map((l) => [l.level, l.message.replace(/: 14 .*/, '')]), [['warn', 'delivery to otlp-grpc c:4317 is failing'], ['info', 'delivery to otlp-grpc c:4317 works again (after 1 failed attempt)']]);
});

test('a receiver\'s certificate not trusted here: the hint says where to give its CA, and what this process trusts — Node\'s own CAs (not the system\'s store), or GRPC_DEFAULT_SSL_ROOTS_FILE_PATH alone when that is set', async () => {
  const error = new Error('14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate.');
  for (const [grpcRootsFile, says] of [
    [undefined, "this process trusts the CAs Node ships with, not the system's store (curl's, the Collector's), unless NODE_EXTRA_CA_CERTS names a file of more"],
    ['/etc/ssl/certs/ca-certificates.crt', "gRPC trusts GRPC_DEFAULT_SSL_ROOTS_FILE_PATH (/etc/ssl/certs/ca-certificates.crt) alone here, in place of Node's CAs and NODE_EXTRA_CA_CERTS"],
  ] as const) {
    const { events, lines } = watched({ grpcRootsFile });
    events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error });
    assert.ok(lines[0]!.message.endsWith(`(the receiver's TLS certificate is not trusted here: give its CA as sink.tls.ca or OTEL_EXPORTER_OTLP_CERTIFICATE; ${says}); retrying, the samples wait`), lines[0]!.message);
  }
  // The variable counts only where the sink gives no CA of its own (grpc-js reads it then alone).
  const rootsFile = (sink: Record<string, unknown>) => withEnv({ GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '/etc/roots.pem', OTEL_EXPORTER_OTLP_CERTIFICATE: undefined, OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: undefined },
    () => sinkLogOptions({ describe: 'x', send: () => { throw new Error('unused'); } } as never, resolveConfig({ sources: [], sink: { type: 'otlp-grpc', ...sink } } as never)).grpcRootsFile);
  assert.equal([await rootsFile({ endpoint: 'https://c:4317' }), await rootsFile({ endpoint: 'https://c:4317', tls: { ca: 'ca.pem' } })], ['/etc/roots.pem', undefined]);
});

test('a server certificate not valid yet by this host\'s clock (a machine booted before its time was set): the hint says so; grpc-js says only "not yet valid"', () => {
  const { events, lines } = watched();
  // As a real TLS server with a certificate from 2030 answered (src/otlp: the sink classifies it UNAVAILABLE, the samples wait).
  events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error: new Error('14 UNAVAILABLE: No connection established. Last error: Error: certificate is not yet valid.') });
  assert.match(lines[0]!.message, /certificate is not yet valid \(the receiver's TLS certificate is not valid yet by this host's clock: a clock behind — .*; the samples wait, and go once it is valid\); retrying, the samples wait$/);
});

test("the receiver's certificate for other names, expired, or refusing this client's as expired, and credentials refused as not permitted: each its own hint", () => {
  const hintOf = (message: string): string => {
    const { events, lines } = watched();
    events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error: new Error(message) });
    return lines[0]!.message;
  };
  const tls = '14 UNAVAILABLE: No connection established. Last error: Error: ';
  assert.match(hintOf(`${tls}Hostname/IP does not match certificate's altnames: Host: c. is not in the cert's altnames: DNS:collector`), /\(the receiver's TLS certificate is for other names than the endpoint's host: use a name it lists\); retrying/);
  assert.match(hintOf(`${tls}certificate has expired`), /\(the receiver's TLS certificate has expired: it must be renewed on the receiver\); retrying/);
  assert.match(hintOf(`${tls}write EPROTO 0C:error:0A000415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired`), /\(the receiver refused this client's certificate as expired: renew sink\.tls\.cert and sink\.tls\.key; .*\); retrying/);
  const { events, lines } = watched();
  events.next(refused('the receiver refused the batch: 7 PERMISSION_DENIED: tenant t1 may not write'));
  assert.match(lines[0]!.message, /PERMISSION_DENIED: tenant t1 may not write \(check the credentials the receiver expects: sink\.headers, an API key, x-instana-key\)/);
});

test('a message ending in a full stop (grpc-js\'s do) is quoted without it before the line goes on: "…127.0.0.1:9.; retrying" read as a typo', () => {
  const { events, lines } = watched();
  const error = new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9.');
  events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error });
  events.next(refused('the receiver refused the batch: 3 INVALID_ARGUMENT: bad point.'));
  events.next({ type: 'dead-letter', deadLetter: { reason: 'retries-exhausted', item: sample, detail: 'gave up after 1 attempt(s): 14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:9.', atUnixMs: 0 } });
  events.next({ type: 'dead-letter', deadLetter: { reason: 'late', item: sample, detail: 'waited...', atUnixMs: 0 } });
  const said = lines.map((l) => l.message);
  assert.match(said[0]!, /ECONNREFUSED 127\.0\.0\.1:9; retrying, the samples wait$/);
  assert.match(said[1]!, /INVALID_ARGUMENT: bad point; they are dead letters in dead\.ndjson/);
  assert.match(said[2]!, /ECONNREFUSED 127\.0\.0\.1:9; they are in dead\.ndjson$/);
  assert.match(said[3]!, /: waited\.\.\. \(older than/, 'an ellipsis is kept');
  assert.not.match(said.join('\n'), /\.;/);
});

test('samples given up on (retries-exhausted) carry the failing attempt\'s hint: under at-most-once there is no retry, so no failing line, and "Protocol error" went without a word of 4318', () => {
  const { events, lines } = watched();
  const giveUp = (detail: string): PipelineEvent => ({ type: 'dead-letter', deadLetter: { reason: 'retries-exhausted', item: sample, detail, atUnixMs: 0 } });
  events.next(giveUp('gave up after 1 attempt(s) over 6 ms (guarantee at-most-once: one attempt a batch): 14 UNAVAILABLE: No connection established. Last error: Protocol error (2026-12-04T10:30:19.240Z)'));
  assert.is(lines.length, 1);
  assert.match(lines[0]!.message, /Protocol error \(2026-12-04T10:30:19\.240Z\) \(the endpoint answered, but not in gRPC: OTLP\/gRPC usually listens on 4317, OTLP\/HTTP on 4318\); they are in dead\.ndjson$/);
  // Other reasons get no delivery hint: a `late` letter's detail naming a protocol error is not one.
  events.next({ type: 'dead-letter', deadLetter: { reason: 'late', item: sample, detail: 'Protocol error', atUnixMs: 0 } });
  assert.not.match(lines[1]!.message, /4318/);
});

test('a call that got no answer in time (DEADLINE_EXCEEDED, a SIGSTOPped collector) says what the timeout is and that a resend may be a duplicate; grpc-js\'s words name neither', () => {
  const { events, lines } = watched();
  events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 100, error: new Error('4 DEADLINE_EXCEEDED: Deadline exceeded after 2.001s,name resolution: 0.001s,remote_addr=127.0.0.1:33341') });
  assert.match(lines[0]!.message, /remote_addr=127\.0\.0\.1:33341 \(no answer within sink\.timeoutMs: .*it may have arrived all the same, and a resend then be a duplicate\); retrying, the samples wait$/);
});

test('a handshake the receiver closes: with a client certificate, the hint is about that certificate (TLS 1.3 shows no more); without, none about it', () => {
  const retry = (message: string): PipelineEvent => ({ type: 'retry', lane: 0, attempt: 1, delayMs: 10, error: new Error(message) });
  const reset = '14 UNAVAILABLE: No connection established. Last error: read ECONNRESET (2026-12-02T19:56:07.568Z).';
  for (const clientCertificate of [true, false]) {
    const events = new Subject<PipelineEvent>();
    const lines: string[] = [];
    logDeliveryTrouble(events, { sink: 'otlp-grpc c:4317', deadLetterPath: 'dead.ndjson', log: (_l, m) => void lines.push(m), clientCertificate, every: () => ({ cancel: () => undefined }) });
    events.next(retry(reset));
    if (clientCertificate) assert.match(lines[0]!, /ECONNRESET .*\(the receiver closed the connection during the TLS handshake, as one does that does not accept this client's certificate: sink\.tls\.cert signed by a CA it trusts, not expired\?\); retrying/);
    else assert.not.match(lines[0]!, /client's certificate/);
  }
  const env = { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: 'c.pem' };
  const config = (tls?: { cert?: string; key?: string }, endpoint = 'https://c:4317') => ({ sink: { type: 'otlp-grpc' as const, endpoint, ...(tls ? { tls } : {}) } }) as unknown as ResolvedConfig;
  assert.equal([presentsClientCertificate(config({ cert: 'c', key: 'k' }), {}), presentsClientCertificate(config(), env), presentsClientCertificate(config(), {})], [true, true, false]);
  // The variable only where the exporter uses it: not beside sink.tls (which wins), not to a plaintext endpoint, not blank.
  assert.equal([presentsClientCertificate(config({}), env), presentsClientCertificate(config(undefined, 'http://c:4317'), env), presentsClientCertificate(config(), { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: ' ' })], [false, false, false]);
});

test('sink.tls against the endpoint\'s scheme: the hints name sink.tls, not the scheme already written (they said "write https://" to an https:// endpoint)', () => {
  const firstLine = (tlsAgainstScheme: 'tls-on-http' | 'plaintext-on-https' | undefined, message: string): string => {
    const events = new Subject<PipelineEvent>();
    const lines: string[] = [];
    logDeliveryTrouble(events, { sink: 'otlp-grpc c:4317', deadLetterPath: 'dead.ndjson', log: (_l, m) => void lines.push(m), tlsAgainstScheme, every: () => ({ cancel: () => undefined }) });
    events.next({ type: 'retry', lane: 0, attempt: 1, delayMs: 10, error: new Error(message) });
    return lines[0]!;
  };
  const closed = '14 UNAVAILABLE: No connection established. Last error: Failed to connect (2026-12-04T08:18:36.044Z).';
  const notTls = '14 UNAVAILABLE: No connection established. Last error: Error: 808C891A537F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number';
  assert.match(firstLine('plaintext-on-https', closed), /\(the receiver closed the connection before HTTP\/2 started, as one expecting TLS does: sink\.tls\.insecure makes the connection plaintext though the endpoint says https:\/\/; leave insecure out\)/);
  assert.match(firstLine('tls-on-http', notTls), /\(the endpoint does not speak TLS, and sink\.tls makes the connection TLS though the endpoint says http:\/\/: leave sink\.tls out for a plaintext receiver\)/);
  // Without the override, the usual advice.
  assert.match(firstLine(undefined, closed), /then write the endpoint as https:\/\//);
  assert.match(firstLine(undefined, notTls), /write the endpoint as http:\/\//);
  const against = (sink: Record<string, unknown>) => sinkLogOptions({ describe: 'x', send: () => { throw new Error('unused'); } } as never, resolveConfig({ sources: [], sink: { type: 'otlp-grpc', ...sink } } as never)).tlsAgainstScheme;
  assert.equal(
    [against({ endpoint: 'https://c:4317', tls: { insecure: true } }), against({ endpoint: 'HTTP://c:4317', tls: { ca: 'ca.pem' } }), against({ endpoint: 'https://c:4317', tls: { ca: 'ca.pem' } }), against({ endpoint: 'http://c:4317', tls: { insecure: true } }), against({ endpoint: 'c:4317', tls: { ca: 'ca.pem' } })],
    ['plaintext-on-https', 'tls-on-http', undefined, undefined, undefined],
  );
});

test.run();
