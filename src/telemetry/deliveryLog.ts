/**
 * Log lines for delivery trouble, for `run` and `replay`, and through OpenTelemetry's diag for the
 * library's pipelines (createPipeline, ChronoqMetricExporter): the status line only counts
 * retries, so the first failed attempt of an episode is logged with its error, and the episode's
 * end — the next delivery — once, with how many attempts failed. One line each way however long
 * the outage and however many lanes retry.
 */
import type { Observable, Subscription } from 'rxjs';
import type { PipelineEvent } from '../pipeline.js';
import type { Logger } from '../cli/log.js';
import type { TlsFilesEvent } from '../otlp/tlsFilesWatch.js';
import { type HeaderFilesEvent, headerFilePaths } from '../otlp/headerFilesWatch.js';
import { CONFIG_TLS_SETTINGS, sinkTlsFiles, type TlsFileSettings } from '../config/files.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Sink } from '../sinks.js';
import { createDeadLetterLog } from './deadLetterLog.js';
import { asClause, oneLineMessage } from '../otlp/classify.js';
import { tlsAgainstScheme, type TlsAgainstScheme } from '../config/unusedSettings.js';
import type { GrpcProxy } from '../otlp/grpcProxy.js';
import { rawEndpointOf, unixSocketTarget } from '../otlp/dialTarget.js';

/** The error's message on one line (a sink's errors are already; others may not be). */
const messageOf = (error: unknown): string => oneLineMessage(error instanceof Error ? error.message : String(error));

/**
 * Where an untrusted receiver's CA can be given. Node trusts the CAs it ships with, not the
 * system's store that curl and the Collector (Go) read — the usual reason a certificate signed
 * by a company CA verifies for them and not here — and grpc-js trusts GRPC_DEFAULT_SSL_ROOTS_FILE_PATH
 * instead, when that is set, and the sink gives no CA of its own.
 */
const untrustedHint = (grpcRootsFile: string | undefined): string =>
  ` (the receiver's TLS certificate is not trusted here: give its CA as sink.tls.ca or OTEL_EXPORTER_OTLP_CERTIFICATE; ${grpcRootsFile === undefined
    ? "this process trusts the CAs Node ships with, not the system's store (curl's, the Collector's), unless NODE_EXTRA_CA_CERTS names a file of more"
    : `gRPC trusts GRPC_DEFAULT_SSL_ROOTS_FILE_PATH (${grpcRootsFile}) alone here, in place of Node's CAs and NODE_EXTRA_CA_CERTS`})`;

/**
 * What a user can do about an error whose cause is not in its words. `clientCertificate`: the sink
 * presents one (mutual TLS) — a receiver that does not accept it closes the connection during the
 * handshake (TLS 1.3), which reads as "Failed to connect" or "read ECONNRESET". `against`: sink.tls
 * overrides the endpoint's scheme (config/unusedSettings.ts), so the usual advice — write the
 * other scheme — would name the scheme already written. `unixSocket`: the endpoint is a unix
 * socket, which has no http:// to write.
 */
