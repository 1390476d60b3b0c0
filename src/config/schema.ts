/**
 * The config file's shape (YAML), as io-ts codecs over the options of DESIGN.md. Every object is
 * closed: an unknown key is an error with a suggestion. Defaults are applied in resolve.ts.
 */
import * as t from 'io-ts';
import { COLLECTOR_HOST_KEYS, COLLECTOR_SINK_KEYS, COLLECTOR_TLS_KEYS } from './collectorKeys.js';
import { OtlpSourceCodec } from './receiverCodecs.js';
import {
  closed, tagged, oneOf, stringMap, PositiveInt, NonNegativeInt, PositiveNumber, NonNegativeNumber, Multiplier,
  MsOrInfinite, CountOrInfinite, CountUpTo, Port, NonEmptyString, Bool, AttrValueCodec, HeadersCodec, EndpointCodec, KeepaliveMs, ConnectTimeoutMs,
} from './codecs.js';

export const HostSourceCodec = closed('host source', { type: oneOf('host') }, { intervalMs: PositiveInt, perCore: Bool, network: Bool, filesystem: Bool, disk: Bool, paging: Bool, processes: Bool, connections: Bool, rootPath: NonEmptyString }, COLLECTOR_HOST_KEYS);
export const NdjsonSourceCodec = closed('ndjson source', { type: oneOf('ndjson'), path: NonEmptyString }, { follow: Bool, pollMs: PositiveInt, positionFile: NonEmptyString, maxLineBytes: PositiveInt, summaries: oneOf('refuse', 'gauges'), staleMarkers: oneOf('refuse', 'skip'), stampedLocally: Bool });
export const SyntheticSourceCodec = closed('synthetic source', { type: oneOf('synthetic') }, {
  series: CountUpTo(1_000_000, 'series made up front'), ratePerSecond: PositiveNumber, disorderMs: NonNegativeNumber, count: PositiveInt,
  valuePattern: oneOf('sequence', 'sine', 'random'), name: NonEmptyString,
});
export const SourceCodec = tagged('source', { host: HostSourceCodec, ndjson: NdjsonSourceCodec, synthetic: SyntheticSourceCodec, otlp: OtlpSourceCodec });
const SourceListCodec = t.array(SourceCodec, 'a list of sources');
/**
 * The sources, with at most one host source. A second one sends every host series again (CPU,
 * memory, load, uptime and process metrics have no option to leave them out): each point twice,
 * with start times a few milliseconds apart — and with `perCore` set differently, the CPU states
 * both per CPU and for the machine, so a sum over CPUs counted the machine twice. It was taken
 * without a word.
 */
const SourcesCodec = new t.Type<t.TypeOf<typeof SourceListCodec>, t.TypeOf<typeof SourceListCodec>, unknown>(SourceListCodec.name, SourceListCodec.is, (u, c) => {
  const decoded = SourceListCodec.validate(u, c);
  if (decoded._tag === 'Left') return decoded;
  const hosts = decoded.right.flatMap((s, i) => (s.type === 'host' ? [i] : []));
  if (hosts.length < 2) return decoded;
  const at = hosts[1]!;
  const wording = {
    expected: `no second host source (sources[${hosts[0]}] is one): a second sends every host series again, each point twice`,
    found: 'another host source',
    suggestion: 'keep one host source with the options of both: its intervalMs applies to every metric, and filesystem, disk, network, connections, paging and processes can each be left out',
  };
  const second = (u as unknown[])[at];
  return t.failure(second, [...c, { key: String(at), type: HostSourceCodec, actual: second }], JSON.stringify(wording));
}, t.identity);

