/**
 * The otlp source's TLS files, by protocol, named as the config names them: checked at load as
 * the sink's are (files.ts tlsFileProblems: each readable and what it should hold, the key the
 * certificate's own — a receiver that could not start its TLS listener said so only when the
 * first client connected, or never), and watched while it runs (otlpReceiver.ts).
 */
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from './resolve.js';
import type { OtlpSourceConfig } from './schema.js';
import type { ConfigError } from './errors.js';
import { type TlsFileSettings, type TlsFiles, tlsFileProblems } from './files.js';

type ReadFile = (path: string) => Buffer;

/** Each protocol's TLS files (the client CA as `ca`) and how problems name them. */
export const receiverTlsFiles = (s: OtlpSourceConfig, index: number): Partial<Record<'grpc' | 'http', { files: TlsFiles; settings: TlsFileSettings }>> =>
  Object.fromEntries((['grpc', 'http'] as const).flatMap((protocol) => {
    const tls = s.protocols[protocol]?.tls;
    if (tls === undefined) return [];
    const at = `sources[${index}].protocols.${protocol}.tls`;
    const settings: TlsFileSettings = { names: { ca: `${at}.clientCa`, cert: `${at}.cert`, key: `${at}.key` }, pathOf: (name) => `config.${name}` };
    return [[protocol, { files: { cert: tls.cert, key: tls.key, ...(tls.clientCa !== undefined ? { ca: tls.clientCa } : {}) }, settings }]];
  }));

export const receiverTlsProblems = (c: ResolvedConfig, read: ReadFile = readFileSync): ConfigError[] =>
  c.sources.flatMap((s, index) =>
    s.type !== 'otlp' ? [] : Object.values(receiverTlsFiles(s, index)).flatMap(({ files, settings }) => tlsFileProblems(files, read, settings)));
