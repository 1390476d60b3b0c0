/**
 * A scripted OTLP/gRPC metrics server on 127.0.0.1 for sink tests: decodes each request's data
 * points (name, time) and answers as the test says — OK, partial success, or a gRPC status with
 * optional RetryInfo in `grpc-status-details-bin`. Plaintext, or TLS (optionally mutual).
 */
import * as grpc from '@grpc/grpc-js';
import { readFields, type WireField } from '../../src/otlp/protowire.js';
import { bytesField as field, intField, text } from './protobufWriter.js';

export interface ReceivedPoint {
  readonly name: string;
  readonly timeUnixNano: bigint;
}
export interface Received {
  readonly points: ReceivedPoint[];
  readonly metadata: grpc.Metadata;
  /** The call's deadline as the client set it (ms since the epoch; Infinity for none). */
  readonly deadlineMs: number;
  /** The request's size, bytes. */
  readonly bytes: number;
}
export type Reply =
  | { ok: true; rejected?: (p: ReceivedPoint) => boolean; message?: string; warning?: string; body?: Buffer }
  | { code: number; message: string; retryDelayMs?: number }
  | { hang: true }
  /** Answered when the promise settles: a receiver that stopped and went on (SIGSTOP, SIGCONT). */
  | { later: Promise<Reply> };

const bytes = (f: WireField | undefined): Uint8Array => (f?.value instanceof Uint8Array ? f.value : new Uint8Array());
const sub = (buf: Uint8Array, n: number): Uint8Array[] => readFields(buf).filter((f) => f.field === n).map(bytes);

/** The data points of an ExportMetricsServiceRequest. */
export const decodePoints = (request: Uint8Array): ReceivedPoint[] => {
  const points: ReceivedPoint[] = [];
  for (const rm of sub(request, 1))
    for (const sm of sub(rm, 2))
      for (const metric of sub(sm, 2)) {
        const fields = readFields(metric);
        const name = new TextDecoder().decode(bytes(fields.find((f) => f.field === 1)));
        for (const body of fields.filter((f) => [5, 7, 9].includes(f.field)).map(bytes))
          for (const dp of sub(body, 1)) {
            const t = readFields(dp).find((f) => f.field === 3);
            points.push({ name, timeUnixNano: Buffer.from(bytes(t)).readBigUInt64LE(0) });
          }
      }
  return points;
};

/** The min (field 11) and max (12) of each histogram data point of a request, undefined where absent. */
export const decodeHistogramMinMax = (request: Uint8Array): { min?: number; max?: number }[] =>
  sub(request, 1).flatMap((rm) => sub(rm, 2)).flatMap((sm) => sub(sm, 2)).flatMap((metric) => sub(metric, 9)).flatMap((h) => sub(h, 1)).map((dp) => {
    const fields = readFields(dp);
    const double = (n: number) => {
      const f = fields.find((x) => x.field === n);
      return f === undefined ? undefined : Buffer.from(bytes(f)).readDoubleLE(0);
    };
    const min = double(11);
    const max = double(12);
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  });


export const encodePartialSuccess = (rejected: number, message: string): Buffer =>
  Buffer.from(field(1, [...intField(1, rejected), ...field(2, text(message))]));

export const encodeStatusWithRetryInfo = (code: number, message: string, delayMs: number): Buffer => {
  const duration = [...intField(1, Math.floor(delayMs / 1000)), ...intField(2, (delayMs % 1000) * 1_000_000)];
  const retryInfo = field(1, duration);
  const any = [...field(1, text('type.googleapis.com/google.rpc.RetryInfo')), ...field(2, retryInfo)];
  return Buffer.from([...intField(1, code), ...field(2, text(message)), ...field(3, any)]);
};

const identity = (b: Buffer): Buffer => b;

/** Serve over TLS with this certificate; with `clientCa`, require a client certificate it signed. */
export interface FakeServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
}

/** `port`: listen on this one (a restart on the same port); default a free one. */
/** Listens on 127.0.0.1:`port` (a free one by default), or on `port` itself when it is a gRPC bind address such as `unix:///tmp/x.sock`. */
export const startFakeOtlpServer = async (reply: (r: Received, index: number) => Reply, tls?: FakeServerTls, port: number | string = 0) => {
  const received: Received[] = [];
  const server = new grpc.Server();
  server.addService(
    { export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const deadline = call.getDeadline();
        const r: Received = { points: decodePoints(call.request), metadata: call.metadata, deadlineMs: deadline instanceof Date ? deadline.getTime() : deadline, bytes: call.request.length };
        received.push(r);
        const answerWith = (answer: Reply): void => {
          if ('hang' in answer) return;
          if ('later' in answer) return void answer.later.then(answerWith);
          if ('code' in answer) {
            const trailer = new grpc.Metadata();
            if (answer.retryDelayMs !== undefined) trailer.set('grpc-status-details-bin', encodeStatusWithRetryInfo(answer.code, answer.message, answer.retryDelayMs));
            return callback({ code: answer.code, details: answer.message, metadata: trailer });
          }
          const rejected = answer.rejected ? r.points.filter(answer.rejected).length : 0;
          if (answer.body !== undefined) return callback(null, answer.body);
          callback(null, rejected > 0 ? encodePartialSuccess(rejected, answer.message ?? 'rejected') : answer.warning !== undefined ? encodePartialSuccess(0, answer.warning) : Buffer.alloc(0));
        };
        answerWith(reply(r, received.length - 1));
      },
    },
  );
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      typeof port === 'string' ? port : `127.0.0.1:${port}`,
      tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  return { port: bound, received, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())), kill: () => server.forceShutdown() };
};