const hintFor = (message: string, { clientCertificate = false, tlsAgainstScheme: against, unixSocket = false, proxy, grpcRootsFile }: HintContext): string =>
  // grpc-js gives no reason when the proxy did not connect it (refused, or answered other than 200): its own log line has it.
  proxy !== undefined && /Last error: undefined/.test(message) ? ` (the connection goes through the proxy ${proxy.url}, from ${proxy.variable}, which did not connect it — the line grpc-js logged says why: a receiver to be reached directly belongs in no_proxy or no_grpc_proxy)`
  // A unix: endpoint is TLS unless insecure, as the OpenTelemetry exporters read it (no scheme says plaintext there).
  : unixSocket && /wrong version number/.test(message) ? ' (the receiver on the socket does not speak TLS: a unix: endpoint is dialled with TLS unless sink.tls.insecure is true or OTEL_EXPORTER_OTLP_INSECURE=true, as the OpenTelemetry exporters dial it)'
  : against === 'tls-on-http' && /wrong version number/.test(message) ? ' (the endpoint does not speak TLS, and sink.tls makes the connection TLS though the endpoint says http://: leave sink.tls out for a plaintext receiver)'
  : against === 'plaintext-on-https' && /No connection established\. Last error: (Failed to connect|read ECONNRESET|socket hang up)/.test(message) ? ' (the receiver closed the connection before HTTP/2 started, as one expecting TLS does: sink.tls.insecure makes the connection plaintext though the endpoint says https://; leave insecure out)'
  : clientCertificate && /No connection established\. Last error: (Failed to connect|read ECONNRESET|socket hang up|Client network socket disconnected)/.test(message)
    ? ' (the receiver closed the connection during the TLS handshake, as one does that does not accept this client\'s certificate: sink.tls.cert signed by a CA it trusts, not expired?)'
  : /Protocol error/.test(message) ? ' (the endpoint answered, but not in gRPC: OTLP/gRPC usually listens on 4317, OTLP/HTTP on 4318)'
  : /wrong version number/.test(message) ? ' (the endpoint does not speak TLS: for a plaintext receiver, write the endpoint as http://…)'
  : /unable to verify the first certificate|self-signed certificate|unable to get (local )?issuer certificate/.test(message) ? untrustedHint(grpcRootsFile)
  : /does not match certificate's altnames/.test(message) ? ' (the receiver\'s TLS certificate is for other names than the endpoint\'s host: use a name it lists)'
  : /alert certificate required/.test(message) ? ' (the receiver asks for a client certificate: give it as sink.tls.cert and sink.tls.key)'
  : /alert certificate expired/.test(message) ? ' (the receiver refused this client\'s certificate as expired: renew sink.tls.cert and sink.tls.key; a running chronoq reads them again when they change)'
  : /certificate has expired/.test(message) ? ' (the receiver\'s TLS certificate has expired: it must be renewed on the receiver)'
  : /certificate is not yet valid/.test(message) ? ' (the receiver\'s TLS certificate is not valid yet by this host\'s clock: a clock behind — a machine started before its time was set, as one without a battery-backed clock is until NTP answers — or a certificate issued for later; the samples wait, and go once it is valid)'
  : /Last error: Failed to connect/.test(message) ? ' (the receiver closed the connection before HTTP/2 started: one that expects TLS? then write the endpoint as https://…; or one stopping or starting, as a collector restarting does)'
  : /Name resolution failed/.test(message) ? ' (its host name does not resolve: a typo in sink.endpoint, or this host\'s DNS; it is looked up again at each attempt)'
  : /Waiting for LB pick/.test(message) ? ' (no connection yet: the receiver accepted one and has not answered on it — hung, overloaded, or a proxy holding it; a new one is tried after sink.connectTimeoutMs)'
  : /DEADLINE_EXCEEDED/.test(message) ? ' (no answer within sink.timeoutMs: a receiver overloaded or its export stuck, one answering nothing for sink.holdSilentMs more, or a batch too large to take in that time; it may have arrived all the same, and a resend then be a duplicate)'
  : '';

/**
 * What a user can do about a refusal, by the gRPC status in its words; a credential read from a
 * file (`headerFiles`: header → the files its value reads) is named with it: an expired token
 * whose file nobody renewed looks like this.
 */
const refusalHintFor = (message: string, headerFiles?: Readonly<Record<string, string>>): string => {
  if (/UNIMPLEMENTED/.test(message)) return ' (the endpoint speaks gRPC but has no OTLP metrics service: a collector whose otlp receiver is in no metrics pipeline?)';
  if (!/UNAUTHENTICATED|PERMISSION_DENIED/.test(message)) return '';
  const fromFiles = Object.entries(headerFiles ?? {}).map(([name, files]) => `${name} is read from ${files}, again whenever it changes: is it renewed?`);
  return ` (check the credentials the receiver expects: sink.headers, an API key, x-instana-key${fromFiles.length > 0 ? `; ${fromFiles.join('; ')}` : ''})`;
};

/** A dead letter's metric name, when its item is a sample-like object with one. */
const nameOf = (item: unknown): string | undefined => {
  const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
};

export interface DeliveryLogOptions {
  /** The sink's description. */
  readonly sink: string;
  readonly log: Logger;
  /** Where dead letters go (named when the receiver refuses samples). */
  readonly deadLetterPath: string;
  /** Ends the warning that delivery is failing. */
  readonly whileFailing?: string;
  /** Repeats fn every ms until cancelled (default: platformTimers.every, which never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
  /** The sink presents a client certificate (mutual TLS): a closed handshake is then likely about it. */
  readonly clientCertificate?: boolean;
  /** sink.tls overrides the endpoint's scheme (the hints then name sink.tls, not the scheme). */
  readonly tlsAgainstScheme?: TlsAgainstScheme | undefined;
  /** The sink dials a unix socket (its hints then name insecure, not http://). */
  readonly unixSocket?: boolean;
  /** GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, when the sink gives no CA of its own: the CAs gRPC trusts in place of Node's. */
  readonly grpcRootsFile?: string | undefined;
  /** The HTTP proxy the sink's connection goes through (its failures carry no reason). */
  readonly proxy?: GrpcProxy | undefined;
  /** The sink's TLS files changing (sinks.ts): each change is a line, in use now or why not. */
  readonly tlsFiles$?: Observable<TlsFilesEvent>;
  /** How the lines name the TLS files (default: the config's sink.tls). */
  readonly tlsFileSettings?: TlsFileSettings | undefined;
  /** The files the sink's header values read changing (sinks.ts): each change is a line, sent now or why not. */
  readonly headerFiles$?: Observable<HeaderFilesEvent> | undefined;
  /** The headers whose values are read from files, and the files (named when the receiver refuses the credentials). */
  readonly headerFiles?: Readonly<Record<string, string>> | undefined;
  /** skew.sourceAttribute is set: each sender's clock is watched (false: a late sample far behind says what would watch them). */
  readonly watchesSourceClocks?: boolean;
}

/** What the hints go by besides the error's words. */
type HintContext = Pick<DeliveryLogOptions, 'clientCertificate' | 'tlsAgainstScheme' | 'unixSocket' | 'proxy' | 'grpcRootsFile'>;

/**
 * Logs delivery failures as episodes: the first failed attempt with its error, and the next
 * delivery once, with how many attempts failed. Samples the receiver refused (dead letters
 * `rejected`: not retried) as an error at the first, with the receiver's words and where the
 * letters are, then at most a line a minute with how many more: before, a receiver that refused
 * everything (a collector without a metrics pipeline) showed only a growing count in the status
 * line. The other dead letters but `shutdown` the same way, as warnings (deadLetterLog.ts).
 */
export const logDeliveryTrouble = (events$: Observable<PipelineEvent>, opts: DeliveryLogOptions): Subscription => {
  const { sink, log } = opts;
  const whileFailing = opts.whileFailing ?? 'retrying, the samples wait';
  let failedAttempts = 0;
  const letters = createDeadLetterLog({
    log, deadLetterPath: opts.deadLetterPath, watchesSourceClocks: opts.watchesSourceClocks, ...(opts.every ? { every: opts.every } : {}),
    // Letters given up on carry the failed attempt's error: the same hint as the failing line,
    // which under at-most-once (no retry) never comes — "Protocol error" went without a word of 4318.
    hintOf: (reason, detail) => (reason === 'retries-exhausted' ? hintFor(detail, opts) : ''),
    wording: {
      rejected: {
        level: 'error',
        first: (detail) => `${sink} refused samples, which are not sent again: ${asClause(detail)}${refusalHintFor(detail, opts.headerFiles)}; they are dead letters in ${opts.deadLetterPath} (chronoq replay sends them again)`,
        more: (count, latest) => `${sink} refused ${count} more samples in the last minute (the latest: ${latest}); they are dead letters in ${opts.deadLetterPath}`,
      },
    },
  });
  const subscription = events$.subscribe((e) => {
    if (e.type === 'dead-letter' && e.deadLetter.reason !== 'shutdown') letters.note(e.deadLetter.reason, e.deadLetter.detail, nameOf(e.deadLetter.item));
    else if (e.type === 'retry') {
      if (failedAttempts++ > 0) return;
      const message = messageOf(e.error);
      log('warn', `delivery to ${sink} is failing: ${asClause(message)}${hintFor(message, opts)}; ${whileFailing}`);
    } else if (e.type === 'delivered' && failedAttempts > 0) {
      log('info', `delivery to ${sink} works again (after ${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'})`);
      failedAttempts = 0;
    }
  });
  subscription.add(() => letters.cancel());
  const { names, pathOf } = opts.tlsFileSettings ?? CONFIG_TLS_SETTINGS;
  const certificate = `the client certificate (${pathOf(names.cert)})`;
  subscription.add(opts.tlsFiles$?.subscribe((e) => {
    if (e.kind === 'reloaded') log('info', `${sink}: its TLS files changed (${e.changed.map((n) => names[n]).join(', ')}): new connections use them${e.certNotAfter === undefined ? '' : `; the client certificate is valid until ${e.certNotAfter}`}`);
    else if (e.kind === 'invalid') log('warn', `${sink}: its TLS files changed but cannot be used: ${e.problem}; the ones read before stay in use until they can`);
    else if (e.expired) log('error', `${sink}: ${certificate} expired ${e.certNotAfter}: the receiver will refuse new connections; replace the files ${names.cert} and ${names.key} name (read again when they change)`);
    else log('warn', `${sink}: ${certificate} expires ${e.certNotAfter}, in ${e.daysLeft} day${e.daysLeft === 1 ? '' : 's'}: renew it (the new files are read when they change)`);
  }));
  subscription.add(opts.headerFiles$?.subscribe((e) => {
    if (e.kind === 'reloaded') log('info', `${sink}: header${e.headers.length === 1 ? '' : 's'} ${e.headers.join(', ')} read again (${e.files.join(', ')} changed): sent from the next request on`);
    else log('warn', `${sink}: a file its headers read changed but cannot be used: ${e.problem}; the values read before are sent until it can`);
  }));
  return subscription;
};

/**
 * Whether the config's sink presents a client certificate: sink.tls.cert, or without sink.tls the
 * OTLP environment variable when the exporter uses it (sinkTlsFiles).
 */
export const presentsClientCertificate = (c: ResolvedConfig, env: Readonly<Record<string, string | undefined>> = process.env): boolean =>
  c.sink.type === 'otlp-grpc' && sinkTlsFiles(c.sink, env)?.files.cert !== undefined;

/**
 * What the delivery log takes from the sink and the config (`run`, `replay` and the library's
 * pipelines alike): the sink's name, its TLS files' events and how they are named, whether it
 * presents a client certificate, and whether sources' clocks are watched.
 */
export const sinkLogOptions = (sink: Sink, c: ResolvedConfig): Pick<DeliveryLogOptions, 'sink' | 'tlsFiles$' | 'tlsFileSettings' | 'headerFiles$' | 'headerFiles' | 'clientCertificate' | 'tlsAgainstScheme' | 'unixSocket' | 'proxy' | 'grpcRootsFile' | 'watchesSourceClocks'> => ({
  sink: sink.describe, unixSocket: c.sink.type === 'otlp-grpc' && unixSocketTarget(rawEndpointOf(c.sink.endpoint, process.env)) !== undefined, proxy: sink.proxy, tlsFiles$: sink.tlsFiles$, tlsFileSettings: sink.tlsFileSettings, headerFiles$: sink.headerFiles$, headerFiles: c.sink.type === 'otlp-grpc' && c.sink.headerTemplates !== undefined ? headerFilePaths(c.sink.headerTemplates) : undefined, clientCertificate: presentsClientCertificate(c), tlsAgainstScheme: tlsAgainstScheme(c),
  grpcRootsFile: c.sink.type === 'otlp-grpc' && sinkTlsFiles(c.sink, process.env)?.files.ca === undefined ? process.env['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH'] || undefined : undefined,
  watchesSourceClocks: c.skew.sourceAttribute !== undefined,
});
