/**
 * FileConfig + defaults → ResolvedConfig: every option set, ready to build a pipeline.
 * With no config file, `chronoq run` uses DEFAULT_CONFIG_YAML: host metrics every 10 s to OTLP on
 * localhost:4317 (or OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT).
 */
import type { FileConfig, SinkConfig, SourceConfig } from './schema.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/fileLines.js';
import { DEFAULT_GRPC_ENDPOINT, DEFAULT_HTTP_ENDPOINT } from './receiverCodecs.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../sources/otlpReceiverTypes.js';
import type { AlertRules } from '../telemetry/alerts.js';
import { type HostResource, hostResource } from './hostResource.js';
import { rootOf } from '../sources/hostActivity.js';

export const DEFAULT_CONFIG_YAML = `# chronoq's built-in default (the resource: service.name chronoq and this machine's host.name, host.arch, host.id, service.instance.id, or as OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES say)
sources:
  - type: host
    intervalMs: 10000
sink:
  type: otlp-grpc
spool:
  path: \${CHRONOQ_SPOOL:-./chronoq-spool.db}
`;

/** Where followed files' read positions are kept, unless a source says otherwise. */
export const DEFAULT_POSITION_FILE = 'chronoq-positions.json';

export interface ResolvedConfig {
  readonly resource: Readonly<Record<string, string | number | boolean>>;
  readonly sources: readonly SourceConfig[];
  readonly skew: {
    policy: 'correct' | 'dead-letter' | 'pass'; maxFutureMs: number; maxPastMs: number; stepThresholdMs: number;
    sourceAttribute?: string; sourceOffsetThresholdMs: number; maxSlewPpm: number; forwardSteps: 'slew' | 'follow';
    /** Where trusted time starts: just after the spool's newest sample (a clock set back while stopped is a step), or at the clock's time. */
    restartFrom: 'spool' | 'clock';
  };
  readonly reorder: { maxDelayMs: number; order: 'series' | 'global'; maxBuffered: number; forgetSeriesAfterMs: number; maxSeries: number };
  readonly batch: { maxSize: number; maxDelayMs: number };
  readonly delivery: {
    guarantee: 'at-least-once' | 'at-most-once'; lanes: number; maxQueued: number; overflow: 'dead-letter-oldest' | 'dead-letter-newest';
    shutdownDeadlineMs: number; fenceMs: number;
    retry: { initialDelayMs: number; maxDelayMs: number; multiplier: number; jitter: 'full' | 'equal' | 'decorrelated' | 'none'; maxAttempts: number; maxElapsedMs: number };
    breaker: { failureThreshold: number; halfOpenAfterMs: number; maxHalfOpenAfterMs: number };
  };
  readonly sink: SinkConfig;
  readonly deadLetter: { path: string; maxBytes: number; maxFiles: number; fsync: boolean };
  /** Absent: no spool (in-memory queue only). */
  readonly spool?: { path: string; maxBytes: number; fsync: 'always' | { intervalMs: number } };
  readonly telemetry: {
    statusIntervalMs: number;
    prometheus?: { port: number; host: string };
    /** The rules of telemetry/alerts.ts, clockStep on unless set to false. */
    alerts: AlertRules & { clockStep: boolean };
  };
}

const DEFAULT_SOURCES: readonly SourceConfig[] = [{ type: 'host', intervalMs: 10_000 }];

/**
 * The pipeline's resource: the config's own over `envResource` (what OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_SERVICE_NAME give, config/resourceEnv.ts) over the defaults: service.name chronoq, and with
 * a host source the machine (`host`: host.name, host.arch, host.id, config/hostResource.ts), which
 * says whose host metrics they are, and service.instance.id = the host.name that results (the
 * config's or the environment's if given): behind the Collector's Prometheus translation a
 * resource becomes only `job` (service.name) and `instance` (service.instance.id), so without it
 * every machine's `system_cpu_utilization{cpu="0"}` was one series in Prometheus. (examples/host.yaml took host.name from $HOSTNAME, which a shell does not
 * export: every machine sent its metrics as host "unknown".)
 */
const resolveResource = (c: FileConfig, envResource: Readonly<Record<string, string>>, host: HostResource | undefined): ResolvedConfig['resource'] => {
  const hostSource = (c.sources ?? DEFAULT_SOURCES).find((s) => s.type === 'host');
  if (hostSource === undefined) return { 'service.name': 'chronoq', ...envResource, ...c.resource };
  // Under a rootPath, the machine's name and id as its file system has them (hostResource.ts).
  const root = hostSource.type === 'host' ? rootOf(hostSource) : '';
  const resource: ResolvedConfig['resource'] = { 'service.name': 'chronoq', ...(host ?? hostResource(root)), ...envResource, ...c.resource };
  return { ...resource, 'service.instance.id': resource['service.instance.id'] ?? String(resource['host.name']) };
};

