/**
 * The sink's TLS files, read again when they change: certificates are rotated under a running
 * process (cert-manager renewing a client certificate, a CA bundle replaced, a Kubernetes secret
 * updated by its symlink swap), and credentials built from the files at start went on being used —
 * after the old certificate expired or the receiver stopped trusting it, every attempt failed its
 * handshake until a restart.
 *
 * Every `everyMs` each file's identity, size and modification time are compared with the last
 * look; on a change the files are read and checked as at load (config/files.ts: certificates
 * and key parse, the key is the certificate's). A consistent set goes to `onReload` (the sink makes new
 * connections with it); one that is not (a rotation caught half-way: the new certificate beside
 * the old key) is reported and the set in use kept, until a later look finds it consistent.
 *
 * A client certificate that expires within a week is reported once, and once more when it has
 * expired (the receiver then refuses every handshake), so a rotation that is not happening is
 * seen before it costs an outage.
 *
 * ```
 * files:    cert,key ──── cert' ── key' ───────
 * looks:    ·    ·    ·    ·    ·    ·    ·
 * events:             invalid      reloaded(cert, key)
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileStamp } from '../fileIdentity.js';
import { X509Certificate } from 'node:crypto';
import { type TlsFileSettings, type TlsFiles, tlsFileProblems } from '../config/files.js';
import { formatConfigError } from '../config/errors.js';
import { platformTimers } from '../clock.js';

export type { TlsFiles } from '../config/files.js';
export interface TlsContents {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}
export type TlsFilesEvent =
  | { readonly kind: 'reloaded'; readonly changed: readonly (keyof TlsFiles)[]; readonly certNotAfter?: string }
  | { readonly kind: 'invalid'; readonly problem: string }
  /** The client certificate in use expires within EXPIRY_WARNING_DAYS, or has expired (once per certificate and stage). */
  | { readonly kind: 'expiry'; readonly certNotAfter: string; readonly daysLeft: number; readonly expired: boolean };

/** A client certificate this close to its end is reported (and again when it has expired). */
export const EXPIRY_WARNING_DAYS = 7;
const DAY_MS = 86_400_000;

export interface TlsFilesWatchOptions {
  readonly everyMs: number;
  readonly onReload: (tls: TlsContents) => void;
  readonly onEvent?: (e: TlsFilesEvent) => void;
  /** Repeats fn every ms until cancelled (default platformTimers.every: never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
  /** Wall-clock now (ms), for the client certificate's expiry. */
  readonly now: () => number;
  /** How problems name the files (default: the config's sink.tls). */
  readonly settings?: TlsFileSettings;
}

const NAMES = ['ca', 'cert', 'key'] as const;

/** The files' contents, or why they cannot be used together (the check made at load: config/files.ts). */
const readConsistent = (files: TlsFiles, settings?: TlsFileSettings): { tls: TlsContents; certNotAfter?: string } | { problem: string } => {
  const read = new Map<string, Buffer>();
  const readPem = (path: string): Buffer => {
    const pem = readFileSync(path);
    read.set(path, pem);
    return pem;
  };
  const problems = tlsFileProblems(files, readPem, settings);
  if (problems.length > 0) return { problem: `${formatConfigError(problems[0]!)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}` };
  const contentOf = (name: keyof TlsFiles) => (files[name] === undefined ? {} : { [name]: read.get(files[name]!)! });
  const tls: TlsContents = { ...contentOf('ca'), ...contentOf('cert'), ...contentOf('key') };
  return tls.cert === undefined ? { tls } : { tls, certNotAfter: new X509Certificate(tls.cert).validTo };
};

/** Watches `files`; cancel() stops it. */
export const watchTlsFiles = (files: TlsFiles, opts: TlsFilesWatchOptions): { cancel(): void } => {
  const names = NAMES.filter((n) => files[n] !== undefined);
  let inUse = new Map(names.map((n) => [n, fileStamp(files[n]!)]));
  let reported = '';
  /** The client certificate in use: its end, and the expiry stage last reported for it. */
  let cert: { notAfter: string; stage: 'fine' | 'soon' | 'expired' } | undefined;
  const useCert = (notAfter: string | undefined): void => {
    cert = notAfter === undefined ? undefined : { notAfter, stage: 'fine' };
  };
  const checkExpiry = (): void => {
    if (cert === undefined) return;
    const leftMs = Date.parse(cert.notAfter) - opts.now();
    const stage = leftMs <= 0 ? 'expired' : leftMs < EXPIRY_WARNING_DAYS * DAY_MS ? 'soon' : 'fine';
    if (stage === cert.stage) return;
    cert.stage = stage;
    if (stage !== 'fine') opts.onEvent?.({ kind: 'expiry', certNotAfter: cert.notAfter, daysLeft: Math.floor(leftMs / DAY_MS), expired: stage === 'expired' });
  };
  const atStart = files.cert === undefined ? undefined : readConsistent(files, opts.settings);
  useCert(atStart !== undefined && 'certNotAfter' in atStart ? atStart.certNotAfter : undefined);
  const look = (): void => {
    const now = new Map(names.map((n) => [n, fileStamp(files[n]!)]));
    const changed = names.filter((n) => now.get(n) !== inUse.get(n));
    if (changed.length === 0) {
      reported = ''; // the files in use are there as they were: a problem after this is said again
      return checkExpiry();
    }
    const r = readConsistent(files, opts.settings);
    if ('problem' in r) {
      const seen = [...now.values()].join('|');
      if (seen !== reported) opts.onEvent?.({ kind: 'invalid', problem: r.problem });
      reported = seen;
      return;
    }
    inUse = now;
    reported = '';
    opts.onReload(r.tls);
    opts.onEvent?.({ kind: 'reloaded', changed, ...(r.certNotAfter !== undefined ? { certNotAfter: r.certNotAfter } : {}) });
    useCert(r.certNotAfter);
    checkExpiry();
  };
  // At start too: a certificate that expires in two days is said at once, not at its first change.
  checkExpiry();
  return (opts.every ?? platformTimers.every)(opts.everyMs, look);
};
