/**
 * Reads and decodes a config file (or the built-in default), then checks the files it names (the
 * sink's TLS); errors as printable lines.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { type Either, chain, isLeft, left, map, right } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decodeConfig } from '../config/decode.js';
import { resolveConfig, DEFAULT_CONFIG_YAML, type ResolvedConfig } from '../config/resolve.js';
import type { ConfigError } from '../config/errors.js';
import { checkResolvedConfig } from '../config/files.js';
import { resourceFromEnv } from '../config/resourceEnv.js';

/**
 * `warn` hears what is not an error in a config that loads: a file that holds no settings
 * (emptyConfigWarning), judged on the text read here — it was read and parsed a second time.
 */
export const loadConfig = (
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  warn?: (line: string) => void,
): Either<ConfigError[], ResolvedConfig> => {
  let text = DEFAULT_CONFIG_YAML;
  // `-` is not standard input here (that is an NDJSON source's `path: -`): it said "found ENOENT".
  if (path === '-') return left([{ path: '-', expected: 'a config file (standard input is not read for the config: it is for an NDJSON source with path: -)', found: '-', suggestion: 'write the config to a file and give its name' }]);
  if (path !== undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return left([{ path: path, expected: 'a readable config file', found: (e as NodeJS.ErrnoException).code ?? String(e) }]);
    }
  }
  const envResource = resourceFromEnv(env);
  const loaded = pipe(
    decodeConfig(text, env),
    map((file) => resolveConfig(file, envResource.attributes)),
    chain((c) => {
      const errors = [...envResource.errors, ...checkResolvedConfig(c, readFileSync, env)];
      return errors.length > 0 ? left(errors) : right(c);
    }),
  );
  const warning = path === undefined || isLeft(loaded) ? undefined : emptyConfigWarning(path, text);
  if (warning !== undefined) warn?.(warning);
  return loaded;
};

/**
 * A config file with no settings at all — empty, or every line a comment — is the built-in default
 * config, as if no file had been given: this host's metrics to localhost:4317. It ran so without
 * a word; a file left empty by a template that failed to render, or a mounted file whose key was
 * missing, looks like that. Said, not refused (`{}` says "the defaults" on purpose, and is not warned of).
 */
export const emptyConfigWarning = (path: string, text: string): string | undefined => {
  try {
    if (parseDocument(text).toJS() != null) return undefined; // `---` and `~` alone are null too
  } catch {
    return undefined; // loadConfig says what is wrong with it
  }
  return `config file ${path} holds no settings (it is empty, or only comments): chronoq runs with its built-in defaults, as with no file (chronoq validate prints them)`;
};