/**
 * reorder.maxDelayMs unless the config says: 2 s of disorder repaired — but none to repair when the
 * only source is the host source (the default config) and order is per series: each of its series
 * comes in time order. A step back of the clock is re-stamped onto trusted time by
 * detectClockSkew (not under skew.policy pass, which keeps the window); one under
 * skew.stepThresholdMs is no step and is left, so collections must be further apart than that
 * for the next one to be later all the same (10 s and 1 s by default).
 * Held for 2 s, every collection waited in memory, ahead of the spool, and a kill -9 lost the
 * last one or two (measured at intervalMs 1000: the last sample at the collector 2.4–2.6 s before
 * the kill; 0.02–0.8 s, the collection in progress, without the wait).
 */
const defaultReorderDelayMs = (c: FileConfig): number => {
  const sources = c.sources ?? DEFAULT_SOURCES;
  const stepThresholdMs = c.skew?.stepThresholdMs ?? 1_000;
  const inOrder = sources.length > 0 && (c.reorder?.order ?? 'series') === 'series' && c.skew?.policy !== 'pass'
    && sources.every((s) => s.type === 'host' && (s.intervalMs ?? 10_000) > stepThresholdMs);
  return inOrder ? 0 : 2_000;
};

/** An otlp source with its protocols' endpoints (the Collector's defaults) and request size limit filled in. */
const resolveReceiver = (s: Extract<SourceConfig, { type: 'otlp' }>): SourceConfig => ({
  ...s,
  protocols: {
    ...(s.protocols.grpc !== undefined ? { grpc: { ...s.protocols.grpc, endpoint: s.protocols.grpc.endpoint ?? DEFAULT_GRPC_ENDPOINT } } : {}),
    ...(s.protocols.http !== undefined ? { http: { ...s.protocols.http, endpoint: s.protocols.http.endpoint ?? DEFAULT_HTTP_ENDPOINT } } : {}),
  },
  maxRequestBytes: s.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
  summaries: s.summaries ?? 'refuse',
  staleMarkers: s.staleMarkers ?? 'refuse',
  stampedLocally: s.stampedLocally ?? false,
});

