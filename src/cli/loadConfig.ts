/** Reads and decodes a config file (or the built-in default), errors as printable lines. */
import { readFileSync } from 'node:fs';
import { type Either, left, map } from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { decodeConfig } from '../config/decode.js';
import { resolveConfig, DEFAULT_CONFIG_YAML, type ResolvedConfig } from '../config/resolve.js';
import type { ConfigError } from '../config/errors.js';

export const loadConfig = (path: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Either<ConfigError[], ResolvedConfig> => {
  let text = DEFAULT_CONFIG_YAML;
  if (path !== undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return left([{ path: path, expected: 'a readable config file', found: (e as NodeJS.ErrnoException).code ?? String(e) }]);
    }
  }
  return pipe(decodeConfig(text, env), map(resolveConfig));
};
