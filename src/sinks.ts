/**
 * The config's sink → a `send` for deliverOrdered: OTLP/gRPC, or for local use an NDJSON file or
 * the console (one sample per line, times as decimal strings).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { Observable } from 'rxjs';
import type { SendBatch } from './delivery.js';
import type { SinkConfig } from './config/schema.js';
import type { Attributes } from './sample.js';
import type { Clock } from './clock.js';
import { otlpGrpcSink } from './otlp/otlpGrpcSink.js';
import { toJsonLine } from './sampleJson.js';
import { classifyExportFailure } from './otlp/classify.js';

export interface Sink {
  readonly send: SendBatch;
  readonly describe: string;
  /** Emits when the receiver is reachable again (otlp-grpc: its connection came back up). */
  readonly reachable$?: Observable<void>;
  close(): void;
}

const writeLines = (write: (text: string) => void): SendBatch => (batch) =>
  new Observable<never>((subscriber) => {
    try {
      write(batch.map((s) => `${toJsonLine(s)}\n`).join(''));
      subscriber.complete();
    } catch (e) {
      subscriber.error(classifyExportFailure(e));
    }
  });

export const createSink = (config: SinkConfig, resource: Attributes, clock: Clock): Sink => {
  switch (config.type) {
    case 'otlp-grpc': {
      const read = (p?: string) => (p === undefined ? undefined : readFileSync(p));
      const sink = otlpGrpcSink({
        ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
        ...(config.headers !== undefined ? { headers: config.headers } : {}),
        ...(config.compression !== undefined ? { compression: config.compression } : {}),
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
        ...(config.encodeOffThread !== undefined ? { encodeOffThread: config.encodeOffThread } : {}),
        ...(config.tls !== undefined ? { tls: { ...config.tls, ca: read(config.tls.ca), cert: read(config.tls.cert), key: read(config.tls.key) } } : {}),
        resource,
        clock,
      });
      return { send: sink.send, describe: `otlp-grpc ${sink.address}`, reachable$: sink.reachable$, close: () => sink.shutdown() };
    }
    case 'ndjson':
      return { send: writeLines((t) => appendFileSync(config.path, t)), describe: `ndjson ${config.path}`, close: () => undefined };
    case 'console':
      return { send: writeLines((t) => process.stdout.write(t)), describe: 'console', close: () => undefined };
  }
};
