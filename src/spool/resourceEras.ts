/**
 * The resource the spool's samples were written under. A sample without a resource of its own goes
 * out with the pipeline's (the config's `resource`, OTEL_RESOURCE_ATTRIBUTES, this host's name),
 * and the spool stores the sample, not that resource. So a backlog left by one run went out with
 * the next run's resource: a restart after changing `service.version` or `deployment.environment`
 * — or on a renamed host — sent the outage's samples as the new version, environment or host, and
 * a changed `service.name` put them under another Prometheus `job` than the samples around them.
 *
 * Each run that opens the spool under a resource other than the last one recorded starts an era:
 * a row (first chunk id it covers, the resource). Reading back a chunk of an earlier era gives its
 * samples without a resource that era's, as the dead-letter file does for its letters; chunks of
 * the current era (and of a spool written before eras existed) are read back as they were written.
 * Eras no chunk belongs to any more are dropped when an era is recorded.
 */
import type Database from 'better-sqlite3';
import { type Attributes, type Sample, canonicalAttributes, copyWith } from '../sample.js';
import { attributeToJson, attributesFromJson } from '../attributeJson.js';

export const RESOURCE_ERAS_SCHEMA = 'CREATE TABLE IF NOT EXISTS resource_eras (from_chunk INTEGER PRIMARY KEY, canonical TEXT NOT NULL, json TEXT NOT NULL);';

interface Era {
  readonly fromChunk: number;
  /** undefined: the current run's own resource (what the sink adds), so nothing to add. */
  readonly resource: Attributes | undefined;
}

export interface ResourceEras {
  /** The sample as it goes out again, read back from chunk `chunkId`. */
  readonly asWritten: (s: Sample, chunkId: number) => Sample;
}

/**
 * Records `resource` (the pipeline's, for samples that carry none) as the current era of the
 * spool in `db`, unless it already is, and loads the earlier eras that still have chunks.
 * Without a resource (a spool used on its own) nothing is recorded and samples read back as written.
 */
export const resourceEras = (db: Database.Database, resource: Attributes | undefined): ResourceEras => {
  if (resource === undefined) return { asWritten: (s) => s };
  db.exec(RESOURCE_ERAS_SCHEMA);
  const canonical = canonicalAttributes(resource);
  const latest = db.prepare('SELECT from_chunk, canonical FROM resource_eras ORDER BY from_chunk DESC LIMIT 1').get() as { from_chunk: number; canonical: string } | undefined;
  if (latest?.canonical !== canonical) {
    // The next chunk's id: AUTOINCREMENT ids only grow, and sqlite_sequence holds the largest given.
    const last = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'chunks'").pluck().get() as number | undefined;
    const json = JSON.stringify(resource, (_k, v: unknown) => attributeToJson(v));
    db.prepare('INSERT OR REPLACE INTO resource_eras (from_chunk, canonical, json) VALUES (?, ?, ?)').run((last ?? 0) + 1, canonical, json);
  }
  // The era of the oldest chunk left, and those after it, are kept; the ones before go.
  const oldestChunk = db.prepare('SELECT MIN(id) FROM chunks').pluck().get() as number | null;
  if (oldestChunk !== null) db.prepare('DELETE FROM resource_eras WHERE from_chunk < (SELECT MAX(from_chunk) FROM resource_eras WHERE from_chunk <= ?)').run(oldestChunk);
  else db.prepare('DELETE FROM resource_eras WHERE from_chunk < (SELECT MAX(from_chunk) FROM resource_eras)').run();

  const rows = db.prepare('SELECT from_chunk, canonical, json FROM resource_eras ORDER BY from_chunk').all() as { from_chunk: number; canonical: string; json: string }[];
  const eras: Era[] = rows.map((r) => ({
    fromChunk: r.from_chunk,
    resource: r.canonical === canonical ? undefined : (attributesFromJson(JSON.parse(r.json) as Record<string, unknown>) as Attributes),
  }));
  if (eras.every((e) => e.resource === undefined)) return { asWritten: (s) => s };
  /** The era a chunk was written in: the last one starting at or before it (none: before eras were kept). */
  const eraOf = (chunkId: number): Era | undefined => {
    let found: Era | undefined;
    for (const e of eras) if (e.fromChunk <= chunkId) found = e;
    return found;
  };
  return {
    asWritten: (s, chunkId) => {
      const era = s.resource === undefined ? eraOf(chunkId) : undefined;
      return era?.resource === undefined ? s : copyWith(s, { resource: era.resource });
    },
  };
};
