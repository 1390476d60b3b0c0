/**
 * What `chronoq run` lends an otlp source and hears from it (build.ts PartsHooks): refused points
 * counted as a bad line is, skipped staleness markers counted, the room a request needs, answers
 * counted for the self-metrics, and the lines it logs — where it listens, the first staleness
 * markers it skips, the first request of each kind it rejects (too large, malformed,
 * unauthenticated, a web page's preflight refused), when it begins and stops refusing requests for want of room, its TLS files
 * read again or not usable, its certificate near its end.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import type { Pipeline } from '../pipeline.js';
import type { Logger } from './log.js';
import type { PartsHooks } from './build.js';
import type { Readiness } from '../telemetry/readiness.js';
import type { RequestAnswer } from '../sources/otlpReceiverTypes.js';

type OtlpHooks = Pick<PartsHooks, 'onRefused' | 'onSkipped' | 'onRoom' | 'onAnswer' | 'onListening' | 'answerWhenSettled' | 'pushSourceHasRoom' | 'hasRoomFor' | 'onTlsEvent' | 'onTokenEvent'>;

/** What a request rejected for what it is was told, and what to do; undefined for the other answers. */
const rejection = (source: ResolvedConfig['sources'][number] | undefined, answer: RequestAnswer, protocol: 'grpc' | 'http', peer: string, detail: string | undefined): string | undefined => {
  const over = `${protocol === 'grpc' ? 'gRPC' : 'HTTP'} from ${peer}`;
  switch (answer) {
    case 'too-large':
      return `a request over OTLP/${over} larger than its maxRequestBytes${source?.type === 'otlp' ? ` (${source.maxRequestBytes})` : ''} was refused (${protocol === 'grpc' ? 'RESOURCE_EXHAUSTED' : '413'}), or one that inflates beyond it: raise maxRequestBytes, or have the sender export smaller batches`;
    case 'malformed':
      return `a request over OTLP/${over} that is no OTLP metrics request was refused (${protocol === 'grpc' ? 'INVALID_ARGUMENT' : '400, or 404/405/415 for another path, method or type'}): a sender of traces or logs, or not an OTLP exporter, is pointed at it`;
    case 'unauthenticated':
      return `a request over OTLP/${over} without the bearer token it asks for was refused (${protocol === 'grpc' ? 'UNAUTHENTICATED' : '401'}): give the sender the token (authorization: Bearer <token>)`;
    case 'cross-origin':
      return `a web page's CORS preflight over OTLP/${over} was refused, so its export fails: ${detail ?? 'its origin is not allowed'}`;
    default:
      return undefined;
  }
};

