/**
 * reorderByEventTime's per-series records (each series' last released time, which "late" is
 * measured against), found by the sample's attributes object as seriesMemo finds its values, and —
 * with `forgetAfterNs` — forgotten once their series has been idle that long, so that a pipeline
 * whose series come and go (a pod name, a container id in the attributes) holds memory for the
 * series of that window instead of every series it has ever seen (~280 bytes each).
 *
 * Forgetting never lets an out-of-order sample through: the newest last-released time of any
 * forgotten series is kept as a floor, and a sample of a series without a released time that is
 * older than the floor counts as late (it may belong to a forgotten series whose newer samples
 * were already sent). A series is idle when its last released time is more than forgetAfterNs
 * behind the watermark; one with samples still buffered is never forgotten (one with nothing
 * released and nothing buffered holds no information and goes too). The records are swept
 * when their number has doubled since the last sweep: O(1) amortised a new series, nothing a
 * sample of a known one.
 */
import { type Attributes, type Sample, seriesKey } from './sample.js';
import { type Released, newReleased } from './reorderCore.js';

export interface SeriesRecordsOptions {
  /** Forget a series idle this long, in ns of event time (Infinity: never). */
  readonly forgetAfterNs: number;
  /** The watermark as the reorder core's key (ns relative to its base). */
  readonly watermarkKey: () => number;
  /** Records of series with samples still buffered (never forgotten). */
  readonly bufferedRecords: () => ReadonlySet<Released>;
}

/** Sweeps start at this many records. */
const MIN_SWEEP_AT = 1024;

export interface SeriesRecords {
  /** The series' record; a new one when the series is new or was forgotten. */
  readonly recordOf: (s: Sample) => Released;
  /** The newest last-released time of a forgotten series, or undefined while none was. */
  readonly floor: () => bigint | undefined;
  /** Records held now. */
  readonly size: () => number;
}

export const createSeriesRecords = (opts: SeriesRecordsOptions): SeriesRecords => {
  const { forgetAfterNs, watermarkKey, bufferedRecords } = opts;
  const byKey = new Map<string, Released>();
  const memo = new WeakMap<object, { name: string; resource: Attributes | undefined; record: Released }>();
  let sweepAt = MIN_SWEEP_AT;
  let floor: bigint | undefined;

  const sweep = (): void => {
    const limitKey = watermarkKey() - forgetAfterNs;
    if (limitKey > -Infinity) {
      const buffered = bufferedRecords();
      for (const [series, r] of byKey) {
        if (buffered.has(r) || (r.timeUnixNano !== undefined && r.key >= limitKey)) continue;
        // Idle; or nothing released (only late samples came): a record that says nothing.
        r.forgotten = true;
        byKey.delete(series);
        if (r.timeUnixNano !== undefined && (floor === undefined || r.timeUnixNano > floor)) floor = r.timeUnixNano;
      }
    }
    sweepAt = Math.max(MIN_SWEEP_AT, byKey.size * 2);
  };

  const lookUp = (s: Sample): Released => {
    const series = seriesKey(s);
    let record = byKey.get(series);
    if (record === undefined) {
      if (byKey.size >= sweepAt) sweep();
      record = newReleased();
      byKey.set(series, record);
    }
    memo.set(s.attributes, { name: s.name, resource: s.resource, record });
    return record;
  };

  return {
    recordOf: (s) => {
      const m = memo.get(s.attributes);
      if (m !== undefined && m.name === s.name && m.resource === s.resource && !m.record.forgotten) return m.record;
      return lookUp(s);
    },
    floor: () => floor,
    size: () => byKey.size,
  };
};
