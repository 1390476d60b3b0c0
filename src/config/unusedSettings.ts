/**
 * Settings a config gives that do nothing with the rest of it — said by `validate` and at the
 * start of `run`, as warnings: each was taken without a word, and the person who wrote it believed
 * it in effect.
 * - `delivery.lanes` under `reorder.order: global`: one lane carries the whole stream, in order.
 * - `delivery.retry`'s backoff and attempts under `guarantee: at-most-once`: one attempt a batch
 *   (its `maxElapsedMs` still bounds how long a batch waits for an open breaker).
 * - `spool` under `guarantee: at-most-once`: nothing is kept for a later attempt (it was an info
 *   line of `run` alone).
 * - `delivery.overflow: dead-letter-oldest` with a spool: delivery's queue never overflows then
 *   (what has no room in it waits in the spool), and a full spool refuses the newest samples.
 * - `skew.sourceOffsetThresholdMs` without `skew.sourceAttribute`: no source is told apart.
 * - an otlp source's durable answers (with a spool) under a reorder window as long as the wait for them.
 * - an NDJSON source's `pollMs` (other than the default: examples/reference.yaml names every key)
 *   without `follow: true`: the file is read once, to its end.
 * - the scheme of the endpoint (`sink.endpoint`, else the OTLP variables') against `sink.tls`
 *   (tlsAgainstScheme): `http://` with sink.tls (files or not) connects with TLS, `https://`
 *   with `insecure: true` in plaintext — given credentials win, as the official exporter's do —
 *   and the failure hints told the person who wrote https:// to write https://; and TLS files named
 *   by the OTLP variables with an `http://` endpoint (envTlsAgainstPlaintext).
 */
import { type ResolvedConfig, resolveConfig } from './resolve.js';
import { DEFAULT_POLL_MS } from '../sources/ndjsonOptions.js';
import { SETTLE_WAIT_MS } from '../sources/otlpReceiverTypes.js';
import { endpointSettingOf } from '../otlp/dialTarget.js';
import { DEFAULT_ENDPOINT, envTlsVariables } from '../otlp/envTlsFiles.js';

type Env = Readonly<Record<string, string | undefined>>;

// `sources: []`: no host source, so no host lookup for the resource — only the defaults are read.
const DEFAULTS = resolveConfig({ sources: [] });
const UNUSED_AT_MOST_ONCE = ['initialDelayMs', 'maxDelayMs', 'multiplier', 'jitter', 'maxAttempts'] as const;

/**
 * How sink.tls overrides the endpoint's scheme: 'tls-on-http' (http:// with sink.tls: TLS is
 * used), 'plaintext-on-https' (https:// with insecure: plaintext), or undefined.
 */
export type TlsAgainstScheme = 'tls-on-http' | 'plaintext-on-https';

/** The override, and the setting the endpoint came from (`sink.endpoint` or an OTLP variable). */
const schemeOverride = (c: ResolvedConfig, env: Env): { readonly against: TlsAgainstScheme; readonly endpoint: string; readonly files: boolean } | undefined => {
  if (c.sink.type !== 'otlp-grpc' || c.sink.tls === undefined) return undefined;
  // The endpoint from the environment too: sink.tls overrides its scheme the same way.
  const given = endpointSettingOf(c.sink.endpoint, env);
  if (given === undefined) return undefined;
  const scheme = /^(https?):\/\//i.exec(given.value)?.[1]?.toLowerCase();
  const { insecure, ca, cert, key } = c.sink.tls;
  const files = (ca ?? cert ?? key) !== undefined;
  if (scheme === 'https' && insecure === true) return { against: 'plaintext-on-https', endpoint: given.setting, files };
  // Without files too: `tls: {}` (or `insecure: false`) is TLS checked against the system's CAs.
  if (scheme === 'http' && insecure !== true) return { against: 'tls-on-http', endpoint: given.setting, files };
  return undefined;
};

/**
 * TLS files named by the OTLP variables (a sink without `sink.tls` takes its credentials from
 * them) with an `http://` endpoint: plaintext, the files not read — as the exporter base's rules
 * have it (envTlsFiles.ts). Measured: a plaintext Collector took every batch with
 * OTEL_EXPORTER_OTLP_CERTIFICATE set, and nothing said the certificate was not in use.
 */
const envTlsAgainstPlaintext = (c: ResolvedConfig, env: Env): string | undefined => {
  if (c.sink.type !== 'otlp-grpc' || c.sink.tls !== undefined) return undefined;
  const variables = envTlsVariables(env);
  if (variables.length === 0) return undefined;
  const given = endpointSettingOf(c.sink.endpoint, env) ?? { value: DEFAULT_ENDPOINT, setting: `the default endpoint ${DEFAULT_ENDPOINT}` };
  if (!given.value.startsWith('http://')) return undefined; // as the exporter base tells it (case and all: `HTTP://` is TLS there)
  const them = variables.length === 1 ? 'it' : 'them';
  return `${variables.join(', ')} ${variables.length === 1 ? 'is' : 'are'} not used: ${given.setting}'s http:// makes the connection plaintext; write https:// to use ${them}, or unset ${them} for a plaintext receiver`;
};

