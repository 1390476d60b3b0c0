/**
 * A batch of samples as columns, to hand to the encoding worker (offThreadEncoder.ts) for the
 * cost of a copy of numbers instead of a structured clone of every sample object: the clone cost
 * as much as encoding the batch (~650 ns a sample), which left nothing to gain from a second
 * thread. What a series shares — name, kind, unit, description, temporality, monotonic,
 * valueType, resource (and its schema URL), scope, attributes — is sent once as a SeriesInfo and referred to by
 * number; each sample is its series number, its times (int64 nanoseconds) and its value.
 *
 * The packer remembers which series the worker already has (by the sample's attributes object,
 * as series usually share one, checked field by field). A batch that cannot be packed exactly —
 * a time outside 0 ≤ t < 2⁶³, a malformed sample — gives undefined: the caller encodes it on its
 * own thread, where the sink's usual failure handling names the faulty sample.
 */
import { type Attributes, type Sample, canonicalAttributes, sameScope } from '../sample.js';
import { INT64_END } from '../timeKey.js';

/** What the samples of one series share. */
export interface SeriesInfo {
  readonly name: string;
  readonly kind: Sample['kind'];
  readonly unit: string | undefined;
  readonly description: string | undefined;
  readonly temporality: Sample['temporality'];
  readonly monotonic: boolean | undefined;
  readonly valueType: Sample['valueType'];
  readonly resource: Attributes | undefined;
  readonly resourceSchemaUrl: string | undefined;
  readonly scope: Sample['scope'];
  readonly attributes: Attributes;
}

/** Flag bits of a packed sample. */
export const HAS_START = 1;
/** Its value is not a number (a histogram): the next entry of `otherValues`. */
export const OTHER_VALUE = 2;

export interface PackedBatch {
  /** The receiver forgets every series it holds before reading `newSeries`. */
  readonly reset: boolean;
  /** Series numbered from the receiver's count on. */
  readonly newSeries: readonly SeriesInfo[];
  readonly series: Int32Array;
  readonly times: BigInt64Array;
  readonly starts: BigInt64Array;
  readonly values: Float64Array;
  readonly flags: Uint8Array;
  readonly otherValues: readonly unknown[];
}

interface Known extends SeriesInfo {
  readonly id: number;
}

const infoOf = (s: Sample): SeriesInfo => ({
  name: s.name, kind: s.kind, unit: s.unit, description: s.description, temporality: s.temporality,
  monotonic: s.monotonic, valueType: s.valueType, resource: s.resource, resourceSchemaUrl: s.resourceSchemaUrl, scope: s.scope, attributes: s.attributes,
});

const sameSeries = (k: Known, s: Sample): boolean =>
  k.name === s.name && k.kind === s.kind && k.unit === s.unit && k.description === s.description && k.resource === s.resource && k.resourceSchemaUrl === s.resourceSchemaUrl &&
  sameScope(k.scope, s.scope) && k.temporality === s.temporality && k.monotonic === s.monotonic && k.valueType === s.valueType;

/**
 * A packer for one receiver. It numbers at most `maxSeries` series, then starts over with a
 * reset (so a receiver's table stays bounded however many series come and go).
 */
