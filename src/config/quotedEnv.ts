/**
 * An environment variable whose value came with its quotes: `docker run --env-file` keeps
 * `OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4317"` as written, quotes and all, where a
 * shell, Compose and systemd's EnvironmentFile= remove them. The value was then no URL, a header
 * name starting with `"`, a resource attribute `'team` of value `a'`, a service named `"shop"`,
 * an INSECURE read as false: each said, if at all, as something else.
 */
import type { ConfigError } from './errors.js';

type Env = Readonly<Record<string, string | undefined>>;

const OTLP_SUFFIXES = ['ENDPOINT', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'INSECURE', 'CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE', 'PROTOCOL'];

/** The OTLP exporter variables chronoq and the exporter read, signal-specific and general. */
export const OTLP_EXPORTER_VARIABLES: readonly string[] = OTLP_SUFFIXES.flatMap((s) => [`OTEL_EXPORTER_OTLP_METRICS_${s}`, `OTEL_EXPORTER_OTLP_${s}`]);

/** True when the value, trimmed, is wrapped in one kind of quotes. */
export const isQuoted = (value: string | undefined): boolean => {
  const v = value?.trim() ?? '';
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0];
};

/** One error per variable of `variables` whose value is in quotes (the value is not shown: it may be a secret). */
export const quotedEnvErrors = (env: Env, variables: readonly string[]): ConfigError[] =>
  variables.filter((v) => isQuoted(env[v])).map((v) => {
    const q = env[v]!.trim()[0]!;
    return {
      path: `environment ${v}`,
      expected: 'its value without quotes',
      found: `a value in ${q}…${q} quotes, which are part of it (not shown)`,
      suggestion: `docker run --env-file keeps quotes as written, where a shell, Compose and systemd's EnvironmentFile= remove them: write ${v}=value`,
    };
  });
