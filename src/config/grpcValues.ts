/**
 * What gRPC can take, checked when the config is loaded, each problem at its path, where grpc-js
 * would throw when the sink is built — which stopped `chronoq run` with an internal error and a
 * stack trace, after `chronoq validate` had passed the config:
 * - request headers (gRPC metadata): names of lowercase letters, digits, '-', '_' and '.' (upper
 *   case is folded), values of printable ASCII; a header value with an accented letter did it. A
 *   bad value is described, not printed: it is often a secret. And names gRPC does not send as
 *   given (NOT_SENT_AS_GIVEN), which built and then failed every call, or went unsent.
 * - the endpoint: a URL (or host:port); `http://` alone, a port over 65535 or `http://[::1` did it.
 * Both in the config and in OTEL_EXPORTER_OTLP_[METRICS_]HEADERS / _ENDPOINT.
 */
import type { ConfigError } from './errors.js';
import { unexpandedReference } from './unexpanded.js';
import { OTLP_EXPORTER_VARIABLES, isQuoted, quotedEnvErrors } from './quotedEnv.js';

/** What is wrong with a header name or value or an endpoint, in config-error words. */
export interface GrpcValueProblem {
  readonly expected: string;
  readonly found: string;
  readonly suggestion?: string;
}

/** Where `name` first has a character a gRPC metadata name cannot (in characters, from 0), or -1. */
const badNameCharAt = (name: string): number => [...name].findIndex((ch) => !/^[0-9a-z_.-]$/.test(ch.toLowerCase()));

const FORBIDDEN_IN_HTTP2 = 'a connection header, which HTTP/2 forbids: every call would fail (gRPC tries each again until its deadline)';
const WRITTEN_BY_GRPC = 'a header gRPC writes itself: the value given would not be sent';
/**
 * Names gRPC does not send as given, in lower case, with why. HTTP/2 forbids connection-specific
 * headers (RFC 9113 §8.2.2): with one, Node refused every request, which grpc-js tried again some
 * 10 000 times within the call's deadline, and every batch ended DEADLINE_EXCEEDED, retried for
 * good. With content-length the receiver reset every call (INTERNAL: each batch a dead letter).
 * The rest gRPC writes itself over what it is given (seen on the wire): the value never went.
 */
const NOT_SENT_AS_GIVEN: Readonly<Record<string, { readonly why: string; readonly suggestion?: string }>> = {
  connection: { why: FORBIDDEN_IN_HTTP2 },
  'keep-alive': { why: FORBIDDEN_IN_HTTP2, suggestion: 'sink.keepaliveMs sets gRPC\'s own keepalive' },
  'proxy-connection': { why: FORBIDDEN_IN_HTTP2 },
  'transfer-encoding': { why: FORBIDDEN_IN_HTTP2 },
  upgrade: { why: FORBIDDEN_IN_HTTP2 },
  'http2-settings': { why: FORBIDDEN_IN_HTTP2 },
  'content-length': { why: 'a length gRPC cannot give ahead of its stream: the receiver would reset every call' },
  te: { why: WRITTEN_BY_GRPC },
  'content-type': { why: WRITTEN_BY_GRPC },
  'user-agent': { why: 'a header gRPC writes itself (chronoq/<version> grpc-node-js/<version>): the value given would not be sent' },
  'grpc-timeout': { why: WRITTEN_BY_GRPC, suggestion: 'sink.timeoutMs sets it' },
  'grpc-encoding': { why: WRITTEN_BY_GRPC, suggestion: 'sink.compression sets it' },
  'grpc-accept-encoding': { why: WRITTEN_BY_GRPC },
  'accept-encoding': { why: WRITTEN_BY_GRPC },
};

