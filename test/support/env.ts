/**
 * Runs `fn` with environment variables set as `vars` says (undefined: unset), then puts back what
 * they were, whether `fn` returns, throws or its promise settles either way. For code that reads
 * process.env when it is called (the exporter base, grpc-js, the SDK's detectors).
 */
export const withEnv = async <T>(vars: Readonly<Record<string, string | undefined>>, fn: () => T | Promise<T>): Promise<T> => {
  const saved = Object.entries(vars).map(([k]) => [k, process.env[k]] as const);
  const apply = (entries: readonly (readonly [string, string | undefined])[]): void => {
    for (const [k, v] of entries) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(Object.entries(vars));
  try {
    return await fn();
  } finally {
    apply(saved);
  }
};
