/**
 * io-ts building blocks for the config: closed objects (an unknown key is an error, with a
 * "did you mean" for a misspelling), tagged unions chosen by `type`, and numbers with ranges.
 * Every failure carries its own wording in the message, which errors.ts prints as
 * `path: expected …, found …`.
 */
import * as t from 'io-ts';
import { closestKey } from './errors.js';
import { endpointProblem, headerKeyProblem, headerValueProblem } from './grpcValues.js';
import { kubernetesReference } from './unexpanded.js';
import { numberHint } from './numberHints.js';
import { CONNECT_TIMEOUT_MIN_MS, KEEPALIVE_MIN_MS } from '../otlp/otlpGrpcSinkTypes.js';

export interface FailureWording {
  readonly expected: string;
  readonly suggestion?: string;
  /** What was found, when the value itself must not be printed (a secret). */
  readonly found?: string;
}
export const fail = <A>(value: unknown, context: t.Context, wording: FailureWording): t.Validation<A> => t.failure<A>(value, context, JSON.stringify(wording));
const problem = (value: unknown, context: t.Context, wording: FailureWording): t.ValidationError => ({ value, context, message: JSON.stringify(wording) });

/**
 * A number, or a string that is only a decimal numeral: what `${VAR}` interpolation gives for
 * `lanes: ${LANES:-4}` (interpolated text is a string), read as the number it spells.
 */
const NUMERAL = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
/** YAML's positive infinity (`.inf`, `+.Inf`, `.INF`), as interpolated text: `maxAttempts: ${ATTEMPTS:-.inf}`. */
const INFINITY = /^\s*\+?\.(inf|Inf|INF)\s*$/;
const asNumber = (u: unknown): unknown => (typeof u !== 'string' ? u : NUMERAL.test(u) ? Number(u) : INFINITY.test(u) ? Infinity : u);
/** A boolean, or the string 'true' or 'false' (interpolated). */
const asBoolean = (u: unknown): unknown => (u === 'true' ? true : u === 'false' ? false : u);

/** A refused number, with the number to write when `raw` is one written with a unit or digit groups (numberHints.ts). */
const refusedNumber = (raw: unknown, c: t.Context, expected: string, ok: (n: number) => boolean): t.Validation<number> => {
  const suggestion = numberHint(raw, c[c.length - 1]?.key, ok);
  return fail(raw, c, { expected, ...(suggestion !== undefined ? { suggestion } : {}) });
};

const num = (name: string, ok: (n: number) => boolean) =>
  new t.Type<number, number, unknown>(name, (u): u is number => typeof u === 'number' && ok(u), (raw, c) => {
    const u = asNumber(raw);
    return typeof u === 'number' && ok(u) ? t.success(u) : refusedNumber(raw, c, name, ok);
  }, (n) => n);

export const PositiveInt = num('a positive integer', (n) => Number.isInteger(n) && n > 0);
export const NonNegativeInt = num('a non-negative integer', (n) => Number.isInteger(n) && n >= 0);
export const PositiveNumber = num('a finite positive number', (n) => Number.isFinite(n) && n > 0);
export const NonNegativeNumber = num('a finite non-negative number', (n) => Number.isFinite(n) && n >= 0);
/**
 * sink.keepaliveMs: 0 (no pings) or at least KEEPALIVE_MIN_MS. A ping unanswered for keepaliveMs
 * drops the connection, and with keepaliveMs 1 a healthy collector's was dropped some 60 times in
 * 40 s (each a failed attempt, a reconnect and a resend).
 */
export const KeepaliveMs = num(`0 (no pings) or at least ${KEEPALIVE_MIN_MS} milliseconds (a ping unanswered that long drops the connection: a shorter wait dropped healthy ones)`, (n) => n === 0 || (Number.isFinite(n) && n >= KEEPALIVE_MIN_MS));
/** sink.connectTimeoutMs: at least CONNECT_TIMEOUT_MIN_MS (a connection, TLS included, must have time to be made). */
export const ConnectTimeoutMs = num(`a number of milliseconds from ${CONNECT_TIMEOUT_MIN_MS} up (time to make a connection, its TLS handshake included: with 5 a local TLS receiver was never reached)`, (n) => Number.isFinite(n) && n >= CONNECT_TIMEOUT_MIN_MS);
/** A backoff's growth: below 1 each retry would come sooner than the one before, down to none. */
export const Multiplier = num('a finite number of at least 1 (each retry waits at least as long as the one before; 1: the same wait each time)', (n) => Number.isFinite(n) && n >= 1);
/**
 * A number `ok` accepts, or Infinity written as the string "infinite" or YAML's .inf (the way
 * `chronoq validate` prints an infinite default: the default maxAttempts could not be read back).
 */
const orInfinite = (name: string, ok: (n: number) => boolean) =>
  new t.Type<number, number, unknown>(name, (u): u is number => typeof u === 'number', (raw, c) => {
    const u = asNumber(raw);
    return u === 'infinite' || u === Infinity ? t.success(Infinity) : typeof u === 'number' && ok(u) ? t.success(u) : refusedNumber(raw, c, name, ok);
  }, (n) => n);

