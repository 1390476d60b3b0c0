/** Resolved config → the running parts: sources, sink, dead-letter file, pipeline. */
import type { Observable } from 'rxjs';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Sample } from '../sample.js';
import type { Clock } from '../clock.js';
import { hostSamples } from '../sources/host.js';
import { ndjsonSamples, type InPlaceTruncation, type InvalidLine, type UnreadRest } from '../sources/ndjson.js';
import { syntheticSamples } from '../sources/synthetic.js';
import { otlpReceiverSamples, type ReceiverTls, type RefusedPoints, type RequestAnswer, type SkippedMarkers } from '../sources/otlpReceiver.js';
import { readFileSync } from 'node:fs';
import type { TlsFilesEvent } from '../otlp/tlsFilesWatch.js';
import type { HeaderFilesEvent } from '../otlp/headerFilesWatch.js';
import { receiverTlsFiles } from '../config/receiverFiles.js';
import { inTurn, oldestFirst } from '../sources/filesInTurn.js';
import { compressionOf } from '../sources/compressedFiles.js';
import { statIfThere } from '../fileIdentity.js';
import type { SourceConfig } from '../config/schema.js';
import { DeadLetterFile, type DeadLetterFileOptions } from '../deadletter/deadLetterFile.js';
import { FILE_CHECK_MS, createSink, type Sink } from '../sinks.js';
import type { RoomGate } from '../roomGate.js';
import { type Either, isLeft, right } from 'fp-ts/lib/Either.js';
import { type PositionFile, type PositionFileOptions, openPositionFile } from '../sources/positionFile.js';
import type { ResumeEvent } from '../sources/resumeFollowed.js';

const SYNTHETIC_SERIES = 10;
const SYNTHETIC_RATE = 1;

/**
 * A source as the start line names it. The synthetic source says its total rate: `ratePerSecond`
 * is per series, and 500 series at 5 000 made 2.5 M samples a second where 5 000 were meant.
 */
export const describeSource = (s: SourceConfig): string => {
  if (s.type === 'ndjson') return `ndjson ${s.path === '-' ? 'standard input' : s.path}`;
  if (s.type === 'host') return 'host';
  if (s.type === 'otlp') {
    const listener = (name: string, p: { endpoint?: string; tls?: { clientCa?: string }; cors?: { allowedOrigins: readonly string[] } } | undefined): string[] =>
      p === undefined ? [] : [`${name} ${p.endpoint ?? ''}${p.tls === undefined ? '' : p.tls.clientCa === undefined ? ' TLS' : ' mutual TLS'}${p.cors === undefined ? '' : ` CORS ${p.cors.allowedOrigins.join(' ')}`}`];
    return `otlp (${[...listener('gRPC', s.protocols.grpc), ...listener('HTTP', s.protocols.http)].join(', ')})`;
  }
  const series = s.series ?? SYNTHETIC_SERIES;
  const rate = s.ratePerSecond ?? SYNTHETIC_RATE;
  return `synthetic (${series} series × ${rate}/s = ${series * rate} samples/s)`;
};

export interface Parts {
  readonly sources: Observable<Sample>[];
  readonly sink: Sink;
  readonly deadLetterFile: DeadLetterFile;
  /** Per source, in `sources`' order: whether it stamps samples with this process's clock (not NDJSON files or the OTLP listener). */
  readonly stampedLocally: readonly boolean[];
  /** The order the NDJSON files are read in, as the start says it (readOrderLine), when there is one to keep. */
  readonly readOrder?: string;
}

