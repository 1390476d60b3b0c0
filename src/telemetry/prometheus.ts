/**
 * The pipeline's self-metrics in the Prometheus text exposition format, and an HTTP endpoint
 * serving them at /metrics (and /healthz, /readyz for probes).
 */
import { createServer, type Server } from 'node:http';
import { type PipelineStats, LATENCY_BUCKETS_MS, deliveryLagMs, queuedOf, reorderingOf } from '../stats.js';
import type { Alerts } from './alerts.js';
import type { ProcessReadings } from './processReadings.js';
import type { ReadinessStatus } from './readiness.js';
import { VERSION } from '../version.js';

const line = (name: string, value: number, labels: Record<string, string> = {}): string => {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
};

/** A writer of metric families (HELP, TYPE and rows) into `out`. */
const familiesInto = (out: string[]) => (name: string, type: string, help: string, rows: string[]) => void out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);

/** `nowMs`: the time the delivery lag is measured at (ms since the epoch, on the pipeline's steady clock). */
export const renderPrometheus = (s: PipelineStats, alerts?: Alerts, nowMs?: number): string => {
  const out: string[] = [];
  const metric = familiesInto(out);
  metric('chronoq_samples_in_total', 'counter', 'Samples read from the sources (lines that are not samples included: each is a dead letter invalid).', [line('chronoq_samples_in_total', s.samplesIn)]);
  metric('chronoq_samples_delivered_total', 'counter', 'Samples the receiver accepted.', [line('chronoq_samples_delivered_total', s.delivered)]);
  metric('chronoq_dead_letters_total', 'counter', 'Samples dead-lettered, by reason.', Object.entries(s.deadLetters).map(([reason, n]) => line('chronoq_dead_letters_total', n, { reason })));
  metric('chronoq_retries_total', 'counter', 'Export attempts retried.', [line('chronoq_retries_total', s.retries)]);
  metric('chronoq_queue_depth', 'gauge', 'Samples waiting for delivery or in flight, in memory.', [line('chronoq_queue_depth', queuedOf(s))]);
  metric('chronoq_queue_capacity', 'gauge', 'delivery.maxQueued: what the queue holds before the overflow policy dead-letters (with a spool, the backlog may pass it on disk).', [line('chronoq_queue_capacity', s.maxQueued)]);
  metric('chronoq_reorder_buffered', 'gauge', 'Samples taken in and not yet in delivery\'s queue: in the reorder buffer, waiting for their turn in event-time order, or (without a spool) released by it and held in memory until the queue has room.', [line('chronoq_reorder_buffered', reorderingOf(s))]);
  metric('chronoq_reorder_overflow_total', 'counter', 'Samples the full reorder buffer released early (maxBuffered).', [line('chronoq_reorder_overflow_total', s.reorderOverflow)]);
  metric('chronoq_series_capped_total', 'counter', 'Series forgotten early because more than reorder.maxSeries were held (ever-new attribute values?).', [line('chronoq_series_capped_total', s.seriesCapped)]);
  metric('chronoq_spool_waiting', 'gauge', 'Samples waiting in the spool file beyond the delivery queue (an outage backlog, or an earlier run).', [line('chronoq_spool_waiting', s.waitingInSpool)]);
  metric('chronoq_spool_write_failing', 'gauge', '1 while the spool cannot be written (disk full): samples go on in memory only, not durable across a crash.', [line('chronoq_spool_write_failing', s.spoolFailing ? 1 : 0)]);
  metric('chronoq_receiver_silent', 'gauge', '1 while calls are held for a receiver that answers nothing (a hung collector): in flight, not sent again into its connection.', [line('chronoq_receiver_silent', s.receiverSilentSinceMs !== undefined ? 1 : 0)]);
  metric('chronoq_breaker_state', 'gauge', 'Circuit breaker state (1 for the current one).', (['closed', 'half-open', 'open'] as const).map((st) => line('chronoq_breaker_state', s.breakerState === st ? 1 : 0, { state: st })));
  metric('chronoq_otlp_requests_total', 'counter', 'Requests the otlp source answered, by answer: taken, partial (points refused, each a dead letter), no-room (refused as unavailable: the sender retries), malformed, too-large, unauthenticated, cross-origin (a web page\'s CORS preflight refused: its export fails); probe (an HTTP GET or HEAD, such as a health check) and preflight (a CORS preflight let through): no export.', Object.entries(s.otlpRequests).map(([answer, n]) => line('chronoq_otlp_requests_total', n, { answer })));
  metric('chronoq_otlp_stale_markers_skipped_total', 'counter', 'Points marking a series\' end (staleness markers) the otlp source skipped, as its staleMarkers: skip asks: no samples, not dead letters.', [line('chronoq_otlp_stale_markers_skipped_total', s.otlpStaleMarkersSkipped)]);
  metric('chronoq_skew_events_total', 'counter', 'Clock skew events, by kind.', Object.entries(s.skew).map(([kind, n]) => line('chronoq_skew_events_total', n, { kind })));
  const lagMs = nowMs === undefined ? undefined : deliveryLagMs(s, nowMs);
  if (lagMs !== undefined) metric('chronoq_delivery_lag_seconds', 'gauge', 'Now minus the event time of the newest sample delivered: how far the receiver is behind.', [line('chronoq_delivery_lag_seconds', lagMs / 1000)]);
  // Seconds, Prometheus' base unit (promtool flags a name carrying `_ms`).
  let cumulative = 0;
  const buckets = LATENCY_BUCKETS_MS.map((le, i) => line('chronoq_export_latency_seconds_bucket', (cumulative += s.latency.counts[i]!), { le: String(le / 1000) }));
  metric('chronoq_export_latency_seconds', 'histogram', 'From first attempt to acknowledgement, per batch.', [
    ...buckets,
    line('chronoq_export_latency_seconds_bucket', s.latency.count, { le: '+Inf' }),
    line('chronoq_export_latency_seconds_sum', s.latency.sumMs / 1000),
    line('chronoq_export_latency_seconds_count', s.latency.count),
  ]);
  if (alerts) metric('chronoq_alert_active', 'gauge', 'Alert rules currently firing.', [...alerts.active()].map(([rule, on]) => line('chronoq_alert_active', on ? 1 : 0, { rule })));
  return `${out.join('\n')}\n`;
};

