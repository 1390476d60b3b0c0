/**
 * The otlp source's TLS files, checked at load as the sink's are (files.ts): each readable and
 * what it should hold, and the key the certificate's own — a receiver that could not start its
 * TLS listener said so only when the first client connected, or never.
 */
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from './resolve.js';
import type { ConfigError } from './errors.js';
import { readPem } from './files.js';
import { pemCertificate, pemPrivateKey } from '../otlp/pemFiles.js';

type ReadFile = (path: string) => Buffer;

export const receiverTlsProblems = (c: ResolvedConfig, read: ReadFile = readFileSync): ConfigError[] =>
  c.sources.flatMap((s, index) => {
    if (s.type !== 'otlp') return [];
    return (['grpc', 'http'] as const).flatMap((protocol) => {
      const tls = s.protocols[protocol]?.tls;
      if (tls === undefined) return [];
      const at = (key: string): string => `config.sources[${index}].protocols.${protocol}.tls.${key}`;
      const errors: ConfigError[] = [];
      const checked = <A>(key: string, path: string | undefined, what: string, parse: (pem: Buffer) => A): A | undefined => {
        if (path === undefined) return undefined;
        const r = readPem(read, at(key), path, what, parse);
        if ('error' in r) errors.push(r.error);
        return 'ok' in r ? r.ok : undefined;
      };
      const cert = checked('cert', tls.cert, 'a PEM certificate', (pem) => pemCertificate(pem));
      const key = checked('key', tls.key, 'a PEM private key', (pem) => pemPrivateKey(pem));
      checked('clientCa', tls.clientCa, 'a PEM certificate', (pem) => pemCertificate(pem));
      if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) {
        errors.push({ path: at('key'), expected: `the private key of ${at('cert').replace('config.', '')}`, found: `${JSON.stringify(tls.key)}, the key of another certificate` });
      }
      return errors;
    });
  });
