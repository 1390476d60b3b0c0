/**
 * `${VAR}` and `${VAR:-default}` in every string value of a parsed config, from an environment.
 * A variable that is unset or empty (and has no default) is an error at its path, never an empty
 * string. `$${` is a literal `${` (the OpenTelemetry Collector's escape): there was no way to
 * write one. Only before `{`: a `$$` elsewhere (a password's) stays as written.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import type { ConfigError } from './errors.js';

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The interpolated value (unset variables left as written) and the errors for them. */
export const interpolateAll = (value: unknown, env: Readonly<Record<string, string | undefined>>, path = 'config'): { value: unknown; errors: ConfigError[] } => {
  const errors: ConfigError[] = [];
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(PATTERN, (whole: string, name: string | undefined, fallback: string | undefined) => {
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

export const interpolate = (value: unknown, env: Readonly<Record<string, string | undefined>>, path = 'config'): Either<ConfigError[], unknown> => {
  const r = interpolateAll(value, env, path);
  return r.errors.length > 0 ? left(r.errors) : right(r.value);
};
