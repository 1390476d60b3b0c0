/**
 * `${VAR}` and `${VAR:-default}` in every string value of a parsed config, from an environment;
 * also as the OpenTelemetry Collector writes them, `${env:VAR}` and `${env:VAR:-default}` (a
 * header copied from a Collector config was sent as the text `${env:API_KEY}`, masked in
 * `validate`'s output), and `${file:PATH}`, the file's text without its last line end (a secret
 * mounted as a file: a Docker secret, a Kubernetes secret volume), read at load — and, in the
 * sink's headers, again whenever the file changes (otlp/headerFilesWatch.ts). A variable that is
 * unset or empty (and has no default), or a file that cannot be read or holds nothing (a token not
 * yet written by the agent that writes it), is an error at its path, never an empty string. Any
 * other `${…}` is an error too — a shell's `${VAR:?message}` or `${VAR-default}`, another
 * Collector provider's `${http:…}` — where it was sent as written.
 * `$${` is a literal `${` (the Collector's escape): there was no way to write one. Only before
 * `{`: a `$$` elsewhere (a password's) stays as written, and so does a `${` never closed.
 */
import { readFileSync } from 'node:fs';
import type { ConfigError } from './errors.js';

const PATTERN = /\$\$\{|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{file:([^}]+)\}|\$\{([^}]*)\}/g;
const FORMS_READ = "${VAR}, ${VAR:-default}, or the Collector's ${env:VAR}, ${env:VAR:-default}, ${file:PATH}";

/** What to write instead of a `${…}` that is not one of the forms read. */
const otherFormSuggestion = (inside: string): string => {
  const shell = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(:?[?=+-])/.exec(inside);
  if (shell?.[2] === ':?' || shell?.[2] === '?') return `an unset variable is an error already: write \${${shell[1]}}`;
  if (shell !== null) return `write \${${shell[1]}:-default} for a default`;
  const provider = /^([a-z][a-z0-9]*):/.exec(inside);
  if (provider !== null) return `chronoq reads environment variables and files (\${env:NAME}, \${file:PATH}), not the Collector's ${provider[1]} provider`;
  return 'for the text ${ itself, write $${';
};

/** The interpolated value (unset variables left as written) and the errors for them. */
export const interpolateAll = (
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path = 'config',
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): { value: unknown; errors: ConfigError[] } => {
  const errors: ConfigError[] = [];
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(PATTERN, (whole: string, name: string | undefined, fallback: string | undefined, file: string | undefined, other: string | undefined) => {
        if (other !== undefined) {
          errors.push({ path: at, expected: FORMS_READ, found: whole, suggestion: otherFormSuggestion(other) });
          return whole;
        }
        if (file !== undefined) {
          try {
            const text = readFile(file.trim()).replace(/\r?\n$/, '');
            if (text !== '') return text;
            // Sent as an empty value (`Bearer `), it was refused by the receiver at every request.
            errors.push({ path: at, expected: `a file with text for ${whole}`, found: `${JSON.stringify(file.trim())}, empty` });
            return whole;
          } catch (e) {
            errors.push({ path: at, expected: `a readable file for ${whole}`, found: `${JSON.stringify(file.trim())} (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
            return whole;
          }
        }
        if (name === undefined) return '${'; // $${
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        // Set to '' it was reported as unset.
        const state = found === undefined ? 'unset' : 'set to an empty string';
        errors.push({ path: at, expected: `environment variable ${name} to be set`, found: `${whole} with ${name} ${state}`, suggestion: `export ${name}=… or write \${${name}:-default}` });
        return whole;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${at}.${k}`)]));
    return v;
  };
  return { value: walk(value, path), errors };
};

/** The files a value reads (its `${file:PATH}`s; a `$${file:…}` is text), each once. */
export const filesReadBy = (value: string): string[] =>
  [...new Set([...value.matchAll(PATTERN)].flatMap((m) => (m[3] !== undefined ? [m[3].trim()] : [])))];
