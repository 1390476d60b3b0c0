/**
 * A summary metric's points as gauges: the series a Prometheus backend keeps of a summary, named as
 * the Collector's prometheusremotewrite exporter names them — `<name>` with a `quantile` attribute
 * per quantile (its value as that exporter writes it: Go's shortest decimal, `0.5`, `1`, `NaN`),
 * `<name>_sum` and `<name>_count`. Summaries come from Prometheus targets a Collector scrapes
 * (`go_gc_duration_seconds`, in every Go program); the official serializer, which encodes every
 * request chronoq sends, has no summary type, so a summary can only go on as these gauges or be
 * refused (the default, `summaries: refuse`: what a sample cannot hold is not sent changed unless
 * asked). The gauges keep the point's times exactly; `_count` is an int, the others doubles;
 * `_count` has no unit (a count of observations is not in the summary's unit).
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type { Sample } from './sample.js';
import { shownValue } from './sampleValues.js';
import { type Json, aDouble, attributeWith, int, list, obj } from './otlpJsonValues.js';
import { type MetricHead, type PointBase, type PointTally, pointBasics, pointSample, pointsWord, takePoints, textOf } from './otlpPointSample.js';

/** What a source does with a summary metric: refuse it (each point a dead letter `invalid`), or send it on as gauges. */
export type SummaryPolicy = 'refuse' | 'gauges';
export const SUMMARY_POLICIES: readonly SummaryPolicy[] = ['refuse', 'gauges'];

/** The attribute that tells a summary's quantile gauges apart, as Prometheus names it. */
export const QUANTILE_ATTRIBUTE = 'quantile';

/** A double as Go's strconv.FormatFloat(q, 'f', -1, 64) writes it: the shortest decimal, no exponent. */
export const goDecimal = (q: number): string => {
  if (Number.isNaN(q)) return 'NaN';
  if (!Number.isFinite(q)) return q > 0 ? '+Inf' : '-Inf';
  const text = String(q);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const [, sign, lead, rest = '', exp] = m;
  const digits = lead! + rest;
  const point = 1 + Number(exp);
  return point <= 0 ? `${sign}0.${'0'.repeat(-point)}${digits}` : `${sign}${digits.padEnd(point, '0')}${digits.length > point ? `.${digits.slice(point)}` : ''}`;
};

/** What refusing a summary says, with how to send it instead. */
export const summaryRefusal = (name: string, points: number): string =>
  `metric ${shownValue(name)}: ${pointsWord(points)}, summaries, which chronoq does not carry as such (gauges, sums and histograms; the source's \`summaries: gauges\` sends them as gauges)`;

/** One point's gauges, or why it cannot be sent. */
const pointGauges = (heads: { quantiles: MetricHead; sum: MetricHead; count: MetricHead }, p: Json, base: PointBase): Either<string, Sample[]> => {
  if (heads.quantiles.name === '') return left('name must be a non-empty string');
  const basics = pointBasics(p);
  if (isLeft(basics)) return basics;
  if (Object.hasOwn(basics.right.attributes, QUANTILE_ATTRIBUTE)) return left(`an attribute ${shownValue(QUANTILE_ATTRIBUTE)}, which its quantile gauges would overwrite`);
  const count = int(p['count'], 'count');
  if (isLeft(count)) return count;
  const sum = p['sum'] === undefined ? right(0) : aDouble('sum')(p['sum']);
  if (isLeft(sum)) return sum;
  const out: Sample[] = [];
  const add = (s: Either<string, Sample>): string | undefined => (isLeft(s) ? s.left : void out.push(s.right));
  for (const qv of list(p['quantileValues'])) {
    const quantile = aDouble('a quantile')(obj(qv)['quantile'] ?? 0);
    if (isLeft(quantile)) return quantile;
    const value = aDouble('a quantile value')(obj(qv)['value'] ?? 0);
    if (isLeft(value)) return value;
    const wrong = add(pointSample(heads.quantiles, value.right, 'double', basics.right, base, attributeWith(basics.right.attributes, QUANTILE_ATTRIBUTE, goDecimal(quantile.right))));
    if (wrong !== undefined) return left(wrong);
  }
  const wrong = add(pointSample(heads.sum, sum.right, 'double', basics.right, base)) ?? add(pointSample(heads.count, count.right, 'int', basics.right, base));
  return wrong !== undefined ? left(wrong) : right(out);
};

/**
 * A summary metric's points as gauges, pushed to `out`; a point that cannot be sent is refused
 * alone (`refuse`, with why), a staleness marker skipped when `skipMarkers`; each counted in `tally`.
 */
export const summaryGauges = (m: Json, base: PointBase, out: Sample[], refuse: (reason: string) => void, tally: PointTally, skipMarkers: boolean): void => {
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const unit = textOf(m['unit']);
  const description = textOf(m['description']);
  const common = description !== undefined ? { description } : {};
  const withUnit = unit !== undefined ? { ...common, unit } : common;
  const heads = {
    quantiles: { name, kind: 'gauge', ...withUnit },
    sum: { name: `${name}_sum`, kind: 'gauge', ...withUnit },
    count: { name: `${name}_count`, kind: 'gauge', ...common },
  } as const;
  takePoints(list(obj(m['summary'])['dataPoints']), name, skipMarkers, tally, refuse, out, (p) => pointGauges(heads, p, base));
};
