/**
 * Which samples this process's clock stamped, for detectClockSkew's `stampedLocally`, when a
 * pipeline's sources differ: a host source (stamped here) beside a followed file or an OTLP
 * listener (stamped elsewhere). The whole stream used to count as stamped elsewhere as soon as one
 * source was, so a wall-clock step was corrected for none: measured with `chronoq run`, a host
 * source beside an NDJSON file, the clock stepped back an hour — 243 of 653 samples dead letters
 * `late`, 27 `invalid`. Now the samples of the sources that stamp here are marked (a WeakSet of
 * the sample objects, only when the sources differ) and the test asks the mark.
 */
import { type Observable, tap } from 'rxjs';
import type { Sample } from './sample.js';

export interface LocalStamps {
  /** detectClockSkew's `stampedLocally`: a flag when every source agrees, else a test of each sample. */
  readonly test: boolean | ((s: Sample) => boolean);
  /** The source itself, or it marking its samples as stamped here (`pushed`: samples pushed in, stamped here). */
  mark(source: Observable<Sample>, index: number | 'pushed'): Observable<Sample>;
}

/**
 * From Pipeline's `stampedLocally`: a flag for every source (default true), or one per source;
 * samples pushed in (`pushes`) count as stamped here.
 */
export const localStamps = (flags: boolean | readonly boolean[] | undefined, sources: number, pushes: boolean): LocalStamps => {
  if (flags === undefined || typeof flags === 'boolean') return { test: flags ?? true, mark: (source) => source };
  const perSource = Array.from({ length: sources }, (_, i) => flags[i] ?? true);
  const inputs = [...(pushes ? [true] : []), ...perSource];
  if (inputs.every(Boolean)) return { test: true, mark: (source) => source };
  if (!inputs.some(Boolean)) return { test: false, mark: (source) => source };
  const stampedHere = new WeakSet<Sample>();
  return {
    test: (s) => stampedHere.has(s),
    mark: (source, index) => (index === 'pushed' || perSource[index] ? source.pipe(tap((s) => void stampedHere.add(s))) : source),
  };
};