/** What the command hears from the parts, and what it lends them. */
export interface PartsHooks {
  /** A line of an NDJSON source that is not a sample (already in the dead-letter file). */
  readonly onInvalid?: (e: InvalidLine) => void;
  /** The dead-letter file's trouble: letters it cannot write, a file rotation removes (telemetry/pipelineLog.ts). */
  readonly deadLetterFile?: Pick<DeadLetterFileOptions, 'onWriteError' | 'onWriteRecovered' | 'onRemove' | 'onRotateError'>;
  /** Back-pressure for the sources that can wait (NDJSON files and stdin). */
  readonly hasRoom?: RoomGate;
  /** An NDJSON source (index `source` in the config) stopped with part of its file unread. */
  readonly onUnread?: (source: number, e: UnreadRest) => void;
  /** The position files of followed NDJSON sources, opened, by their config path (`positionFile`). */
  readonly positionFiles?: ReadonlyMap<string, PositionFile>;
  /** A followed NDJSON source (index `source`) starts where an earlier run left it, or says why not. */
  readonly onResume?: (source: number, e: ResumeEvent) => void;
  /** A followed NDJSON source's file is not there yet: it is waited for. */
  readonly onMissing?: (source: number, path: string) => void;
  /** A followed NDJSON source's file was truncated in place (copytruncate) while it was read. */
  readonly onTruncatedInPlace?: (source: number, e: InPlaceTruncation) => void;
  /** A followed NDJSON source's next file (rotated) cannot be opened (`error`), or can now. */
  readonly onNextFileUnreadable?: (source: number, e: { readonly path: string; readonly error?: string }) => void;
  /** An otlp source refused points a sample cannot hold (already in the dead-letter file). */
  readonly onRefused?: (source: number, e: RefusedPoints) => void;
  /** Staleness markers an otlp source skipped (`staleMarkers: skip`). */
  readonly onSkipped?: (source: number, e: SkippedMarkers) => void;
  /** An otlp source began refusing requests for want of room, or takes them again. */
  readonly onRoom?: (source: number, e: { readonly full: boolean; readonly refused: number }) => void;
  /** Room for the sources that cannot wait (otlp; src/sourceRoom.ts pushSourceRoomGate); else `hasRoom`. */
  readonly pushSourceHasRoom?: RoomGate;
  /** Room for a request of an otlp source, taken whole (src/sourceRoom.ts fitsWithoutSpool). */
  readonly hasRoomFor?: (samples: number) => boolean;
  /** An otlp source's TLS files changed (used now), cannot be used, or its certificate nears its end. */
  readonly onTlsEvent?: (source: number, protocol: 'grpc' | 'http', e: TlsFilesEvent) => void;
  /** An otlp source's bearer token file changed: the token is read again, or cannot be. */
  readonly onTokenEvent?: (source: number, e: HeaderFilesEvent) => void;
  /** How often an otlp source's TLS and token files are looked at (default FILE_CHECK_MS, the sink's). */
  readonly fileCheckMs?: number;
  /** The environment the config was read with (a token template's `${VAR}`s). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** An otlp source answered a request. */
  readonly onAnswer?: (source: number, answer: RequestAnswer, protocol: 'grpc' | 'http', peer: string, detail?: string) => void;
  /** An otlp source listens. */
  readonly onListening?: (source: number, e: { readonly protocol: 'grpc' | 'http'; readonly address: string }) => void;
  /** An otlp source answers a request once its samples have settled (a spool makes them durable then). */
  readonly answerWhenSettled?: boolean;
}

/** The config's NDJSON files read once, in the order they are read (oldest first: filesInTurn.ts), and the followed ones. */
export const fileReadOrder = (c: ResolvedConfig): { once: { index: number; path: string }[]; followed: { index: number; path: string }[] } => {
  const readOnce = c.sources.flatMap((s, index) => (s.type === 'ndjson' && s.follow !== true && s.path !== '-' ? [{ index, path: s.path }] : []));
  return {
    once: readOnce.length > 1 ? oldestFirst(readOnce) : readOnce, // one needs no peek
    followed: c.sources.flatMap((s, index) => (s.type === 'ndjson' && s.follow === true ? [{ index, path: s.path }] : [])),
  };
};

/** The order the files are read in, as a line says it; undefined when there is none to keep (one file). */
export const readOrderLine = ({ once, followed }: ReturnType<typeof fileReadOrder>): string | undefined => {
  if (once.length === 0 || (once.length === 1 && followed.length === 0)) return undefined;
  const after = followed.length > 0 ? `; the followed file${followed.length > 1 ? 's' : ''} after ${once.length > 1 ? 'them' : 'it'}: ${followed.map((f) => f.path).join(', ')}` : '';
  return `the file${once.length > 1 ? 's' : ''} read once ${once.length > 1 ? 'are read one after another, oldest first (by their first sample)' : 'is read first'}: ${once.map((f) => f.path).join(', ')}${after}`;
};

/** A receiver's TLS files, read (checked at load: config/receiverFiles.ts). */
const readReceiverTls = (tls: { cert: string; key: string; clientCa?: string }): ReceiverTls => ({
  cert: readFileSync(tls.cert), key: readFileSync(tls.key), ...(tls.clientCa !== undefined ? { clientCa: readFileSync(tls.clientCa) } : {}),
});

