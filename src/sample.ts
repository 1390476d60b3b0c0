/**
 * The metric sample model: one observation of one series, with the time it was collected,
 * exact to the nanosecond.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import { INT64_END, nonNegativeNanosToMs } from './timeKey.js';
import { shownValue, valueProblem } from './sampleValues.js';
import { distinctNumbers, isAttributeSet } from './attributeJson.js';

/**
 * An attribute's value: a string, number or boolean, or an array of them, as OpenTelemetry's
 * AttributeValue (the SDK's resource has one: process.command_args). Arrays are sent as OTLP
 * arrays, as the stock exporter sends them.
 */
export type AttrValue = string | number | boolean | ReadonlyArray<string | number | boolean | null>;
export type Attributes = Readonly<Record<string, AttrValue>>;

export interface HistogramValue {
  readonly boundaries: readonly number[];
  readonly counts: readonly number[];
  /** Absent when unknown: the SDK leaves it out for instruments that may record negative values. */
  readonly sum?: number;
  readonly count: number;
  readonly min?: number;
  readonly max?: number;
}

/** One side (positive or negative values) of an exponential histogram: counts from bucket index `offset` up. */
export interface ExponentialBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

/** A base-2 exponential histogram, as OTLP's ExponentialHistogramDataPoint and the SDK's. */
export interface ExponentialHistogramValue {
  readonly scale: number;
  readonly zeroCount: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly count: number;
  /** Absent when the instrument may record negative values (the SDK leaves it out then). */
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

/** `sum` is a monotonic cumulative counter (unless `monotonic`/`temporality` say otherwise). */
export type SampleKind = 'gauge' | 'sum' | 'histogram' | 'exponential-histogram';
/** The kinds a sample may be. */
export const KINDS: readonly string[] = ['gauge', 'sum', 'histogram', 'exponential-histogram'] satisfies SampleKind[];

export interface Sample {
  readonly name: string;
  readonly kind: SampleKind;
  readonly value: number | HistogramValue | ExponentialHistogramValue;
  /** Original collection time, exact to the nanosecond. Never changed by retries. */
  readonly timeUnixNano: bigint;
  readonly startTimeUnixNano?: bigint;
  readonly attributes: Attributes;
  readonly unit?: string;
  readonly description?: string;
  /** Else the pipeline's resource. */
  readonly resource?: Attributes;
  /**
   * The resource's schema URL (OTLP's ResourceMetrics.schema_url: the semantic conventions its
   * attributes follow), as an SDK's resource or a request read from a file carried it.
   */
  readonly resourceSchemaUrl?: string;
  /** Set only when a skew policy re-stamped the sample: the time it carried before. */
  readonly correctedFromUnixNano?: bigint;
  /** Instrumentation scope (samples bridged from the OpenTelemetry SDK keep theirs, schema URL too). */
  readonly scope?: Scope;
  /** For sums and histograms: default 'cumulative' (a gauge bridged from an SDK asked for deltas says 'delta', which OTLP does not carry for gauges). */
  readonly temporality?: 'cumulative' | 'delta';
  /** For `sum`: default true (a counter); false for an up-down counter. */
  readonly monotonic?: boolean;
  /**
   * For `gauge` and `sum`: how the value is sent. By default as an integer when every value of
   * its metric in a request is a whole number, else as a double; `double` always as a double (the
   * SDK's instruments are double-valued unless made with ValueType.INT, and the stock exporter
   * sends them so).
   */
  readonly valueType?: 'int' | 'double';
}

export interface Scope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  /** The scope's own attributes (the Go and Java SDKs' meters, the Collector's receivers give some; never empty). */
  readonly attributes?: Attributes;
}

/** The same attribute sets: both absent, the same object, or equal in content. */
const sameAttributeSets = (a: Attributes | undefined, b: Attributes | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && canonicalAttributes(a) === canonicalAttributes(b));

/** The same instrumentation scope (both absent, or equal name, version, schema URL and attributes). */
export const sameScope = (a: Scope | undefined, b: Scope | undefined): boolean =>
  a === b ||
  (a !== undefined && b !== undefined && a.name === b.name && a.version === b.version && a.schemaUrl === b.schemaUrl && sameAttributeSets(a.attributes, b.attributes));

export const NANOS_PER_MS = 1_000_000n;

/**
 * Milliseconds since the epoch (may be fractional) → bigint nanoseconds: whole ms exactly, a
 * fraction to the nearest ns. The fraction is scaled apart from the whole ms: `ms * 1e6` of an epoch
 * time passes 2⁵³, and 1764064800000.25 ms came out as …000250112 ns.
 */
