/**
 * The files a config names, checked when the config is loaded — by `chronoq validate` as by
 * `chronoq run` — so that a wrong path is reported at its config path like any other mistake:
 * the sink's TLS files (CA, client certificate, client key: readable and holding what they
 * should), NDJSON sources (readable), and the files chronoq writes (dead letters, an NDJSON sink,
 * the spool: in a directory it can write). Before, a missing TLS file stopped the run with a stack
 * trace, a missing source file made a run that read nothing and exited 0, and an unwritable
 * dead-letter path crashed the process at its first dead letter. Nothing is created here.
 */
import type { KeyObject } from 'node:crypto';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ResolvedConfig } from './resolve.js';
import type { ConfigError } from './errors.js';
import { envTlsFiles } from '../otlp/envTlsFiles.js';
import { checkOtlpEnv } from './grpcValues.js';
import { fileIdentity, isNamedPipe, isSqliteFile, nonNdjsonFile } from '../fileIdentity.js';
import { notASpoolFile } from '../spool/peek.js';
import { compressedFileProblem } from '../sources/compressedFiles.js';
import { pathPatternProblem } from './pathPattern.js';
import { PemProblem, pemCertificate, pemPrivateKey } from '../otlp/pemFiles.js';
import { sinkIntoOwnReceiver } from './receiverLoop.js';
import { receiverTlsProblems } from './receiverFiles.js';

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
  } catch (e) {
    if (!(e instanceof PemProblem)) return { error: { path: at, expected: what, found: `${JSON.stringify(path)}, which holds none` } };
    const suggestion = e.suggestion?.replaceAll('FILE', path);
    return { error: { path: at, expected: what, found: `${JSON.stringify(path)}, ${e.found}`, ...(suggestion !== undefined ? { suggestion } : {}) } };
  }
};

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** Why `path` is not a file chronoq may open with `mode` (R_OK, W_OK), or undefined when it is. */
const inaccessible = (path: string, mode: number): string | undefined => {
  try {
    if (statSync(path).isDirectory()) return 'a directory';
    accessSync(path, mode);
    return undefined;
  } catch (e) {
    return errnoOf(e);
  }
};

const unreadable = (path: string): string | undefined => inaccessible(path, constants.R_OK);

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Why chronoq could not write (append to, or create) `path`, or undefined when it can. */
const unwritable = (path: string): string | undefined => {
  const why = inaccessible(path, constants.W_OK);
  // ENOTDIR: its directory is a file, said so below (it read "(ENOTDIR)").
  if (why !== 'ENOENT' && why !== 'ENOTDIR') return why;
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (e) {
    return `${errnoOf(e)}: cannot create it in ${dir}`;
  }
};

