/**
 * The pipeline's self-metrics as OpenTelemetry instruments on a Meter (by default the global
 * MeterProvider's, so a host application's provider exports them alongside its own metrics), under
 * chronoq's name and version (src/version.ts; it was a copy of the version, which a release would
 * have left behind).
 */
import { type Meter, metrics } from '@opentelemetry/api';
import { type PipelineStats, deliveryLagMs, queuedOf, reorderingOf } from '../stats.js';
import type { Alerts } from './alerts.js';
import { VERSION } from '../version.js';

/** `now`: ms since the epoch, for the delivery lag (without it, no lag gauge). */
export const registerSelfMetrics = (stats: PipelineStats, alerts?: Alerts, meter: Meter = metrics.getMeter('chronoq', VERSION), now?: () => number) => {
  meter.createObservableCounter('chronoq.samples.in', { description: 'Samples read from the sources (lines that are not samples included: each is a dead letter invalid)' }).addCallback((r) => r.observe(stats.samplesIn));
  meter.createObservableCounter('chronoq.samples.delivered', { description: 'Samples the receiver accepted' }).addCallback((r) => r.observe(stats.delivered));
  meter.createObservableCounter('chronoq.dead_letters', { description: 'Samples dead-lettered, by reason' }).addCallback((r) => {
    for (const [reason, n] of Object.entries(stats.deadLetters)) r.observe(n, { reason });
  });
  meter.createObservableCounter('chronoq.retries', { description: 'Export attempts retried' }).addCallback((r) => r.observe(stats.retries));
  meter.createObservableGauge('chronoq.queue.depth', { description: 'Samples waiting for delivery or in flight, in memory' }).addCallback((r) => r.observe(queuedOf(stats)));
  meter.createObservableGauge('chronoq.queue.capacity', { description: 'delivery.maxQueued: what the queue holds before the overflow policy dead-letters' }).addCallback((r) => r.observe(stats.maxQueued));
  meter.createObservableGauge('chronoq.reorder.buffered', { description: 'Samples taken in and not yet in delivery\'s queue: in the reorder buffer, or (without a spool) released by it and held in memory until the queue has room' }).addCallback((r) => r.observe(reorderingOf(stats)));
  meter.createObservableCounter('chronoq.reorder.overflow', { description: 'Samples the full reorder buffer released early (maxBuffered)' }).addCallback((r) => r.observe(stats.reorderOverflow));
  meter.createObservableCounter('chronoq.series.capped', { description: 'Series forgotten early because more than reorder.maxSeries were held' }).addCallback((r) => r.observe(stats.seriesCapped));
  meter.createObservableGauge('chronoq.spool.waiting', { description: 'Samples waiting in the spool file beyond the delivery queue' }).addCallback((r) => r.observe(stats.waitingInSpool));
  meter.createObservableGauge('chronoq.spool.write_failing', { description: '1 while the spool cannot be written (disk full): samples not durable' }).addCallback((r) => r.observe(stats.spoolFailing ? 1 : 0));
  meter.createObservableGauge('chronoq.receiver.silent', { description: '1 while calls are held for a receiver that answers nothing (hung): in flight, not sent again' }).addCallback((r) => r.observe(stats.receiverSilentSinceMs !== undefined ? 1 : 0));
  meter.createObservableGauge('chronoq.breaker.state', { description: '0 closed, 1 half-open, 2 open' }).addCallback((r) => r.observe({ closed: 0, 'half-open': 1, open: 2 }[stats.breakerState]));
  meter.createObservableCounter('chronoq.otlp.requests', { description: 'Requests the otlp source answered, by answer (taken, partial, no-room, malformed, too-large, unauthenticated, cross-origin: a CORS preflight refused; probe: an HTTP GET or HEAD, preflight: a CORS preflight let through, neither an export)' }).addCallback((r) => {
    for (const [answer, n] of Object.entries(stats.otlpRequests)) r.observe(n, { answer });
  });
  meter.createObservableCounter('chronoq.otlp.stale_markers_skipped', { description: 'Staleness markers the otlp source skipped (staleMarkers: skip): no samples, not dead letters' }).addCallback((r) => r.observe(stats.otlpStaleMarkersSkipped));
  meter.createObservableCounter('chronoq.skew.events', { description: 'Clock skew events, by kind' }).addCallback((r) => {
    for (const [kind, n] of Object.entries(stats.skew)) r.observe(n, { kind });
  });
  if (now !== undefined) {
    meter.createObservableGauge('chronoq.delivery.lag', { unit: 's', description: 'Now minus the event time of the newest sample delivered' }).addCallback((r) => {
      const lagMs = deliveryLagMs(stats, now());
      if (lagMs !== undefined) r.observe(lagMs / 1000);
    });
  }
  if (alerts) {
    meter.createObservableGauge('chronoq.alert.active', { description: 'Alert rules currently firing' }).addCallback((r) => {
      for (const [rule, on] of alerts.active()) r.observe(on ? 1 : 0, { rule });
    });
  }
  const latency = meter.createHistogram('chronoq.export.latency', { unit: 'ms', description: 'From first attempt to acknowledgement, per batch' });
  return { recordLatency: (ms: number) => latency.record(ms) };
};
