/** Timing helpers for the benchmark scripts (outside the library, so they read the clock directly). */
export interface Measured {
  readonly label: string;
  readonly items: number;
  readonly perSecond: number;
}

/** Runs fn (which returns how many items it handled) after one warm-up, best of `runs`. */
export const measure = (label: string, items: number, fn: () => number, runs = 3): Measured => {
  const handled = fn();
  if (handled !== items) throw new Error(`${label}: handled ${handled} of ${items} items`);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { label, items, perSecond: (items / best) * 1000 };
};

const fmt = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);

export const report = (title: string, rows: Measured[], baseline: Measured): void => {
  console.log(`\n${title}`);
  for (const r of rows) {
    const ratio = r.perSecond / baseline.perSecond;
    console.log(`  ${r.label.padEnd(28)} ${fmt(r.perSecond).padStart(9)} samples/s   ×${ratio.toFixed(1)} vs ${baseline.label}`);
  }
};
