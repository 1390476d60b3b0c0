/**
 * examples/prometheus/chronoq-rules.yaml, the alert rules over chronoq's /metrics: promtool accepts
 * them, every metric they name is one /metrics serves (a renamed metric would leave a rule that never
 * fires), and `promtool test rules` shows each alert firing when it should and staying quiet when it
 * should not. promtool is Debian's prometheus package, which CI installs; without it, outside CI,
 * the suite says so and is skipped.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStats, noteDelivered } from '../src/stats.js';
import { createAlerts } from '../src/telemetry/alerts.js';
import type { ProcessReadings } from '../src/telemetry/processReadings.js';
import { renderProcessMetrics, renderPrometheus } from '../src/telemetry/prometheus.js';
import { tempDir } from './support/cli.js';

const test = suite('Prometheus alert rules for chronoq');
const RULES = new URL('../examples/prometheus/chronoq-rules.yaml', import.meta.url).pathname;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool && process.env['REQUIRE_E2E'] !== '1') console.log('\n!!! promtool not found (apt-get install prometheus): skipping the checks of examples/prometheus/chronoq-rules.yaml\n');
const it = promtool || process.env['REQUIRE_E2E'] === '1' ? test : test.skip;

it('promtool check rules accepts them', () => {
  const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /SUCCESS: 13 rules found/);
});

test('every metric the rules name is one /metrics serves', () => {
  const s = createStats(1000);
  noteDelivered(s, [{ name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_000_000_000n, attributes: {} }]);
  const page = renderPrometheus(s, createAlerts({}), 5_000) + renderProcessMetrics(processReadings);
  const served = new Set([...page.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
  const named = new Set([...readFileSync(RULES, 'utf8').matchAll(/expr:.*/g)].flatMap((m) => [...m[0].matchAll(/\b(?:chronoq|process|nodejs)_[a-z0-9_]+/g)].map((n) => n[0])));
  assert.ok(named.size >= 13, [...named].join(' '));
  assert.equal([...named].filter((n) => !served.has(n)), []);
});

/** The process's readings as `chronoq run` serves them beside the pipeline's (test/processMetrics.test.ts). */
const processReadings: ProcessReadings = {
  cpuUserSeconds: 1, cpuSystemSeconds: 1, residentBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, externalBytes: 1, memoryLimitBytes: 1,
  openFds: 1, maxFds: 1, startTimeSeconds: 1, eventLoopDelay: { p50Seconds: 0, p99Seconds: 0, maxSeconds: 0 }, nodeVersion: 'v20.0.0',
};

