/**
 * The sink's request headers whose values read files (`${file:PATH}` in sink.headers), read again
 * when a file changes. Tokens are rotated under a running process — a Kubernetes projected service
 * account token (renewed by the kubelet before it expires, an hour by default), a token file a
 * Vault agent or an OAuth sidecar rewrites — and the value read at start went on being sent: once
 * the old token expired, the receiver refused every request (UNAUTHENTICATED, which is permanent:
 * every batch became dead letters `rejected`) until a restart. The Collector's bearertokenauth
 * extension reads its `filename` again when it changes; so does this. The otlp source's bearer
 * token read from a file is watched the same way (sources/otlpReceiver.ts).
 *
 * Every `everyMs` each file's identity, size and modification time are compared with the last
 * look (as tlsFilesWatch.ts does for certificates); on a change every header value is rendered
 * again from its template (config/interpolate.ts) and checked as the config checks it. Values that
 * differ from those in use go to `onReload` (the sink sends them from the next request on). A value
 * that cannot be used — a file gone, empty (caught between a truncate and a write), or holding
 * what gRPC cannot send — is reported once, and the values in use are kept until a later look
 * finds the files usable.
 *
 * ```
 * file:     token-1 ──────── (empty) ── token-2 ──
 * looks:    ·     ·     ·     ·     ·     ·     ·
 * events:                     invalid     reloaded [authorization]
 * sent:     Bearer token-1 ...................... Bearer token-2
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileStamp } from '../fileIdentity.js';
import { filesReadBy, interpolateAll } from '../config/interpolate.js';
import { headerValueProblem } from '../config/grpcValues.js';
import { formatConfigError } from '../config/errors.js';
import { platformTimers } from '../clock.js';

export type HeaderFilesEvent =
  /** `headers` are sent with the values their files now hold, read from `files`. */
  | { readonly kind: 'reloaded'; readonly headers: readonly string[]; readonly files: readonly string[] }
  /** The files changed, but a value they give cannot be sent: the values in use stay. */
  | { readonly kind: 'invalid'; readonly problem: string };

export interface HeaderFilesWatchOptions {
  readonly everyMs: number;
  /** The values sent now, by header name (the config's, read at load). */
  readonly inUse: Readonly<Record<string, string>>;
  /** The headers whose values changed, with their new values. */
  readonly onReload: (headers: Readonly<Record<string, string>>) => void;
  readonly onEvent?: (e: HeaderFilesEvent) => void;
  /** For the `${VAR}`s a template may hold beside its files (the environment the config was read with). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Repeats fn every ms until cancelled (default platformTimers.every: never keeps the process alive). */
  readonly every?: (ms: number, fn: () => void) => { cancel(): void };
  readonly readFile?: (path: string) => string;
  /** Where problems say a value is set (default config.sink.headers.NAME). */
  readonly pathOf?: (name: string) => string;
}

/** The headers' values rendered from their templates now, or the first problem with them. */
const render = (templates: Readonly<Record<string, string>>, opts: HeaderFilesWatchOptions): { values: Record<string, string> } | { problem: string } => {
  const values: Record<string, string> = {};
  for (const [name, template] of Object.entries(templates)) {
    const path = opts.pathOf?.(name) ?? `config.sink.headers.${name}`;
    const r = interpolateAll(template, opts.env, path, opts.readFile ?? ((p) => readFileSync(p, 'utf8')));
    if (r.errors.length > 0) return { problem: formatConfigError(r.errors[0]!) };
    const value = r.value as string;
    const wrong = headerValueProblem(value);
    // Described, not printed: it is a secret.
    if (wrong !== undefined) return { problem: formatConfigError({ path, expected: wrong.expected, found: wrong.found }) };
    values[name] = value;
  }
  return { values };
};

/** Each header's files, as a line names them: header name → `path`, or `path1, path2`. */
export const headerFilePaths = (templates: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(templates).map(([name, template]) => [name, filesReadBy(template).join(', ')]));

/** Watches the files `templates` (header name → value as written) read; cancel() stops it. */
export const watchHeaderFiles = (templates: Readonly<Record<string, string>>, opts: HeaderFilesWatchOptions): { cancel(): void } => {
  const files = [...new Set(Object.values(templates).flatMap(filesReadBy))];
  const stamps = (): string[] => files.map(fileStamp);
  let seen = stamps();
  let inUse: Readonly<Record<string, string>> = opts.inUse;
  /** The stamps a problem was reported for: said once, not at every look. */
  let reported = '';
  const look = (): void => {
    const now = stamps();
    const changedFiles = files.filter((_, i) => now[i] !== seen[i]);
    if (changedFiles.length === 0) return;
    const invalid = (problem: string): void => {
      const key = now.join('\0');
      if (key !== reported) opts.onEvent?.({ kind: 'invalid', problem });
      reported = key;
    };
    const r = render(templates, opts);
    if ('problem' in r) return invalid(r.problem);
    const changed = Object.keys(r.values).filter((name) => r.values[name] !== inUse[name]);
    try {
      if (changed.length > 0) opts.onReload(Object.fromEntries(changed.map((name) => [name, r.values[name]!])));
    } catch (e) {
      return invalid(e instanceof Error ? e.message : String(e)); // the sink refused them (thrown from a timer, it ended the run)
    }
    seen = now;
    reported = '';
    inUse = { ...inUse, ...r.values };
    // Nothing to say when a file was touched, or written back as it was.
    if (changed.length > 0) opts.onEvent?.({ kind: 'reloaded', headers: changed, files: changedFiles });
  };
  return (opts.every ?? platformTimers.every)(opts.everyMs, look);
};
