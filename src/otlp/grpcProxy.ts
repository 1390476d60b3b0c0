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
import { isLoopback, targetHost } from './dialTarget.js';
import { maskUserInfo } from '../config/grpcValues.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface GrpcProxy {
  /** The variable it comes from: grpc_proxy, https_proxy or http_proxy. */
  readonly variable: string;
  /** The proxy's URL, a user name and password in it masked. */
  readonly url: string;
}

const PROXY_VARIABLES = ['grpc_proxy', 'https_proxy', 'http_proxy'] as const;
const NO_PROXY_VARIABLES = ['no_grpc_proxy', 'no_proxy'] as const;

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((acc, octet) => (acc << 8) + Number.parseInt(octet, 10), 0);

/** An entry of no_proxy as grpc-js reads an IPv4 CIDR range (parseCIDR), or undefined. */
const cidrOf = (entry: string): { ip: number; prefix: number } | undefined => {
  const parts = entry.split('/');
  const prefix = parts.length === 2 ? Number.parseInt(parts[1]!, 10) : NaN;
  return parts.length === 2 && isIPv4(parts[0]!) && prefix >= 0 && prefix <= 32 ? { ip: ipv4ToInt(parts[0]!), prefix } : undefined;
};

/** grpc-js's no_proxy match of a list (comma-separated): an IPv4 CIDR range holding the host, or a suffix of it. */
const listHolds = (host: string, list: string | undefined): boolean =>
  (list === undefined ? [] : list.split(',')).some((entry) => {
    const cidr = cidrOf(entry);
    const mask = cidr === undefined ? 0 : -1 << (32 - cidr.prefix);
    return (cidr !== undefined && isIPv4(host) && (ipv4ToInt(host) & mask) === (cidr.ip & mask)) || host.endsWith(entry);
  });

/** The first of `variables` that is set (not empty), as grpc-js picks them. */
const firstSet = <V extends string>(variables: readonly V[], env: Env): V | undefined => variables.find((v) => env[v]);

/** grpc-js's no_proxy match, on the first of no_grpc_proxy, no_proxy that is set. */
const inNoProxyList = (host: string, env: Env): boolean => {
  const variable = firstSet(NO_PROXY_VARIABLES, env);
  return listHolds(host, variable === undefined ? undefined : env[variable]);
};

/** The proxy grpc-js connects `target` (the sink's address) through, from `env`; undefined when none. */
export const grpcProxyFor = (target: string, env: Env): GrpcProxy | undefined => {
  const variable = firstSet(PROXY_VARIABLES, env);
  if (variable === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(env[variable]!);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  const host = targetHost(target);
  if (host === undefined || inNoProxyList(host, env)) return undefined;
  if (url.username !== '' || url.password !== '') {
    url.username = '***';
    url.password = '';
  }
  return { variable, url: url.href.replace(/\/$/, '') };
};


/**
 * What in the environment a user may take for the sink's proxy setting, and gRPC does not read as
 * they mean it — each a line to say at start (they were silent, or a bare grpc-js line such as
 * `"proxy.corp:" scheme not supported in proxy URI`, and the sink connected directly: in a network
 * that lets out only through the proxy, every attempt failed as unreachable or as a name that does
 * not resolve):
 * - a proxy URL grpc-js does not take: not `http://` — written without a scheme, as curl, wget and
 *   npm accept it (`proxy.corp:3128`), or an `https://` proxy;
 * - only upper-case variables (`HTTPS_PROXY`, as Docker, Kubernetes and systemd units often set
 *   them, and Go programs such as the Collector read): grpc-js reads lower case only;
 * - a proxy in use and the receiver listed in `NO_PROXY` alone, which grpc-js does not read;
 * - a proxy in use for a receiver on this machine (localhost, 127.0.0.1, ::1): grpc-js leaves
 *   no address out by itself, and the proxy dials its own localhost.
 * None for a unix socket (never proxied), nor when the receiver is meant to be reached directly
 * (a no-proxy list of either case names it, or it is this machine) and gRPC does so.
 */
export const proxyEnvWarnings = (target: string, env: Env): string[] => {
  const host = targetHost(target);
  if (host === undefined) return [];
  const upperNoProxy = env['NO_PROXY'] || undefined;
  // This machine is never reached through a proxy by Go's rules (the Collector's), whatever no_proxy says.
  const loopback = isLoopback(host);
  const meantDirect = loopback || inNoProxyList(host, env) || listHolds(host, upperNoProxy);
  const variable = firstSet(PROXY_VARIABLES, env);
  if (variable === undefined) {
    const upper = firstSet(['GRPC_PROXY', 'HTTPS_PROXY', 'HTTP_PROXY'] as const, env);
    if (upper === undefined || meantDirect) return [];
    return [`${upper}=${maskUserInfo(env[upper]!)} is not used for the sink's connection: gRPC (grpc-js) reads only lower-case proxy variables (grpc_proxy, https_proxy, http_proxy), so it connects to ${target} directly; set ${upper.toLowerCase()} as well for it to go through the proxy`];
  }
  const value = env[variable]!;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:') {
    if (meantDirect) return [];
    const schemeless = !value.includes('://');
    const why = schemeless ? ` — write http://${maskUserInfo(value)}` : protocol === 'https:' ? ' — it speaks to a proxy in plain HTTP (CONNECT), whatever the endpoint\'s scheme, and cannot use one reached over TLS' : '';
    return [`${variable}=${maskUserInfo(value)} is not used for the sink's connection: gRPC (grpc-js) takes a proxy only as an http:// URL${why}; the sink connects to ${target} directly`];
  }
  const proxy = grpcProxyFor(target, env);
  if (proxy === undefined) return [];
  if (loopback) {
    return [`the receiver ${target} is on this machine, yet gRPC connects to it through the proxy ${proxy.url} (${variable}), which then dials its own ${host}: grpc-js leaves out no address of its own accord (Go, and so the Collector, leaves out this machine's); add ${host} to no_proxy`];
  }
  if (listHolds(host, upperNoProxy)) {
    return [`NO_PROXY lists ${host}, but gRPC (grpc-js) reads only no_grpc_proxy and no_proxy (lower case): the sink connects through the proxy ${proxy.url} (${variable}); set no_proxy as well for ${host} to be reached directly`];
  }
  return [];
};
