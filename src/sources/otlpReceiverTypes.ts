/**
 * What the otlp source (otlpReceiver.ts) and its servers (otlpGrpcServer.ts, otlpHttpServer.ts)
 * share: how a request was taken, the listeners' options, and the limits the config names.
 */
import type { ReadRequest } from './requestReader.js';
import type { OtlpReadOptions } from '../otlpJson.js';
import type { CorsPolicy } from './corsPolicy.js';

/** A listener's certificate and key (PEM), and the CA its clients' certificates must come from (mutual TLS). */
export interface ReceiverTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
}

/** A listener whose TLS can be replaced while it serves (new connections use the new files). */
export interface Listener {
  close(): void;
  useTls(tls: ReceiverTls): void;
}

/** How a request was taken: its refused points and their reasons, or that there was no room. */
export type Taken = { readonly kind: 'taken'; readonly rejected: number; readonly message: string } | { readonly kind: 'full' };

/** What a server calls with a request it read (an OTLP metrics request, read with the source's options). */
export type TakeRequest = (read: ReadRequest, peer: string, protocol: 'grpc' | 'http') => Promise<Taken>;

/** A sender's address and port as a request's `peer` (the form grpc-js's getPeer gives), from its connection's socket. */
export const peerOf = (socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | undefined): string =>
  `${socket?.remoteAddress ?? ''}:${socket?.remotePort ?? ''}`;

/**
 * How a request was answered: taken whole, taken with points refused (partial success), refused
 * for want of room (the sender retries), not an OTLP metrics request (or a path or type a
 * receiver does not serve), too large, or without the bearer token asked for; or, over HTTP, no
 * export at all (`probe`: a GET or HEAD — a load balancer's or Kubernetes' health check, a
 * scanner — answered 404, 405 or 401 as ever, but nothing a sender lost: counted apart,
 * so that it neither fills the status line's refusals nor fires the rejected-requests alert);
 * a browser's CORS preflight let through (`preflight`: no export, the POST after it is counted)
 * or refused (`cross-origin`: the page's export fails, its origin or a header it sends not allowed).
 */
export type RequestAnswer = 'taken' | 'partial' | 'no-room' | 'malformed' | 'too-large' | 'unauthenticated' | 'probe' | 'preflight' | 'cross-origin';
/** The answer a take gives. */
export const answerOf = (t: Taken): RequestAnswer => (t.kind === 'full' ? 'no-room' : t.rejected > 0 ? 'partial' : 'taken');

export interface OtlpServerOptions {
  /**
   * No room for any request now: it is refused (gRPC UNAVAILABLE, HTTP 503) before it is decoded,
   * an HTTP body before it is decompressed too (grpc-js hands a gRPC one over decompressed). The
   * senders of a full gateway retry, and decoding each retry only to refuse it (~0.4 µs a point)
   * took the CPU that delivery needed to make room. The source counts the refusal; `TakeRequest`
   * asks again once the request is read (HTTP reads it later).
   */
  readonly noRoom: () => boolean;
  /** How requests are read: summaries and staleness markers taken or refused. */
  readonly read: OtlpReadOptions;
  /** Whether a request's `authorization` header lets it in (undefined: every request). */
  readonly authorized: ((authorization: string | undefined) => boolean) | undefined;
  /** Each request's answer (for counting); `peer`: the sender's address and port; `detail`: why a preflight was refused. */
  readonly onAnswer: ((answer: RequestAnswer, protocol: 'grpc' | 'http', peer: string, detail?: string) => void) | undefined;
  /** CORS (HTTP only): which pages may post; undefined: none. */
  readonly cors?: CorsPolicy | undefined;
  readonly maxRequestBytes: number | undefined;
  /** TLS (mutual with a clientCa); plaintext without. */
  readonly tls: ReceiverTls | undefined;
  readonly onListening: ((e: { readonly protocol: 'grpc' | 'http'; readonly address: string }) => void) | undefined;
  /** The server could not listen (the port in use, say). */
  readonly onError: (e: unknown) => void;
}

/** A larger request is refused (gRPC RESOURCE_EXHAUSTED, HTTP 413). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** What a request refused for want of room is told (gRPC UNAVAILABLE, HTTP 503): the sender keeps it and retries. */
export const NO_ROOM_MESSAGE = 'chronoq has no room for more samples now (what waits for delivery is at its limit, or chronoq is stopping): retry later';

/** The longest an answer waits for its samples to settle, by default. */
export const SETTLE_WAIT_MS = 5_000;

/** The address a server listens on, as a grpc-js endpoint or a Node host and port: `host:port`, `[v6]:port`. */
export const splitEndpoint = (endpoint: string): { host: string; port: number } => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(endpoint.trim());
  return { host: m?.[1] ?? m?.[2] ?? '', port: Number(m?.[3] ?? Number.NaN) };
};

/** splitEndpoint's inverse: `host:port`, an IPv6 host in brackets. */
export const joinEndpoint = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** What a request without the bearer token is told (gRPC UNAUTHENTICATED, HTTP 401). */
export const UNAUTHENTICATED_MESSAGE = 'this receiver takes requests with its bearer token only: authorization: Bearer <token> (the otlp source\'s bearerToken)';
