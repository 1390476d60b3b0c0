/**
 * The OTLP/gRPC sink: `send(batch)` for deliverOrdered.
 *
 * Why not OTLPMetricExporter itself: it only logs partial success (so rejected points would be
 * lost silently), drops the trailers that carry RetryInfo (so a server's "retry in 5 s" never
 * reaches retryBackoff), and queues behind its own concurrency limit. This sink keeps the official
 * OpenTelemetry packages doing everything that defines the wire format and the conventions —
 * @opentelemetry/otlp-transformer's ProtobufMetricsSerializer encodes the request and decodes the
 * response (exportAnswer.ts), @opentelemetry/otlp-grpc-exporter-base resolves endpoint, headers,
 * compression, timeout and TLS from options and OTEL_EXPORTER_OTLP_[METRICS_]* exactly as the
 * official exporter does — and makes the unary call itself over @grpc/grpc-js (the same raw-bytes service client the
 * official transport builds), so that it sees the full gRPC status, trailers and response.
 */
import * as grpc from '@grpc/grpc-js';
import { BehaviorSubject, Observable, Subject, map, merge, switchMap } from 'rxjs';
import { diag } from '@opentelemetry/api';
import { convertLegacyOtlpGrpcOptions } from '@opentelemetry/otlp-grpc-exporter-base';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { Sample } from '../sample.js';
import { systemClock, timerMs, unrefScheduler } from '../clock.js';
import type { ReachableNews } from '../breaker.js';
import type { RejectedSamples } from '../delivery.js';
import { createBatchEncoder, type BatchEncoder } from './batchEncoder.js';
import { createOffThreadEncoder } from './offThreadEncoder.js';
import { InvalidOptionError, isTimeOutOfRangeError } from '../errors.js';
import { sslCredentials } from './sslCredentials.js';
import { trustedCas } from './envTlsFiles.js';
import { classifyExportFailure } from './classify.js';
import { channelReachable } from './channelReachable.js';
import { PROBE_TIMEOUT_MS, heardFrom, watchAnswers, type Heard, type Probe } from './answersAgain.js';
import { createSilentHold, silentHoldWarning, type SilentHoldEvent } from './silentHold.js';
import { watchStuckConnecting } from './stuckConnect.js';
import { narrowingDown } from './narrowingDown.js';
import { VERSION } from '../version.js';
import { createSizeLimit } from './sizeLimit.js';
import { dialTarget, exporterUnixUrl, rawEndpointOf, unixSocketTarget } from './dialTarget.js';
import { grpcProxyFor } from './grpcProxy.js';
import { createAnswerReader } from './exportAnswer.js';
import { numberOption } from '../options.js';
import { headerKeyProblem, headerValueProblem } from '../config/grpcValues.js';
import { CONNECT_TIMEOUT_MIN_MS, KEEPALIVE_MIN_MS, type OtlpGrpcSink, type OtlpGrpcSinkOptions } from './otlpGrpcSinkTypes.js';

const SINK = 'otlpGrpcSink';

