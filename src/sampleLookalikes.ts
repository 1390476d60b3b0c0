/**
 * Fields of an NDJSON sample under names chronoq does not read, said instead of passed over: a
 * time, name or value under another name or in another form (a sample without one is refused
 * anyway; the message says what to write), and a kind or attributes under the names other systems
 * give them (Prometheus' `labels`, StatsD's and InfluxDB's `tags`, `"type": "counter"`), which
 * were dropped without a word — every host's `cpu` one series of interleaved values, counters
 * sent as gauges.
 */
import { shownValue } from './sampleValues.js';
import { isAttributeSet } from './attributeJson.js';
import { KINDS } from './sample.js';

/** Seconds, ms, µs or ns since the epoch, by size (any time from 2001 to 2286). */
const EPOCH_UNITS = [[1e9, 1e10, 'seconds', 1_000_000_000n], [1e12, 1e13, 'milliseconds', 1_000_000n], [1e15, 1e16, 'microseconds', 1_000n]] as const;
/** Names producers give a sample's time that chronoq does not read. */
const TIME_LOOKALIKES = ['timestamp', 'ts', 'timeUnixMs', 'time_unix_nano', 'timestamp_ns', 'timestampMs', 'timeUnixNanos', '@timestamp', 'date'];
/** Names producers give a sample's attributes. */
const ATTRIBUTE_LOOKALIKES = ['labels', 'tags', 'dimensions', 'attrs', 'attribute'];
/** Names producers give a sample's name and value. */
const NAME_LOOKALIKES = ['metric', '__name__', 'metric_name', 'metricName'];
const VALUE_LOOKALIKES = ['val', 'metric_value', 'metricValue', 'sample'];
/** Names producers give a sample's kind, and the kinds they name so (lower case, - and _ alike). */
const KIND_LOOKALIKES = ['type', 'metricType', 'metric_type'];
const KIND_WORDS: Readonly<Record<string, string>> = {
  gauge: 'gauge', counter: 'sum', sum: 'sum', monotonic_counter: 'sum',
  up_down_counter: 'sum with monotonic: false', updowncounter: 'sum with monotonic: false',
  histogram: 'histogram', exponential_histogram: 'exponential-histogram',
};
/** The kind another system's word names, or undefined. */
const kindNamed = (word: unknown): string | undefined => (typeof word === 'string' ? KIND_WORDS[word.toLowerCase().replaceAll('-', '_')] : undefined);

/**
 * Why a sample has no time, and what to write: a `time` given as a number (seconds since the
 * epoch, say — which the message read as no time at all) or a time under another name.
 */
export const missingTime = (r: Readonly<Record<string, unknown>>): string => {
  const needs = 'a sample needs timeUnixNano (decimal string) or time (RFC 3339)';
  const time = r['time'];
  if (typeof time === 'number' && Number.isFinite(time)) {
    const unit = EPOCH_UNITS.find(([lo, hi]) => time >= lo && time < hi);
    // Python's time.time() has a fraction: shown to the microsecond, all a double holds of it.
    const nanos = unit === undefined ? 0n : Number.isInteger(time) ? BigInt(time) * unit[3] : (BigInt(Math.round(time * 1e6)) * unit[3]) / 1_000_000n;
    if (unit !== undefined) return `${needs}: time is the number ${time}, ${unit[2]} since the epoch? write timeUnixNano: "${nanos}"`;
    if (time >= 1e18 && time < 1e19) return `${needs}: time is a number of nanoseconds since the epoch? name it timeUnixNano`;
  }
  if (time !== undefined && time !== null) return `${needs}: time is ${shownValue(time)}, not RFC 3339 text`;
  const other = TIME_LOOKALIKES.find((k) => r[k] !== undefined && r[k] !== null);
  return other === undefined ? needs : `${needs}; this one has ${other}, which chronoq does not read`;
};

/**
 * A name, value, attributes or kind under another name, in a sample without `name`, `value`,
 * `attributes` or `kind` (those present win, and other fields are left alone), or a kind in
 * another system's word (`counter`): what to write instead; undefined when there is none. A
 * `type` that names no kind (a shipper's `"type": "metrics"`) is not one, nor `"type": "gauge"`
 * (what a sample without kind is).
 */
export const misnamedField = (r: Readonly<Record<string, unknown>>): string | undefined => {
  const there = (k: string): boolean => r[k] !== undefined && r[k] !== null;
  if (!there('name')) {
    const other = NAME_LOOKALIKES.find(there);
    if (other !== undefined) return `this sample has ${other}, which chronoq does not read: name it name`;
  }
  if (!there('value')) {
    // Telegraf's and InfluxDB's JSON: a measurement's several fields in one line.
    if (isAttributeSet(r['fields'])) return 'this line has fields (Telegraf, InfluxDB), several values in one: chronoq takes a sample a line, with its name and value';
    const other = VALUE_LOOKALIKES.find(there);
    if (other !== undefined) return `this sample has ${other}, which chronoq does not read: name it value`;
  }
  if (r['attributes'] === undefined) {
    // An object, or a list (Datadog's "host:web-1" tags).
    const other = ATTRIBUTE_LOOKALIKES.find((k) => isAttributeSet(r[k]) || Array.isArray(r[k]));
    if (other !== undefined) {
      const form = Array.isArray(r[other]) ? ', an object of names to values' : '';
      return `this sample has ${other}, which chronoq does not read: name them attributes${form} (passed over, every series of ${shownValue(r['name'])} would be one)`;
    }
  }
  const kind = r['kind'];
  if (!KINDS.includes(kind as string)) {
    // Another system's word for a kind (Prometheus' and OpenTelemetry's instruments): the one to write.
    const meant = kindNamed(kind);
    if (meant !== undefined) return `kind must be gauge, sum, histogram or exponential-histogram, got ${JSON.stringify(kind)}: write ${meant}`;
  }
  if (kind === undefined) {
    for (const k of KIND_LOOKALIKES) {
      const named = kindNamed(r[k]);
      // `"type": "gauge"` is read right: a sample without kind is a gauge.
      if (named !== undefined && named !== 'gauge') return `this sample has ${k} ${JSON.stringify(r[k])}, which chronoq does not read: write kind, one of gauge, sum, histogram, exponential-histogram (here ${named}; without kind a sample is a gauge)`;
    }
  }
  return undefined;
};
