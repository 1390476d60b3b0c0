/**
 * A lane's chunks read back into samples: each chunk (a row: a burst's samples of one lane, as
 * JSON lines) is read whole and only the lines wanted are parsed. A sample comes back under the
 * resource it was written under (resourceEras.ts) and is placed (placements.ts), so that settling
 * the object settles its row.
 */
import type Database from 'better-sqlite3';
import type { Sample } from '../sample.js';
import { type SharedRefs, parseSampleLine } from '../sampleJson.js';
import type { ChunkRow } from './schema.js';
import type { ResourceEras } from './resourceEras.js';
import type { Placements } from './placements.js';

export type ChunkRead = Pick<ChunkRow, 'id' | 'first_seq' | 'lines'>;

/** Each lane's sequence numbers: settled up to ackedSeq, written up to nextSeq − 1. */
export const lanesOf = (db: Database.Database): { lane: number; ackedSeq: number; nextSeq: number }[] =>
  (db.prepare('SELECT lane, acked_seq, next_seq FROM lanes ORDER BY lane').all() as { lane: number; acked_seq: number; next_seq: number }[])
    .map((l) => ({ lane: l.lane, ackedSeq: l.acked_seq, nextSeq: l.next_seq }));

/** Up to `max` samples of `lane` after sequence number `afterSeq`, from its chunks in sequence order; `refs` reads the resources and scopes lines name (sharedObjects.ts). */
export const samplesAfter = (rows: Iterable<ChunkRead>, lane: number, afterSeq: number, max: number, eras: ResourceEras, placed: Placements, refs: SharedRefs): Sample[] => {
  const out: Sample[] = [];
  for (const row of rows) {
    const lines = row.lines.split('\n');
    for (let i = Math.max(0, afterSeq + 1 - row.first_seq); i < lines.length && out.length < max; i++) {
      const parsed = parseSampleLine(lines[i]!, refs);
      if (parsed._tag === 'Left') continue; // not for rows we wrote (every valid sample comes back: test/sampleJson.property.test.ts); a salvaged bad row is damage
      const s = eras.asWritten(parsed.right, row.id);
      placed.place(s, lane, row.first_seq + i);
      out.push(s);
    }
    if (out.length >= max) break;
  }
  return out;
};