export const headerNameProblem = (name: string): GrpcValueProblem | undefined => {
  const notSent = Object.hasOwn(NOT_SENT_AS_GIVEN, name.toLowerCase()) ? NOT_SENT_AS_GIVEN[name.toLowerCase()] : undefined;
  if (notSent !== undefined) return { expected: 'a header name gRPC sends as given', found: `the name ${JSON.stringify(name)}, ${notSent.why}`, ...(notSent.suggestion ? { suggestion: notSent.suggestion } : {}) };
  if (name !== '' && badNameCharAt(name) < 0 && !name.toLowerCase().endsWith('-bin')) return undefined;
  return { expected: "a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give)", found: `the name ${JSON.stringify(name)}` };
};

/**
 * A header given again, in the same or another case: gRPC metadata names are lower case, so one
 * value overwrote the other without a word. `first` says where the first one is.
 */
const headerTwiceProblem = (first: string): GrpcValueProblem => ({
  expected: 'each header once',
  found: `the header of ${first} again (names are not case-sensitive: one value would overwrite the other)`,
});

/**
 * What is wrong with `name` as a key of a mapping of headers whose keys are `names` (sink.headers,
 * otlpGrpcSink's headers): the name itself, or another spelling of it that came first.
 */
export const headerKeyProblem = (name: string, names: readonly string[]): GrpcValueProblem | undefined => {
  const first = names.find((other) => other.toLowerCase() === name.toLowerCase());
  return headerNameProblem(name) ?? (first !== undefined && first !== name ? headerTwiceProblem(JSON.stringify(first)) : undefined);
};

export const headerValueProblem = (value: string): GrpcValueProblem | undefined => {
  const chars = [...value];
  const bad = chars.findIndex((ch) => ch < ' ' || ch > '~');
  if (bad < 0) return undefined;
  const code = chars[bad]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return { expected: 'a header value of printable ASCII characters (gRPC metadata)', found: `a value with U+${code} at character ${bad + 1}` };
};

/** A URL (or scheme-less host:port) with any user name and password before its host as `***`. */
export const maskUserInfo = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1***@');

const ENDPOINT_EXPECTED = 'an endpoint URL such as http://collector:4317 (or host:port)';
const UNIX_EXPECTED = 'a unix socket endpoint such as unix:///run/otel.sock (or unix:relative/path.sock)';

/**
 * What is wrong with an OTLP/gRPC endpoint (`http[s]://host:port`, `host:port`, `unix:…`); undefined
 * when nothing. The scheme is read as the OpenTelemetry exporter reads it (otlp-grpc-exporter-base):
 * plaintext only for a URL that starts with `http://` as written — `HTTP://` and any other scheme
 * (`grpc://`, of which it says "Using http://") get TLS — and the host of the URL, which gRPC's
 * `dns:///host:port` target names leave empty (it dialled ":443", "waiting for name resolution"),
 * or a scheme written twice makes the host (`http://http://otel:4317` dialled "http:443").
 * Those were taken and failed at every attempt; they are refused with the endpoint to write.
 */