export const createBatchPacker = (maxSeries = 65_536) => {
  let known = new WeakMap<object, Known>();
  let count = 0;
  let reset = true;
  const forgetAll = (): void => {
    known = new WeakMap();
    count = 0;
    reset = true;
  };

  /** The batch as columns, or undefined when it cannot be packed exactly. */
  const pack = (batch: readonly Sample[]): PackedBatch | undefined => {
    const n = batch.length;
    if (count + n > maxSeries) forgetAll();
    const newSeries: SeriesInfo[] = [];
    const series = new Int32Array(n);
    const times = new BigInt64Array(n);
    const starts = new BigInt64Array(n);
    const values = new Float64Array(n);
    const flags = new Uint8Array(n);
    const otherValues: unknown[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const s = batch[i]!;
        const t = s.timeUnixNano;
        if (typeof t !== 'bigint' || t < 0n || t >= INT64_END) throw new RangeError('time');
        times[i] = t;
        let k = known.get(s.attributes);
        if (k === undefined || !sameSeries(k, s)) {
          if (typeof s.attributes !== 'object' || s.attributes === null) throw new TypeError('attributes');
          const info = infoOf(s);
          k = { ...info, id: count++ };
          known.set(s.attributes, k);
          newSeries.push(info);
        }
        series[i] = k.id;
        let f = 0;
        const start = s.startTimeUnixNano;
        if (start !== undefined) {
          if (typeof start !== 'bigint' || start < 0n || start >= INT64_END) throw new RangeError('start time');
          starts[i] = start;
          f = HAS_START;
        }
        const v = s.value;
        if (typeof v === 'number') values[i] = v;
        else {
          otherValues.push(v);
          f |= OTHER_VALUE;
        }
        flags[i] = f;
      }
    } catch {
      // The series numbered in this batch never reach the receiver: start over with a reset.
      forgetAll();
      return undefined;
    }
    const packed: PackedBatch = { reset, newSeries, series, times, starts, values, flags, otherValues };
    reset = false;
    return packed;
  };
  /** Starts over with a reset: for a packed batch that never reached the receiver. */
  return { pack, forgetAll };
};

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The receiving side: keeps the series table and turns a packed batch back into samples, equal
 * field by field to the ones packed (a resource or scope sent in separate messages becomes one
 * object again by content, so a batch groups as it did on the sending side).
 *
 * The samples it returns are its own and are overwritten by the next call (the worker encodes
 * them at once and keeps nothing): allocating 1 000 objects a batch cost as much as a quarter of
 * the encoding.
 */
export const createBatchUnpacker = () => {
  const table: SeriesInfo[] = [];
  const shared = new Map<string, object>();
  const one = <T extends object | undefined>(v: T): T => {
    if (v === undefined) return v;
    const key = canonicalAttributes(v as Attributes);
    const prior = shared.get(key);
    if (prior !== undefined) return prior as T;
    shared.set(key, v as object);
    return v;
  };
  const pool: Writable<Sample>[] = [];
  const out: Sample[] = [];
  return (p: PackedBatch): readonly Sample[] => {
    if (p.reset) {
      table.length = 0;
      shared.clear();
    }
    for (const info of p.newSeries) table.push({ ...info, resource: one(info.resource), scope: one(info.scope) });
    const n = p.series.length;
    out.length = n;
    let other = 0;
    for (let i = 0; i < n; i++) {
      const d = table[p.series[i]!]!;
      const f = p.flags[i]!;
      let s = pool[i];
      if (s === undefined) {
        s = { name: '', kind: 'gauge', value: 0, timeUnixNano: 0n, startTimeUnixNano: undefined, attributes: d.attributes, unit: undefined, description: undefined, resource: undefined, resourceSchemaUrl: undefined, scope: undefined, temporality: undefined, monotonic: undefined, valueType: undefined };
        pool.push(s);
      }
      s.name = d.name;
      s.kind = d.kind;
      s.unit = d.unit;
      s.description = d.description;
      s.temporality = d.temporality;
      s.monotonic = d.monotonic;
      s.valueType = d.valueType;
      s.resource = d.resource;
      s.resourceSchemaUrl = d.resourceSchemaUrl;
      s.scope = d.scope;
      s.attributes = d.attributes;
      s.value = (f & OTHER_VALUE) !== 0 ? (p.otherValues[other++] as Sample['value']) : p.values[i]!;
      s.timeUnixNano = p.times[i]!;
      s.startTimeUnixNano = (f & HAS_START) !== 0 ? p.starts[i]! : undefined;
      out[i] = s;
    }
    return out;
  };
};
