/**
 * The TLS files the sink hands gRPC, checked as gRPC reads them: PEM only, and a private key
 * without a passphrase (grpc-js's createSsl builds a Node secure context, which takes neither DER
 * nor a passphrase from it). Node's own X509Certificate reads DER as well, so a DER client
 * certificate passed the check at load and then stopped `chronoq run` with an uncaught
 * "PEM routines::no start line"; a DER CA passed both and was no CA at all — every handshake then
 * failed as "unable to verify", with the advice to give the CA that was given. And a file that is
 * not what its setting names was only said to hold none: these say what it holds, and what to do.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/** A file that is not the PEM its setting wants: what it holds instead, and what to do. */
export class PemProblem extends Error {
  override readonly name = 'PemProblem';
  constructor(readonly found: string, readonly suggestion?: string) {
    super(found);
  }
}

/** The names of the two client settings, `cert and key`, for the advice when they look swapped. */
export interface ClientPairNames {
  readonly cert: string;
  readonly key: string;
}
const swapped = (names: ClientPairNames | undefined): string | undefined => (names === undefined ? undefined : `${names.cert} and ${names.key} swapped?`);

const PEM_BEGIN = '-----BEGIN ';
const hasPemBlock = (text: string, label: RegExp): boolean => new RegExp(`-----BEGIN ${label.source}-----`).test(text);
const PRIVATE_KEY = /(?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY/;
const isEncryptedKey = (text: string): boolean => hasPemBlock(text, /ENCRYPTED PRIVATE KEY/) || /Proc-Type:\s*4,ENCRYPTED/.test(text);

/** What a file without a single PEM block holds: a DER certificate or key, or other binary (a PKCS#12 bundle, say). */
const binaryProblem = (pem: Buffer): PemProblem => {
  const der = (parse: () => unknown): boolean => {
    try {
      parse();
      return true;
    } catch {
      return false;
    }
  };
  if (der(() => new X509Certificate(pem))) return new PemProblem('a DER (binary) certificate, not PEM', 'gRPC reads PEM only: openssl x509 -inform der -in FILE -out FILE.pem');
  if ((['pkcs8', 'pkcs1', 'sec1'] as const).some((type) => der(() => createPrivateKey({ key: pem, format: 'der', type })))) {
    return new PemProblem('a DER (binary) private key, not PEM', 'gRPC reads PEM only: openssl pkey -inform der -in FILE -out FILE.pem');
  }
  // Text (no control bytes but line ends and tabs): simply not PEM; binary: likely a PKCS#12 bundle.
  if (!/[\x00-\x08\x0e-\x1f]/.test(pem.toString('latin1'))) return new PemProblem('no PEM block in it');
  return new PemProblem('binary, not PEM', 'a PKCS#12 bundle (.p12, .pfx)? openssl pkcs12 -in FILE -nodes writes its certificates and key as PEM');
};

/**
 * The first certificate of a PEM file (what the sink's ca and cert must be); throws PemProblem, or
 * what X509Certificate throws. `pair`: the client pair's setting names, when this is its cert.
 */
export const pemCertificate = (pem: Buffer, pair?: ClientPairNames): X509Certificate => {
  const text = pem.toString('latin1');
  if (!text.includes(PEM_BEGIN)) throw binaryProblem(pem);
  if (!hasPemBlock(text, /(?:TRUSTED )?CERTIFICATE/) && hasPemBlock(text, PRIVATE_KEY)) throw new PemProblem('a private key, not a certificate', swapped(pair));
  return new X509Certificate(pem);
};

/** The private key of a PEM file, unencrypted; throws PemProblem, or what createPrivateKey throws. */
export const pemPrivateKey = (pem: Buffer, pair?: ClientPairNames): KeyObject => {
  const text = pem.toString('latin1');
  if (!text.includes(PEM_BEGIN)) throw binaryProblem(pem);
  if (isEncryptedKey(text)) {
    throw new PemProblem('an encrypted private key', 'gRPC takes no passphrase: give it decrypted — openssl pkey -in FILE -out FILE.plain — readable by this user alone');
  }
  if (!hasPemBlock(text, PRIVATE_KEY) && hasPemBlock(text, /CERTIFICATE/)) throw new PemProblem('a certificate, not a private key', swapped(pair));
  return createPrivateKey(pem);
};