export const msToNanos = (ms: number): bigint => {
  if (Number.isInteger(ms)) return BigInt(ms) * NANOS_PER_MS;
  const whole = Math.floor(ms);
  return BigInt(whole) * NANOS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
};

/** bigint nanoseconds → milliseconds as a number (sub-ms precision kept as a fraction). */
export const nanosToMs = (ns: bigint): number => {
  const ms = nonNegativeNanosToMs(ns); // number arithmetic: no bigint division, no allocation
  return Number.isNaN(ms) ? Number(ns / NANOS_PER_MS) + Number(ns % NANOS_PER_MS) / 1e6 : ms;
};

// Attribute objects are usually shared between the samples of a series, so their canonical
// form is cached by identity: seriesKey costs one WeakMap look-up per sample in the hot path.
const canonicalCache = new WeakMap<Attributes, string>();

/** Canonical text of an attribute set (sorted keys), cached per object. */
export const canonicalAttributes = (attrs: Attributes | undefined): string => {
  if (attrs === undefined) return '';
  const cached = canonicalCache.get(attrs);
  if (cached !== undefined) return cached;
  const keys = Object.keys(attrs).sort();
  const text = JSON.stringify(keys.map((k) => [k, attrs[k]]), distinctNumbers);
  canonicalCache.set(attrs, text);
  return text;
};

/** name + resource + sorted attributes: equal for samples of one series, stable across runs. */
export const seriesKey = (s: Sample): string =>
  `${s.name}\u0000${canonicalAttributes(s.resource)}\u0000${canonicalAttributes(s.attributes)}`;

/** What a memo keeps for one attributes object: the series (name) it was last asked for, and others of that object by name. */
interface NameMemo<V> {
  name: string;
  value: V;
  byName?: Map<string, V>;
}

/**
 * A per-series value looked up by the sample's attributes object (samples of a series usually
 * share one) and name, so the hot path skips building seriesKey; `valueOf` runs on a miss, or
 * when `stillValid` says the remembered value is not (a forgotten series' state, seriesTable.ts).
 * A sample with a resource of its own is looked up in that resource's memo: an otlp source's
 * apps send the same attribute sets, each under its own resource (the source interns both), and
 * with one entry an attributes object for all of them it missed at every point and built the key
 * (8 apps: ~360 ns a point in reorderByEventTime's series table, ~580 in the spool's lanes). The
 * memos are weak: an entry goes with its resource or attributes object.
 */
export const memoByAttributes = <V>(valueOf: (s: Sample) => V, stillValid: (v: V) => boolean = () => true): ((s: Sample) => V) => {
  const noResource = new WeakMap<object, NameMemo<V>>();
  const byResource = new WeakMap<object, WeakMap<object, NameMemo<V>>>();
  return (s) => {
    let memo = noResource;
    if (s.resource !== undefined) {
      const own = byResource.get(s.resource);
      if (own === undefined) byResource.set(s.resource, (memo = new WeakMap()));
      else memo = own;
    }
    const m = memo.get(s.attributes);
    if (m === undefined) {
      const value = valueOf(s);
      memo.set(s.attributes, { name: s.name, value });
      return value;
    }
    if (m.name === s.name) {
      if (!stillValid(m.value)) m.value = valueOf(s);
      return m.value;
    }
    // Another series of this attributes object and resource: `{}` under many names, say.
    const known = m.byName?.get(s.name);
    if (known !== undefined && stillValid(known)) return known;
    const value = valueOf(s);
    (m.byName ??= new Map()).set(s.name, value);
    return value;
  };
};

/**
 * Memoises a per-series value (state of the series) by the sample's attributes object.
 * `make` runs once per distinct series key; equal keys share one value, which is kept for as long
 * as the memo is (one entry per series ever seen).
 */
export const seriesMemo = <V>(make: (key: string) => V): ((s: Sample) => V) => {
  const byKey = new Map<string, V>();
  return memoByAttributes((s) => {
    const key = seriesKey(s);
    let value = byKey.get(key);
    if (value === undefined) {
      value = make(key);
      byKey.set(key, value);
    }
    return value;
  });
};

/**
 * seriesMemo for a value that depends on the series key alone (a lane number), not state: it is
 * computed again for a new attributes object instead of kept per key, so nothing stays behind for
 * a series whose samples are gone (series churn costs no memory).
 */
export const seriesKeyedValue = <V>(compute: (key: string) => V): ((s: Sample) => V) =>
  memoByAttributes((s) => compute(seriesKey(s)));

/**
 * A copy of `s` — its own properties, symbols too (a followed file's read position rides on one)
 * — with `changes` written over it. Not `{ ...s, ...changes }`: on Node 20 a spread followed by a
 * property the sample lacks costs ~1 µs (V8 gives the copy a map of its own), this ~0.2 µs.
 */
