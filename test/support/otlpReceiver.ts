/**
 * The otlp source's test harness: a collection the stock exporters send, the source started on
 * free loopback ports, one export or POST, in plain text or over TLS (test/otlpReceiver*.test.ts,
 * test/cliOtlpTls.test.ts).
 */
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { Subject, type Subscription } from 'rxjs';
import { AggregationTemporality, MeterProvider, MetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { ExportResult } from '@opentelemetry/core';
import { otlpReceiverSamples, type OtlpReceiverOptions, type RefusedPoints } from '../../src/sources/otlpReceiver.js';
import type { Sample } from '../../src/sample.js';
import { request as httpsRequest } from 'node:https';

export class Reader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** A collection of a counter, a gauge and a histogram, with the request bytes the stock exporters send for it. */
export const collection = async (attributes: Record<string, unknown> = { route: '/a' }): Promise<{ rm: ResourceMetrics; bytes: Buffer }> => {
  const reader = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }), readers: [reader] });
  const meter = provider.getMeter('app', '1.0');
  meter.createCounter('requests').add(3, attributes as never);
  meter.createGauge('queue.depth').record(-2.5, attributes as never);
  meter.createHistogram('latency', { unit: 'ms' }).record(12, attributes as never);
  const { resourceMetrics: rm } = await reader.collect();
  await provider.shutdown();
  return { rm, bytes: Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!) };
};

export interface Running {
  readonly grpc: string;
  readonly http: string;
  readonly samples: Sample[];
  readonly refused: RefusedPoints[];
  readonly errors: unknown[];
  stop(): void;
}
export const start = async (opts: Partial<OtlpReceiverOptions> = {}): Promise<Running> => {
  const addresses: Record<string, string> = {};
  const listening = new Subject<void>();
  const samples: Sample[] = [];
  const refused: RefusedPoints[] = [];
  const errors: unknown[] = [];
  const sub: Subscription = otlpReceiverSamples({
    grpcEndpoint: '127.0.0.1:0', httpEndpoint: '127.0.0.1:0', ...opts,
    onRefused: (e) => refused.push(e),
    onListening: (e) => {
      addresses[e.protocol] = e.address;
      if (addresses['grpc'] && addresses['http']) listening.next();
    },
  }).subscribe({ next: (s) => samples.push(s), error: (e) => errors.push(e) });
  await new Promise<void>((resolve) => listening.subscribe(() => resolve()));
  return { grpc: addresses['grpc']!, http: addresses['http']!, samples, refused, errors, stop: () => sub.unsubscribe() };
};

/** One export of `rm` by a stock exporter, which is then shut down: its result. */
export const exportOnce = async (exporter: PushMetricExporter, rm: ResourceMetrics): Promise<ExportResult> => {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));
  await exporter.shutdown();
  return result;
};

/** One Export call with raw request bytes (gzip-compressed with `gzip`): the response bytes, or the gRPC error. */
export const exportCall = (address: string, bytes: Buffer, opts: { gzip?: boolean; deadlineMs?: number } = {}): Promise<{ response?: Buffer; error?: ServiceError }> => {
  // 2: grpc-js's compression algorithm gzip.
  const client = new Client(address, credentials.createInsecure(), opts.gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  return new Promise((resolve) => {
    const options = opts.deadlineMs === undefined ? {} : { deadline: Date.now() + opts.deadlineMs };
    client.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, bytes, options, (error, response) => {
      client.close();
      resolve(error ? { error } : { response: response! });
    });
  });
};
export const post = (address: string, body: Uint8Array | string, headers: Record<string, string>, path = '/v1/metrics') =>
  fetch(`http://${address}${path}`, { method: 'POST', body, headers });

/** One Export call over TLS to `localhost` (the certificate's name), as a client with these credentials. */
export const exportOverTls = (address: string, bytes: Buffer, ca: Buffer, client?: { cert: Buffer; key: Buffer }): Promise<{ response?: Buffer; error?: ServiceError }> => {
  const c = new Client(address.replace('127.0.0.1', 'localhost'), credentials.createSsl(ca, client?.key ?? null, client?.cert ?? null));
  return new Promise((resolve) => {
    c.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', (b: Buffer) => b, (b: Buffer) => b, bytes, { deadline: Date.now() + 10_000 }, (error, response) => {
      c.close();
      resolve(error ? { error } : { response: response! });
    });
  });
};
/** One POST over HTTPS to `localhost`: the status, or the error's code. */
export const postOverTls = (address: string, body: Buffer, ca: Buffer, client?: { cert: Buffer; key: Buffer }): Promise<number | string> =>
  new Promise((resolve) => {
    const [, port] = address.split(':');
    const req = httpsRequest({ host: 'localhost', port: Number(port), path: '/v1/metrics', method: 'POST', ca, ...client, headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(body);
  });