/** `envResource` and `host`: see resolveResource (`host` defaults to this machine's). */
export const resolveConfig = (c: FileConfig, envResource: Readonly<Record<string, string>> = {}, host?: HostResource): ResolvedConfig => ({
  resource: resolveResource(c, envResource, host),
  // A followed file is resumed where the last run left it (src/sources/readPositions.ts).
  sources: (c.sources ?? DEFAULT_SOURCES).map((s) =>
    s.type === 'otlp' ? resolveReceiver(s)
    : s.type !== 'ndjson' ? s
    : { ...s, maxLineBytes: s.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, summaries: s.summaries ?? 'refuse', staleMarkers: s.staleMarkers ?? 'refuse', stampedLocally: s.stampedLocally ?? false, ...(s.follow === true && s.path !== '-' ? { positionFile: s.positionFile ?? DEFAULT_POSITION_FILE } : {}) }),
  skew: {
    policy: c.skew?.policy ?? 'correct',
    maxFutureMs: c.skew?.maxFutureMs ?? 5_000,
    maxPastMs: c.skew?.maxPastMs ?? 3_600_000,
    stepThresholdMs: c.skew?.stepThresholdMs ?? 1_000,
    ...(c.skew?.sourceAttribute !== undefined ? { sourceAttribute: c.skew.sourceAttribute } : {}),
    sourceOffsetThresholdMs: c.skew?.sourceOffsetThresholdMs ?? 2_000,
    maxSlewPpm: c.skew?.maxSlewPpm ?? 50_000,
    // Unlike the operator's default (the contract's): a forward step is mostly the clock set right.
    forwardSteps: c.skew?.forwardSteps ?? 'follow',
    restartFrom: c.skew?.restartFrom ?? 'spool',
  },
  reorder: {
    maxDelayMs: c.reorder?.maxDelayMs ?? defaultReorderDelayMs(c), order: c.reorder?.order ?? 'series', maxBuffered: c.reorder?.maxBuffered ?? 100_000,
    // A long-running agent sees series come and go: hold the series of the last day, not all ever seen.
    forgetSeriesAfterMs: c.reorder?.forgetSeriesAfterMs ?? 86_400_000,
    // ... and at most this many (~300 bytes each): attributes with ever-new values (a request id)
    // made a series a sample, ~25 MB a second at 40 000 samples a second, held for that day.
    maxSeries: c.reorder?.maxSeries ?? 500_000,
  },
  batch: { maxSize: c.batch?.maxSize ?? 1_000, maxDelayMs: c.batch?.maxDelayMs ?? 1_000 },
  delivery: {
    guarantee: c.delivery?.guarantee ?? 'at-least-once',
    lanes: c.delivery?.lanes ?? 1,
    maxQueued: c.delivery?.maxQueued ?? 100_000,
    overflow: c.delivery?.overflow ?? 'dead-letter-newest',
    shutdownDeadlineMs: c.delivery?.shutdownDeadlineMs ?? 10_000,
    fenceMs: c.delivery?.fenceMs ?? 1_000,
    retry: {
      initialDelayMs: c.delivery?.retry?.initialDelayMs ?? 500,
      maxDelayMs: c.delivery?.retry?.maxDelayMs ?? 30_000,
      multiplier: c.delivery?.retry?.multiplier ?? 2,
      jitter: c.delivery?.retry?.jitter ?? 'full',
      maxAttempts: c.delivery?.retry?.maxAttempts ?? Infinity,
      maxElapsedMs: c.delivery?.retry?.maxElapsedMs ?? Infinity,
    },
    breaker: {
      failureThreshold: c.delivery?.breaker?.failureThreshold ?? 5,
      halfOpenAfterMs: c.delivery?.breaker?.halfOpenAfterMs ?? 5_000,
      maxHalfOpenAfterMs: c.delivery?.breaker?.maxHalfOpenAfterMs ?? 60_000,
    },
  },
  sink: c.sink ?? { type: 'otlp-grpc' },
  deadLetter: { path: c.deadLetter?.path ?? 'chronoq-dead-letters.ndjson', maxBytes: c.deadLetter?.maxBytes ?? 100 * 1024 * 1024, maxFiles: c.deadLetter?.maxFiles ?? 5, fsync: c.deadLetter?.fsync ?? false },
  ...(c.spool ? { spool: {
    path: c.spool.path,
    maxBytes: c.spool.maxBytes ?? 1024 * 1024 * 1024,
    fsync: c.spool.fsync === 'interval' ? { intervalMs: c.spool.fsyncIntervalMs ?? 1_000 } : 'always',
  } } : {}),
  telemetry: {
    statusIntervalMs: c.telemetry?.statusIntervalMs ?? 10_000,
    ...(c.telemetry?.prometheus ? { prometheus: { port: c.telemetry.prometheus.port, host: c.telemetry.prometheus.host ?? '127.0.0.1' } } : {}),
    alerts: { ...c.telemetry?.alerts, clockStep: c.telemetry?.alerts?.clockStep ?? true },
  },
});

const SECRET_KEY = /key|token|secret|password|authorization|auth/i;

/** The lanes delivery (and the spool) use: one under reorder.order 'global', which then holds at the receiver too. */
export const deliveryLaneCount = (c: ResolvedConfig): number => (c.reorder.order === 'global' ? 1 : c.delivery.lanes);

/**
 * The resolved config with header values, TLS keys and an otlp source's bearer token replaced by
 * '***', for printing; without the header templates, which are no key of the file (the sink's
 * lines say which are read again).
 */
export const maskSecrets = (c: ResolvedConfig): unknown => {
  const sources = c.sources.map((s) => {
    if (s.type !== 'otlp' || s.bearerToken === undefined) return s;
    const { bearerTokenTemplate: _, ...source } = s;
    return { ...source, bearerToken: '***' };
  });
  if (c.sink.type !== 'otlp-grpc') return { ...c, sources };
  const { headerTemplates: _, ...sink } = c.sink;
  const headers = Object.fromEntries(Object.entries(c.sink.headers ?? {}).map(([k, v]) => [k, SECRET_KEY.test(k) || v.length > 0 ? '***' : v]));
  const tls = c.sink.tls ? { ...c.sink.tls, ...(c.sink.tls.key ? { key: '***' } : {}) } : undefined;
  return { ...c, sources, sink: { ...sink, ...(c.sink.headers ? { headers } : {}), ...(tls ? { tls } : {}) } };
};
