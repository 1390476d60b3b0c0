/**
 * Config text → FileConfig, or every problem found: YAML syntax, unset environment variables,
 * unknown keys, wrong types. Nothing here throws for a user's mistake.
 */
import { parseDocument } from 'yaml';
import * as t from 'io-ts';
import { type Either, left, right, isLeft } from 'fp-ts/lib/Either.js';
import { ConfigCodec, type FileConfig } from './schema.js';
import { filesReadBy, interpolateAll } from './interpolate.js';
import { numbersReadOtherwise } from './yamlNumbers.js';
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
    const ce: ConfigError = { path: pathOf(e.context), expected: w.expected, found: w.found ?? describeFound(e.value), ...(w.suggestion ? { suggestion: w.suggestion } : {}) };
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

/**
 * The sink's header values that read files, as written (`Bearer ${file:/var/run/secrets/token}`),
 * kept beside the values read: a rotated token is read again (otlp/headerFilesWatch.ts).
 */
const withHeaderTemplates = (c: FileConfig, raw: unknown): FileConfig => {
  const written = (raw as { sink?: { headers?: unknown } }).sink?.headers;
  if (c.sink?.type !== 'otlp-grpc' || typeof written !== 'object' || written === null) return c;
  const templates = Object.entries(written).filter((e): e is [string, string] => typeof e[1] === 'string' && filesReadBy(e[1]).length > 0);
  return templates.length === 0 ? c : { ...c, sink: { ...c.sink, headerTemplates: Object.fromEntries(templates) } };
};

/** An otlp source's bearerToken as written when it reads a file, kept beside the value read: a rotated secret is read again. */
const withTokenTemplates = (c: FileConfig, raw: unknown): FileConfig => {
  const written = (raw as { sources?: unknown }).sources;
  if (!Array.isArray(written) || c.sources === undefined) return c;
  const sources = c.sources.map((s, i) => {
    const token = (written[i] as { bearerToken?: unknown } | undefined)?.bearerToken;
    return s.type === 'otlp' && typeof token === 'string' && filesReadBy(token).length > 0 ? { ...s, bearerTokenTemplate: token } : s;
  });
  return { ...c, sources };
};

export const decodeConfig = (text: string, env: Readonly<Record<string, string | undefined>>): Either<ConfigError[], FileConfig> => {
  // merge: `<<: *base` (YAML 1.1 merge keys, as docker compose files use them): sources that share settings.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) {
    // The first YAML error only: the parser reports every token after it too (28 lines for one
    // unquoted `${VAR}` inside `{ }`), which buries the one that matters.
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    const source = line === undefined ? '' : (text.split('\n')[line - 1] ?? '');
    const more = doc.errors.length > 1 ? `${doc.errors.length - 1} more YAML error(s) after it, most likely caused by it` : undefined;
    const quote = /\{[^}]*\$\{/.test(source) ? 'inside { } write a variable in quotes: "${VAR}"' : undefined;
    const suggestion = [quote, more].filter((x) => x !== undefined).join('; ');
    return left([{ path: `config (line ${line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'})`, expected: 'valid YAML', found: e.message.split('\n')[0] ?? e.message, ...(suggestion ? { suggestion } : {}) }]);
  }
  const raw: unknown = doc.toJS() ?? {};
  // Every kind of problem is reported together: numbers YAML reads otherwise, unset variables, shape errors.
  const interpolated = interpolateAll(raw, env);
  const before = [...numbersReadOtherwise(doc), ...interpolated.errors];
  const decoded = decodeConfigValue(interpolated.value);
  if (before.length === 0) return isLeft(decoded) ? decoded : right(withTokenTemplates(withHeaderTemplates(decoded.right, raw), raw));
  return left([...before, ...(isLeft(decoded) ? decoded.left : [])]);
};
