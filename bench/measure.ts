/** Timing helpers for the benchmark scripts (outside the library, so they read the clock directly). */
export interface Measured {
  readonly label: string;
  readonly items: number;
  readonly perSecond: number;
}

/**
 * Runs fn (which returns how many items it handled) and keeps the best of `runs` timed calls,
 * after one untimed warm-up unless `warmUp` is false (for baselines so slow that a second call
 * would only cost minutes).
 */
export const measure = (label: string, items: number, fn: () => number, opts: { runs?: number; warmUp?: boolean } = {}): Measured => {
  const check = (handled: number): void => {
    if (handled !== items) throw new Error(`${label}: handled ${handled} of ${items} items`);
  };
  if (opts.warmUp ?? true) check(fn());
  let best = Infinity;
  for (let i = 0; i < (opts.runs ?? 3); i++) {
    const t0 = performance.now();
    check(fn());
    best = Math.min(best, performance.now() - t0);
  }
  return { label, items, perSecond: (items / best) * 1000 };
};

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);

export const report = (title: string, rows: Measured[], baseline: Measured): void => {
  console.log(`\n${title}`);
  for (const r of rows) {
    const ratio = r.perSecond / baseline.perSecond;
    console.log(`  ${r.label.padEnd(28)} ${fmt(r.perSecond).padStart(9)} samples/s   ×${ratio.toFixed(1)} vs ${baseline.label}`);
  }
};

/**
 * Bytes the JavaScript heap allocates while `run` runs, garbage included: V8's sampling heap
 * profiler (through the inspector) with objects freed by minor and major GCs kept in the count.
 * A statistical estimate (one sample every `samplingIntervalBytes` on average); what V8 allocates
 * also depends on how far it has optimized the code, so repeat a run before trusting a change.
 * Buffers' external memory is not counted.
 */
export const allocatedBytes = async (run: () => Promise<unknown>, samplingIntervalBytes = 256): Promise<number> => {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: samplingIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await run();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    interface Node { selfSize: number; children: Node[] }
    const sum = (n: Node): number => n.children.reduce((total, c) => total + sum(c), n.selfSize);
    return sum(profile.head as Node);
  } finally {
    session.disconnect();
  }
};