export const buildParts = (c: ResolvedConfig, clock: Clock, hooks: PartsHooks = {}): Parts => {
  const { onInvalid, hasRoom, onUnread, positionFiles, onResume, onMissing, onTruncatedInPlace, onNextFileUnreadable } = hooks;
  const deadLetterFile = new DeadLetterFile(c.deadLetter.path, {
    ...c.deadLetter, ...hooks.deadLetterFile,
  });
  const sources = c.sources.map((s, index): Observable<Sample> => {
    switch (s.type) {
      case 'host':
        // The decoded keys are the source's options (an absent one is left to its default).
        return hostSamples({ clock, intervalMs: s.intervalMs, perCore: s.perCore, network: s.network, filesystem: s.filesystem, disk: s.disk, paging: s.paging, processes: s.processes, connections: s.connections, ...(s.rootPath !== undefined ? { rootPath: s.rootPath } : {}) });
      case 'ndjson': {
        const positionFile = s.positionFile === undefined ? undefined : positionFiles?.get(s.positionFile);
        return ndjsonSamples({
          path: s.path, ...(s.follow !== undefined ? { follow: s.follow } : {}), ...(s.pollMs !== undefined ? { pollMs: s.pollMs } : {}),
          ...(s.maxLineBytes !== undefined ? { maxLineBytes: s.maxLineBytes } : {}),
          ...(s.summaries !== undefined ? { summaries: s.summaries } : {}),
          ...(s.staleMarkers !== undefined ? { staleMarkers: s.staleMarkers } : {}),
          ...(hasRoom !== undefined ? { hasRoom } : {}),
          ...(onUnread !== undefined ? { onUnread: (e: UnreadRest) => onUnread(index, e) } : {}),
          ...(onMissing !== undefined ? { onMissing: (path: string) => onMissing(index, path) } : {}),
          ...(onTruncatedInPlace !== undefined ? { onTruncatedInPlace: (e: InPlaceTruncation) => onTruncatedInPlace(index, e) } : {}),
          ...(onNextFileUnreadable !== undefined ? { onNextFileUnreadable: (e: { path: string; error?: string }) => onNextFileUnreadable(index, e) } : {}),
          onInvalid: (e) => {
            deadLetterFile.append({ reason: 'invalid', item: e, detail: `${e.source} line ${e.line}: ${e.reason}`, atUnixMs: clock.now() });
            onInvalid?.(e);
          },
          ...(positionFile !== undefined ? { positions: { file: positionFile, ...(onResume ? { onResume: (e: ResumeEvent) => onResume(index, e) } : {}) } } : {}),
        });
      }
      case 'otlp':
        return otlpReceiverSamples({
          ...(s.protocols.grpc?.endpoint !== undefined ? { grpcEndpoint: s.protocols.grpc.endpoint } : {}),
          ...(s.protocols.http?.endpoint !== undefined ? { httpEndpoint: s.protocols.http.endpoint } : {}),
          ...(s.maxRequestBytes !== undefined ? { maxRequestBytes: s.maxRequestBytes } : {}),
          ...(s.summaries !== undefined ? { summaries: s.summaries } : {}),
          ...(s.staleMarkers !== undefined ? { staleMarkers: s.staleMarkers } : {}),
          ...(hooks.onSkipped !== undefined ? { onSkipped: (e: SkippedMarkers) => hooks.onSkipped!(index, e) } : {}),
          ...(s.bearerToken !== undefined ? { bearerToken: s.bearerToken } : {}),
          ...(s.bearerTokenTemplate !== undefined ? {
            bearerTokenWatch: {
              template: s.bearerTokenTemplate, everyMs: hooks.fileCheckMs ?? FILE_CHECK_MS, env: hooks.env ?? process.env, path: `config.sources[${index}].bearerToken`,
              ...(hooks.onTokenEvent !== undefined ? { onEvent: (e: HeaderFilesEvent) => hooks.onTokenEvent!(index, e) } : {}),
            },
          } : {}),
          ...(s.protocols.grpc?.tls !== undefined ? { grpcTls: readReceiverTls(s.protocols.grpc.tls) } : {}),
          ...(s.protocols.http?.tls !== undefined ? { httpTls: readReceiverTls(s.protocols.http.tls) } : {}),
          ...(s.protocols.http?.cors !== undefined ? { httpCors: s.protocols.http.cors } : {}),
          ...(hooks.pushSourceHasRoom !== undefined ? { hasRoom: hooks.pushSourceHasRoom } : hasRoom !== undefined ? { hasRoom } : {}),
          ...(hooks.hasRoomFor !== undefined ? { hasRoomFor: hooks.hasRoomFor } : {}),
          answerWhenSettled: hooks.answerWhenSettled === true,
          onRefused: (e) => {
            deadLetterFile.append({ reason: 'invalid', item: e, detail: `${e.source} request from ${e.peer}: ${e.reason}`, atUnixMs: clock.now() });
            hooks.onRefused?.(index, e);
          },
          ...(s.protocols.grpc?.tls !== undefined || s.protocols.http?.tls !== undefined ? {
            tlsWatch: {
              everyMs: hooks.fileCheckMs ?? FILE_CHECK_MS, now: () => clock.now(), files: receiverTlsFiles(s, index),
              ...(hooks.onTlsEvent !== undefined ? { onEvent: (protocol: 'grpc' | 'http', e: TlsFilesEvent) => hooks.onTlsEvent!(index, protocol, e) } : {}),
            },
          } : {}),
          ...(hooks.onAnswer !== undefined ? { onAnswer: (a: RequestAnswer, protocol: 'grpc' | 'http', peer: string, detail?: string) => hooks.onAnswer!(index, a, protocol, peer, detail) } : {}),
          ...(hooks.onRoom !== undefined ? { onRoom: (e: { full: boolean; refused: number }) => hooks.onRoom!(index, e) } : {}),
          ...(hooks.onListening !== undefined ? { onListening: (e: { protocol: 'grpc' | 'http'; address: string }) => hooks.onListening!(index, e) } : {}),
        });
      case 'synthetic':
        return syntheticSamples({
          clock, series: s.series ?? SYNTHETIC_SERIES, ratePerSecond: s.ratePerSecond ?? SYNTHETIC_RATE,
          ...(s.count !== undefined ? { count: s.count } : {}), ...(s.disorderMs !== undefined ? { disorderMs: s.disorderMs } : {}),
          ...(s.valuePattern !== undefined ? { valuePattern: s.valuePattern } : {}), ...(s.name !== undefined ? { name: s.name } : {}),
        });
    }
  });
  // NDJSON files read once go one after another, oldest first, and followed files after them: read
  // at once, the files of one series' history made the older one's samples late (filesInTurn.ts).
  const { once, followed } = fileReadOrder(c);
  const readOrder = readOrderLine({ once, followed });
  if (readOrder !== undefined) {
    const notReached = ({ index, path }: { index: number; path: string }): void => {
      const compression = compressionOf(path);
      onUnread?.(index, { source: path, linesRead: 0, unreadBytes: statIfThere(path)?.size ?? 0, ...(compression ? { compression } : {}) });
    };
    const turns = inTurn(once.map((f) => sources[f.index]!), (k) => notReached(once[k]!));
    turns.gated.forEach((gated, k) => (sources[once[k]!.index] = gated));
    for (const f of followed) sources[f.index] = turns.after(sources[f.index]!, () => notReached(f));
  }
  return {
    sources, sink: createSink(c.sink, c.resource, clock), deadLetterFile, stampedLocally: c.sources.map(stampedHere),
    ...(readOrder !== undefined ? { readOrder } : {}),
  };
};