/** Sources that read files, and the files chronoq writes. */
const checkPaths = (c: ResolvedConfig): ConfigError[] => {
  const errors: ConfigError[] = [];
  c.sources.forEach((s, i) => {
    // A host source's rootPath must hold a /proc: without the host's file system mounted there every family read nothing, without a word.
    if (s.type === 'host') {
      const noProc = s.rootPath === undefined ? undefined : unreadable(join(s.rootPath, 'proc', 'stat'));
      if (noProc !== undefined) errors.push({ path: `config.sources[${i}].rootPath`, expected: "the host's file system mounted there (its proc/stat readable), as the hostmetrics receiver's root_path: / mounted at /hostfs", found: `${JSON.stringify(s.rootPath)} (${noProc} for proc/stat)` });
      return;
    }
    if (s.type !== 'ndjson' || s.path === '-') return;
    const why = unreadable(s.path) ?? (isNamedPipe(s.path) ? 'a named pipe: read it as standard input, path: - and < pipe' : undefined);
    // A compressed file that cannot be read as it is: followed, or zstd on a Node without it (compressedFiles.ts).
    const compressed = why === undefined ? compressedFileProblem(s.path, s.follow === true) : undefined;
    if (compressed !== undefined) errors.push({ path: `config.sources[${i}].path`, expected: 'an NDJSON file of samples (plain, or gzip read once)', found: `${JSON.stringify(s.path)}, ${compressed}` });
    // A spool read as lines: its bytes dead-lettered, and a sample in its pages sent (again).
    if (why === undefined && isSqliteFile(s.path)) {
      errors.push({ path: `config.sources[${i}].path`, expected: 'an NDJSON file of samples', found: `${JSON.stringify(s.path)}, a chronoq spool (SQLite)`, suggestion: `what a spool holds is delivered by a run with spool.path ${s.path}` });
    }
    const pattern = why === 'ENOENT' ? pathPatternProblem(s.path, `config.sources[${i}].path`, s.follow === true) : undefined;
    if (pattern !== undefined) return void errors.push(pattern);
    // A followed file may not be there yet (its writer starts later): waited for, in a directory that is.
    const waitedFor = s.follow === true && why === 'ENOENT' && isDirectory(dirname(s.path));
    if (why !== undefined && !waitedFor) {
      errors.push({ path: `config.sources[${i}].path`, expected: `a readable file (or - for standard input)${s.follow === true ? ', or one to come in a directory that exists' : ''}`, found: `${JSON.stringify(s.path)} (${why})` });
    }
    if (s.positionFile === undefined) return;
    const at = `config.sources[${i}].positionFile`;
    if (s.follow !== true) errors.push({ path: at, expected: 'a position file only with follow: true (a file read once is read whole at every run)', found: JSON.stringify(s.positionFile) });
    else {
      const cannot = unwritable(s.positionFile);
      if (cannot !== undefined) errors.push({ path: at, expected: 'a file chronoq can write', found: `${JSON.stringify(s.positionFile)} (${cannot})` });
    }
  });
  const written: [string, string | undefined][] = [
    ['config.deadLetter.path', c.deadLetter.path],
    ['config.sink.path', c.sink.type === 'ndjson' ? c.sink.path : undefined],
    ['config.spool.path', c.spool?.path],
  ];
  for (const [at, path] of written) {
    const why = path === undefined ? undefined : unwritable(path);
    if (why !== undefined) errors.push({ path: at, expected: 'a file chronoq can write', found: `${JSON.stringify(path)} (${why})` });
  }
  // Files chronoq appends NDJSON to: one that holds something else (a typo onto a config or a
  // spool) had lines appended to it.
  const appended: [string, string | undefined, string][] = [
    ['config.deadLetter.path', c.deadLetter.path, 'a dead-letter file'],
    ['config.sink.path', c.sink.type === 'ndjson' && c.sink.path !== '-' ? c.sink.path : undefined, 'an NDJSON file'],
  ];
  for (const [at, path, kind] of appended) {
    const other = path === undefined ? undefined : nonNdjsonFile(path);
    if (other !== undefined) errors.push({ path: at, expected: `${kind} or a file to be made`, found: `${JSON.stringify(path)}, ${other}`, suggestion: 'chronoq appends JSON lines to it: give it a file of its own' });
  }
  // As run refuses it (spool/peek.ts): someone's file was moved aside "as damaged" for a spool — a
  // file that is not SQLite, or another program's database (validate passed that one).
  const notSpool = c.spool === undefined ? undefined : notASpoolFile(c.spool.path);
  if (notSpool !== undefined) errors.push({ path: 'config.spool.path', expected: 'a chronoq spool, or a file to be made', found: `${JSON.stringify(c.spool!.path)}, ${notSpool}`, suggestion: 'give the spool a file of its own' });
  return errors;
};

/**
 * A file's identity for comparing paths: its device and inode when it exists (links), else its
 * directory's real path and its name — a file still to come (a followed file whose writer starts
 * later, the first dead letters) named through a symlinked directory is the same file.
 */
const fileKey = (path: string): string => {
  const id = fileIdentity(path);
  if (id !== undefined) return `${id.dev}:${id.ino}`;
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return resolve(path);
  }
};

/**
 * Two roles naming one file. A source that reads the dead-letter file fed on its own letters —
 * each line it could not read became a letter holding that line, appended to the file it reads:
 * lines twice as long each time, without end (11 lines, 16 KB, in 3 s). A source reading
 * an NDJSON sink's file sent every sample again, forever; the spool or a position file shared with
 * another role is corrupted by it; two sources on one file send every sample twice. (Followed
 * sources share a position file by design: it holds a position per file.)
 */
const sharedFileHint = (a: string, b: string): { suggestion: string } | Record<string, never> => {
  const both = `${a} ${b}`;
  if (!both.includes('.sources[')) return {};
  if (both.includes('deadLetter')) return { suggestion: 'a source reading the dead letters reads its own letters, forever; to send dead letters again: chronoq replay FILE' };
  if (both.includes('sink.path')) return { suggestion: 'a source reading what the sink writes sends every sample again, forever' };
  return {};
};

const checkSharedFiles = (c: ResolvedConfig): ConfigError[] => {
  const roles: [string, string | undefined][] = [
    ...c.sources.flatMap((s, i): [string, string | undefined][] => (s.type === 'ndjson' && s.path !== '-' ? [[`config.sources[${i}].path`, s.path]] : [])),
    ['config.deadLetter.path', c.deadLetter.path],
    ['config.sink.path', c.sink.type === 'ndjson' ? c.sink.path : undefined],
    ['config.spool.path', c.spool?.path],
    ...[...new Set(c.sources.flatMap((s) => (s.type === 'ndjson' && s.positionFile !== undefined ? [s.positionFile] : [])))].map((p): [string, string] => ['a source\'s positionFile', p]),
  ];
  const seen = new Map<string, string>();
  const errors: ConfigError[] = [];
  for (const [at, path] of roles) {
    if (path === undefined) continue;
    const key = fileKey(path);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, at);
    else errors.push({ path: at.startsWith('config.') ? at : first, expected: `a file of its own, not also ${at.startsWith('config.') ? first : at}'s`, found: JSON.stringify(path), ...sharedFileHint(first, at) });
  }
  return errors;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Every problem with the files the config names, each at its config path — and with the TLS
 * files the OTLP environment variables name when the config has no sink.tls, at the variable.
 */
