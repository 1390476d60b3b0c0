/**
 * Config text → FileConfig, or every problem found: YAML syntax, unset environment variables,
 * unknown keys, wrong types. Nothing here throws for a user's mistake.
 */
import { parseDocument } from 'yaml';
import * as t from 'io-ts';
import { type Either, left, right, isLeft } from 'fp-ts/lib/Either.js';
import { ConfigCodec, type FileConfig } from './schema.js';
import { interpolateAll } from './interpolate.js';
import { type ConfigError, describeFound } from './errors.js';
import type { FailureWording } from './codecs.js';

/** An intersection's members appear in the context under their index: not part of the path. */
const isIntersectionMember = (entry: t.ContextEntry): boolean =>
  /^\d+$/.test(entry.key) && (entry.type instanceof t.InterfaceType || entry.type instanceof t.PartialType);

const pathOf = (context: t.Context): string =>
  context.reduce(
    (p, entry, i) => (i === 0 || entry.key === '' || isIntersectionMember(entry) ? p : /^\d+$/.test(entry.key) ? `${p}[${entry.key}]` : `${p}.${entry.key}`),
    'config',
  );

const wording = (e: t.ValidationError): FailureWording => {
  if (e.message !== undefined) {
    try {
      return JSON.parse(e.message) as FailureWording;
    } catch {
      return { expected: e.message };
    }
  }
  return { expected: e.context.at(-1)?.type.name ?? 'something else' };
};

export const fromValidationErrors = (errors: t.Errors): ConfigError[] => {
  const seen = new Set<string>();
  return errors.flatMap((e) => {
    const w = wording(e);
    const ce: ConfigError = { path: pathOf(e.context), expected: w.expected, found: describeFound(e.value), ...(w.suggestion ? { suggestion: w.suggestion } : {}) };
    const key = `${ce.path}|${ce.expected}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [ce];
  });
};

/** An already-parsed config value (the config file's shape, as an object) → FileConfig. */
export const decodeConfigValue = (value: unknown): Either<ConfigError[], FileConfig> => {
  const decoded = ConfigCodec.decode(value);
  return isLeft(decoded) ? left(fromValidationErrors(decoded.left)) : right(decoded.right);
};

export const decodeConfig = (text: string, env: Readonly<Record<string, string | undefined>>): Either<ConfigError[], FileConfig> => {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return left(doc.errors.map((e) => ({ path: `config (line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'})`, expected: 'valid YAML', found: e.message.split('\n')[0] ?? e.message })));
  }
  const raw: unknown = doc.toJS() ?? {};
  // Both kinds of problem are reported together: unset variables and shape errors.
  const interpolated = interpolateAll(raw, env);
  const decoded = decodeConfigValue(interpolated.value);
  if (interpolated.errors.length === 0) return decoded;
  return left([...interpolated.errors, ...(isLeft(decoded) ? decoded.left : [])]);
};