/** Milliseconds, or "infinite". */
export const MsOrInfinite = orInfinite('a non-negative number of milliseconds or "infinite"', (n) => n >= 0);
/** A count of attempts, or "infinite". */
export const CountOrInfinite = orInfinite('a positive integer or "infinite"', (n) => Number.isInteger(n) && n > 0);
/** A whole number from 1 to `max`, for a count of things made up front (`what`). */
export const CountUpTo = (max: number, what: string) => num(`a whole number from 1 to ${max} (${what})`, (n) => Number.isInteger(n) && n >= 1 && n <= max);
export const Port = num('a TCP port (1-65535)', (n) => Number.isInteger(n) && n >= 1 && n <= 65535);

export const NonEmptyString = new t.Type<string, string, unknown>('a non-empty string', (u): u is string => typeof u === 'string' && u.length > 0, (u, c) => (typeof u === 'string' && u.length > 0 ? t.success(u) : fail(u, c, { expected: 'a non-empty string' })), (s) => s);
export const Bool = new t.Type<boolean, boolean, unknown>('true or false', (u): u is boolean => typeof u === 'boolean', (raw, c) => {
  const u = asBoolean(raw);
  return typeof u === 'boolean' ? t.success(u) : fail(raw, c, { expected: 'true or false' });
}, (b) => b);

