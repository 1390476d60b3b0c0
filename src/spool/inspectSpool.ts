/**
 * What a spool holds, per lane: samples waiting, oldest and newest time, bytes, acknowledged
 * sequence. Read only, from an open spool (Spool.inspect) or a file (`chronoq inspect`).
 */
import Database from 'better-sqlite3';
import { type Either, left, right } from 'fp-ts/lib/Either.js';
import { salvageSamples } from './salvage.js';
import { tableNames } from './peek.js';
import { checkFormat, integrityProblem, newestAppended } from './schema.js';
import { isSpoolFormatError } from '../errors.js';
import { attributesFromJson } from '../attributeJson.js';
import { isSqliteLoadFailure, sqliteLoadFailure } from './sqliteBinding.js';

export interface SpoolLaneInfo {
  readonly lane: number;
  readonly waiting: number;
  readonly oldestUnixNano?: bigint;
  readonly newestUnixNano?: bigint;
  readonly bytes: number;
  readonly ackedSeq: number;
}

export interface SpoolContents {
  readonly lanes: SpoolLaneInfo[];
  readonly bytes: number;
  readonly waiting: number;
}

/** Samples waiting that were written under one resource (resourceEras.ts); none: before it was recorded. */
export interface SpoolResourceInfo {
  readonly resource?: Record<string, unknown>;
  readonly waiting: number;
}

interface LaneChunkRow {
  lane: number;
  acked: number;
  first: number | null;
  last: number | null;
  bytes: number | null;
  oldest: string | null;
  newest: string | null;
}

export const inspectSpoolDb = (db: Database.Database): SpoolContents => {
  const rows = db.prepare('SELECT l.lane AS lane, l.acked_seq AS acked, c.first_seq AS first, c.last_seq AS last, c.bytes AS bytes, c.oldest_ns AS oldest, c.newest_ns AS newest FROM lanes l LEFT JOIN chunks c ON c.lane = l.lane').all() as LaneChunkRow[];
  const byLane = new Map<number, SpoolLaneInfo>();
  for (const r of rows) {
    const cur = byLane.get(r.lane) ?? { lane: r.lane, waiting: 0, bytes: 0, ackedSeq: r.acked };
    if (r.first === null || r.last === null) {
      byLane.set(r.lane, cur);
      continue;
    }
    const waiting = cur.waiting + Math.max(0, r.last - Math.max(r.first - 1, r.acked));
    const oldest = cur.oldestUnixNano === undefined || BigInt(r.oldest!) < cur.oldestUnixNano ? BigInt(r.oldest!) : cur.oldestUnixNano;
    const newest = cur.newestUnixNano === undefined || BigInt(r.newest!) > cur.newestUnixNano ? BigInt(r.newest!) : cur.newestUnixNano;
    byLane.set(r.lane, { ...cur, waiting, bytes: cur.bytes + (r.bytes ?? 0), oldestUnixNano: oldest, newestUnixNano: newest });
  }
  const lanes = [...byLane.values()].sort((a, b) => a.lane - b.lane);
  return { lanes, bytes: lanes.reduce((n, l) => n + l.bytes, 0), waiting: lanes.reduce((n, l) => n + l.waiting, 0) };
};

/**
 * The samples waiting, by the resource they were written under (resourceEras.ts): what they go out
 * as, whatever the next run's config says — but for those written before chronoq recorded it
 * (by an older chronoq), which go out with the next run's.
 */
const waitingByResource = (db: Database.Database): SpoolResourceInfo[] => {
  const eras = db.prepare('SELECT from_chunk AS fromChunk, json FROM resource_eras ORDER BY from_chunk').all() as { fromChunk: number; json: string }[];
  const chunks = db.prepare('SELECT c.id AS id, c.first_seq AS first, c.last_seq AS last, l.acked_seq AS acked FROM chunks c JOIN lanes l ON l.lane = c.lane').all() as { id: number; first: number; last: number; acked: number }[];
  const waiting = new Map<number, number>(); // era index (-1: before any) → samples
  for (const c of chunks) {
    let era = -1;
    while (era + 1 < eras.length && eras[era + 1]!.fromChunk <= c.id) era++;
    waiting.set(era, (waiting.get(era) ?? 0) + Math.max(0, c.last - Math.max(c.first - 1, c.acked)));
  }
  return [...waiting].filter(([, n]) => n > 0).sort(([a], [b]) => a - b)
    .map(([era, n]) => (era < 0 ? { waiting: n } : { resource: attributesFromJson(JSON.parse(eras[era]!.json) as Record<string, unknown>), waiting: n }));
};

/**
 * What a spool file holds, read only: nothing is created, repaired, moved or converted (for
 * `chronoq inspect`, which may be pointed at the wrong file, or at a spool a running chronoq is
 * using). Left when the file is not a chronoq spool; a spool that fails its integrity check is
 * reported with how many samples `chronoq run` would salvage from it.
 */
export const inspectSpoolFile = (path: string): Either<Error, SpoolContents & { resources?: SpoolResourceInfo[]; newestGivenUnixNano?: bigint; seriesStartsKept?: number; damage?: string; salvageable?: number }> => {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    return left(isSqliteLoadFailure(e) ? sqliteLoadFailure(path, e as Error) : new Error(`cannot open ${path}: ${(e as Error).message}`));
  }
  try {
    const tables = new Set(tableNames(db));
    if (!tables.has('chunks') || !tables.has('lanes')) return left(new Error(`${path} is not a chronoq spool (an SQLite database without its tables); nothing was changed`));
    checkFormat(db, path, 'inspect it with that chronoq');
    const problem = integrityProblem(db);
    // The newest sample time it was ever given (Spool.newestUnixNano): where a restart's trusted time starts.
    const newest = tables.has('meta') ? newestAppended(db) : undefined;
    // Counters' starts a run kept for the next (seriesStarts.ts).
    const starts = tables.has('series_starts') ? Number(db.prepare('SELECT COUNT(*) FROM series_starts').pluck().get()) : 0;
    const info = {
      ...inspectSpoolDb(db), ...(tables.has('resource_eras') ? { resources: waitingByResource(db) } : {}), ...(newest !== undefined ? { newestGivenUnixNano: newest } : {}),
      ...(starts > 0 ? { seriesStartsKept: starts } : {}),
    };
    return right(problem === undefined ? info : { ...info, damage: problem, salvageable: salvageSamples(path).length });
  } catch (e) {
    if (isSpoolFormatError(e)) return left(e);
    const salvageable = salvageSamples(path).length;
    const salvage = salvageable > 0 ? `; chronoq run would move it aside and salvage the ${salvageable} samples found in it` : '';
    return left(new Error(`${path} cannot be read as a chronoq spool (${(e as Error).message}); nothing was changed${salvage}`));
  } finally {
    db.close();
  }
};
