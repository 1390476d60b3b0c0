/**
 * The pipeline's self-metrics in the Prometheus text exposition format, and an HTTP endpoint
 * serving them at /metrics (and /healthz, /readyz for probes).
 */
import { createServer, type Server } from 'node:http';
import { type PipelineStats, LATENCY_BUCKETS_MS, deliveryLagMs, queuedOf, reorderingOf } from '../stats.js';
import type { Alerts } from './alerts.js';
import type { ReadinessStatus } from './readiness.js';

const line = (name: string, value: number, labels: Record<string, string> = {}): string => {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
};

/** `nowMs`: the time the delivery lag is measured at (ms since the epoch, on the pipeline's steady clock). */
export const renderPrometheus = (s: PipelineStats, alerts?: Alerts, nowMs?: number): string => {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, rows: string[]) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
  metric('chronoq_samples_in_total', 'counter', 'Samples read from the sources (lines that are not samples included: each is a dead letter invalid).', [line('chronoq_samples_in_total', s.samplesIn)]);
  metric('chronoq_samples_delivered_total', 'counter', 'Samples the receiver accepted.', [line('chronoq_samples_delivered_total', s.delivered)]);
  metric('chronoq_dead_letters_total', 'counter', 'Samples dead-lettered, by reason.', Object.entries(s.deadLetters).map(([reason, n]) => line('chronoq_dead_letters_total', n, { reason })));
  metric('chronoq_retries_total', 'counter', 'Export attempts retried.', [line('chronoq_retries_total', s.retries)]);
  metric('chronoq_queue_depth', 'gauge', 'Samples waiting for delivery or in flight, in memory.', [line('chronoq_queue_depth', queuedOf(s))]);
  metric('chronoq_queue_capacity', 'gauge', 'delivery.maxQueued: what the queue holds before the overflow policy dead-letters (with a spool, the backlog may pass it on disk).', [line('chronoq_queue_capacity', s.maxQueued)]);
  metric('chronoq_reorder_buffered', 'gauge', 'Samples in the reorder buffer, waiting for their turn in event-time order.', [line('chronoq_reorder_buffered', reorderingOf(s))]);
  metric('chronoq_reorder_overflow_total', 'counter', 'Samples the full reorder buffer released early (maxBuffered).', [line('chronoq_reorder_overflow_total', s.reorderOverflow)]);
  metric('chronoq_series_capped_total', 'counter', 'Series forgotten early because more than reorder.maxSeries were held (ever-new attribute values?).', [line('chronoq_series_capped_total', s.seriesCapped)]);
  metric('chronoq_spool_waiting', 'gauge', 'Samples waiting in the spool file beyond the delivery queue (an outage backlog, or an earlier run).', [line('chronoq_spool_waiting', s.waitingInSpool)]);
  metric('chronoq_spool_write_failing', 'gauge', '1 while the spool cannot be written (disk full): samples go on in memory only, not durable across a crash.', [line('chronoq_spool_write_failing', s.spoolFailing ? 1 : 0)]);
  metric('chronoq_receiver_silent', 'gauge', '1 while calls are held for a receiver that answers nothing (a hung collector): in flight, not sent again into its connection.', [line('chronoq_receiver_silent', s.receiverSilentSinceMs !== undefined ? 1 : 0)]);
  metric('chronoq_breaker_state', 'gauge', 'Circuit breaker state (1 for the current one).', (['closed', 'half-open', 'open'] as const).map((st) => line('chronoq_breaker_state', s.breakerState === st ? 1 : 0, { state: st })));
  metric('chronoq_otlp_requests_total', 'counter', 'Requests the otlp source answered, by answer: taken, partial (points refused, each a dead letter), no-room (refused as unavailable: the sender retries), malformed, too-large, unauthenticated.', Object.entries(s.otlpRequests).map(([answer, n]) => line('chronoq_otlp_requests_total', n, { answer })));
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