/** A promtool unit test: 1-minute samples of each series, and the alerts expected at each time. */
const UNIT_TESTS = `rule_files: [${RULES}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'chronoq_dead_letters_total{job="chronoq", instance="a", reason="rejected"}'
        values: '0 0 0 4 4 4 4 4 4 4 4 4'
      - series: 'chronoq_breaker_state{job="chronoq", instance="a", state="open"}'
        values: '0 1 1 1 1 0 0 0 0 0 0 0'
      - series: 'chronoq_receiver_silent{job="chronoq", instance="a"}'
        values: '0 0 0 0 0 0 1 1 0 0 0 0'
      - series: 'chronoq_delivery_lag_seconds{job="chronoq", instance="a"}'
        values: '1 1 1 400 400 400 400 400 400 400 400 400'
      - series: 'chronoq_queue_depth{job="chronoq", instance="a"}'
        values: '0 0 0 10 10 10 0 0 0 0 0 0'
      - series: 'chronoq_spool_waiting{job="chronoq", instance="a"}'
        values: '0 0 0 0 0 0 0 0 0 0 0 0'
      - series: 'chronoq_queue_capacity{job="chronoq", instance="a"}'
        values: '100 100 100 100 100 100 100 100 100 100 100 100'
      - series: 'chronoq_samples_in_total{job="chronoq", instance="a"}'
        values: '5 10 15 20 25 30 35 40 45 50 55 60'
      - series: 'chronoq_samples_delivered_total{job="chronoq", instance="a"}'
        values: '5 10 15 20 25 30 35 40 45 50 55 60'
      - series: 'chronoq_spool_write_failing{job="chronoq", instance="a"}'
        values: '0 0 0 0 0 0 0 0 1 0 0 0'
      - series: 'chronoq_skew_events_total{job="chronoq", instance="a", kind="step"}'
        values: '0 0 0 0 0 0 0 0 0 0 1 1'
      - series: 'chronoq_skew_events_total{job="chronoq", instance="a", kind="source-offset"}'
        values: '0 1 1 1 1 1 1 1 1 1 1 1'
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="no-room"}'
        values: '0 0 0 0 0 3 3 3 3 3 3 3'
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="taken"}'
        values: '0 50 100 150 200 250 300 350 400 450 500 550'
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="too-large"}'
        values: '0 0 2 2 2 2 2 2 2 2 2 2'
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="malformed"}'
        values: '0 0 0 0 0 0 0 0 0 0 0 0'
      # A load balancer's health check on the OTLP/HTTP port, 6 a minute: no export, no alert.
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="probe"}'
        values: '0 6 12 18 24 30 36 42 48 54 60 66'
      # A web page's exporter, its preflights let through: no export, no alert; then a page whose origin is not allowed.
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="preflight"}'
        values: '0 1 2 3 4 5 6 7 8 9 10 11'
      - series: 'chronoq_otlp_requests_total{job="chronoq", instance="a", answer="cross-origin"}'
        values: '0 0 0 0 0 0 0 0 0 5 5 5'
      # A second chronoq: a wrong endpoint since the start, its backlog near its maxQueued.
      - series: 'chronoq_samples_in_total{job="chronoq", instance="b"}'
        values: '10 20 30 40 50 60 70 80 90 100 110 120'
      - series: 'chronoq_samples_delivered_total{job="chronoq", instance="b"}'
        values: '0 0 0 0 0 0 0 0 0 0 0 0'
      - series: 'chronoq_queue_depth{job="chronoq", instance="b"}'
        values: '10 20 30 40 50 60 85 90 95 95 95 95'
      - series: 'chronoq_spool_waiting{job="chronoq", instance="b"}'
        values: '0 0 0 0 0 0 0 0 0 0 0 0'
      - series: 'chronoq_queue_capacity{job="chronoq", instance="b"}'
        values: '100 100 100 100 100 100 100 100 100 100 100 100'
      # Its memory near its limit from 2m on; its event loop 2 s late from 4m on.
      - series: 'process_resident_memory_bytes{job="chronoq", instance="a"}'
        values: '500 500 950 950 950 950 950 950 950 950 950 950'
      - series: 'chronoq_memory_limit_bytes{job="chronoq", instance="a"}'
        values: '1000 1000 1000 1000 1000 1000 1000 1000 1000 1000 1000 1000'
      - series: 'nodejs_eventloop_lag_p99_seconds{job="chronoq", instance="a"}'
        values: '0 0 0 0 2 2 2 2 2 2 2 2'
      - series: 'chronoq_build_info{job="chronoq", instance="a", version="0.1.0", nodejs_version="v20.20.2"}'
        values: '1 1 1 1 1 1 1 1 1 1 1 1'
      # Another Node service with the same metric names, not chronoq: no alert of chronoq's.
      - series: 'process_resident_memory_bytes{job="app", instance="x"}'
        values: '990 990 990 990 990 990 990 990 990 990 990 990'
      - series: 'nodejs_eventloop_lag_p99_seconds{job="app", instance="x"}'
        values: '5 5 5 5 5 5 5 5 5 5 5 5'
    alert_rule_test:
      - {alertname: ChronoqDeadLetters, eval_time: 2m, exp_alerts: []}
      - alertname: ChronoqDeadLetters
        eval_time: 4m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a, reason: rejected}
            exp_annotations:
              summary: 'chronoq at a dead-lettered 4 samples (rejected) in 5 minutes'
              description: 'They are in its dead-letter file: \`chronoq inspect\` it, and \`chronoq replay\` it once the cause is fixed.'
      - {alertname: ChronoqDeadLetters, eval_time: 10m, exp_alerts: []}
      - {alertname: ChronoqBreakerOpen, eval_time: 2m, exp_alerts: []}
      - alertname: ChronoqBreakerOpen
        eval_time: 3m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a, state: open}
            exp_annotations:
              summary: 'chronoq at a cannot deliver: its circuit breaker has been open for 2 minutes'
              description: 'Samples wait (in memory, or in the spool) and are sent in order once the receiver answers; the status line and log say how it fails.'
      - {alertname: ChronoqBreakerOpen, eval_time: 5m, exp_alerts: []}
      - {alertname: ChronoqReceiverSilent, eval_time: 6m, exp_alerts: []}
      - alertname: ChronoqReceiverSilent
        eval_time: 7m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a}
            exp_annotations: {summary: 'the receiver of chronoq at a answers nothing (a hung collector?)'}
      - {alertname: ChronoqDeliveryLag, eval_time: 3m, exp_alerts: []}
      - alertname: ChronoqDeliveryLag
        eval_time: 5m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a}
            exp_annotations: {summary: 'chronoq at a delivers 6m 40s behind while samples wait'}
      # Nothing waits any more: a source gone quiet leaves the lag high, and that is no alert.
      - {alertname: ChronoqDeliveryLag, eval_time: 7m, exp_alerts: []}
      - {alertname: ChronoqNothingDelivered, eval_time: 4m, exp_alerts: []}
      - alertname: ChronoqNothingDelivered
        eval_time: 6m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: b}
            exp_annotations: {summary: 'chronoq at b has delivered nothing since it started'}
      - {alertname: ChronoqBacklogHigh, eval_time: 9m, exp_alerts: []}
      - alertname: ChronoqBacklogHigh
        eval_time: 11m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: b}
            exp_annotations: {summary: 'chronoq at b holds a backlog of 95% of its maxQueued'}
      - {alertname: ChronoqRequestsRefused, eval_time: 4m, exp_alerts: []}
      - alertname: ChronoqRequestsRefused
        eval_time: 6m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a}
            exp_annotations:
              summary: 'chronoq at a refused 3 OTLP requests for want of room in 5 minutes'
              description: 'Without a spool, what waits for delivery in memory is at its limit (delivery.maxQueued); with one, the spool is nearly full (spool.maxBytes). Senders that do not retry lost those requests.'
      - {alertname: ChronoqRequestsRefused, eval_time: 11m, exp_alerts: []}
      - {alertname: ChronoqRequestsRejected, eval_time: 1m, exp_alerts: []}
      - alertname: ChronoqRequestsRejected
        eval_time: 3m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a, answer: too-large}
            exp_annotations:
              summary: 'chronoq at a rejected 2 OTLP requests as too-large in 5 minutes'
              description: 'Their senders dropped those points. too-large: raise the source''s maxRequestBytes or make the senders'' batches smaller; unauthenticated: a sender without the right bearer token; malformed: a sender that is not an OTLP metrics exporter; cross-origin: a web page whose origin (or a header it sends) the source''s protocols.http.cors does not allow.'
      - {alertname: ChronoqRequestsRejected, eval_time: 8m, exp_alerts: []}
      - alertname: ChronoqRequestsRejected
        eval_time: 10m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a, answer: cross-origin}
            exp_annotations:
              summary: 'chronoq at a rejected 5 OTLP requests as cross-origin in 5 minutes'
              description: 'Their senders dropped those points. too-large: raise the source''s maxRequestBytes or make the senders'' batches smaller; unauthenticated: a sender without the right bearer token; malformed: a sender that is not an OTLP metrics exporter; cross-origin: a web page whose origin (or a header it sends) the source''s protocols.http.cors does not allow.'
      - alertname: ChronoqSpoolWriteFailing
        eval_time: 8m
        exp_alerts:
          - exp_labels: {severity: critical, job: chronoq, instance: a}
            exp_annotations: {summary: 'chronoq at a cannot write its spool: samples in memory only'}
      - {alertname: ChronoqSpoolWriteFailing, eval_time: 9m, exp_alerts: []}
      - {alertname: ChronoqClockStep, eval_time: 9m, exp_alerts: []}
      - alertname: ChronoqClockStep
        eval_time: 11m
        exp_alerts:
          - exp_labels: {severity: info, job: chronoq, instance: a, kind: step}
            exp_annotations: {summary: 'the wall clock of the host of chronoq at a stepped'}
      - {alertname: ChronoqSourceClockOff, eval_time: 0m, exp_alerts: []}
      - alertname: ChronoqSourceClockOff
        eval_time: 2m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a, kind: source-offset}
            exp_annotations:
              summary: 'chronoq at a found a sender whose clock is off: its samples are re-stamped'
              description: 'Its log says which sender (skew.sourceAttribute) and by how much; set that machine''s clock right.'
      - {alertname: ChronoqSourceClockOff, eval_time: 11m, exp_alerts: []}
      - {alertname: ChronoqMemoryHigh, eval_time: 6m, exp_alerts: []}
      - alertname: ChronoqMemoryHigh
        eval_time: 8m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a}
            exp_annotations:
              summary: 'chronoq at a uses 95% of its memory limit'
              description: 'A backlog in memory grows up to delivery.maxQueued, and series with ever-new attribute values up to reorder.maxSeries: lower them, or give it more memory.'
      - {alertname: ChronoqEventLoopStalled, eval_time: 8m, exp_alerts: []}
      - alertname: ChronoqEventLoopStalled
        eval_time: 10m
        exp_alerts:
          - exp_labels: {severity: warning, job: chronoq, instance: a}
            exp_annotations: {summary: 'the event loop of chronoq at a runs 2s late'}
`;

it('promtool test rules: each alert fires when it should and is quiet when it should not', () => {
  const dir = tempDir();
  const file = join(dir, 'rules.test.yaml');
  writeFileSync(file, UNIT_TESTS);
  const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  assert.is(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /SUCCESS/);
});

test.run();