export type { OtlpGrpcSink, OtlpGrpcSinkOptions, OtlpTlsOptions } from './otlpGrpcSinkTypes.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const identity = (b: Buffer): Buffer => b;
/** An ExportMetricsServiceRequest without data. */
const EMPTY_REQUEST = Buffer.alloc(0);
const MetricsClient = grpc.makeGenericClientConstructor(
  { export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
  'MetricsExportService',
);

/**
 * The bytes of one ExportMetricsServiceRequest carrying the whole batch (see batchEncoder.ts). One
 * encoder serves every sink: an encode runs synchronously, so its pooled points are never shared.
 */
export const encodeBatch: BatchEncoder = createBatchEncoder();

/** Rejected deltas that partial success leaves unidentified are said at most this often. */
const UNIDENTIFIED_DELTAS_EVERY_MS = 60_000;

/**
 * The longest deadline a call gets: 2 147 483 s, whole seconds under a Node timer's limit (2³¹ − 1
 * ms). gRPC sends the deadline as `grpc-timeout` in whole seconds (rounded up) past 10⁸ ms; a
 * grpc-js receiver's timer for 2 147 484 s ran after 1 ms (DEADLINE_EXCEEDED at once, with
 * `timeoutMs` 30 days), and past 10⁸ hours grpc-js threw from inside the call ("Deadline is too far
 * in the future"), an uncaught exception that ended the process.
 */
const MAX_DEADLINE_MS = 2_147_483_000;

/**
 * `metadata` with `headers` set, each checked as the config checks it (config/grpcValues.ts):
 * grpc-js threw its own error for some, and took others to fail every call or never send them.
 */
const withHeaders = (metadata: grpc.Metadata, headers: Readonly<Record<string, string>>): grpc.Metadata => {
  const names = Object.keys(headers);
  for (const [k, v] of Object.entries(headers)) {
    const wrong = headerKeyProblem(k, names) ?? (typeof v === 'string' ? headerValueProblem(v) : { expected: 'a string', found: typeof v });
    if (wrong !== undefined) throw new InvalidOptionError(SINK, `headers.${k}`, wrong.expected, wrong.suggestion === undefined ? wrong.found : `${wrong.found} (${wrong.suggestion})`);
    metadata.set(k, v);
  }
  return metadata;
};

export const otlpGrpcSink = (opts: OtlpGrpcSinkOptions = {}): OtlpGrpcSink => {
  // Trimmed, as the exporter trims OTEL_EXPORTER_OTLP_ENDPOINT: its own url it does not, and
  // " http://collector:4317" was not read as http:// — TLS to a plaintext receiver, refused.
  const endpoint = opts.endpoint?.trim();
  const metadata = withHeaders(new grpc.Metadata(), opts.headers ?? {});
  const tls = opts.tls;
  const tlsCredentials = tls === undefined ? undefined
    : tls.insecure ? grpc.credentials.createInsecure()
    : sslCredentials(tls);
  const rawEndpoint = rawEndpointOf(endpoint, process.env);
  const socket = unixSocketTarget(rawEndpoint);
  const config = convertLegacyOtlpGrpcOptions(
    {
      // A unix socket in a form the exporter keeps whole (from the environment too): see unixSocketTarget.
      ...(socket !== undefined ? { url: exporterUnixUrl(socket) } : endpoint !== undefined ? { url: endpoint } : {}),
      metadata,
      ...(opts.compression !== undefined ? { compression: opts.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMillis: numberOption(SINK, 'timeoutMs', opts.timeoutMs, 10_000) } : {}),
      ...(tlsCredentials !== undefined ? { credentials: tlsCredentials } : {}),
    },
    'METRICS',
  );
  /** host:port dialled (the exporter's url can lack the port, see dialTarget.ts). */
  const target = dialTarget(config.url, rawEndpoint);
  const proxy = grpcProxyFor(target, process.env);
  const clock = opts.clock ?? systemClock;
  const askedKeepaliveMs = numberOption(SINK, 'keepaliveMs', opts.keepaliveMs, 10_000); // NaN: no keepalive, silently
  const keepaliveMs = askedKeepaliveMs > 0 ? Math.max(askedKeepaliveMs, KEEPALIVE_MIN_MS) : askedKeepaliveMs;
  const connectTimeoutMs = Math.max(numberOption(SINK, 'connectTimeoutMs', opts.connectTimeoutMs, 20_000), CONNECT_TIMEOUT_MIN_MS);
  /** Credentials for new connections: the options', or the TLS files' contents given to useTls since. */
  let credentials = config.credentials;
  const newClient = (): InstanceType<typeof MetricsClient> => {
    const made = new MetricsClient(target, credentials(), {
      'grpc.default_compression_algorithm': config.compression === CompressionAlgorithm.GZIP ? 2 : 0,
      'grpc.primary_user_agent': `chronoq/${VERSION}`,
      // chronoq's retryBackoff is the retry policy; the channel should reconnect promptly.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // A failed connection makes grpc-js look the name up again, by default at most every 30 s:
      // a collector back at a new address (a pod or container recreated) went unseen that long.
      // Only failures cause look-ups, so a working connection costs none.
      'grpc.dns_min_time_between_resolutions_ms': 1_000,
      // A connection that went silent (keepaliveMs above) is dropped; grpc-js then connects afresh
      // and looks the name up again. Pings only while calls are outstanding (permit_without_calls
      // is off): between a healthy receiver's answers, at most one ping in keepaliveMs.
      ...(keepaliveMs > 0 ? { 'grpc.keepalive_time_ms': timerMs(keepaliveMs), 'grpc.keepalive_timeout_ms': timerMs(keepaliveMs) } : {}),
    });
    // A connection attempt that hangs is given up with its client: calls waiting on it fail
    // (retryably) and the next attempt goes through a new client that connects afresh.
    watchStuckConnecting(made.getChannel(), connectTimeoutMs, clock, () => replaceClient(made));
    return made;
  };
  /** Calls go through a new client from now on; `old`'s calls in flight finish on their connection. */
  const replaceClient = (old: InstanceType<typeof MetricsClient>): void => {
    if (clients.value !== old || closed) return;
    clients.next(newClient());
    old.close();
  };
  let closed = false;
  /** The client in use (a new one after a connection attempt hung), for calls and reachable$. */
  const clients = new BehaviorSubject(newClient());
  /** The request headers: the options' over OTEL_EXPORTER_OTLP_[METRICS_]HEADERS, then what useHeaders gave. */
  let callMetadata = config.metadata();
  const resource = opts.resource ?? {};
  /** The errors of attempts whose batch could not be encoded (nothing was sent). */
  const encodeFailures = new WeakSet<object>();

  /** An empty request: whether the receiver answers at all (answersAgain.ts). */
  const probe: Probe = (done) => {
    const call = clients.value.makeUnaryRequest<Buffer, Buffer>(EXPORT_PATH, identity, identity, EMPTY_REQUEST, callMetadata, { deadline: clock.now() + PROBE_TIMEOUT_MS }, (err) => done(heardFrom(err)));
    return () => call.cancel();
  };
  /** After a call timed out, probes tell when the receiver answers again. */
  const answers = watchAnswers(probe);
  /** A call past timeoutMs is held while the receiver answers nothing (silentHold.ts). */
  const holdSilentMs = numberOption(SINK, 'holdSilentMs', opts.holdSilentMs, 60_000);
  const silent$ = new Subject<SilentHoldEvent>();
  const silentHold = holdSilentMs > 0 ? createSilentHold(probe, {
    timeoutMs: config.timeoutMillis, scheduler: unrefScheduler,
    connected: () => clients.value.getChannel().getConnectivityState(false) === grpc.connectivityState.READY,
    onEvent: (e) => (diag.warn(silentHoldWarning(e, target, holdSilentMs)), silent$.next(e)),
  }) : undefined;
  const reachable$ = merge(
    clients.pipe(switchMap((c) => channelReachable(c.getChannel())), map((): ReachableNews => 'connected')),
    answers.answersAgain$.pipe(map((): ReachableNews => 'answered')),
  );

  const encoder = createOffThreadEncoder({
    resource,
    scope: opts.scope,
    encodeInPlace: (batch) => encodeBatch(batch, resource, opts.scope),
    ...(opts.encodeOffThread === true ? {} : { minBatchSize: Infinity }),
  });

  /** Partial success (and warnings, and answers that cannot be read): exportAnswer.ts. */
  const readAnswer = createAnswerReader(target);

  /** Requests over the size the receiver refused one for are not sent (sizeLimit.ts). */
  const sizeLimit = createSizeLimit();

  /** One attempt: completes on success; emits RejectedSamples when the server rejected some. */
  const attempt = (batch: readonly Sample[]): Observable<RejectedSamples> =>
    new Observable<RejectedSamples>((subscriber) => {
      let call: grpc.ClientUnaryCall | undefined;
      const cancelEncode = encoder.encode(batch, (e, request) => {
        if (request === undefined) {
          const failure = isTimeOutOfRangeError(e) ? e : classifyExportFailure(e);
          encodeFailures.add(failure);
          return subscriber.error(failure);
        }
        if (subscriber.closed) return;
        const tooLarge = sizeLimit.refusalFor(request.length);
        if (tooLarge !== undefined) return subscriber.error(tooLarge);
        let gaveUp: 'answered' | 'no connection' | undefined;
        let unwatch: ((heard: Heard) => void) | undefined;
        let ended = false;
        const deadlineMs = Math.min(config.timeoutMillis + (silentHold === undefined ? 0 : holdSilentMs), MAX_DEADLINE_MS);
        call = clients.value.makeUnaryRequest<Buffer, Buffer>(EXPORT_PATH, identity, identity, request, callMetadata, { deadline: clock.now() + deadlineMs }, (err, response) => {
          // Given up at timeoutMs (the receiver answers, but not this call; or no connection): a deadline as before.
          const error = gaveUp === undefined ? err : {
            code: grpc.status.DEADLINE_EXCEEDED, metadata: new grpc.Metadata(),
            // grpc-js's own words for a call that never had a connection, which deliveryLog.ts explains.
            message: `${grpc.status.DEADLINE_EXCEEDED} DEADLINE_EXCEEDED: no answer in ${config.timeoutMillis} ms${gaveUp === 'answered' ? ' (the receiver answers others)' : ', Waiting for LB pick'}`,
          };
          ended = true;
          unwatch?.(heardFrom(error));
          // A probe already told whether the receiver answers: no second round of them.
          answers.sawCall(gaveUp === 'answered' ? 'answered' : heardFrom(error));
          if (error) {
            const failure = classifyExportFailure(error);
            const limit = sizeLimit.learn(failure);
            if (limit !== undefined) diag.warn(`chronoq: the receiver at ${target} refuses requests over ${limit} bytes (one of ${request.length} bytes, ${batch.length} samples, was refused): larger batches go in parts from now on; a smaller batch.maxSize sends them whole`);
            return subscriber.error(failure);
          }
          const { rejected, message } = readAnswer(response);
          if (rejected > 0) subscriber.next({ kind: 'rejected-samples', samples: batch, rejectedDataPoints: rejected, message });
          subscriber.complete();
        });
        if (!ended) unwatch = silentHold?.watch((why) => ((gaveUp = why), call?.cancel()));
      });
      return () => {
        cancelEncode();
        call?.cancel();
      };
    });

  let unidentifiedDeltas = 0;
  let deltasSaidAtMs = -Infinity;
  const send = narrowingDown(attempt, {
    isEncodeFailure: (e) => encodeFailures.has(e as object),
    encodeAlone: (sample) => void encodeBatch([sample], resource, opts.scope),
    onUnidentifiedDeltas: (count, message) => {
      // Said at the first, then at most once a minute with how many since (a backend rejecting one
      // series would otherwise say it every batch).
      unidentifiedDeltas += count;
      if (clock.now() - deltasSaidAtMs < UNIDENTIFIED_DELTAS_EVERY_MS) return;
      deltasSaidAtMs = clock.now();
      diag.error(`chronoq: the receiver at ${target} rejected ${unidentifiedDeltas} delta point(s) (partial success; the latest: ${message || 'no message'}); they are not identified, since sending the accepted deltas again to find them would count those twice, and count as delivered`);
      unidentifiedDeltas = 0;
    },
  });

  return {
    send,
    address: target,
    proxy,
    // Made when read (chronoq validate): TLS credentials build a secure context, work every start did for nothing.
    get effective() {
      const secure = credentials()._isSecure();
      return {
        dials: target, tls: secure, ...(secure ? { trusts: trustedCas(process.env, tls) } : {}), headers: Object.keys(callMetadata.getMap()),
        compression: config.compression === CompressionAlgorithm.GZIP ? 'gzip' as const : 'none' as const, timeoutMs: config.timeoutMillis,
        ...(proxy !== undefined ? { proxy: `${proxy.url} (${proxy.variable})` } : {}),
      };
    },
    reachable$,
    silent$: silent$.asObservable(),
    useHeaders: (next) => {
      // A new object: a call started before keeps the headers it was made with.
      callMetadata = withHeaders(callMetadata.clone(), next);
    },
    useTls: (next) => {
      credentials = () => sslCredentials(next);
      replaceClient(clients.value);
    },
    shutdown: () => {
      closed = true;
      answers.stop();
      silentHold?.stop();
      silent$.complete();
      encoder.close();
      clients.value.close();
      clients.complete();
    },
  };
};