/**
 * Whether a source's samples are stamped by this machine's clock, so that a step of it is corrected
 * in them (detectClockSkew's `stampedLocally`): the host and synthetic sources' are; a file's and
 * an OTLP listener's come stamped by their writers' clocks — unless the source says its writers
 * share this machine's (`stampedLocally: true`: a local agent, a log written as it happens by a
 * process here; the applications' points after a step back were all dead letters `late`, 19 of
 * 48 in test/mixedStamps.test.ts).
 */
const stampedHere = (s: ResolvedConfig['sources'][number]): boolean => (s.type === 'otlp' || s.type === 'ndjson' ? s.stampedLocally === true : true);

/**
 * The position files the config's followed NDJSON sources name (`positionFile`), opened — one for
 * every distinct path, shared by the sources that name it — or what is wrong with one.
 */
export const openPositionFiles = (c: ResolvedConfig, opts: PositionFileOptions): Either<string, Map<string, PositionFile>> => {
  const files = new Map<string, PositionFile>();
  for (const s of c.sources) {
    if (s.type !== 'ndjson' || s.positionFile === undefined || files.has(s.positionFile)) continue;
    const opened = openPositionFile(s.positionFile, opts);
    if (isLeft(opened)) return opened;
    files.set(s.positionFile, opened.right);
  }
  return right(files);
};
