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

export const workload = (opts: { total: number; series: number; hz: number; disorderMs: number; seed?: number }): Arrival[] => {
  const random = prng(opts.seed ?? 42);
  const attrs = Array.from({ length: opts.series }, (_, i) => ({ host: `h${i % 10}`, cpu: String(i) }));
  const stepMs = 1000 / opts.hz;
  const out: Arrival[] = [];
  for (let i = 0; i < opts.total; i++) {
    const series = i % opts.series;
    const tick = Math.floor(i / opts.series);
    const tMs = T0_MS + tick * stepMs;
    const sample: Sample = {
      name: 'system.cpu.utilization',
      kind: 'gauge',
      value: i,
      timeUnixNano: BigInt(Math.round(tMs)) * 1_000_000n + BigInt(series),
      attributes: attrs[series]!,
    };
    out.push({ atMs: tMs + random() * opts.disorderMs, sample });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
};