export const SkewCodec = closed('skew', {}, {
  policy: oneOf('correct', 'dead-letter', 'pass'), maxFutureMs: MsOrInfinite, maxPastMs: MsOrInfinite,
  stepThresholdMs: PositiveNumber, sourceAttribute: NonEmptyString, sourceOffsetThresholdMs: PositiveNumber, maxSlewPpm: PositiveNumber,
  forwardSteps: oneOf('slew', 'follow'), restartFrom: oneOf('spool', 'clock'),
});
export const ReorderCodec = closed('reorder', {}, { maxDelayMs: NonNegativeNumber, order: oneOf('series', 'global'), maxBuffered: PositiveInt, forgetSeriesAfterMs: MsOrInfinite, maxSeries: CountOrInfinite });
export const BatchCodec = closed('batch', {}, { maxSize: PositiveInt, maxDelayMs: NonNegativeNumber });
export const RetryCodec = closed('retry', {}, {
  initialDelayMs: NonNegativeNumber, maxDelayMs: NonNegativeNumber, multiplier: Multiplier,
  jitter: oneOf('full', 'equal', 'decorrelated', 'none'), maxAttempts: CountOrInfinite, maxElapsedMs: MsOrInfinite,
});
export const BreakerCodec = closed('breaker', {}, { failureThreshold: PositiveInt, halfOpenAfterMs: PositiveNumber, maxHalfOpenAfterMs: PositiveNumber });
export const DeliveryCodec = closed('delivery', {}, {
  guarantee: oneOf('at-least-once', 'at-most-once'), lanes: CountUpTo(1024, 'requests in flight at once'), retry: RetryCodec, breaker: BreakerCodec,
  maxQueued: PositiveInt, overflow: oneOf('dead-letter-oldest', 'dead-letter-newest'), shutdownDeadlineMs: NonNegativeNumber, fenceMs: NonNegativeNumber,
});
export const TlsCodec = closed('tls', {}, { ca: NonEmptyString, cert: NonEmptyString, key: NonEmptyString, insecure: Bool }, COLLECTOR_TLS_KEYS);
export const OtlpSinkCodec = closed('otlp-grpc sink', { type: oneOf('otlp-grpc') }, {
  endpoint: EndpointCodec, headers: HeadersCodec, compression: oneOf('gzip', 'none'), timeoutMs: PositiveNumber, tls: TlsCodec,
  encodeOffThread: Bool, connectTimeoutMs: ConnectTimeoutMs, keepaliveMs: KeepaliveMs, holdSilentMs: NonNegativeNumber,
}, COLLECTOR_SINK_KEYS);
/** `format`: a line a sample (chronoq's sample JSON, the default), or a line a batch as an OTLP/JSON request (the Collector's file exporter's form). */
export const FileSinkCodec = closed('ndjson sink', { type: oneOf('ndjson'), path: NonEmptyString }, { format: oneOf('samples', 'otlp-json') });
export const ConsoleSinkCodec = closed('console sink', { type: oneOf('console') }, { format: oneOf('samples', 'otlp-json') });
export const SinkCodec = tagged('sink', { 'otlp-grpc': OtlpSinkCodec, ndjson: FileSinkCodec, console: ConsoleSinkCodec });
export const DeadLetterCodec = closed('deadLetter', {}, { path: NonEmptyString, maxBytes: PositiveInt, maxFiles: NonNegativeInt, fsync: Bool });
export const SpoolCodec = closed('spool', { path: NonEmptyString }, { maxBytes: PositiveInt, fsync: oneOf('always', 'interval'), fsyncIntervalMs: PositiveInt });
export const AlertsCodec = closed('alerts', {}, { deadLettersPerMinute: NonNegativeNumber, breakerOpenSeconds: NonNegativeNumber, queuePercent: NonNegativeNumber, clockStep: Bool, lagSeconds: NonNegativeNumber });
export const PrometheusCodec = closed('prometheus', { port: Port }, { host: NonEmptyString });
export const TelemetryCodec = closed('telemetry', {}, { statusIntervalMs: PositiveInt, prometheus: PrometheusCodec, alerts: AlertsCodec });

export const ConfigCodec = closed('config', {}, {
  resource: stringMap(AttrValueCodec, 'attribute names to values'),
  sources: SourcesCodec,
  skew: SkewCodec,
  reorder: ReorderCodec,
  batch: BatchCodec,
  delivery: DeliveryCodec,
  sink: SinkCodec,
  deadLetter: DeadLetterCodec,
  spool: SpoolCodec,
  telemetry: TelemetryCodec,
});

/**
 * The OTLP sink as configured; `headerTemplates`: its header values that read files
 * (`${file:PATH}`), as written — set by decodeConfig, not a key of the file — which are read
 * again when a file changes (otlp/headerFilesWatch.ts).
 */
export type OtlpSinkConfig = t.TypeOf<typeof OtlpSinkCodec> & { readonly headerTemplates?: Readonly<Record<string, string>> };
export type SinkConfig = OtlpSinkConfig | t.TypeOf<typeof FileSinkCodec> | t.TypeOf<typeof ConsoleSinkCodec>;
type DecodedSource = t.TypeOf<typeof SourceCodec>;
/** An otlp source as configured; `bearerTokenTemplate`: its bearerToken as written when it reads a file (`${file:…}`), to read again. */
export type OtlpSourceConfig = Extract<DecodedSource, { type: 'otlp' }> & { readonly bearerTokenTemplate?: string };
export type SourceConfig = Exclude<DecodedSource, { type: 'otlp' }> | OtlpSourceConfig;
export type FileConfig = Omit<t.TypeOf<typeof ConfigCodec>, 'sink' | 'sources'> & { readonly sink?: SinkConfig; readonly sources?: readonly SourceConfig[] };
