/**
 * An append's rows: each lane's samples as one chunk (their JSON lines, sequence numbers from the
 * lane's next), written in one transaction. Nothing in memory changes here: the spool places the
 * samples once the transaction has committed. When they were placed inside it, an append the disk
 * refused had placed its samples all the same; they went on unwritten, and their settle settled
 * the numbers the next append gave to other samples — rows counted as settled before they were
 * delivered, lost at a crash.
 */
import type Database from 'better-sqlite3';
import type { Sample } from '../sample.js';
import type { SpoolStatements } from './schema.js';
import type { SharedObjects } from './sharedObjects.js';

export interface ChunkWritten {
  readonly lane: number;
  /** The sequence number of the chunk's first sample; the others follow it. */
  readonly first: number;
  readonly samples: readonly Sample[];
}

/** Samples by lane, each lane's in their order. */
export const byLaneOf = (samples: readonly Sample[], laneOf: (s: Sample) => number): Map<number, Sample[]> => {
  const byLane = new Map<number, Sample[]>();
  for (const s of samples) {
    const lane = laneOf(s);
    const list = byLane.get(lane);
    if (list) list.push(s);
    else byLane.set(lane, [s]);
  }
  return byLane;
};

/**
 * Writes a chunk per lane in one transaction (`beforeFirst` runs in it first), and the row of each
 * resource and scope its lines name (sharedObjects.ts); a lane's chunk that `hasRoom` refuses
 * (bytes more, over what this append wrote before it) is not written. With `newest`, a sample time
 * written newer than `newest.kept` is recorded as the spool's newest in the same transaction
 * (returned as newestWritten).
 */
export const writeChunks = (db: Database.Database, sql: SpoolStatements, shared: SharedObjects, byLane: ReadonlyMap<number, Sample[]>, hasRoom: (bytes: number) => boolean, beforeFirst: () => void, newest?: { readonly kept: bigint | undefined }) => {
  const newestBefore = newest?.kept;
  const { laneRow, upsert, insert } = sql;
  const written: ChunkWritten[] = [];
  const refused: Sample[] = [];
  let bytesWritten = 0;
  let newestWritten = newestBefore;
  let lastChunk: number | undefined;
  shared.begin();
  db.transaction(() => {
    beforeFirst();
    for (const [lane, list] of byLane) {
      const first = (laneRow.get(lane) as { next_seq: number } | undefined)?.next_seq ?? 0;
      const lines = list.map(shared.lineOf).join('\n');
      const bytes = Buffer.byteLength(lines);
      if (!hasRoom(bytesWritten + bytes)) {
        refused.push(...list);
        continue;
      }
      let oldest = list[0]!.timeUnixNano;
      let newest = oldest;
      for (const s of list) {
        if (s.timeUnixNano < oldest) oldest = s.timeUnixNano;
        if (s.timeUnixNano > newest) newest = s.timeUnixNano;
      }
      lastChunk = Number(insert.run(lane, first, first + list.length - 1, list.length, bytes, String(oldest), String(newest), lines).lastInsertRowid);
      upsert.run(lane, first + list.length);
      written.push({ lane, first, samples: list });
      bytesWritten += bytes;
      if (newestWritten === undefined || newest > newestWritten) newestWritten = newest;
    }
    if (newest !== undefined && newestWritten !== newestBefore) sql.setNewest.run(String(newestWritten));
    if (lastChunk !== undefined) shared.written(lastChunk);
  })();
  return { written, refused, bytesWritten, newestWritten };
};