export const oneOf = <K extends string>(...values: K[]) => {
  const name = `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  return new t.Type<K, K, unknown>(name, (u): u is K => values.includes(u as K), (u, c) => {
    if (values.includes(u as K)) return t.success(u as K);
    const close = typeof u === 'string' ? closestKey(u, values) : undefined;
    return fail(u, c, { expected: name, ...(close ? { suggestion: `did you mean '${close}'?` } : {}) });
  }, (k) => k);
};

/** A mapping whose values are `value`; with `keyProblem` (given the mapping's keys too), a key it finds wrong is an error at its path. */
export const stringMap = <A>(value: t.Type<A, A, unknown>, what: string, keyProblem?: (key: string, keys: readonly string[]) => FailureWording | undefined) =>
  new t.Type<Record<string, A>, Record<string, A>, unknown>(`a mapping of ${what}`, (u): u is Record<string, A> => typeof u === 'object' && u !== null, (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return fail(u, c, { expected: `a mapping of ${what}` });
    const out: Record<string, A> = {};
    const errors: t.Errors = [];
    const keys = Object.keys(u);
    for (const [k, v] of Object.entries(u)) {
      const at = t.appendContext(c, k, value, v);
      const wrongKey = keyProblem?.(k, keys);
      if (wrongKey !== undefined) {
        errors.push(problem(v, at, wrongKey));
        continue;
      }
      const r = value.validate(v, at);
      if (r._tag === 'Left') errors.push(...r.left);
      else out[k] = r.right;
    }
    return errors.length ? t.failures(errors) : t.success(out);
  }, (m) => m);

/**
 * A header value gRPC can send (grpcValues.ts); what is wrong is described, not printed. A
 * Kubernetes `$(NAME)` in it is refused (a ConfigMap is not expanded: the text was the key sent);
 * chronoq expands `${NAME}` from its environment before this.
 */
const HeaderValueCodec = new t.Type<string, string, unknown>('a header value', (u): u is string => typeof u === 'string', (u, c) => {
  const k8s = typeof u === 'string' ? kubernetesReference(u) : undefined;
  if (k8s !== undefined) return fail(u, c, { expected: 'a header value', found: `a value with ${k8s.reference}, which nothing expands in a config file (not shown otherwise)`, suggestion: `write \${${k8s.name}}: chronoq expands it from its environment` });
  // A number (an API key of digits, `2.0`): YAML read it so; it is not shown, it may be a secret.
  const wrong = typeof u === 'string' ? headerValueProblem(u)
    : typeof u === 'number' ? { expected: 'a string', found: 'a number (not shown)', suggestion: 'write it in quotes: YAML reads a value of digits as a number, and a long one loses digits' }
    : { expected: 'a string', found: typeof u };
  return wrong === undefined ? t.success(u as string) : fail(u, c, wrong);
}, (s) => s);

/**
 * Request headers: gRPC metadata names and values (grpcValues.ts), each problem at its path; and a
 * name given twice in different case (`Authorization` and `authorization`): gRPC metadata names are
 * lower case, so one value overwrote the other without a word.
 */
export const HeadersCodec = stringMap(HeaderValueCodec, 'header names to values', headerKeyProblem);

/** An OTLP/gRPC endpoint (grpcValues.ts). */
export const EndpointCodec = new t.Type<string, string, unknown>('an endpoint URL', (u): u is string => typeof u === 'string', (u, c) => {
  // Trimmed, as the exporter trims OTEL_EXPORTER_OTLP_ENDPOINT: " http://…" (a ${VAR} set with a
  // space) was not read as http:// and dialled TLS, which a plaintext receiver refuses.
  const endpoint = typeof u === 'string' ? u.trim() : u;
  if (typeof endpoint !== 'string' || endpoint.length === 0) return fail(u, c, { expected: 'an endpoint URL such as http://collector:4317 (or host:port)' });
  const wrong = endpointProblem(endpoint);
  return wrong === undefined ? t.success(endpoint) : fail(u, c, wrong);
}, (s) => s);

export const AttrValueCodec = new t.Type<string | number | boolean, string | number | boolean, unknown>('a string, number or boolean', (u): u is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof u), (u, c) => (['string', 'number', 'boolean'].includes(typeof u) ? t.success(u as string) : fail(u, c, { expected: 'a string, number or boolean' })), (v) => v);

/**
 * A closed object: `required` keys must be there, `optional` may be, anything else is an error.
 * `foreignKeys`: what to say of a key another tool's config has here (collectorKeys.ts), in place of "did you mean".
 */
export const closed = <R extends t.Props, O extends t.Props>(name: string, required: R, optional: O, foreignKeys: Readonly<Record<string, string>> = {}) => {
  const inner = t.intersection([t.type(required), t.partial(optional)]);
  const known = [...Object.keys(required), ...Object.keys(optional)];
  const type = new t.Type<t.TypeOf<typeof inner>, t.TypeOf<typeof inner>, unknown>(name, inner.is, (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return fail(u, c, { expected: `a mapping (${name})` });
    const errors: t.Errors = [];
    for (const key of Object.keys(u)) {
      if (known.includes(key)) continue;
      const close = closestKey(key, known);
      const suggestion = Object.hasOwn(foreignKeys, key) ? foreignKeys[key] : close ? `did you mean '${close}'?` : undefined;
      errors.push(problem((u as Record<string, unknown>)[key], t.appendContext(c, key, t.unknown, undefined), {
        expected: `no key '${key}' (${name} takes ${known.join(', ')})`,
        ...(suggestion !== undefined ? { suggestion } : {}),
      }));
    }
    const missing = new Set<string>();
    for (const key of Object.keys(required)) {
      if ((u as Record<string, unknown>)[key] !== undefined) continue;
      missing.add(key);
      errors.push(problem(undefined, t.appendContext(c, key, required[key]!, undefined), { expected: `${required[key]!.name} (required)` }));
    }
    const result = inner.validate(u, c);
    if (errors.length === 0) return result;
    // Every mistake at once: the known keys' own errors too (a missing key is reported above, once).
    if (result._tag === 'Left') errors.push(...result.left.filter((e) => !(e.value === undefined && missing.has(e.context[e.context.length - 1]?.key ?? ''))));
    return t.failures(errors);
  }, inner.encode);
  return Object.assign(type, { knownKeys: known });
};

/**
 * For a mapping without `type`: the one branch whose keys include all of its keys, as a
 * suggestion (`sink: {endpoint: …}` is an otlp-grpc sink's); none when no key or several branches fit.
 */
const typeSuggestion = (u: object, branches: Record<string, t.Mixed>): string | undefined => {
  const keys = Object.keys(u).filter((k) => k !== 'type');
  const fits = Object.entries(branches).filter(([, b]) => {
    const known = (b as { knownKeys?: readonly string[] }).knownKeys;
    return known !== undefined && keys.every((k) => known.includes(k));
  });
  if (keys.length === 0 || fits.length !== 1) return undefined;
  const [tag, branch] = fits[0]!;
  return `did you mean type: ${tag}? ${keys.join(', ')}: ${keys.length === 1 ? 'a key' : 'keys'} of the ${branch.name}`;
};

/** A union picked by the value of `type`: errors come from the chosen branch only. */
export const tagged = <C extends Record<string, t.Mixed>>(name: string, branches: C) => {
  const tags = Object.keys(branches);
  return new t.Type<t.TypeOf<C[keyof C]>, t.TypeOf<C[keyof C]>, unknown>(name, (_u): _u is t.TypeOf<C[keyof C]> => true, (u, c) => {
    const tag = typeof u === 'object' && u !== null ? (u as { type?: unknown }).type : undefined;
    const branch = typeof tag === 'string' ? branches[tag] : undefined;
    if (branch === undefined) {
      const close = typeof tag === 'string' ? closestKey(tag, tags) : undefined;
      const suggestion = close !== undefined ? `did you mean '${close}'?` : tag === undefined && typeof u === 'object' && u !== null ? typeSuggestion(u, branches) : undefined;
      return fail(tag, t.appendContext(c, 'type', t.string, tag), { expected: `one of ${tags.map((x) => `'${x}'`).join(', ')}`, ...(suggestion ? { suggestion } : {}) });
    }
    return branch.validate(u, c);
  }, (a) => a);
};
