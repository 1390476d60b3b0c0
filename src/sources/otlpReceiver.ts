/**
 * The `otlp` source: chronoq as an OTLP receiver — OTLP/gRPC and OTLP/HTTP (protobuf or JSON), as
 * the Collector's otlp receiver takes them — so that an application in any language (its SDK's
 * stock OTLP exporter pointed at chronoq) or a Collector hands its metrics to chronoq, which keeps
 * their times and order through outages (spool, retries) and accounts for each one.
 *
 * What a request is answered:
 * - taken: success, with OTLP partial success naming how many points were refused and why (a
 *   point a sample cannot hold: each such refusal is also a dead letter `invalid`); without a
 *   spool at once, with a spool once its samples have settled — written to the spool (durable:
 *   a kill -9 after the answer loses nothing), delivered or dead-lettered — or, at the latest,
 *   after `settleWaitMs` (the spool failing to write, say), so that the exporter's deadline
 *   (10 s by default) does not pass and make it send the request again;
 * - no room (delivery's queue full and no spool, or the spool full): gRPC UNAVAILABLE / HTTP 503
 *   with Retry-After, which OTLP exporters retry (not the JS gRPC one, which drops the export) — the request stays with the sender,
 *   nothing of it is taken;
 * - not an OTLP metrics request: INVALID_ARGUMENT / HTTP 400, not retried.
 *
 * ```
 * exporter:  --R1------R2----------R3--
 * room:      yes       yes  no     yes
 * samples:   --abc-----de----------fg--   (R2's answer waits for d and e to settle, with a spool)
 * answers:   --ok------ok---UNAVAIL-ok--
 * ```
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { Sample } from '../sample.js';
import type { DeadLetter } from '../routed.js';
import type { RoomGate } from '../roomGate.js';
import type { StaleMarkerPolicy } from '../otlpJson.js';
import type { SummaryPolicy } from '../otlpSummaries.js';
import { serveOtlpGrpc } from './otlpGrpcServer.js';
import { type Listener, type ReceiverTls, type RequestAnswer, type TakeRequest, type Taken, SETTLE_WAIT_MS } from './otlpReceiverTypes.js';
import { type TlsFilesEvent, watchTlsFiles } from '../otlp/tlsFilesWatch.js';
import { type HeaderFilesEvent, watchHeaderFiles } from '../otlp/headerFilesWatch.js';
import type { TlsFileSettings, TlsFiles } from '../config/files.js';

export type { ReceiverTls, RequestAnswer } from './otlpReceiverTypes.js';
import { serveOtlpHttp } from './otlpHttpServer.js';
import { type CorsOptions, corsPolicy } from './corsPolicy.js';

export interface OtlpReceiverOptions {
  /** host:port for OTLP/gRPC (the Collector's default is localhost:4317). */
  readonly grpcEndpoint?: string;
  /** host:port for OTLP/HTTP, POST /v1/metrics (the Collector's default is localhost:4318). */
  readonly httpEndpoint?: string;
  /** TLS for the gRPC listener (else plaintext). */
  readonly grpcTls?: ReceiverTls;
  /** TLS for the HTTP listener (HTTPS; else plaintext). */
  readonly httpTls?: ReceiverTls;
  /** Which web pages may post to the HTTP listener (CORS, corsPolicy.ts); without it, none. */
  readonly httpCors?: CorsOptions;
  /**
   * The TLS files to watch (each protocol's, with how problems name them): looked at every
   * `everyMs`, and a consistent new set is used for new connections — a certificate renewed under
   * a running chronoq (cert-manager) was served expired until a restart. `onEvent` hears each
   * reload, a set caught half-rotated (kept out of use) and a certificate near its end.
   */
  readonly tlsWatch?: {
    readonly everyMs: number;
    readonly now: () => number;
    readonly files: Partial<Record<'grpc' | 'http', { readonly files: TlsFiles; readonly settings: TlsFileSettings }>>;
    readonly onEvent?: (protocol: 'grpc' | 'http', e: TlsFilesEvent) => void;
  };
  /** Requests must carry `authorization: Bearer <this>` (else gRPC UNAUTHENTICATED, HTTP 401). */
  readonly bearerToken?: string;
  /**
   * The bearer token as written when it reads a file (`${file:/run/secrets/otlp-token}`): read
   * again when the file changes (otlp/headerFilesWatch.ts, as the sink's header files), so that a
   * rotated secret is asked for from then on — the token read at start was asked for until a
   * restart, and senders given the new one were refused (UNAUTHENTICATED, which they do not retry).
   */
  readonly bearerTokenWatch?: {
    readonly template: string;
    readonly everyMs: number;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Where problems say the token is set. */
    readonly path: string;
    readonly onEvent?: (e: HeaderFilesEvent) => void;
  };
  /**
   * What becomes of summary metrics (a Collector scraping Prometheus targets passes them on): each
   * point refused (default), or sent on as gauges named as Prometheus names a summary's series
   * (otlpSummaries.ts).
   */
  readonly summaries?: SummaryPolicy;
  /**
   * What becomes of points marking a series' end (staleness markers: the Collector's Prometheus
   * receiver sends one per series of a target that stopped answering): each refused (default), or
   * skipped — not carried, since the official serializer writes no flags — and heard by `onSkipped`.
   */
  readonly staleMarkers?: StaleMarkerPolicy;
  /** Staleness markers skipped in a request (`staleMarkers: 'skip'`), with the sender's address. */
  readonly onSkipped?: (e: SkippedMarkers) => void;
  /** A request larger than this is refused (gRPC RESOURCE_EXHAUSTED, HTTP 413). Default 16 MiB. */
  readonly maxRequestBytes?: number;
  /** Room for more samples: without it a request is answered "unavailable, retry". */
  readonly hasRoom?: RoomGate;
  /** Room for a request of this many samples, taken whole (asked once it is read); without it, "unavailable, retry" too. */
  readonly hasRoomFor?: (samples: number) => boolean;
  /** Answer once the request's samples have settled (with a spool: durable), not at once. */
  readonly answerWhenSettled?: boolean;
  /** The longest an answer waits for its samples to settle. Default 5 000. */
  readonly settleWaitMs?: number;
  /** A refusal of points a sample cannot hold (dead letter `invalid`), with the sender's address. */
  readonly onRefused?: (e: RefusedPoints) => void;
  /**
   * Requests began to be refused for want of room (`true`: the senders are told to retry later and
   * keep their points) or are taken again (`false`): said once each way, as the senders alone saw it.
   */
  readonly onRoom?: (e: { readonly full: boolean; readonly refused: number }) => void;
  /** Each request's answer, by protocol (self-metrics: chronoq_otlp_requests_total); `detail`: why a preflight was refused. */
  readonly onAnswer?: (answer: RequestAnswer, protocol: 'grpc' | 'http', peer: string, detail?: string) => void;
  /** A server listens (its port when 0 was asked). */
  readonly onListening?: (e: { readonly protocol: 'grpc' | 'http'; readonly address: string }) => void;
  readonly scheduler?: SchedulerLike;
}

