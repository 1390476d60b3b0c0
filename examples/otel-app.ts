/**
 * An application already on the OpenTelemetry SDK: the two-line change from the stock exporter.
 *
 *   - import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
 *   - const exporter = new OTLPMetricExporter({ url: 'http://localhost:4317' });
 *   + import { ChronoqMetricExporter } from 'chronoq/otel';
 *   + const exporter = new ChronoqMetricExporter({ sink: { type: 'otlp-grpc', endpoint: 'http://localhost:4317' } });
 *
 * Everything else stays. While the collector is down, points wait in chronoq (export() still
 * answers SUCCESS); when it is back they arrive with their collection times, in order.
 *   npx tsx examples/otel-app.ts
 */
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ChronoqMetricExporter } from '../src/otel/index.js';

// chronoq says delivery trouble, refusals and alerts through OpenTelemetry's diag ("chronoq: …").
diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.INFO);

const exporter = new ChronoqMetricExporter({ sink: { type: 'otlp-grpc', endpoint: process.env['OTLP_ENDPOINT'] ?? 'http://localhost:4317' } });

const provider = new MeterProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-app' }),
  readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000, exportTimeoutMillis: 1_000 })],
});
const meter = provider.getMeter('otel-app');
const requests = meter.createCounter('http.server.requests');
meter.createObservableGauge('process.uptime', { unit: 's' }).addCallback((r) => r.observe(process.uptime()));

const work = setInterval(() => requests.add(1, { route: '/' }), 100);
const stop = async () => {
  clearInterval(work);
  await provider.shutdown(); // drains chronoq with its deadline; leftovers become dead letters
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
