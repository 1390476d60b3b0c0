/**
 * The resource the OpenTelemetry environment gives, read as the JavaScript SDK's EnvDetector
 * reads it: OTEL_RESOURCE_ATTRIBUTES (`key=value,…`, keys and values percent-decoded, at most 255
 * characters each; a `,` or `=` inside one must be percent-encoded) and OTEL_SERVICE_NAME, which
 * wins over a service.name in the list. This is how the OpenTelemetry Operator and Helm charts
 * give a pod its k8s.* attributes; chronoq ignored both (its samples carried only the config's
 * resource). The config file's `resource` wins over them, as its explicit OTLP options win over
 * the OTEL_EXPORTER_OTLP_* variables. A malformed list, which the SDK drops whole with a debug
 * line, is a config error here, not a resource without it.
 */
import type { ConfigError } from './errors.js';
import { unexpandedReference } from './unexpanded.js';
import { quotedEnvErrors } from './quotedEnv.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvResource {
  readonly attributes: Readonly<Record<string, string>>;
  readonly errors: readonly ConfigError[];
}

const LIST = 'OTEL_RESOURCE_ATTRIBUTES';
const EXPECTED = 'comma-separated key=value pairs, a , or = inside a key or value percent-encoded, as the OpenTelemetry SDKs read them';
const MAX_LENGTH = 255;

/** One `key=value` entry → [key, value], or what is wrong with it. */
const entryOf = (entry: string): readonly [string, string] | string => {
  const parts = entry.split('=');
  if (parts.length !== 2) return parts.length < 2 ? 'which has no =' : 'which has more than one = (write one inside a value as %3D)';
  const [key, value] = parts.map((p) => p.trim()) as [string, string];
  if (key === '') return 'which has no key';
  let decoded: [string, string];
  try {
    decoded = [decodeURIComponent(key), decodeURIComponent(value)];
  } catch {
    return 'which is not valid percent-encoding (write % as %25)';
  }
  return decoded.some((d) => d.length > MAX_LENGTH) ? `whose key or value is longer than ${MAX_LENGTH} characters` : decoded;
};

export const resourceFromEnv = (env: Env): EnvResource => {
  const attributes: Record<string, string> = {};
  const quoted = quotedEnvErrors(env, [LIST, 'OTEL_SERVICE_NAME']);
  if (quoted.length > 0) return { attributes: {}, errors: quoted };
  const errors: ConfigError[] = [];
  for (const entry of (env[LIST] ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const parsed = entryOf(entry);
    const unexpanded = typeof parsed === 'string' ? undefined : unexpandedReference(parsed[1]);
    if (typeof parsed === 'string') errors.push({ path: `environment ${LIST}`, expected: EXPECTED, found: `${JSON.stringify(entry.trim())}, ${parsed}` });
    else if (unexpanded !== undefined) errors.push({ path: `environment ${LIST}`, expected: EXPECTED, found: `${JSON.stringify(entry.trim())}, ${unexpanded.found}`, suggestion: unexpanded.suggestion });
    else attributes[parsed[0]] = parsed[1];
  }
  const serviceName = env['OTEL_SERVICE_NAME']?.trim();
  if (serviceName) attributes['service.name'] = serviceName;
  return errors.length > 0 ? { attributes: {}, errors } : { attributes, errors };
};