export interface RefusedPoints {
  readonly source: string;
  readonly peer: string;
  readonly reason: string;
}

/** Staleness markers skipped in one request. */
export interface SkippedMarkers {
  readonly source: string;
  readonly peer: string;
  readonly count: number;
}

const TICKET = Symbol('chronoq.receivedTicket');
interface Ticket {
  left: number;
  /** Its samples that became dead letters before the answer, and the first detail of each reason. */
  rejected: number;
  readonly reasons: Map<string, string>;
  readonly done: () => void;
}
type Ticketed = Sample & { [TICKET]?: Ticket };

/**
 * A sample has settled (delivered, dead-lettered, spooled): the request it came in may be answered.
 * One that became a dead letter before the answer (`late`, `overflow` …) is told to its sender as
 * rejected, with the reason, in the answer's partial success, rather than answered as taken with no
 * word of it. (The dead letter keeps it, for a replay; a rejected point is not sent again by its
 * sender.)
 */
export const settleReceived = (s: Sample, deadLetter?: Pick<DeadLetter<Sample>, 'reason' | 'detail'>): void => {
  const t = (s as Ticketed)[TICKET];
  if (t === undefined) return;
  (s as { [TICKET]?: Ticket })[TICKET] = undefined;
  if (deadLetter !== undefined) {
    t.rejected++;
    if (!t.reasons.has(deadLetter.reason)) t.reasons.set(deadLetter.reason, deadLetter.detail);
  }
  if (--t.left === 0) t.done();
};

/** The answer of a request some of whose samples became dead letters before it: their count and reasons added. */
const withDeadLetters = (answer: { readonly rejected: number; readonly message: string }, t: Ticket): Taken => {
  if (t.rejected === 0) return { kind: 'taken', ...answer };
  const said = [...t.reasons].map(([reason, detail]) => `dead letter ${reason}: ${detail}`).join('; ');
  const message = `${t.rejected} point(s) taken and not delivered, kept as chronoq dead letters (${said})`;
  return { kind: 'taken', rejected: answer.rejected + t.rejected, message: answer.message === '' ? message : `${answer.message}; ${message}` };
};

/** At most this many refusal reasons in an answer's message; the rest counted. */
const REASONS_SAID = 3;
const refusalMessage = (reasons: readonly string[]): string =>
  reasons.length <= REASONS_SAID ? reasons.join('; ') : `${reasons.slice(0, REASONS_SAID).join('; ')}; and ${reasons.length - REASONS_SAID} more`;

/** Whether an `authorization` header is `Bearer <token>` (compared in constant time). */
const bearerCheck = (token: string) => {
  const expected = createHash('sha256').update(token).digest();
  return (authorization: string | undefined): boolean => {
    const m = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
    return m !== null && timingSafeEqual(createHash('sha256').update(m[1]!).digest(), expected);
  };
};

