/**
 * reorderByEventTime's per-series records (each series' last released time, which "late" is
 * measured against), in a series table (seriesTable.ts: found by the sample's attributes
 * object), and — with `forgetAfterNs` — forgotten once their series has been idle that long, so
 * that a pipeline whose series come and go (a pod name, a container id in the attributes) holds
 * memory for the series of that window instead of every series it has ever seen (~280 bytes
 * each); with `maxSeries`, the least recently released are forgotten past that many.
 *
 * Forgetting never lets an out-of-order sample through: the newest last-released time of any
 * forgotten series is kept as a floor, and a sample of a series without a released time that is
 * older than the floor counts as late (it may belong to a forgotten series whose newer samples
 * were already sent). A series is idle when its last released time is more than forgetAfterNs
 * behind the watermark; one with samples still buffered is never forgotten (one with nothing
 * released and nothing buffered holds no information and goes too).
 */
import type { Sample } from './sample.js';
import { type Released, newReleased } from './reorderCore.js';
import { createSeriesTable } from './seriesTable.js';

export interface SeriesRecordsOptions {
  /** Forget a series idle this long, in ns of event time (Infinity: never). */
  readonly forgetAfterNs: number;
  /** The watermark as the reorder core's key (ns relative to its base). */
  readonly watermarkKey: () => number;
  /** Records of series with samples still buffered (never forgotten). */
  readonly bufferedRecords: () => ReadonlySet<Released>;
  /** At most this many records: past it the least recently released go (seriesTable.ts). */
  readonly maxSeries?: number;
  /** Hears how many records the cap forgot. */
  readonly onCapped?: (forgotten: number) => void;
}

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
  let floor: bigint | undefined;
  const table = createSeriesTable<Released>({
    make: newReleased,
    idleTest: () => {
      const limitKey = watermarkKey() - forgetAfterNs;
      if (!(limitKey > -Infinity)) return undefined;
      const buffered = bufferedRecords();
      // Idle; or nothing released (only late samples came): a record that says nothing.
      return (r) => !buffered.has(r) && (r.timeUnixNano === undefined || r.key < limitKey);
    },
    maxSeries: opts.maxSeries ?? Infinity,
    ...(opts.onCapped !== undefined ? { onCapped: opts.onCapped } : {}),
    activity: () => {
      const buffered = bufferedRecords();
      return (r) => (buffered.has(r) ? undefined : r.timeUnixNano === undefined ? -Infinity : r.key);
    },
    onForget: (r) => {
      if (r.timeUnixNano !== undefined && (floor === undefined || r.timeUnixNano > floor)) floor = r.timeUnixNano;
    },
  });
  return { recordOf: table.valueOf, floor: () => floor, size: table.size };
};
