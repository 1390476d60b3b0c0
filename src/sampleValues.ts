/**
 * What a sample's value must be for its kind, in words a person can act on: a number for a gauge
 * (NaN and ±Infinity too: OTLP carries any double, the stock exporter sends them, Prometheus stores
 * NaN — an average over nothing, a ratio of zeros), a finite number for a sum (a counter counts;
 * not below zero for a monotonic sum, cumulative or delta), a consistent explicit-bucket
 * histogram, or a consistent base-2 exponential histogram (OTLP's ExponentialHistogram: bucket
 * i of a side covers (2^((offset+i)·2^−scale), 2^((offset+i+1)·2^−scale)]). A histogram's sum, min
 * and max may be NaN or ±Infinity (the SDK's, once Infinity was recorded: its buckets and count
 * still hold), its boundaries not.
 */
import type { ExponentialBuckets, ExponentialHistogramValue, HistogramValue, Sample } from './sample.js';

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (c: unknown): boolean => Number.isInteger(c) && (c as number) >= 0;
const total = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

const histogramProblem = (h: HistogramValue): string | undefined => {
  if (!Array.isArray(h.boundaries) || !Array.isArray(h.counts)) return 'histogram needs boundaries and counts arrays';
  // OTLP's histogram of a count and a sum alone: no buckets and no boundaries (bucket_counts empty).
  const bucketless = h.counts.length === 0 && h.boundaries.length === 0;
  if (!bucketless && h.counts.length !== h.boundaries.length + 1) return 'histogram counts must have boundaries.length + 1 entries (or both be empty: a count and a sum alone)';
  if (!h.boundaries.every(isFiniteNumber)) return 'histogram boundaries must be finite numbers';
  for (let i = 1; i < h.boundaries.length; i++) {
    if (h.boundaries[i]! <= h.boundaries[i - 1]!) return 'histogram boundaries must be strictly increasing';
  }
  if (!h.counts.every(isCount)) return 'histogram counts must be non-negative integers';
  const sum = total(h.counts);
  if (bucketless ? !isCount(h.count) : sum !== h.count) return bucketless ? 'histogram count must be a non-negative integer' : `histogram count ${h.count} differs from the sum of counts ${sum}`;
  if (h.sum !== undefined && typeof h.sum !== 'number') return 'histogram sum must be a number when given';
  return undefined;
};

/** OTLP's range of scales (the SDK starts at 20 and lowers it to fit its buckets). */
const MIN_SCALE = -10;
const MAX_SCALE = 20;

const bucketsProblem = (b: ExponentialBuckets | undefined, side: string): string | undefined => {
  if (typeof b !== 'object' || b === null || !Array.isArray(b.bucketCounts)) return `exponential histogram ${side} needs { offset, bucketCounts }`;
  if (!Number.isInteger(b.offset)) return `exponential histogram ${side}.offset must be an integer`;
  if (!b.bucketCounts.every(isCount)) return `exponential histogram ${side}.bucketCounts must be non-negative integers`;
  return undefined;
};

const exponentialProblem = (h: ExponentialHistogramValue): string | undefined => {
  if (!Number.isInteger(h.scale) || h.scale < MIN_SCALE || h.scale > MAX_SCALE) return `exponential histogram scale must be an integer from ${MIN_SCALE} to ${MAX_SCALE}`;
  if (!isCount(h.zeroCount)) return 'exponential histogram zeroCount must be a non-negative integer';
  const sides = bucketsProblem(h.positive, 'positive') ?? bucketsProblem(h.negative, 'negative');
  if (sides !== undefined) return sides;
  const counted = h.zeroCount + total(h.positive.bucketCounts) + total(h.negative.bucketCounts);
  if (counted !== h.count) return `exponential histogram count ${h.count} differs from zeroCount plus the bucket counts, ${counted}`;
  // The SDK leaves the sum out for instruments that may record negative values.
  if (h.sum !== undefined && typeof h.sum !== 'number') return 'exponential histogram sum must be a number when given';
  return undefined;
};

/** min above max (measurements in swapped fields) was sent as it was: a receiver shows it as such. */
const minMaxProblem = (h: { readonly min?: number; readonly max?: number }): string | undefined =>
  (h.min !== undefined && typeof h.min !== 'number') || (h.max !== undefined && typeof h.max !== 'number') ? 'histogram min and max must be numbers when given'
  : h.min !== undefined && h.max !== undefined && h.min > h.max ? `histogram min ${h.min} is greater than its max ${h.max}`
  : undefined;

/**
 * Why `v` is no time in nanoseconds for `field`, as a sample line (sampleJson.ts) and an OTLP/JSON
 * point (otlpPointSample.ts) say it: `inexact`, a number JSON read as a double past 2^53 in
 * another form than its digits (1.764064800123e18, whose digits a double may have rounded);
 * otherwise what was there, as `shown` writes it.
 */
export const nanosProblem = (field: string, v: unknown, inexact: boolean, shown: (v: unknown) => string = shownValue): string =>
  inexact
    ? `${field} must be whole nanoseconds, in digits or as a decimal string: got a number in another form (read as ${JSON.stringify(v)}, not exact)`
    : `${field} must be a decimal string of nanoseconds, got ${shown(v)}`;

/** At most this many characters of a value shown in a refusal. */
const SHOWN_CHARS = 60;

/**
 * A field's value as a refusal shows it: as JSON for a string, list or object (quoted, `"12"`:
 * why 12 was refused — a shell script's printf wrote it quoted; `[]`, `{"avg":1.5}` — String()
 * showed nothing and `[object Object]`), cut after SHOWN_CHARS; a number as JS writes it (NaN,
 * Infinity); `no value` when absent.
 */
export const shownValue = (v: unknown): string => {
  if (v === undefined) return 'no value';
  if (typeof v !== 'string' && (typeof v !== 'object' || v === null)) return String(v);
  let json: string;
  try {
    json = JSON.stringify(v) ?? String(v);
  } catch {
    return String(v); // a bigint or a cycle in an app's own object
  }
  return json.length <= SHOWN_CHARS ? json : `${json.slice(0, SHOWN_CHARS)}… (${json.length} characters)`;
};

/** What is wrong with `s.value` for `s.kind` (a known kind), or undefined. */
export const valueProblem = (s: Sample): string | undefined => {
  if (s.kind === 'histogram' || s.kind === 'exponential-histogram') {
    if (typeof s.value !== 'object' || s.value === null) return s.kind === 'histogram' ? 'a histogram sample needs a histogram value' : 'an exponential-histogram sample needs an exponential histogram value';
    return (s.kind === 'histogram' ? histogramProblem(s.value as HistogramValue) : exponentialProblem(s.value as ExponentialHistogramValue)) ?? minMaxProblem(s.value);
  }
  const gauge = s.kind === 'gauge';
  if (typeof s.value !== 'number' || (!gauge && !Number.isFinite(s.value))) return `value must be ${gauge ? 'a number' : 'a finite number'}, got ${shownValue(s.value)}`;
  // A counter's deltas count up as its total does (the SDK's never go below 0: a lower observation is a reset).
  if (s.kind === 'sum' && s.monotonic !== false && s.value < 0) return `a monotonic sum cannot be negative, got ${s.value} (a counter counts up, as do its deltas): a value that goes down is an up-down counter, monotonic: false`;
  return undefined;
};
