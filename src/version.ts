/**
 * chronoq's version, as package.json has it (test/packageExports.test.ts checks they agree): said
 * by `chronoq --version`, in the gRPC user agent, as the instrumentation scope's version of the
 * samples that bring no scope of their own, and as the self-metrics' meter's (telemetry/selfMetrics.ts).
 */
export const VERSION = '0.1.0';
