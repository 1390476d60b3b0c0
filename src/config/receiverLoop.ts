/**
 * A sink aimed at this chronoq's own otlp source is a config error. The applications' variable
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 — set for a host or a pod, as an agent's
 * instructions say — is read by chronoq's sink as well when the config gives no sink.endpoint (and
 * it is the sink's default): every sample would be sent back in, round and round, its copies
 * growing without end.
 */
import { hostname } from 'node:os';
import type { ResolvedConfig } from './resolve.js';
import type { ConfigError } from './errors.js';
import { endpointSettingOf, isLoopback, targetHost } from '../otlp/dialTarget.js';
import { DEFAULT_ENDPOINT } from '../otlp/envTlsFiles.js';
import { splitEndpoint } from '../sources/otlpReceiverTypes.js';

type Env = Readonly<Record<string, string | undefined>>;

/** An address a listener binds for every interface. */
const ANY = new Set(['0.0.0.0', '::', '']);
/** Names of this machine: what a listener on `host` is reached by from here. */
const isLocal = (host: string): boolean => isLoopback(host) || ANY.has(host) || host === hostname().toLowerCase();

/** Whether a sink dialling sinkHost:port reaches a listener on listenHost:port (same port assumed). */
const reaches = (sinkHost: string, listenHost: string): boolean =>
  sinkHost === listenHost || (isLocal(sinkHost) && isLocal(listenHost));

export const sinkIntoOwnReceiver = (c: ResolvedConfig, env: Env): ConfigError[] => {
  if (c.sink.type !== 'otlp-grpc') return [];
  const given = endpointSettingOf(c.sink.endpoint, env) ?? { value: DEFAULT_ENDPOINT, setting: `the default endpoint ${DEFAULT_ENDPOINT}` };
  // host:port as a gRPC target (the scheme and any path left out), split as the sink's are.
  const target = given.value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/[/?#].*$/, '');
  const port = /:(\d+)$/.exec(target)?.[1];
  const sinkHost = targetHost(target)?.toLowerCase();
  if (port === undefined || sinkHost === undefined) return [];
  return c.sources.flatMap((s, index) => {
    if (s.type !== 'otlp' || s.protocols.grpc?.endpoint === undefined) return [];
    const listen = splitEndpoint(s.protocols.grpc.endpoint);
    if (listen.port !== Number(port) || !reaches(sinkHost, listen.host.toLowerCase())) return [];
    const fromEnv = given.setting.startsWith('OTEL_');
    return [{
      path: fromEnv ? given.setting : 'config.sink.endpoint',
      expected: `a receiver other than this chronoq: sources[${index}] (otlp) listens on ${s.protocols.grpc.endpoint}, so every sample would be sent back in to it, round and round`,
      found: JSON.stringify(given.value),
      suggestion: `give sink.endpoint the Collector's address${fromEnv ? ` (${given.setting}, set for the applications, is read by chronoq's sink too when the config has no sink.endpoint)` : ''}`,
    }];
  });
};
