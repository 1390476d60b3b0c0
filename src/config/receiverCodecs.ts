/**
 * The otlp source's config (src/sources/otlpReceiver.ts), shaped as the Collector's otlp
 * receiver's so that its block can be copied: `protocols: {grpc: {endpoint}, http: {endpoint}}`,
 * a protocol with no settings (`grpc:`, YAML's null) on its default endpoint (localhost:4317,
 * localhost:4318), at least one protocol.
 */
import * as t from 'io-ts';
import { type FailureWording, Bool, closed, fail, oneOf, NonEmptyString, NonNegativeInt, PositiveInt } from './codecs.js';
import { COLLECTOR_RECEIVER_KEYS } from './collectorKeys.js';

export const DEFAULT_GRPC_ENDPOINT = 'localhost:4317';
export const DEFAULT_HTTP_ENDPOINT = 'localhost:4318';

/** What is wrong with an address to listen on, or undefined: `host:port`, `[v6]:port`, port 0–65535 (0: any free one). */
export const listenEndpointProblem = (text: string): FailureWording | undefined => {
  const expected = 'host:port to listen on (localhost:4317; 0.0.0.0:4317 for every interface; [::1]:4317)';
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/i.exec(text);
  if (scheme) return { expected, suggestion: `without the scheme: ${scheme[1]!.replace(/\/+$/, '')} (a receiver's endpoint is where it listens, not a URL)` };
  const m = /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+):(\d{1,5})$/.exec(text);
  if (m === null) return { expected, ...(/^:\d+$/.test(text) ? { suggestion: `a host too: localhost${text} (this machine only) or 0.0.0.0${text} (every interface)` } : {}) };
  return Number(m[1]) > 65_535 ? { expected: `${expected}: a port up to 65535` } : undefined;
};

export const ListenEndpoint = new t.Type<string, string, unknown>('host:port', (u): u is string => typeof u === 'string', (u, c) => {
  const text = typeof u === 'string' ? u.trim() : undefined;
  if (text === undefined) return fail(u, c, { expected: 'host:port to listen on, such as localhost:4317' });
  const wrong = listenEndpointProblem(text);
  return wrong === undefined ? t.success(text) : fail(u, c, wrong);
}, (s) => s);

/** A receiver's TLS: its certificate and key, and for mutual TLS the CA its clients' certificates must come from. */
export const ReceiverTlsCodec = closed('otlp source tls', { cert: NonEmptyString, key: NonEmptyString }, { clientCa: NonEmptyString }, {
  cert_file: "chronoq's name for it is 'cert'", key_file: "chronoq's name for it is 'key'", client_ca_file: "chronoq's name for it is 'clientCa'",
  ca_file: "a receiver's CA is the one its clients' certificates come from: 'clientCa' (mutual TLS)",
});
/**
 * What is wrong with an origin a page may post from, or undefined: `*`, or `scheme://host[:port]`
 * with at most one `*` (`https://*.example.com`), as a browser sends it in Origin — no path, no
 * trailing slash (`https://app.example.com/` matches no page).
 */
export const corsOriginProblem = (text: string): FailureWording | undefined => {
  const expected = "an origin as a browser sends it: scheme://host[:port], one '*' at most (https://app.example.com, https://*.example.com), or '*' for any";
  if (text === '*') return undefined;
  if ((text.match(/\*/g) ?? []).length > 1) return { expected };
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/\s?#]+)(.*)$/i.exec(text);
  if (m === null) return { expected, ...(/^[^/:\s]+(:\d+)?$/.test(text) ? { suggestion: `with its scheme: https://${text}` } : {}) };
  return m[2] === '' ? undefined : { expected, suggestion: `${m[1]} (an origin has no path${m[2] === '/' ? ' and no trailing slash' : ''})` };
};
const CorsOrigin = new t.Type<string, string, unknown>('an origin', (u): u is string => typeof u === 'string', (u, c) => {
  if (typeof u !== 'string') return fail(u, c, { expected: 'an origin, such as https://app.example.com' });
  const wrong = corsOriginProblem(u.trim());
  return wrong === undefined ? t.success(u.trim()) : fail(u, c, wrong);
}, (s) => s);
const listOf = <A>(item: t.Type<A, A, unknown>, what: string, atLeastOne: boolean) => {
  const list = t.array(item, what);
  return new t.Type<A[], A[], unknown>(what, list.is, (u, c) => {
    if (!Array.isArray(u)) return fail(u, c, { expected: what, ...(typeof u === 'string' ? { suggestion: `[${u}]` } : {}) });
    return atLeastOne && u.length === 0 ? fail(u, c, { expected: `${what}, at least one`, found: 'an empty list' }) : list.validate(u, c);
  }, t.identity);
};
/** CORS on the HTTP listener (sources/corsPolicy.ts), the Collector's `cors` under chronoq's names. */
export const CorsCodec = closed('cors', { allowedOrigins: listOf(CorsOrigin, 'a list of origins', true) }, { allowedHeaders: listOf(NonEmptyString, 'a list of header names', false), maxAgeSeconds: NonNegativeInt }, {
  allowed_origins: "chronoq's name for it is 'allowedOrigins'", allowed_headers: "chronoq's name for it is 'allowedHeaders'",
  max_age: "chronoq's name for it is 'maxAgeSeconds'", exposed_headers: 'Retry-After is exposed (a page reads how long to wait after a 503); the answers carry no other header a page would read',
});
const ProtocolKeys = { endpoint: ListenEndpoint, tls: ReceiverTlsCodec };
const GrpcSettings = closed('otlp grpc protocol', {}, ProtocolKeys, { ...COLLECTOR_RECEIVER_KEYS, cors: 'CORS is for web pages posting OTLP/HTTP: under protocols.http' });
const HttpSettings = closed('otlp http protocol', {}, { ...ProtocolKeys, cors: CorsCodec }, COLLECTOR_RECEIVER_KEYS);
/** A protocol's settings; none at all (`grpc:`, null) is `{}`, as the Collector reads it (an absent protocol stays absent). */
const protocol = <A>(settings: t.Type<A, A, unknown>) => new t.Type<A, A, unknown>(settings.name, settings.is, (u, c) => settings.validate(u === null ? {} : u, c), t.identity);
const ProtocolsSettings = closed('protocols', {}, { grpc: protocol(GrpcSettings), http: protocol(HttpSettings) });
const Protocols = new t.Type<t.TypeOf<typeof ProtocolsSettings>, t.TypeOf<typeof ProtocolsSettings>, unknown>(ProtocolsSettings.name, ProtocolsSettings.is, (u, c) => {
  const decoded = ProtocolsSettings.validate(u, c);
  if (decoded._tag === 'Left' || decoded.right.grpc !== undefined || decoded.right.http !== undefined) return decoded;
  return fail(u, c, { expected: 'grpc, http or both', found: 'neither', suggestion: 'protocols: {grpc: {endpoint: localhost:4317}}' });
}, t.identity);

export const OtlpSourceCodec = closed('otlp source', { type: oneOf('otlp'), protocols: Protocols }, { maxRequestBytes: PositiveInt, bearerToken: NonEmptyString, summaries: oneOf('refuse', 'gauges'), staleMarkers: oneOf('refuse', 'skip'), stampedLocally: Bool });
