/**
 * The HTTP proxy gRPC connects the sink through, read from the environment by grpc-js's rules
 * (@grpc/grpc-js http_proxy.js), so that a user is told about it: an `http_proxy` set for a
 * container's outbound web traffic carries the sink's connection too, and when the proxy refused
 * or could not reach the receiver, every attempt failed with "No connection established. Last
 * error: undefined." — grpc-js keeps the reason to its own log line.
 *
 * The rules, as grpc-js 1.14 has them (they differ from curl's): the first of `grpc_proxy`,
 * `https_proxy`, `http_proxy` that is set — lower case only — and only an `http://` URL (another
 * scheme, or one that does not parse, means no proxy); a unix socket never; a receiver host in the
 * first of `no_grpc_proxy`, `no_proxy` that is set — a comma-separated list whose entries are not
 * trimmed, each an IPv4 CIDR range or a suffix of the host (so an empty entry, as a trailing comma
 * leaves, matches every host) — is reached directly.
 */
import { isIPv4 } from 'node:net';

type Env = Readonly<Record<string, string | undefined>>;

export interface GrpcProxy {
  /** The variable it comes from: grpc_proxy, https_proxy or http_proxy. */
  readonly variable: string;
  /** The proxy's URL, a user name and password in it masked. */
  readonly url: string;
}

const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy'] as const;
const NO_PROXY_VARIABLES = ['no_grpc_proxy', 'no_proxy'] as const;

/** The host of a gRPC target (`host:port`, `[v6]:port`, `host`), undefined for a unix socket or a target grpc-js cannot split. */
const hostOf = (target: string): string | undefined => {
  if (target.startsWith('unix:')) return undefined;
  const path = target.replace(/^dns:(\/\/[^/]*\/)?/, '');
  if (path.startsWith('[')) {
    const end = path.indexOf(']');
    return end < 0 ? undefined : path.slice(1, end);
  }
  const parts = path.split(':');
  return parts.length <= 2 ? parts[0] : path; // more colons: a bare IPv6 address
};

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((acc, octet) => (acc << 8) + Number.parseInt(octet, 10), 0);

/** An entry of no_proxy as grpc-js reads an IPv4 CIDR range (parseCIDR), or undefined. */
const cidrOf = (entry: string): { ip: number; prefix: number } | undefined => {
  const parts = entry.split('/');
  const prefix = parts.length === 2 ? Number.parseInt(parts[1]!, 10) : NaN;
  return parts.length === 2 && isIPv4(parts[0]!) && prefix >= 0 && prefix <= 32 ? { ip: ipv4ToInt(parts[0]!), prefix } : undefined;
};

/** grpc-js's no_proxy match: an IPv4 CIDR range holding the host, or a suffix of it. */
const inNoProxyList = (host: string, env: Env): boolean => {
  const variable = NO_PROXY_VARIABLES.find((v) => env[v]);
  return (variable === undefined ? [] : env[variable]!.split(',')).some((entry) => {
    const cidr = cidrOf(entry);
    const mask = cidr === undefined ? 0 : -1 << (32 - cidr.prefix);
    return (cidr !== undefined && isIPv4(host) && (ipv4ToInt(host) & mask) === (cidr.ip & mask)) || host.endsWith(entry);
  });
};

/** The proxy grpc-js connects `target` (the sink's address) through, from `env`; undefined when none. */
export const grpcProxyFor = (target: string, env: Env): GrpcProxy | undefined => {
  const variable = PROXY_VARIABLES.find((v) => env[v]);
  if (variable === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(env[variable]!);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  const host = hostOf(target);
  if (host === undefined || inNoProxyList(host, env)) return undefined;
  if (url.username !== '' || url.password !== '') {
    url.username = '***';
    url.password = '';
  }
  return { variable, url: url.href.replace(/\/$/, '') };
};
