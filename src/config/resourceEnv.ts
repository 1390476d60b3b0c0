/**
 * The resource the OpenTelemetry environment gives, as the SDKs read it: OTEL_RESOURCE_ATTRIBUTES
 * (`key=value,…`, values percent-decoded, surrounding quotes dropped) and OTEL_SERVICE_NAME, which
 * wins over a service.name in the list. This is how the OpenTelemetry Operator and Helm charts
 * give a pod its k8s.* attributes; chronoq ignored both (its samples carried only the config's
 * resource). The config file's `resource` wins over them, as its explicit OTLP options win over
 * the OTEL_EXPORTER_OTLP_* variables; a malformed list is a config error, not a partial resource.
 */
import type { ConfigError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvResource {
  readonly attributes: Readonly<Record<string, string>>;
  readonly errors: readonly ConfigError[];
}

const LIST = 'OTEL_RESOURCE_ATTRIBUTES';
const EXPECTED = 'comma-separated key=value pairs, values percent-encoded (W3C Baggage), as the OpenTelemetry SDKs read them';

export const resourceFromEnv = (env: Env): EnvResource => {
  const attributes: Record<string, string> = {};
  const errors: ConfigError[] = [];
  for (const pair of (env[LIST] ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    const key = at < 0 ? '' : pair.slice(0, at).trim();
    if (key === '') {
      errors.push({ path: `environment ${LIST}`, expected: EXPECTED, found: `${JSON.stringify(pair.trim())}, which has no key=` });
      continue;
    }
    const written = pair.slice(at + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      attributes[key] = decodeURIComponent(written);
    } catch {
      errors.push({ path: `environment ${LIST}, attribute ${JSON.stringify(key)}`, expected: EXPECTED, found: `${JSON.stringify(written)}, which is not valid percent-encoding`, suggestion: 'write % as %25' });
    }
  }
  const serviceName = env['OTEL_SERVICE_NAME']?.trim();
  if (serviceName) attributes['service.name'] = serviceName;
  return errors.length > 0 ? { attributes: {}, errors } : { attributes, errors };
};
