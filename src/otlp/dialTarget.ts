/**
 * Which host and port the sink's gRPC channel dials, written out in full.
 *
 * The OpenTelemetry exporter reduces an endpoint URL to its host part and gRPC fills in a missing
 * port with 443. Two surprises came of it, both silent: `http://collector` (no port) dialled
 * collector:443 in plaintext, where an OTLP/gRPC receiver listens on 4317, and the status line said
 * only "otlp-grpc collector unreachable"; and `http://collector:80` lost its port to URL parsing
 * (80 is http's default, so `URL.host` leaves it out) and dialled 443 as well.
 */

/**
 * The endpoint the exporter takes and the setting that gave it: the option (`sink.endpoint`), else
 * OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT (trimmed, blank = unset).
 */
export const endpointSettingOf = (endpoint: string | undefined, env: Readonly<Record<string, string | undefined>>): { readonly value: string; readonly setting: string } | undefined => {
  const given: [string, string | undefined][] = [['sink.endpoint', endpoint], ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']], ['OTEL_EXPORTER_OTLP_ENDPOINT', env['OTEL_EXPORTER_OTLP_ENDPOINT']]];
  for (const [setting, value] of given) if (value !== undefined && value.trim() !== '') return { value: value.trim(), setting };
  return undefined;
};

/** The endpoint the exporter takes (endpointSettingOf's value). */
export const rawEndpointOf = (endpoint: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined =>
  endpointSettingOf(endpoint, env)?.value;

/**
 * A unix socket endpoint, in any of gRPC's three forms (`unix:///run/otel.sock`, `unix:/run/otel.sock`,
 * `unix:otel.sock` relative to the working directory), as the gRPC target that dials it; undefined
 * for any other endpoint. The exporter keeps only the first form whole: it reads the other two as a
 * URL without a scheme (`https://unix:/run/otel.sock`) whose host is "unix", which gRPC then dialled
 * as the socket "443" ("connect ENOENT 443" at every attempt), after a warning that the URL's path
 * is ignored.
 */
export const unixSocketTarget = (raw: string | undefined): string | undefined => {
  const m = raw === undefined ? null : /^unix:(.*)$/is.exec(raw);
  return m === null ? undefined : `unix:${m[1]}`;
};

/**
 * The URL the exporter is given for a unix socket endpoint: `unix://` and the path, a form it keeps
 * whole (the target dialled is unixSocketTarget's either way).
 */
export const exporterUnixUrl = (raw: string): string => `unix://${raw.slice('unix:'.length).replace(/^\/\//, '')}`;

/**
 * host:port for the exporter's normalised `url` (a host, with its port unless the URL's scheme
 * implied it): 80 when `raw` wrote `http://…:80`, otherwise the 443 gRPC dials. A unix socket
 * (`raw` in any of its forms; the exporter's url is one only then) is unixSocketTarget's.
 */
export const dialTarget = (url: string, raw: string | undefined): string => {
  const socket = unixSocketTarget(raw);
  if (socket !== undefined) return socket;
  if (/:\d+$/.test(url)) return url;
  const wroteHttpPort80 = raw !== undefined && /^http:\/\/[^/?#]*:0*80(?:[/?#]|$)/i.test(raw);
  return `${url}:${wroteHttpPort80 ? 80 : 443}`;
};

/**
 * A warning for a plaintext endpoint that names no port (`http://collector`): gRPC dials port 443
 * there, which is hardly ever what a plaintext endpoint means. Undefined otherwise.
 */
export const endpointPortWarning = (raw: string | undefined): string | undefined => {
  const m = raw === undefined ? null : /^http:\/\/([^/?#]*)/i.exec(raw);
  if (m === null || /:\d+$/.test(m[1]!) || m[1] === '') return undefined;
  const host = m[1]!;
  return `the sink endpoint ${raw} names no port: gRPC dials ${host}:443, in plaintext; OTLP/gRPC receivers listen on 4317 (write http://${host}:4317)`;
};

/** localhost, a name under it, or a loopback address: this machine. */
export const isLoopback = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';

/** The host of a gRPC target (`host:port`, `[v6]:port`, `host`), undefined for a unix socket or a target grpc-js cannot split. */
export const targetHost = (target: string): string | undefined => {
  if (target.startsWith('unix:')) return undefined;
  const path = target.replace(/^dns:(\/\/[^/]*\/)?/, '');
  if (path.startsWith('[')) {
    const end = path.indexOf(']');
    return end < 0 ? undefined : path.slice(1, end);
  }
  const parts = path.split(':');
  return parts.length <= 2 ? parts[0] : path; // more colons: a bare IPv6 address
};
