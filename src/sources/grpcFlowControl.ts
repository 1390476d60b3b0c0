/**
 * Wide HTTP/2 flow-control windows for the otlp source's gRPC server, so that an exporter's
 * requests come in in the order it sent them.
 *
 * An exporter sends its exports concurrently (the stock JS one up to 30 at a time), each a stream
 * on one HTTP/2 connection. With HTTP/2's default windows (64 KiB a connection and a stream), a
 * receiver that stops reading for a moment — a GC pause, a disk holding up the spool, a virtual
 * machine descheduled — leaves the requests sent meanwhile waiting in the sender for window, and
 * when it opens again the sender's HTTP/2 scheduler finishes them in its own order, not in the
 * order they were sent. Measured with a receiver stopped for 6 s under 20 apps exporting every
 * second (stock OTLPMetricExporter): requests of 200 points, 22 of 520 came in behind a newer one of
 * their app (up to 4 s behind); of 1 000 points, 68. With these windows, none: the requests
 * wait in the connection's byte stream, which keeps their order. The Collector's Go gRPC server
 * grows its windows to 16 MiB under load (its BDP estimate); grpc-js has no option for them.
 *
 * So they are set through two of grpc-js's internals: the HTTP/2 settings it creates its servers
 * with (the stream window, which the client may fill before the receiver reads) and the servers it
 * keeps (each new connection's window, raised by a WINDOW_UPDATE). Should a grpc-js release rename
 * them, `widenFlowControl` says so (false) and the server runs with the default windows, as before;
 * test/grpcRequestOrder.test.ts fails then.
 */
import type { EventEmitter } from 'node:events';
import type { Server } from '@grpc/grpc-js';

/** grpc-js's private members this relies on (1.14). */
interface GrpcServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  http2Servers?: Map<EventEmitter, unknown>;
}
interface WindowedSession {
  setLocalWindowSize(bytes: number): void;
}

/** The HTTP/2 servers a bound grpc-js server listens with (a private member), undefined when grpc-js keeps none by that name. */
export const grpcHttp2Servers = (server: Server): EventEmitter[] | undefined => {
  const { http2Servers } = server as unknown as GrpcServerInternals;
  return http2Servers instanceof Map ? [...http2Servers.keys()] : undefined;
};

/** The largest window HTTP/2 allows (2³¹ − 1). */
const MAX_WINDOW_BYTES = 2 ** 31 - 1;
/** A connection's window: room for many requests sent while the receiver does not read. */
const CONNECTION_WINDOW_BYTES = 64 * 2 ** 20;

/**
 * Before the server binds: each stream's window — a whole request of up to `maxRequestBytes`
 * (capped at HTTP/2's largest) — and, once bound (`afterBind`, called once), each connection's. False when
 * grpc-js does not have the members this reaches for: the defaults stay.
 */
export const widenFlowControl = (server: Server, maxRequestBytes: number): { readonly widened: boolean; afterBind(): void } => {
  const internals = server as unknown as GrpcServerInternals;
  const options = internals.commonServerOptions;
  if (options === undefined || typeof options !== 'object' || grpcHttp2Servers(server) === undefined) return { widened: false, afterBind: () => undefined };
  options.settings = { ...options.settings, initialWindowSize: Math.min(maxRequestBytes, MAX_WINDOW_BYTES) };
  return {
    widened: true,
    afterBind: () => {
      for (const http2Server of grpcHttp2Servers(server)!) {
        http2Server.on('session', (session: WindowedSession) => {
          try {
            session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
          } catch {
            // A session already closing: nothing to widen.
          }
        });
      }
    },
  };
};
