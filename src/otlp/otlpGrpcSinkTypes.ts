/** The OTLP/gRPC sink's options and what it gives (otlpGrpcSink.ts). */
import type { Observable } from 'rxjs';
import type { Attributes } from '../sample.js';
import type { Clock } from '../clock.js';
import type { ReachableNews } from '../breaker.js';
import type { SendBatch } from '../delivery.js';
import type { InstrumentationScopeInfo } from './toResourceMetrics.js';
import type { GrpcProxy } from './grpcProxy.js';
import type { SilentHoldEvent } from './silentHold.js';

export interface OtlpTlsOptions {
  /** PEM of the CA that signs the server certificate. */
  readonly ca?: string | Buffer;
  /** Client certificate chain and key (PEM), for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Plaintext (no TLS). */
  readonly insecure?: boolean;
}

export interface OtlpGrpcSinkOptions {
  /** `http://host:4317` (plaintext) or `https://host:4317`; default OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, else http://localhost:4317. */
  readonly endpoint?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly compression?: 'gzip' | 'none';
  /** Per attempt. Default OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT, else 10 000. */
  readonly timeoutMs?: number;
  readonly tls?: OtlpTlsOptions;
  /** The pipeline's resource, for samples that carry none. */
  readonly resource?: Attributes;
  readonly scope?: InstrumentationScopeInfo;
  /** Deadlines are computed on this clock. */
  readonly clock?: Clock;
  /**
   * Encode batches of 256 samples or more on a worker thread (offThreadEncoder.ts), off the
   * thread that runs the pipeline: for an application whose event loop the encoding would slow.
   * It costs 10–35 % more CPU in all and is no faster where the cores are already busy (a
   * 2-core machine with the collector beside it), so it is off unless asked for.
   */
  readonly encodeOffThread?: boolean;
  /**
   * A connection attempt still not established after this long is given up and a new one made
   * (stuckConnect.ts: grpc-js waits for ever on a receiver that accepts and never answers).
   * Default 20 000, the least gRPC's connection backoff spec allows; less than CONNECT_TIMEOUT_MIN_MS
   * is that (the config refuses it).
   */
  readonly connectTimeoutMs?: number;
  /**
   * While calls wait on a connection, it is pinged (HTTP/2 PING, gRPC keepalive) every this many
   * ms, and dropped when a ping is not answered within the same time: a connection whose receiver
   * vanished without a reset (a pod deleted in a rollout, a host lost, a NAT or proxy dropping the
   * flow) was used for good — every call and probe timed out on it while new connections reached
   * a live receiver. No pings on an idle connection (servers count those against the client:
   * gRPC's keepalive enforcement). Default 10 000; 0 turns it off; less than KEEPALIVE_MIN_MS is
   * that (the config refuses it).
   */
  readonly keepaliveMs?: number;
  /**
   * A call unanswered after timeoutMs is held up to this much longer while its receiver answers
   * nothing at all (a probe times out too: a hung process), instead of being given up and sent
   * again into the same connection, where the copy would be delivered a second time once the
   * receiver goes on (silentHold.ts). Default 60 000; 0 gives every call up at timeoutMs.
   */
  readonly holdSilentMs?: number;
}

/**
 * The least keepaliveMs: a ping unanswered for keepaliveMs drops the connection, and with 1 ms a
 * healthy collector's connection was dropped some 60 times in 40 s. gRPC's Go client takes no less
 * than 10 s.
 */
export const KEEPALIVE_MIN_MS = 1_000;

/**
 * The least connectTimeoutMs: a connection, its TLS handshake included, must have time to be made
 * — with 5 ms one to a TLS receiver on this machine never was ("Channel closed before call
 * started" at every attempt). gRPC's connection backoff spec asks for 20 s.
 */
export const CONNECT_TIMEOUT_MIN_MS = 1_000;

export interface OtlpGrpcSink {
  readonly send: SendBatch;
  /** host:port the sink talks to. */
  readonly address: string;
  /**
   * What it uses, its options over OTEL_EXPORTER_OTLP_[METRICS_]* over the defaults (for
   * `chronoq validate`): header names only, their values are not shown.
   */
  readonly effective: {
    readonly dials: string; readonly tls: boolean;
    /** With TLS, the CAs the receiver's certificate is verified against (envTlsFiles.ts trustedCas). */
    readonly trusts?: string;
    readonly headers: readonly string[]; readonly compression: 'gzip' | 'none'; readonly timeoutMs: number; readonly proxy?: string;
  };
  /** The HTTP proxy gRPC connects through (grpc_proxy, https_proxy or http_proxy, less no_proxy: grpcProxy.ts), if any. */
  readonly proxy: GrpcProxy | undefined;
  /**
   * Emits each time the receiver is back: `'connected'`, the connection to it is (re)established,
   * or `'answered'`, after a call timed out it answers again (a hung collector resumed;
   * answersAgain.ts). Give it to the breaker
   * (`reachable$.subscribe((news) => breaker.halfOpenNow(news))`, as the command
   * does) and delivery resumes within about a second of the receiver's return, instead of at the
   * breaker's next probe, up to maxHalfOpenAfterMs (a minute) later. While subscribed, a channel
   * gone idle is asked to connect, so the return is noticed without a call being made, and a
   * call that timed out is followed by empty requests (no data) until the receiver answers one.
   */
  readonly reachable$: Observable<ReachableNews>;
  /** When calls begin to be held for a receiver that answers nothing, and when it answers again (silentHold.ts). */
  readonly silent$: Observable<SilentHoldEvent>;
  /**
   * New TLS certificates (rotated files: src/otlp/tlsFilesWatch.ts): new connections use them
   * from now on — the current one is replaced — and calls in flight finish on theirs.
   */
  useTls(tls: Pick<OtlpTlsOptions, 'ca' | 'cert' | 'key'>): void;
  /**
   * New values for request headers (a rotated token: src/otlp/headerFilesWatch.ts), sent from
   * the next request on, over the ones given before; the others stay. Throws InvalidOptionError
   * for a header gRPC cannot send, as the `headers` option does.
   */
  useHeaders(headers: Readonly<Record<string, string>>): void;
  shutdown(): void;
}