export const checkConfigFiles = (c: ResolvedConfig, read: ReadFile = readFileSync, env: Env = process.env): ConfigError[] => [...checkPaths(c), ...checkSharedFiles(c), ...checkTlsFiles(c, read, env), ...receiverTlsProblems(c, read)];

/**
 * What `chronoq run` (loadConfig) and an application's pipeline (createPipeline) check once a
 * config is resolved: the files it names, and for an OTLP sink the exporter conventions'
 * environment (headers, endpoint: grpcValues.ts).
 */
export const checkResolvedConfig = (c: ResolvedConfig, read: ReadFile = readFileSync, env: Env = process.env): ConfigError[] =>
  [...checkConfigFiles(c, read, env), ...(c.sink.type === 'otlp-grpc' ? checkOtlpEnv(env, c.sink.endpoint) : []), ...sinkIntoOwnReceiver(c, env)];

/**
 * Every problem with the sink's TLS files; none when there is no TLS. Those of the environment
 * were read by the exporter base alone: one it could not read was a diag warning, and the
 * connection went on without it (no client certificate, or the system's CAs), so the run failed
 * every handshake with a hint that named the very variable that was set.
 */
const checkTlsFiles = (c: ResolvedConfig, read: ReadFile, env: Env): ConfigError[] => {
  const named = c.sink.type === 'otlp-grpc' ? sinkTlsFiles(c.sink, env) : undefined;
  return named === undefined ? [] : tlsFileProblems(named.files, read, named.settings);
};

/** The three TLS files of a sink. */
export type TlsFileKind = 'ca' | 'cert' | 'key';
/** Paths of a sink's TLS files (any of them may be absent). */
export type TlsFiles = Readonly<Partial<Record<TlsFileKind, string>>>;

/**
 * The TLS files a sink's credentials come from, as the exporter base decides: the config's
 * sink.tls when it has one (whatever it names, insecure or not), else those the OTLP environment
 * variables name (otlp/envTlsFiles.ts); undefined when neither names a set. Checked at load here,
 * watched by the sink (sinks.ts), asked for a client certificate by the delivery log.
 */
export const sinkTlsFiles = (sink: { readonly tls?: TlsFiles; readonly endpoint?: string }, env: Env): { files: TlsFiles; settings: TlsFileSettings } | undefined =>
  sink.tls !== undefined ? { files: sink.tls, settings: CONFIG_TLS_SETTINGS } : envTlsFiles(env, sink.endpoint);

/**
 * How messages name a sink's TLS files: the setting that named each (`tls.cert` in the config,
 * or an OTLP environment variable) and where such a setting is (`config.sink.tls.cert`,
 * `environment OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`).
 */
export interface TlsFileSettings {
  readonly names: Readonly<Record<TlsFileKind, string>>;
  readonly pathOf: (name: string) => string;
}
export const CONFIG_TLS_SETTINGS: TlsFileSettings = { names: { ca: 'tls.ca', cert: 'tls.cert', key: 'tls.key' }, pathOf: (name) => `config.sink.${name}` };

/**
 * Every problem with a set of TLS files, each at the path of its setting (config.sink.tls.…, or
 * an environment variable with `settings`): unreadable, not a certificate or key, half a client
 * pair, a key of another certificate. At load, and when the files change while running
 * (src/otlp/tlsFilesWatch.ts).
 */
export const tlsFileProblems = (
  tls: TlsFiles,
  read: ReadFile = readFileSync,
  settings: TlsFileSettings = CONFIG_TLS_SETTINGS,
): ConfigError[] => {
  const { ca, cert, key } = tls;
  const { names, pathOf } = settings;
  const errors: ConfigError[] = [];
  const pair = { cert: names.cert, key: names.key };
  const checked = <A>(kind: TlsFileKind, path: string | undefined, what: string, parse: (pem: Buffer) => A): A | undefined => {
    if (path === undefined) return undefined;
    const r = readPem(read, pathOf(names[kind]), path, what, parse);
    if ('error' in r) errors.push(r.error);
    return 'ok' in r ? r.ok : undefined;
  };
  checked('ca', ca, 'a PEM certificate', (pem) => pemCertificate(pem));
  const clientCert = checked('cert', cert, 'a PEM certificate', (pem) => pemCertificate(pem, pair));
  const clientKey: KeyObject | undefined = checked('key', key, 'a PEM private key', (pem) => pemPrivateKey(pem, pair));
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'cert' : 'key';
    const other = missing === 'cert' ? 'key' : 'cert';
    errors.push({ path: pathOf(names[missing]), expected: `the client ${missing === 'cert' ? 'certificate' : 'key'} beside ${names[other]} (mutual TLS needs both)`, found: 'nothing' });
  }
  if (clientCert !== undefined && clientKey !== undefined && !clientCert.checkPrivateKey(clientKey)) {
    errors.push({ path: pathOf(names.key), expected: `the private key of ${names.cert}`, found: `${JSON.stringify(key)}, the key of another certificate` });
  }
  return errors;
};