export const endpointProblem = (endpoint: string): GrpcValueProblem | undefined => {
  // A user name and password in the URL are not printed (validate and the log would show them).
  const found = JSON.stringify(maskUserInfo(endpoint));
  // A unix socket, in any of gRPC's forms (otlp/dialTarget.ts): not a URL with a host, but a path to a socket.
  if (/^unix:/i.test(endpoint)) {
    const path = endpoint.slice('unix:'.length).replace(/^\/\//, '');
    return path === '' || path.endsWith('/') ? { expected: UNIX_EXPECTED, found } : undefined;
  }
  let url: URL;
  try {
    url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  } catch {
    return { expected: ENDPOINT_EXPECTED, found };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1];
  // In the host and port only: a password in the URL (refused below) may hold a '$'.
  const unexpanded = unexpandedReference(endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!.replace(/^.*@/, ''), { bare: true });
  if (unexpanded !== undefined) return { expected: ENDPOINT_EXPECTED, found: `${found}, ${unexpanded.found}`, suggestion: unexpanded.suggestion };
  if (url.username !== '' || url.password !== '') {
    // The exporter dials the host and drops them: requests went without credentials, refused.
    const hostPort = endpoint.slice(endpoint.indexOf('@') + 1).split('/')[0];
    const write = `${scheme === undefined ? '' : `${scheme}://`}${hostPort}`;
    return { expected: ENDPOINT_EXPECTED, found: `${found}, with a user name or password`, suggestion: `gRPC sends no credentials from the URL, the OpenTelemetry exporter dialled ${hostPort} without them: write ${write} and give them as a header (sink.headers or OTEL_EXPORTER_OTLP_HEADERS: authorization=Basic …)` };
  }
  const lower = scheme?.toLowerCase();
  // `http://${COLLECTOR}` with COLLECTOR=http://otel:4317: the URL's host is "http", its port empty.
  const inner = scheme === undefined ? undefined : /^[a-z][a-z0-9+.-]*:\/\//i.exec(endpoint.slice(scheme.length + 3))?.[0];
  if (inner !== undefined) {
    const write = endpoint.slice(scheme!.length + 3);
    return { expected: ENDPOINT_EXPECTED, found, suggestion: `did you mean ${write}? the scheme is written twice: the OpenTelemetry exporter dialled the host "${url.hostname}", port 443` };
  }
  if (scheme === undefined || scheme === 'http' || lower === 'https') {
    return /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)$/i.test(url.hostname) ? undefined
      : { expected: ENDPOINT_EXPECTED, found: `${found}, whose host ${JSON.stringify(url.hostname)} is no host name (letters, digits, '-', '.') nor IP address: its name resolution would fail at every attempt` };
  }
  const refused = (write: string, why: string): GrpcValueProblem => ({ expected: ENDPOINT_EXPECTED, found, suggestion: `did you mean ${write}? ${why}` });
  if (lower === 'dns') return refused(`http://${url.pathname.slice(1)}`, 'a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS');
  const rest = endpoint.slice(scheme.length + 3);
  if (lower === 'http') return refused(`http://${rest}`, `the OpenTelemetry exporter reads http:// in lower case only, and dialled ${scheme}:// with TLS`);
  return refused(`${lower === 'grpcs' ? 'https' : 'http'}://${rest}`, `the scheme is http:// for plaintext or https:// for TLS; the OpenTelemetry exporter took ${scheme}:// as http:// and dialled TLS all the same`);
};

const HEADER_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'];
const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];

const HEADERS_EXPECTED = 'comma-separated name=value pairs, values percent-encoded (a % itself as %25), as the OpenTelemetry exporters read them';
/**
 * What the exporters' parser (@opentelemetry/core's parseKeyPairsIntoRecord) does to a header
 * value other than decode it — leave the header out, or cut the value — said; undefined when nothing.
 */
const parserLoses = (value: string): string | undefined => {
  const out = 'the exporter leaves the header out, and it would not be sent';
  if (value === '') return `an empty value: ${out}`;
  // What follows a ';' is W3C baggage metadata to that parser: the value sent ended before it.
  if (value.includes(';')) return `a value with ";" at character ${value.indexOf(';') + 1}, where the exporter cuts it (write it %3B): the header would be sent with less than its value`;
  try {
    decodeURIComponent(value);
    return undefined;
  } catch {
    return `a value that is not valid percent-encoding: ${out}`;
  }
};

/**
 * The OTLP exporter conventions' environment, as the OpenTelemetry exporters read it: headers
 * (`name=value,…`, values percent-decoded) and, unless the config names one (it wins), the endpoint.
 * A header entry the exporters' parser leaves out without a word — no `=`, no name, an empty value,
 * a value that is not percent-encoding (an API key with a % in it) — is an error too: the header
 * was not sent, and a receiver that needs it refused every request (dead letters, all); so is a
 * value with a `;`, which it cuts there.
 * Values are described, never printed (they are often secrets); so are an entry with no `=` and a
 * name of other characters than a header name's.
 */
