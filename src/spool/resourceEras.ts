/**
 * The resource the spool's samples were written under. A sample without a resource of its own goes
 * out with the pipeline's (the config's `resource`, OTEL_RESOURCE_ATTRIBUTES, this host's name),
 * and the spool stores the sample, not that resource. So a backlog left by one run went out with
 * the next run's resource: a restart after changing `service.version` or `deployment.environment`
 * — or on a renamed host — sent the outage's samples as the new version, environment or host, and
 * a changed `service.name` put them under another Prometheus `job` than the samples around them.
 *
 * A run that writes to the spool under a resource other than the last one recorded starts an era:
 * a row (the first chunk id it covers, the resource), written in the transaction of its first
 * chunk, so a chunk is never written without its era. Reading back a chunk of an earlier era gives
 * its samples without a resource that era's, as the dead-letter file does for its letters; chunks
 * of the current era (and of a spool written before eras existed) are read back as written. Eras
 * no chunk belongs to any more are dropped at open.
 */
import type Database from 'better-sqlite3';
import { type Attributes, type Sample, canonicalAttributes, withResource } from '../sample.js';
import { attributeToJson, attributesFromJson } from '../attributeJson.js';

interface Era {
  readonly fromChunk: number;
  /** A sample of it as the sink sends it (withResource); undefined: the current run's own resource, which the sink adds. */
  readonly asSent: ((s: Sample) => Sample) | undefined;
}

export interface ResourceEras {
  /** The sample as it goes out again, read back from chunk `chunkId`. */
  readonly asWritten: (s: Sample, chunkId: number) => Sample;
  /** In the transaction that writes this run's first chunk: records its era when it is a new one. */
  readonly recordBeforeFirstChunk: () => void;
}

const AS_WRITTEN: ResourceEras = { asWritten: (s) => s, recordBeforeFirstChunk: () => undefined };

/**
 * The eras of the spool in `db` (its `resource_eras` table, made with the schema), read against
 * `resource`, the pipeline's for samples that carry none. Without it (the Spool API on its own)
 * nothing is recorded and samples read back as written.
 */
export const resourceEras = (db: Database.Database, resource: Attributes | undefined): ResourceEras => {
  if (resource === undefined) return AS_WRITTEN;
  const canonical = canonicalAttributes(resource);
  try {
    // The era of the oldest chunk left, and those after it, are kept. (A failure — a full disk —
    // leaves them all: they are only rows, and read the same.)
    const oldestChunk = db.prepare('SELECT MIN(id) FROM chunks').pluck().get() as number | null;
    db.prepare('DELETE FROM resource_eras WHERE from_chunk < (SELECT MAX(from_chunk) FROM resource_eras WHERE from_chunk <= ?)').run(oldestChunk ?? Number.MAX_SAFE_INTEGER);
  } catch {
    // kept
  }
  const rows = db.prepare('SELECT from_chunk, canonical, json FROM resource_eras ORDER BY from_chunk').all() as { from_chunk: number; canonical: string; json: string }[];
  const eras: Era[] = rows.map((r) => ({
    fromChunk: r.from_chunk,
    asSent: r.canonical === canonical ? undefined : withResource(attributesFromJson(JSON.parse(r.json) as Record<string, unknown>) as Attributes),
  }));
  /** The era a chunk was written in: the last one starting at or before it (none: before eras were kept). */
  const eraOf = (chunkId: number): Era | undefined => {
    let found: Era | undefined;
    for (const e of eras) if (e.fromChunk <= chunkId) found = e;
    return found;
  };
  return {
    asWritten: (s, chunkId) => {
      if (s.resource !== undefined || eras.length === 0) return s;
      return eraOf(chunkId)?.asSent?.(s) ?? s;
    },
    recordBeforeFirstChunk: () => {
      // Read from the file, not `rows`: a transaction that failed took its era row back with it.
      if (db.prepare('SELECT canonical FROM resource_eras ORDER BY from_chunk DESC LIMIT 1').pluck().get() === canonical) return;
      // The next chunk's id: AUTOINCREMENT ids only grow, and sqlite_sequence holds the largest given.
      const last = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'chunks'").pluck().get() as number | undefined;
      const fromChunk = (last ?? 0) + 1;
      const json = JSON.stringify(resource, (_k, v: unknown) => attributeToJson(v));
      // REPLACE: an era whose run wrote nothing gives way.
      db.prepare('INSERT OR REPLACE INTO resource_eras (from_chunk, canonical, json) VALUES (?, ?, ?)').run(fromChunk, canonical, json);
      while (eras.length > 0 && eras.at(-1)!.fromChunk >= fromChunk) eras.pop();
      eras.push({ fromChunk, asSent: undefined });
    },
  };
};
