/**
 * The sink's TLS credentials: PEM contents (strings or Buffers) handed to grpc-js's createSsl.
 */
import * as grpc from '@grpc/grpc-js';
import { InvalidOptionError } from '../errors.js';
import { PemProblem, pemCertificate, pemPrivateKey } from './pemFiles.js';
import type { OtlpTlsOptions } from './otlpGrpcSinkTypes.js';

const asBuffer = (v: string | Buffer | undefined): Buffer | null => (v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v);

/**
 * gRPC's TLS credentials of PEM contents, checked first as the config checks the files
 * (pemFiles.ts): a DER certificate threw "PEM routines::no start line" from deep in grpc-js, a
 * DER CA was taken and trusted nothing, an encrypted key threw "bad decrypt".
 */
export const sslCredentials = (tls: Pick<OtlpTlsOptions, 'ca' | 'cert' | 'key'>): grpc.ChannelCredentials => {
  const pair = { cert: 'tls.cert', key: 'tls.key' };
  const checks = [['ca', tls.ca, (pem: Buffer) => pemCertificate(pem)], ['cert', tls.cert, (pem: Buffer) => pemCertificate(pem, pair)], ['key', tls.key, (pem: Buffer) => pemPrivateKey(pem, pair)]] as const;
  for (const [option, value, check] of checks) {
    const pem = asBuffer(value);
    if (pem === null) continue;
    try {
      check(pem);
    } catch (e) {
      const found = e instanceof PemProblem ? `${e.found}${e.suggestion === undefined ? '' : ` (${e.suggestion})`}` : `none (${e instanceof Error ? e.message : String(e)})`;
      throw new InvalidOptionError('otlpGrpcSink', `tls.${option}`, option === 'key' ? 'the PEM of a private key' : 'the PEM of a certificate', found);
    }
  }
  return grpc.credentials.createSsl(asBuffer(tls.ca), asBuffer(tls.key), asBuffer(tls.cert));
};