export const otlpReceiverSamples = (opts: OtlpReceiverOptions): Observable<Sample> =>
  new Observable<Sample>((subscriber) => {
    const scheduler = opts.scheduler ?? asyncScheduler;
    const waiting = new Set<() => void>();
    let closed = false;
    // Requests refused for want of room in the current episode (undefined: none is going on).
    let refusedForRoom: number | undefined;
    const refuseForRoom = (): true => {
      if (refusedForRoom === undefined) opts.onRoom?.({ full: true, refused: 0 });
      refusedForRoom = (refusedForRoom ?? 0) + 1;
      return true;
    };
    // Asked before a request is read (the servers' noRoom) and again once it is.
    const noRoomNow = (): boolean => closed || (opts.hasRoom !== undefined && !opts.hasRoom() && refuseForRoom());
    const full = (): Promise<Taken> => Promise.resolve({ kind: 'full' });
    const take: TakeRequest = (read, peer, protocol) => {
      if (noRoomNow()) return full();
      const { samples, refused, pointsTaken, pointsSkipped, points } = read;
      if (opts.hasRoomFor !== undefined && !opts.hasRoomFor(samples.length)) return refuseForRoom() && full();
      if (refusedForRoom !== undefined) opts.onRoom?.({ full: false, refused: refusedForRoom });
      refusedForRoom = undefined;
      const source = `otlp ${protocol}`;
      for (const reason of refused) opts.onRefused?.({ source, peer, reason });
      if (pointsSkipped > 0) opts.onSkipped?.({ source, peer, count: pointsSkipped });
      const rejected = points - pointsTaken - pointsSkipped;
      const answer: Taken = { kind: 'taken', rejected, message: refusalMessage(refused) };
      if (opts.answerWhenSettled !== true || samples.length === 0) {
        for (const s of samples) subscriber.next(s);
        return Promise.resolve(answer);
      }
      return new Promise<Taken>((resolve) => {
        const done = (): void => {
          if (!waiting.delete(done)) return;
          timer.unsubscribe();
          resolve(withDeadLetters(answer, ticket));
        };
        const timer = scheduler.schedule(done, opts.settleWaitMs ?? SETTLE_WAIT_MS);
        waiting.add(done);
        const ticket: Ticket = { left: samples.length, rejected: 0, reasons: new Map(), done };
        for (const s of samples) (s as Ticketed)[TICKET] = ticket;
        for (const s of samples) subscriber.next(s);
      });
    };
    const fail = (e: unknown): void => subscriber.error(e);
    const read = { summaries: opts.summaries ?? 'refuse', staleMarkers: opts.staleMarkers ?? 'refuse' } as const;
    let expected = opts.bearerToken === undefined ? undefined : bearerCheck(opts.bearerToken);
    const authorized = expected === undefined ? undefined : (authorization: string | undefined): boolean => expected!(authorization);
    const tokenWatch = opts.bearerTokenWatch === undefined || opts.bearerToken === undefined ? undefined : watchHeaderFiles({ bearerToken: opts.bearerTokenWatch.template }, {
      everyMs: opts.bearerTokenWatch.everyMs, env: opts.bearerTokenWatch.env, inUse: { bearerToken: opts.bearerToken },
      pathOf: () => opts.bearerTokenWatch!.path,
      onReload: (values) => void (values['bearerToken'] !== undefined && (expected = bearerCheck(values['bearerToken']))),
      ...(opts.bearerTokenWatch.onEvent !== undefined ? { onEvent: opts.bearerTokenWatch.onEvent } : {}),
    });
    const listeners: Partial<Record<'grpc' | 'http', Listener>> = {
      ...(opts.grpcEndpoint !== undefined ? { grpc: serveOtlpGrpc(opts.grpcEndpoint, take, { noRoom: noRoomNow, read, maxRequestBytes: opts.maxRequestBytes, tls: opts.grpcTls, authorized, onAnswer: opts.onAnswer, onListening: opts.onListening, onError: fail }) } : {}),
      ...(opts.httpEndpoint !== undefined ? { http: serveOtlpHttp(opts.httpEndpoint, take, {
        noRoom: noRoomNow, read, maxRequestBytes: opts.maxRequestBytes, tls: opts.httpTls, authorized, onAnswer: opts.onAnswer, onListening: opts.onListening, onError: fail,
        cors: opts.httpCors === undefined ? undefined : corsPolicy(opts.httpCors, authorized !== undefined),
      }) } : {}),
    };
    const servers = Object.values(listeners);
    const watch = opts.tlsWatch;
    const watches = watch === undefined ? [] : (['grpc', 'http'] as const).flatMap((protocol) => {
      const named = watch.files[protocol];
      const listener = listeners[protocol];
      if (named === undefined || listener === undefined) return [];
      return [watchTlsFiles(named.files, {
        everyMs: watch.everyMs, now: watch.now, settings: named.settings,
        onReload: (t) => t.cert !== undefined && t.key !== undefined && listener.useTls({ cert: t.cert, key: t.key, ...(t.ca !== undefined ? { clientCa: t.ca } : {}) }),
        onEvent: (e) => watch.onEvent?.(protocol, e),
      })];
    });
    return () => {
      closed = true;
      // What was taken is in the pipeline, which settles it at its shutdown (spool or dead letters): answered.
      for (const done of [...waiting]) done();
      for (const w of watches) w.cancel();
      tokenWatch?.cancel();
      for (const server of servers) server.close();
    };
  });
