/**
 * Request headers are gRPC metadata: names of lowercase letters, digits, '-', '_' and '.' (upper
 * case is folded), values of printable ASCII. grpc-js throws on anything else when the sink is
 * built, so a header value with an accented letter — in the config or in
 * OTEL_EXPORTER_OTLP_[METRICS_]HEADERS — stopped `chronoq run` with an internal error and a stack
 * trace, after `chronoq validate` had passed it. Checked when the config is loaded instead, each
 * at its path. A bad value is described, not printed: it is often a secret.
 */
import type { ConfigError } from './errors.js';

/** What is wrong with a header name or value, in config-error words; undefined when nothing. */
export interface HeaderProblem {
  readonly expected: string;
  readonly found: string;
}

export const headerNameProblem = (name: string): HeaderProblem | undefined => {
  const folded = name.toLowerCase();
  if (/^[0-9a-z_.-]+$/.test(folded) && !folded.endsWith('-bin')) return undefined;
  return { expected: "a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give)", found: `the name ${JSON.stringify(name)}` };
};

export const headerValueProblem = (value: string): HeaderProblem | undefined => {
  const chars = [...value];
  const bad = chars.findIndex((ch) => ch < ' ' || ch > '~');
  if (bad < 0) return undefined;
  const code = chars[bad]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return { expected: 'a header value of printable ASCII characters (gRPC metadata)', found: `a value with U+${code} at character ${bad + 1}` };
};

/**
 * The headers of OTEL_EXPORTER_OTLP_METRICS_HEADERS and OTEL_EXPORTER_OTLP_HEADERS
 * (`name=value,…`, values percent-decoded, as the OpenTelemetry exporters read them), checked.
 */
export const checkEnvHeaders = (env: Readonly<Record<string, string | undefined>>): ConfigError[] =>
  ['OTEL_EXPORTER_OTLP_METRICS_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'].flatMap((variable) =>
    (env[variable] ?? '').split(',').flatMap((pair): ConfigError[] => {
      const at = pair.indexOf('=');
      if (pair.trim() === '' || at < 0) return [];
      const name = pair.slice(0, at).trim();
      let value = pair.slice(at + 1).trim();
      try {
        value = decodeURIComponent(value);
      } catch {
        // kept as written
      }
      const problem = headerNameProblem(name) ?? headerValueProblem(value);
      return problem === undefined ? [] : [{ path: `environment ${variable}, header ${JSON.stringify(name)}`, ...problem }];
    }),
  );