export const tlsAgainstScheme = (c: ResolvedConfig, env: Env = process.env): TlsAgainstScheme | undefined => schemeOverride(c, env)?.against;

export const unusedSettings = (c: ResolvedConfig, env: Env = process.env): string[] => {
  const lines: string[] = [];
  const { against, endpoint, files } = schemeOverride(c, env) ?? {};
  const why = files ? 'sink.tls gives TLS files, so the connection uses TLS' : "sink.tls without insecure: true makes the connection TLS (checked against the system's CAs)";
  if (against === 'tls-on-http') lines.push(`${endpoint}'s http:// is not used: ${why}; write https:// to say so, or leave sink.tls out for a plaintext receiver`);
  if (against === 'plaintext-on-https') lines.push(`${endpoint}'s https:// is not used: sink.tls.insecure true makes the connection plaintext; write http:// to say so, or leave insecure out for TLS`);
  const unusedEnvTls = envTlsAgainstPlaintext(c, env);
  if (unusedEnvTls !== undefined) lines.push(unusedEnvTls);
  if (c.reorder.order === 'global' && c.delivery.lanes !== 1) {
    lines.push(`delivery.lanes ${c.delivery.lanes} is not used: reorder.order global delivers on one lane, so that the whole stream reaches the receiver in order`);
  }
  if (c.delivery.guarantee === 'at-most-once') {
    const set = UNUSED_AT_MOST_ONCE.filter((k) => c.delivery.retry[k] !== DEFAULTS.delivery.retry[k]);
    if (c.spool !== undefined) lines.push(`spool ${c.spool.path} is not used: delivery.guarantee at-most-once keeps nothing for a later attempt`);
    if (set.length > 0) lines.push(`delivery.retry.${set.join(', .')} ${set.length === 1 ? 'is' : 'are'} not used: delivery.guarantee at-most-once makes one attempt a batch (retry.maxElapsedMs still bounds its wait for an open breaker)`);
  }
  if (c.spool !== undefined && c.delivery.guarantee === 'at-least-once' && c.delivery.overflow === 'dead-letter-oldest') {
    lines.push('delivery.overflow dead-letter-oldest is not used with a spool: what has no room in delivery\'s queue waits in the spool, and a full spool (spool.maxBytes) refuses the newest samples');
  }
  if (c.skew.sourceAttribute === undefined && c.skew.sourceOffsetThresholdMs !== DEFAULTS.skew.sourceOffsetThresholdMs) {
    lines.push(`skew.sourceOffsetThresholdMs ${c.skew.sourceOffsetThresholdMs} is not used: without skew.sourceAttribute no source's clock is watched`);
  }
  const { initialDelayMs, maxDelayMs } = c.delivery.retry;
  if (c.delivery.guarantee === 'at-least-once' && initialDelayMs > maxDelayMs) {
    lines.push(`delivery.retry.initialDelayMs ${initialDelayMs} is not used: retry.maxDelayMs ${maxDelayMs} caps every wait, the first too`);
  }
  const { halfOpenAfterMs, maxHalfOpenAfterMs } = c.delivery.breaker;
  if (maxHalfOpenAfterMs < halfOpenAfterMs) {
    lines.push(`delivery.breaker.maxHalfOpenAfterMs ${maxHalfOpenAfterMs} is not used: it is below breaker.halfOpenAfterMs ${halfOpenAfterMs}, so every wait is that`);
  }
  c.sources.forEach((src, i) => {
    if (src.type === 'ndjson' && src.follow !== true && src.pollMs !== undefined && src.pollMs !== DEFAULT_POLL_MS) lines.push(`sources[${i}].pollMs ${src.pollMs} is not used: without follow: true the file is read once, to its end`);
    // Its answer waits for the points to reach the spool, which the reorder window holds them from.
    if (src.type === 'otlp' && c.spool !== undefined && c.reorder.maxDelayMs >= SETTLE_WAIT_MS) {
      lines.push(`spool ${c.spool.path} does not make sources[${i}] (otlp)'s answers durable: reorder.maxDelayMs ${c.reorder.maxDelayMs} holds the points longer than the ${SETTLE_WAIT_MS} ms an answer waits for them to reach the spool (within the exporters' 10 s deadline); a crash before then loses what was answered — keep maxDelayMs under ${SETTLE_WAIT_MS}`);
    }
  });
  return lines;
};
