/**
 * The otlp source's gRPC requests that grpc-js refuses as too large, counted.
 *
 * A request larger than maxRequestBytes, or one whose gzip or deflate body would inflate beyond it,
 * is refused by grpc-js itself: it reads the message's length prefix (or inflates the body), sends
 * RESOURCE_EXHAUSTED and never calls the service's handler — the handler that counts every other
 * answer (otlpGrpcServer.ts). So `chronoq_otlp_requests_total{answer="too-large"}` stayed 0 for
 * gRPC while such senders lost their exports (RESOURCE_EXHAUSTED without RetryInfo is not retried
 * by OTLP exporters). HTTP's 413 is counted where it is answered.
 *
 * Counted from the HTTP/2 stream instead: when a stream of the Export method closes, the
 * grpc-status it was answered with — in its trailers, or in the headers of a trailers-only answer
 * — is read back (Node's `sentTrailers` / `sentHeaders`). The handler never answers
 * RESOURCE_EXHAUSTED, so that status is grpc-js's refusal. This reaches the HTTP/2 servers grpc-js
 * keeps (grpcFlowControl.ts); should a release rename them, `countTooLarge` says so (false) and
 * gRPC's too-large answers go uncounted, as before; test/otlpReceiver.test.ts fails then.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { type Server, status } from '@grpc/grpc-js';
import { grpcHttp2Servers } from './grpcFlowControl.js';
import { peerOf } from './otlpReceiverTypes.js';

/** What this reads of a Node HTTP/2 server stream. */
interface AnsweredStream extends EventEmitter {
  readonly sentHeaders?: OutgoingHttpHeaders;
  readonly sentTrailers?: OutgoingHttpHeaders;
  readonly session?: { readonly socket?: { readonly remoteAddress?: string; readonly remotePort?: number } };
}

/** The grpc-status a closed stream was answered with; undefined when it was not (cancelled, reset). */
const answeredStatus = (stream: AnsweredStream): number | undefined => {
  const sent = stream.sentTrailers?.['grpc-status'] ?? stream.sentHeaders?.['grpc-status'];
  return sent === undefined ? undefined : Number(sent);
};

/**
 * After the server is bound: `onTooLarge` is called once for each call of `path` grpc-js answered
 * RESOURCE_EXHAUSTED, with its sender's address. False when grpc-js keeps no HTTP/2 servers this can see.
 */
export const countTooLarge = (server: Server, path: string, onTooLarge: (peer: string) => void): boolean => {
  const http2Servers = grpcHttp2Servers(server);
  if (http2Servers === undefined) return false;
  for (const http2Server of http2Servers) {
    http2Server.on('stream', (stream: AnsweredStream, headers: IncomingHttpHeaders) => {
      if (headers[':path'] !== path) return;
      const peer = peerOf(stream.session?.socket); // read now: the session may be gone at the close
      stream.once('close', () => {
        if (answeredStatus(stream) === status.RESOURCE_EXHAUSTED) onTooLarge(peer);
      });
    });
  }
  return true;
};
