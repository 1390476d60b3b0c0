/**
 * An OTLP data point (as OTLP/JSON parses it) → a sample, the parts every metric type shares: its
 * time and start time exactly, its attributes, and the metric's name, kind, unit, description,
 * temporality and monotonicity with the resource and scope it came with. Used by otlpJson.ts for
 * gauges, sums and histograms and by otlpSummaries.ts for a summary's gauges.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Attributes, Sample } from './sample.js';
import { validateSample } from './sample.js';
import { nanosProblem, shownValue } from './sampleValues.js';
import { type Json, attributes, nanos, obj, shownJsonValue } from './otlpJsonValues.js';

/** The resource and scope a metric's samples carry. */
export type PointBase = Pick<Sample, 'resource' | 'resourceSchemaUrl' | 'scope'>;

/** What a metric gives each of its points' samples. */
export type MetricHead = Pick<Sample, 'name' | 'kind'> & Partial<Pick<Sample, 'unit' | 'description' | 'temporality' | 'monotonic'>>;

/** What a point gives its samples besides the value. */
export interface PointBasics {
  readonly time: bigint;
  readonly start: bigint | undefined;
  readonly attributes: Attributes;
}

/**
 * The flag that says a point is a marker that its series ended, with no value (the Collector's
 * Prometheus receiver writes one for each series of a target that stopped answering: Prometheus's
 * staleness markers): not a sample. The official serializer writes no flags, so a marker cannot
 * be sent on: refused (a dead letter, partial success), or skipped with a source's `staleMarkers: skip`.
 */
const noRecordedValue = (p: Json): boolean => (Number(p['flags'] ?? 0) & 1) === 1;
const NO_RECORDED_VALUE = "a point flagged as having no recorded value (its series ended: a staleness marker), which a sample cannot be (the source's `staleMarkers: skip` skips them)";

/** How many of a request's points became samples, and how many were staleness markers skipped. */
export interface PointTally {
  taken: number;
  skipped: number;
}

/**
 * Why a time field's value is no time in nanoseconds. A number past 2^53 written otherwise than in
 * digits is said as a sample line says it: it read "must be a decimal string …, got
 * 1764064800123000000", digits that look like a time.
 */
const notNanos = (field: string, v: unknown): string => nanosProblem(field, v, Number.isInteger(v), shownJsonValue);

/** A point's attributes and times, or why a sample cannot hold them. */
export const pointBasics = (p: Json): Either<string, PointBasics> => {
  const attrs = attributes(p['attributes']);
  if (isLeft(attrs)) return attrs;
  const time = nanos(p['timeUnixNano']);
  if (time === undefined) return left(notNanos('timeUnixNano', p['timeUnixNano']));
  // A start that is there but not a time is refused as the time is (it was read as none: a counter
  // sent as if it had no start). null is proto3 JSON's absent value.
  const rawStart = p['startTimeUnixNano'];
  const start = nanos(rawStart);
  if (start === undefined && rawStart != null) return left(notNanos('startTimeUnixNano', rawStart));
  return right({ time, start, attributes: attrs.right });
};

/** A metric's unit or description when it has one (proto3 writes an empty string as none). */
export const textOf = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** An aggregation temporality as a sample says it: the enum's number (or name, in OTLP/JSON), else undefined. */
export const TEMPORALITY: Readonly<Record<string, 'delta' | 'cumulative'>> = { 1: 'delta', 2: 'cumulative', AGGREGATION_TEMPORALITY_DELTA: 'delta', AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative' };

/**
 * A scope as samples carry it: its name, its version and schema URL when not empty, its attributes
 * when there are any (`version` and `schemaUrl` as read, proto3's empty string for none).
 */
export const scopeOf = (name: string, version: unknown, schemaUrl: unknown, attributes: Attributes): NonNullable<Sample['scope']> => {
  const v = textOf(version);
  const url = textOf(schemaUrl);
  return { name, ...(v !== undefined ? { version: v } : {}), ...(url !== undefined ? { schemaUrl: url } : {}), ...(Object.keys(attributes).length > 0 ? { attributes } : {}) };
};

/** What a resource and a scope give each of their points' samples. */
export const pointBase = (resource: Attributes, resourceSchemaUrl: string | undefined, scope: NonNullable<Sample['scope']>): PointBase =>
  ({ resource, ...(resourceSchemaUrl !== undefined ? { resourceSchemaUrl } : {}), scope });

/**
 * What a metric gives each of its points' samples: its name and kind, its unit and description when
 * not empty (as read), a sum's or histogram's temporality, a sum's monotonicity.
 */
export const metricHead = (name: string, kind: Sample['kind'], unit: unknown, description: unknown, temporality: Sample['temporality'], monotonic: boolean): MetricHead => {
  const head: { -readonly [K in keyof MetricHead]: MetricHead[K] } = { name, kind };
  const unitText = textOf(unit);
  const descriptionText = textOf(description);
  if (unitText !== undefined) head.unit = unitText;
  if (descriptionText !== undefined) head.description = descriptionText;
  if (temporality !== undefined) head.temporality = temporality;
  if (kind === 'sum') head.monotonic = monotonic;
  return head;
};

/** One sample of a point: `head`'s metric, this value, the point's times and `attrs` (its own by default). */
export const pointSample = (
  head: MetricHead, value: Sample['value'], valueType: Sample['valueType'], p: PointBasics, base: PointBase, attrs: Attributes = p.attributes,
): Either<string, Sample> => {
  // Built field by field, absent ones left out, in one order: spreads of objects cost ~3 µs a point.
  const sample: { -readonly [K in keyof Sample]?: Sample[K] } = { name: head.name, kind: head.kind, value, timeUnixNano: p.time, attributes: attrs };
  if (p.start !== undefined && p.start > 0n) sample.startTimeUnixNano = p.start;
  if (head.unit !== undefined) sample.unit = head.unit;
  if (head.description !== undefined) sample.description = head.description;
  sample.resource = base.resource;
  if (base.resourceSchemaUrl !== undefined) sample.resourceSchemaUrl = base.resourceSchemaUrl;
  sample.scope = base.scope;
  if (head.temporality !== undefined) sample.temporality = head.temporality;
  if (head.monotonic !== undefined) sample.monotonic = head.monotonic;
  if (valueType !== undefined) sample.valueType = valueType;
  return validateSample(sample as Sample);
};

/**
 * Each of a metric's points → its sample or samples (`sampleOf`), pushed to `out` and counted as
 * taken; a point `sampleOf` cannot make is refused alone, with why. A staleness marker is not
 * given to `sampleOf`: skipped (counted) with `skipMarkers`, refused otherwise.
 */
export const takePoints = (
  points: readonly unknown[], name: string, skipMarkers: boolean, tally: PointTally, refuse: (reason: string) => void, out: Sample[],
  sampleOf: (p: Json) => Either<string, Sample | readonly Sample[]>,
): void => {
  for (const point of points) {
    const p = obj(point);
    if (noRecordedValue(p)) {
      if (skipMarkers) tally.skipped++;
      else refuse(`metric ${shownValue(name)}: ${NO_RECORDED_VALUE}`);
      continue;
    }
    const s = sampleOf(p);
    if (isLeft(s)) {
      refuse(`metric ${shownValue(name)}: ${s.left}`);
      continue;
    }
    if (Array.isArray(s.right)) for (const one of s.right as readonly Sample[]) out.push(one);
    else out.push(s.right as Sample);
    tally.taken++;
  }
};

/** How many points a refusal covers, in words. */
export const pointsWord = (n: number): string => (n === 1 ? 'its point' : `its ${n} points`);