/** `readiness`: told to wait for every listener of every otlp source (/readyz says which it waits for). */
export const otlpSourceHooks = (c: ResolvedConfig, log: Logger, pipeline: () => Pipeline, noteInvalid: (line: string) => void, readiness?: Readiness): OtlpHooks => {
  /** Sources whose skipped staleness markers were said. */
  const skippedSaid = new Set<number>();
  /** `index answer` of the requests rejected that were said (the first of each). */
  const rejectionSaid = new Set<string>();
  const protocolName = (p: 'grpc' | 'http') => (p === 'grpc' ? 'gRPC' : 'HTTP');
  /** The start of each listener: `index protocol` → what says it listens. */
  const listened = new Map<string, () => void>();
  c.sources.forEach((s, index) => {
    if (s.type !== 'otlp' || readiness === undefined) return;
    for (const p of ['grpc', 'http'] as const) if (s.protocols[p] !== undefined) listened.set(`${index} ${p}`, readiness.awaiting(`source ${index} (otlp) to listen for OTLP/${protocolName(p)}`, { afterStart: true }));
  });
  return {
    // Points refused (told to the sender as partial success): counted as a bad line is, in and dead-lettered.
    onRefused: (_index, e) => {
      pipeline().stats.samplesIn++;
      pipeline().stats.deadLetters.invalid++;
      noteInvalid(`${e.source} request from ${e.peer}: ${e.reason}`);
    },
    // Staleness markers skipped (staleMarkers: skip): counted, and said once per source, with what it costs.
    onSkipped: (index, e) => {
      pipeline().stats.otlpStaleMarkersSkipped += e.count;
      if (!skippedSaid.has(index)) {
        skippedSaid.add(index);
        log('info', `source ${index} (otlp): points marking a series' end (staleness markers; ${e.count} in a request from ${e.peer}) are skipped, as its staleMarkers: skip asks — not carried (the official serializer writes no flags), so behind Prometheus such a series ends after its lookback (5 minutes), not at once; counted in chronoq_otlp_stale_markers_skipped_total`, { source: index, skipped: e.count });
      }
    },
    onRoom: (index, e) => (e.full
      ? log('warn', `source ${index} (otlp): no room for more samples (${c.spool ? 'the spool is 90 % full (spool.maxBytes) with what is on its way to it while delivery is stalled, or cannot be written and what waits for delivery in memory is at its limit' : 'the samples held in memory are at their limit, delivery.maxQueued + reorder.maxBuffered, and there is no spool to hold more'}): requests are refused as unavailable, for their senders to send again (a sender that does not retry — the OpenTelemetry JS gRPC exporter — drops them)`, { source: index })
      : log('info', `source ${index} (otlp): requests are taken again (${e.refused} refused meanwhile, sent again by the senders that retry)`, { source: index, refused: e.refused })),
    onAnswer: (index, answer, protocol, peer, detail) => {
      pipeline().stats.otlpRequests[answer]++;
      const why = rejection(c.sources[index], answer, protocol, peer, detail);
      if (why === undefined || rejectionSaid.has(`${index} ${answer}`)) return;
      rejectionSaid.add(`${index} ${answer}`);
      const fate = answer === 'cross-origin'
        ? "The page's exporter sees a network error, and what it sends again is refused the same way"
        : 'Its sender drops it (no OTLP exporter sends such a request again)';
      log('warn', `source ${index} (otlp): ${why}. ${fate}: its points never reach chronoq, so no dead letter holds them. Further ones are counted in the status line and chronoq_otlp_requests_total{answer="${answer}"}, not logged`, { source: index, answer, protocol, peer });
    },
    onListening: (index, e) => {
      listened.get(`${index} ${e.protocol}`)?.();
      log('info', `source ${index} (otlp): listening for OTLP/${protocolName(e.protocol)} on ${e.address}${e.protocol === 'http' ? ' (POST /v1/metrics)' : ''}`, { source: index, protocol: e.protocol, address: e.address });
    },
    onTlsEvent: (index, protocol, e) => {
      const listener = `source ${index} (otlp): its ${protocolName(protocol)} listener's`;
      const fields = { source: index, protocol };
      if (e.kind === 'reloaded') log('info', `${listener} TLS files changed (${e.changed.map((n) => (n === 'ca' ? 'clientCa' : n)).join(', ')}): new connections use them${e.certNotAfter === undefined ? '' : `; its certificate is valid until ${e.certNotAfter}`}`, fields);
      else if (e.kind === 'invalid') log('warn', `${listener} TLS files changed but cannot be used: ${e.problem}; the ones read before stay in use until they can`, fields);
      else if (e.expired) log('error', `${listener} certificate expired ${e.certNotAfter}: clients that check it refuse to connect; replace the files its tls.cert and tls.key name (read again when they change)`, fields);
      else log('warn', `${listener} certificate expires ${e.certNotAfter}, in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}: renew it (the new files are read when they change)`, fields);
    },
    onTokenEvent: (index, e) => (e.kind === 'reloaded'
      ? log('info', `source ${index} (otlp): its bearer token was read again (${e.files.join(', ')} changed): asked of requests from now on`, { source: index })
      : log('warn', `source ${index} (otlp): its bearer token's file changed but cannot be used: ${e.problem}; the token read before is still asked for`, { source: index })),
    // With a spool, a request is answered once its samples are in it: durable before the sender lets go.
    answerWhenSettled: c.spool !== undefined,
    // With a spool, room while the spool has (not only while delivery's queue has, as for a file).
    pushSourceHasRoom: () => pipeline().pushSourceHasRoom(),
    // Taken only when it fits whole: in the spool, or without one in memory.
    hasRoomFor: (n) => pipeline().pushSourceFits(n),
  };
};
