/**
 * Generated workloads for the benchmarks: `series` series sampled at `hz`, each sample arriving
 * after a random delay of up to `disorderMs` (a seeded PRNG: the same workload every run).
 */
import type { Sample } from '../src/sample.js';

export const prng = (seed: number): (() => number) => {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export interface Arrival {
  readonly atMs: number;
  readonly sample: Sample;
}

export const T0_MS = Date.UTC(2026, 0, 1);

/**
 * The samples in arrival order. They are allocated in that order too, as a live source allocates
 * each sample just before emitting it: allocating them in event-time order and then shuffling by
 * arrival would leave every consumer chasing cold cache lines (about 200 ns a sample here), a cost
 * no real source has.
 */
export const workload = (opts: { total: number; series: number; hz: number; disorderMs: number; seed?: number }): Arrival[] => {
  const random = prng(opts.seed ?? 42);
  const attrs = Array.from({ length: opts.series }, (_, i) => ({ host: `h${i % 10}`, cpu: String(i) }));
  const stepMs = 1000 / opts.hz;
  const atMs = new Float64Array(opts.total);
  for (let i = 0; i < opts.total; i++) atMs[i] = T0_MS + Math.floor(i / opts.series) * stepMs + random() * opts.disorderMs;
  const order = Array.from({ length: opts.total }, (_, i) => i).sort((a, b) => atMs[a]! - atMs[b]! || a - b);
  return order.map((i) => {
    const series = i % opts.series;
    const tMs = T0_MS + Math.floor(i / opts.series) * stepMs;
    const sample: Sample = {
      name: 'system.cpu.utilization',
      kind: 'gauge',
      value: i,
      timeUnixNano: BigInt(Math.round(tMs)) * 1_000_000n + BigInt(series),
      attributes: attrs[series]!,
    };
    return { atMs: atMs[i]!, sample };
  });
};