/**
 * The process's own metrics under the names Node's Prometheus client (prom-client) gives them —
 * `process_*` and `nodejs_*`, which dashboards and alerts made for any Node service read — with
 * chronoq's memory limit and build beside them (processReadings.ts).
 */
export const renderProcessMetrics = (r: ProcessReadings): string => {
  const out: string[] = [];
  const metric = familiesInto(out);
  const single = (type: 'counter' | 'gauge') => (name: string, help: string, value: number) => metric(name, type, help, [line(name, value)]);
  const counter = single('counter');
  const gauge = single('gauge');
  counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', r.cpuUserSeconds);
  counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', r.cpuSystemSeconds);
  counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', r.cpuUserSeconds + r.cpuSystemSeconds);
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', r.startTimeSeconds);
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', r.residentBytes);
  if (r.openFds !== undefined) gauge('process_open_fds', 'Number of open file descriptors.', r.openFds);
  if (r.maxFds !== undefined) gauge('process_max_fds', 'Maximum number of open file descriptors.', r.maxFds);
  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', r.heapTotalBytes);
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', r.heapUsedBytes);
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', r.externalBytes);
  const d = r.eventLoopDelay;
  if (d !== undefined) {
    gauge('nodejs_eventloop_lag_p50_seconds', 'The median of the event loop delays since the last scrape, in seconds.', d.p50Seconds);
    gauge('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the event loop delays since the last scrape, in seconds.', d.p99Seconds);
    gauge('nodejs_eventloop_lag_max_seconds', 'The longest event loop delay since the last scrape, in seconds.', d.maxSeconds);
  }
  gauge('chronoq_memory_limit_bytes', 'The memory this process may use before it is killed: its cgroup (container) limit, else the machine\'s memory.', r.memoryLimitBytes);
  metric('chronoq_build_info', 'gauge', 'chronoq\'s version and the Node.js version it runs on.', [line('chronoq_build_info', 1, { version: VERSION, nodejs_version: r.nodeVersion })]);
  return `${out.join('\n')}\n`;
};

/**
 * The self-metrics endpoint: `/metrics`; with `readiness`, also `/healthz` (liveness: 200 while the
 * process answers — a tcpSocket probe is answered by the kernel even when the event loop is stuck)
 * and `/readyz` (200 `ready`, else 503 with why: starting, stopping).
 */
export const servePrometheus = (port: number, host: string, render: () => string, readiness?: () => ReadinessStatus): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const path = req.url?.split('?')[0];
      const text = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
      if (path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(render());
      if (readiness !== undefined && path === '/healthz') return void text(200, 'ok');
      if (readiness !== undefined && path === '/readyz') {
        const r = readiness();
        return void text(r.ready ? 200 : 503, r.detail);
      }
      text(404, readiness === undefined ? 'try /metrics' : 'try /metrics, /healthz or /readyz');
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
