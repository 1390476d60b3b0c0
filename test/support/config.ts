/** Config decoding as the config tests read it: every problem as the line `chronoq validate` prints. */
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../../src/config/decode.js';
import { formatConfigError } from '../../src/config/errors.js';
import { type ResolvedConfig, resolveConfig } from '../../src/config/resolve.js';

/** The formatted config errors of `yaml` (none: []). */
export const configErrorsOf = (yaml: string, env: Readonly<Record<string, string | undefined>> = {}): string[] => {
  const r = decodeConfig(yaml, env);
  return isLeft(r) ? r.left.map(formatConfigError) : [];
};

/** `yaml` decoded and resolved (its defaults applied); throws, with its errors, when it does not decode. */
export const resolvedConfigOf = (yaml: string, env: Readonly<Record<string, string | undefined>> = {}): ResolvedConfig => {
  const r = decodeConfig(yaml, env);
  if (isLeft(r)) throw new Error(`the config does not decode: ${r.left.map(formatConfigError).join('; ')}`);
  return resolveConfig(r.right);
};

/** The errors of a config whose otlp-grpc sink has `endpoint`. */
export const endpointErrorsOf = (endpoint: string): string[] => configErrorsOf(`sink:\n  type: otlp-grpc\n  endpoint: "${endpoint}"\n`);
