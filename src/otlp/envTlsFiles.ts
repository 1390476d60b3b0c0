/**
 * The TLS files that the OTLP environment variables name, when the sink takes its credentials
 * from them — so that they are watched for a rotation like the config's `sink.tls` files
 * (tlsFilesWatch.ts). An OpenTelemetry Operator or a Helm chart typically sets
 * OTEL_EXPORTER_OTLP_CERTIFICATE / _CLIENT_CERTIFICATE / _CLIENT_KEY to files of a Kubernetes
 * secret that cert-manager renews; the exporter base reads them once per connection set-up, and a
 * connection set up again by grpc-js keeps the credentials it had, so a renewed certificate went
 * unused until a restart.
 *
 * The rules are @opentelemetry/otlp-grpc-exporter-base's (configuration/otlp-grpc-env-configuration.js):
 * the variables are used only when the config has no `sink.tls`; each is the signal-specific one
 * (OTEL_EXPORTER_OTLP_METRICS_…) unless that is blank, else the general one; paths are resolved
 * against the working directory; an `http://` endpoint is plaintext, an `https://` one is TLS, and
 * one without a scheme is TLS unless OTEL_EXPORTER_OTLP_[METRICS_]INSECURE is `true`.
 */
import { resolve } from 'node:path';
import type { TlsFileKind, TlsFileSettings, TlsFiles } from '../config/files.js';
import { rawEndpointOf } from './dialTarget.js';

type Env = Readonly<Record<string, string | undefined>>;

const VARIABLES: Readonly<Record<TlsFileKind, string>> = { ca: 'CERTIFICATE', cert: 'CLIENT_CERTIFICATE', key: 'CLIENT_KEY' };
/** The exporter base's endpoint when neither the config nor the environment names one. */
export const DEFAULT_ENDPOINT = 'http://localhost:4317';

/** The variable that holds the setting (signal-specific first, as the exporter base reads it), or undefined when both are blank. */
const variableOf = (env: Env, suffix: string): string | undefined =>
  [`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`].find((name) => (env[name]?.trim() ?? '') !== '');

/** The variables that name TLS files (signal-specific or general, as the exporter base reads them). */
export const envTlsVariables = (env: Env): string[] =>
  Object.values(VARIABLES).flatMap((suffix) => variableOf(env, suffix) ?? []);

/**
 * Which CAs a TLS sink trusts, for `chronoq validate`: its own (`tls.ca`; without a tls option,
 * the CERTIFICATE variable, as the exporter base reads it), else those grpc-js reads from
 * GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, else Node's own — and NODE_EXTRA_CA_CERTS'. Not the system's
 * store that curl and the Collector read.
 */
export const trustedCas = (env: Env, tls: { readonly ca?: unknown } | undefined): string => {
  if (tls?.ca !== undefined) return 'tls.ca';
  // The variables count only without a tls option (the exporter base's credentials then).
  const variable = tls === undefined ? variableOf(env, VARIABLES.ca) : undefined;
  if (variable !== undefined) return `${env[variable]!.trim()} (${variable})`;
  const grpcRoots = env['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH'];
  if (grpcRoots) return `${grpcRoots} (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)`;
  const extra = env['NODE_EXTRA_CA_CERTS'];
  return `the CAs Node ships with${extra ? ` and ${extra} (NODE_EXTRA_CA_CERTS)` : ''}`;
};

/** Whether the exporter base makes TLS credentials from the environment for this endpoint. */
const usesTls = (env: Env, configEndpoint: string | undefined): boolean => {
  const endpoint = rawEndpointOf(configEndpoint, env) ?? DEFAULT_ENDPOINT;
  if (endpoint.startsWith('http://')) return false;
  if (endpoint.startsWith('https://')) return true;
  const insecure = variableOf(env, 'INSECURE');
  return insecure === undefined || env[insecure]!.trim().toLowerCase() !== 'true';
};

/**
 * The files the environment names for a sink without `sink.tls`, and how messages name them (by
 * their variables); undefined when the endpoint is plaintext or no variable names a file.
 */
export const envTlsFiles = (env: Env, configEndpoint: string | undefined, cwd = process.cwd()): { files: TlsFiles; settings: TlsFileSettings } | undefined => {
  if (!usesTls(env, configEndpoint)) return undefined;
  const files: Partial<Record<TlsFileKind, string>> = {};
  const names: Record<TlsFileKind, string> = { ca: '', cert: '', key: '' };
  for (const kind of ['ca', 'cert', 'key'] as const) {
    const variable = variableOf(env, VARIABLES[kind]);
    names[kind] = variable ?? `OTEL_EXPORTER_OTLP_${VARIABLES[kind]}`;
    if (variable !== undefined) files[kind] = resolve(cwd, env[variable]!.trim());
  }
  if (files.ca === undefined && files.cert === undefined && files.key === undefined) return undefined;
  return { files, settings: { names, pathOf: (name) => `environment ${name}` } };
};

/**
 * A warning when OTEL_EXPORTER_OTLP_[METRICS_]INSECURE holds neither true nor false: the exporters
 * read only `true` (in any case) as true, so `1`, `yes` or `t` — true to Go's OpenTelemetry SDK
 * and the Collector's own settings — left an endpoint without a scheme on TLS without a word, and
 * a plaintext receiver refused every call. The specification asks for a warning on such a value.
 * `tlsConfigured`: the config's sink.tls decides instead (the variable is not read).
 */
export const insecureValueWarning = (env: Env, configEndpoint: string | undefined, tlsConfigured: boolean): string | undefined => {
  const variable = variableOf(env, 'INSECURE');
  const value = variable === undefined ? '' : env[variable]!.trim();
  if (variable === undefined || ['true', 'false'].includes(value.toLowerCase())) return undefined;
  const endpoint = rawEndpointOf(configEndpoint, env) ?? DEFAULT_ENDPOINT;
  const effect = tlsConfigured || /^https?:\/\//i.test(endpoint) ? '' : `: ${endpoint} is dialled with TLS`;
  return `${variable}=${value} is read as false — only true (in any case) is true to the OpenTelemetry exporters${effect}`;
};
