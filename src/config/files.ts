/**
 * The files a config names for the sink's TLS (CA, client certificate, client key), checked when
 * the config is loaded — by `chronoq validate` as by `chronoq run` — so that a wrong path or a key
 * given as a certificate is reported at its config path like any other mistake, instead of
 * stopping the run with a stack trace or failing every export later with a handshake error.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from './resolve.js';
import type { ConfigError } from './errors.js';

type ReadFile = (path: string) => Buffer;

type Checked<A> = { readonly ok: A } | { readonly error: ConfigError };

const readPem = <A>(read: ReadFile, at: string, path: string, what: string, parse: (pem: Buffer) => A): Checked<A> => {
  let pem: Buffer;
  try {
    pem = read(path);
  } catch (e) {
    return { error: { path: at, expected: `a readable file with ${what}`, found: `${JSON.stringify(path)} (${(e as NodeJS.ErrnoException).code ?? String(e)})` } };
  }
  try {
    return { ok: parse(pem) };
  } catch {
    return { error: { path: at, expected: what, found: `${JSON.stringify(path)}, which holds none` } };
  }
};

/** Every problem with the sink's TLS files, at its config path; none when there is no TLS. */
export const checkConfigFiles = (c: ResolvedConfig, read: ReadFile = readFileSync): ConfigError[] => {
  if (c.sink.type !== 'otlp-grpc' || c.sink.tls === undefined) return [];
  const { ca, cert, key } = c.sink.tls;
  const errors: ConfigError[] = [];
  const certificate = (pem: Buffer) => new X509Certificate(pem);
  const checked = <A>(at: string, path: string | undefined, what: string, parse: (pem: Buffer) => A): A | undefined => {
    if (path === undefined) return undefined;
    const r = readPem(read, `config.sink.tls.${at}`, path, what, parse);
    if ('error' in r) errors.push(r.error);
    return 'ok' in r ? r.ok : undefined;
  };
  checked('ca', ca, 'a PEM certificate', certificate);
  const clientCert = checked('cert', cert, 'a PEM certificate', certificate);
  const clientKey: KeyObject | undefined = checked('key', key, 'a PEM private key', (pem) => createPrivateKey(pem));
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'cert' : 'key';
    const other = missing === 'cert' ? 'key' : 'cert';
    errors.push({ path: `config.sink.tls.${missing}`, expected: `the client ${missing === 'cert' ? 'certificate' : 'key'} beside tls.${other} (mutual TLS needs both)`, found: 'nothing' });
  }
  if (clientCert !== undefined && clientKey !== undefined && !clientCert.checkPrivateKey(clientKey)) {
    errors.push({ path: 'config.sink.tls.key', expected: 'the private key of tls.cert', found: `${JSON.stringify(key)}, the key of another certificate` });
  }
  return errors;
};