export const checkOtlpEnv = (env: Readonly<Record<string, string | undefined>>, configEndpoint?: string): ConfigError[] => [
  // A value in quotes is said as that, not as the malformed header or URL it makes (quotedEnv.ts).
  ...quotedEnvErrors(env, OTLP_EXPORTER_VARIABLES),
  ...HEADER_VARIABLES.filter((variable) => !isQuoted(env[variable])).flatMap((variable) => {
    const pairs = (env[variable] ?? '').split(',');
    const nameOf = (pair: string): string => (pair.includes('=') ? pair.slice(0, pair.indexOf('=')).trim() : '');
    return pairs.flatMap((pair, i): ConfigError[] => {
      if (pair.trim() === '') return [];
      const at = pair.indexOf('=');
      const name = nameOf(pair);
      if (name === '') {
        const what = at < 0 ? 'no "="' : 'no name before its "="';
        return [{ path: `environment ${variable}, entry ${i + 1}`, expected: HEADERS_EXPECTED, found: `an entry of ${pair.trim().length} characters with ${what} (not shown), which the exporter leaves out` }];
      }
      const nameProblem = headerNameProblem(name);
      if (nameProblem !== undefined) {
        // A name of other characters is not printed: 'Authorization: Basic dXNlcjpwYXNz=' (': ' for
        // '=') has its secret before the first '='.
        const bad = badNameCharAt(name);
        if (bad < 0) return [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, ...nameProblem }];
        return [{ path: `environment ${variable}, entry ${i + 1}`, expected: nameProblem.expected, found: `a name with ${JSON.stringify([...name][bad])} at character ${bad + 1} (not shown)` }];
      }
      // The parser keeps the last of two entries of a name; two in different case are both set, and the later value wins.
      const earlier = pairs.slice(0, i).findIndex((other) => nameOf(other).toLowerCase() === name.toLowerCase());
      if (earlier >= 0) return [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, ...headerTwiceProblem(`entry ${earlier + 1}`) }];
      const value = pair.slice(at + 1).trim();
      const lost = parserLoses(value);
      if (lost !== undefined) return [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, expected: HEADERS_EXPECTED, found: lost }];
      // The value is not shown (a secret), the reference is.
      const unexpanded = unexpandedReference(decodeURIComponent(value));
      if (unexpanded !== undefined) return [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, expected: HEADERS_EXPECTED, found: `a value ${unexpanded.found}`, suggestion: unexpanded.suggestion }];
      const problem = headerValueProblem(decodeURIComponent(value));
      return problem === undefined ? [] : [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, ...problem }];
    });
  }),
  ...(configEndpoint !== undefined ? [] : ENDPOINT_VARIABLES).filter((variable) => !isQuoted(env[variable])).flatMap((variable): ConfigError[] => {
    const value = env[variable]?.trim();
    const problem = value ? endpointProblem(value) : undefined;
    return problem === undefined ? [] : [{ path: `environment ${variable}`, ...problem }];
  }),
];

const PROTOCOL_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'];

/**
 * A warning when the environment asks for an OTLP protocol chronoq does not speak: it speaks
 * OTLP/gRPC only, so with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf (the OpenTelemetry JS SDK's
 * default, often set for every container of a pod) it sends gRPC, to an endpoint that may be
 * the collector's OTLP/HTTP port — which failed at the first export with "Protocol error", after
 * a silent start. Undefined when the variable is unset or grpc.
 */
export const otlpProtocolWarning = (env: Readonly<Record<string, string | undefined>>, endpoint: string): string | undefined => {
  const variable = PROTOCOL_VARIABLES.find((v) => (env[v] ?? '').trim() !== '');
  const protocol = variable === undefined ? 'grpc' : env[variable]!.trim();
  if (protocol.toLowerCase() === 'grpc') return undefined;
  const httpPort = /:4318\/?$/.test(endpoint) ? '; 4318 is the usual OTLP/HTTP port, OTLP/gRPC listens on 4317' : '';
  return `${variable}=${protocol}, but chronoq speaks OTLP/gRPC only: it sends gRPC to ${endpoint}${httpPort}`;
};
