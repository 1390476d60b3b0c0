/** Config decoding as the config tests read it: every problem as the line `chronoq validate` prints. */
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../../src/config/decode.js';
import { formatConfigError } from '../../src/config/errors.js';

/** The formatted config errors of `yaml` (none: []). */
export const configErrorsOf = (yaml: string, env: Readonly<Record<string, string | undefined>> = {}): string[] => {
  const r = decodeConfig(yaml, env);
  return isLeft(r) ? r.left.map(formatConfigError) : [];
};

/** The errors of a config whose otlp-grpc sink has `endpoint`. */
export const endpointErrorsOf = (endpoint: string): string[] => configErrorsOf(`sink:\n  type: otlp-grpc\n  endpoint: "${endpoint}"\n`);