export const copyWith = (s: Sample, changes: Partial<Sample>): Sample => Object.assign(Object.assign({}, s), changes);

/**
 * `s` as a sink sends it: with `resource` (the pipeline's) when it carries no resource of its own.
 * What is written down for later — an NDJSON sink's line, a dead letter — says it, so the sample
 * goes out again as the service and host it came from wherever it is read back.
 */
export const withResource = (resource: Attributes) => (s: Sample): Sample => (s.resource === undefined ? copyWith(s, { resource }) : s);

/** A start time after the sample's time, in words; undefined when in order or absent. */
export const startOrderProblem = (s: Sample): string | undefined =>
  s.startTimeUnixNano !== undefined && s.startTimeUnixNano > s.timeUnixNano ? 'startTimeUnixNano is after timeUnixNano' : undefined;

/**
 * Checks a sample's shape; Left carries what is wrong, in words a person can act on. With
 * `startOrder: false` a start time after the sample's time is let through, for a pipeline that
 * checks it after detectClockSkew: a local clock stepped back leaves the samples stamped after the
 * step behind their start time, until the step is corrected.
 */
export const validateSample = (s: Sample, opts: { readonly startOrder?: boolean } = {}): Either<string, Sample> => {
  if (typeof s.name !== 'string' || s.name.length === 0) return left('name must be a non-empty string');
  if (!KINDS.includes(s.kind)) return left(`kind must be gauge, sum, histogram or exponential-histogram, got ${shownValue(s.kind)}`);
  if (typeof s.timeUnixNano !== 'bigint' || s.timeUnixNano <= 0n) return left('timeUnixNano must be a positive bigint');
  // The OpenTelemetry Collector reads a time as Go's int64 nanoseconds (later ones wrap to before
  // 1970), and chronoq's reorder keys are int64 halves, so a time from 2⁶³ ns on is refused.
  if (s.timeUnixNano >= INT64_END) return left(`timeUnixNano ${s.timeUnixNano} is not before ${INT64_END} (2262-04-11T23:47:16.854775808Z), the end of the int64 nanosecond time receivers store`);
  if (s.startTimeUnixNano !== undefined && (typeof s.startTimeUnixNano !== 'bigint' || s.startTimeUnixNano < 0n)) {
    return left('startTimeUnixNano must be a non-negative bigint');
  }
  const order = opts.startOrder === false ? undefined : startOrderProblem(s);
  if (order !== undefined) return left(order);
  const problem = valueProblem(s);
  if (problem !== undefined) return left(problem);
  if (!isAttributeSet(s.attributes)) return left(`attributes must be an object of names to values, got ${shownValue(s.attributes)}`);
  return optionalFieldProblem(s) ?? right(s);
};

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/** The optional fields (scope, temporality, monotonic, valueType from the OpenTelemetry SDK; resource, unit, description), when malformed. */
const optionalFieldProblem = (s: Sample): Either<string, never> | undefined => {
  if (s.temporality !== undefined && s.temporality !== 'cumulative' && s.temporality !== 'delta') {
    return left(`temporality must be 'cumulative' or 'delta', got ${shownValue(s.temporality)}`);
  }
  if (s.monotonic !== undefined && typeof s.monotonic !== 'boolean') return left(`monotonic must be true or false, got ${shownValue(s.monotonic)}`);
  if (s.valueType !== undefined && s.valueType !== 'int' && s.valueType !== 'double') return left(`valueType must be 'int' or 'double', got ${shownValue(s.valueType)}`);
  if (s.resource !== undefined && !isAttributeSet(s.resource)) return left(`resource must be an object of names to values, got ${shownValue(s.resource)}`);
  if (!optionalString(s.unit)) return left(`unit must be a string, got ${shownValue(s.unit)}`);
  if (!optionalString(s.description)) return left(`description must be a string, got ${shownValue(s.description)}`);
  if (!optionalString(s.resourceSchemaUrl)) return left(`resourceSchemaUrl must be a string, got ${shownValue(s.resourceSchemaUrl)}`);
  const scope = s.scope as { name?: unknown; version?: unknown; schemaUrl?: unknown; attributes?: unknown } | undefined;
  if (
    scope !== undefined &&
    (typeof scope !== 'object' || scope === null || typeof scope.name !== 'string' || !optionalString(scope.version) || !optionalString(scope.schemaUrl) ||
      (scope.attributes !== undefined && !isAttributeSet(scope.attributes)))
  ) {
    return left(`scope must be an object with a string name (and a string version, schemaUrl, an object of attributes), got ${shownValue(scope)}`);
  }
  return undefined;
};
