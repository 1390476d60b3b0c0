/**
 * OTLP/gRPC's metrics service (opentelemetry.proto.collector.metrics.v1.MetricsService/Export) on
 * @grpc/grpc-js, for the otlp source (otlpReceiver.ts): requests decoded by otlpProtoRequest.ts,
 * answers an ExportMetricsServiceResponse (with partial success when points were refused). gzip
 * and deflate request compression are grpc-js's. No room → UNAVAILABLE, which OTLP exporters retry (the JS gRPC one does not: it drops the export);
 * no bearer token (when one is asked for) → UNAUTHENTICATED; larger than maxRequestBytes →
 * grpc-js's RESOURCE_EXHAUSTED, counted by grpcTooLarge.ts. TLS through certificate providers,
 * replaced while serving (useTls).
 */
import { Server, ServerCredentials, experimental, status, type ServiceDefinition, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { isLeft } from 'fp-ts/lib/Either.js';
import { readProtobufRequest } from './requestReader.js';
import { widenFlowControl } from './grpcFlowControl.js';
import { countTooLarge } from './grpcTooLarge.js';
import { platformTimers } from '../clock.js';
import { DEFAULT_MAX_REQUEST_BYTES, NO_ROOM_MESSAGE, UNAUTHENTICATED_MESSAGE, type Listener, type OtlpServerOptions, type ReceiverTls, type TakeRequest, type Taken, answerOf, joinEndpoint, splitEndpoint } from './otlpReceiverTypes.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const raw = (b: Buffer): Buffer => b;
const METRICS_SERVICE: ServiceDefinition = {
  Export: {
    path: EXPORT_PATH, requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
  },
};

/** A protobuf varint's bytes. */
export const varintBytes = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
};
/**
 * ExportMetricsServiceResponse: empty when everything was taken; else partial_success (1) with
 * rejected_data_points (1) and error_message (2), as the OTLP specification asks.
 */
export const exportResponseBytes = (t: Extract<Taken, { kind: 'taken' }>): Buffer => {
  if (t.rejected === 0 && t.message === '') return Buffer.alloc(0);
  const message = Buffer.from(t.message, 'utf8');
  const partial = Buffer.from([0x08, ...varintBytes(t.rejected), 0x12, ...varintBytes(message.length), ...message]);
  return Buffer.from([0x0a, ...varintBytes(partial.length), ...partial]);
};

type Listen<U> = (update: U | null) => void;
/** Listeners told the latest value when they come and whenever it changes. */
const notifier = <U>(latest: () => U | null) => {
  const listeners = new Set<Listen<U>>();
  return {
    // Told after the current work: grpc-js adds its listener before the watcher that applies the
    // update (told at once, the first certificates were never used and every handshake failed).
    add: (l: Listen<U>): void => {
      listeners.add(l);
      void Promise.resolve().then(() => listeners.has(l) && l(latest()));
    },
    remove: (l: Listen<U>): void => void listeners.delete(l),
    changed: (): void => listeners.forEach((l) => l(latest())),
  };
};
const none = (): void => undefined;

/**
 * A listener's certificates as grpc-js certificate providers, so that rotated files reach new
 * connections without a restart (grpc-js's experimental provider credentials; its own file
 * watcher runs timers of its own, so the files are watched by otlpReceiver.ts instead).
 * Argument order as grpc-js's implementation takes it: identity, then the client CA (or null).
 */
const certificateSource = (first: ReceiverTls) => {
  let tls = first;
  const identity = notifier(() => ({ certificate: tls.cert, privateKey: tls.key }));
  const clientCa = notifier(() => (tls.clientCa === undefined ? null : { caCertificate: tls.clientCa }));
  const identityProvider: experimental.CertificateProvider = {
    addIdentityCertificateListener: identity.add, removeIdentityCertificateListener: identity.remove, addCaCertificateListener: none, removeCaCertificateListener: none,
  };
  const clientCaProvider: experimental.CertificateProvider = {
    addCaCertificateListener: clientCa.add, removeCaCertificateListener: clientCa.remove, addIdentityCertificateListener: none, removeIdentityCertificateListener: none,
  };
  return {
    identity: identityProvider,
    clientCa: first.clientCa === undefined ? null : clientCaProvider,
    use: (next: ReceiverTls): void => {
      tls = next;
      identity.changed();
      clientCa.changed();
    },
  };
};

export const serveOtlpGrpc = (endpoint: string, take: TakeRequest, opts: OtlpServerOptions): Listener => {
  const maxBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const server = new Server({ 'grpc.max_receive_message_length': maxBytes });
  // Requests in the order their senders sent them, through a moment this process does not read (grpcFlowControl.ts).
  const flowControl = widenFlowControl(server, maxBytes);
  server.addService(METRICS_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const peer = call.getPeer();
      const authorization = call.metadata.get('authorization')[0];
      if (opts.authorized !== undefined && !opts.authorized(typeof authorization === 'string' ? authorization : undefined)) {
        return opts.onAnswer?.('unauthenticated', 'grpc', peer), callback({ code: status.UNAUTHENTICATED, details: UNAUTHENTICATED_MESSAGE });
      }
      if (opts.noRoom()) return opts.onAnswer?.('no-room', 'grpc', peer), callback({ code: status.UNAVAILABLE, details: NO_ROOM_MESSAGE });
      const decoded = readProtobufRequest(call.request, opts.read);
      if (isLeft(decoded)) return opts.onAnswer?.('malformed', 'grpc', peer), callback({ code: status.INVALID_ARGUMENT, details: decoded.left });
      take(decoded.right, peer, 'grpc').then(
        (t) => {
          opts.onAnswer?.(answerOf(t), 'grpc', peer);
          return t.kind === 'full' ? callback({ code: status.UNAVAILABLE, details: NO_ROOM_MESSAGE }) : callback(null, exportResponseBytes(t));
        },
        (e: unknown) => callback({ code: status.INTERNAL, details: e instanceof Error ? e.message : String(e) }),
      );
    },
  });
  const { host, port } = splitEndpoint(endpoint);
  const target = joinEndpoint(host, port);
  let closed = false;
  const { tls } = opts;
  const certificates = tls === undefined ? undefined : certificateSource(tls);
  const credentials = tls === undefined || certificates === undefined ? ServerCredentials.createInsecure()
    : experimental.createCertificateProviderServerCredentials(certificates.identity, certificates.clientCa, tls.clientCa !== undefined);
  server.bindAsync(target, credentials, (error, boundPort) => {
    if (closed) return;
    if (error) return opts.onError(new Error(`otlp source: cannot listen for OTLP/gRPC on ${endpoint}: ${error.message}`));
    flowControl.afterBind();
    // Requests grpc-js refuses before the handler runs (larger than maxBytes): counted all the same.
    countTooLarge(server, EXPORT_PATH, (peer) => opts.onAnswer?.('too-large', 'grpc', peer));
    opts.onListening?.({ protocol: 'grpc', address: joinEndpoint(host, boundPort) });
  });
  return {
    useTls: (next) => certificates?.use(next),
    close: () => {
      closed = true;
      // Calls answered a moment ago are let out; then whatever is left is cut.
      server.tryShutdown(() => undefined);
      platformTimers.afterIfAlive(1_000, () => server.forceShutdown());
    },
  };
};
