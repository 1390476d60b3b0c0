/**
 * Opens the spool a resolved config names (when its delivery guarantee uses one), reporting a
 * damaged file as a dead letter. Shared by `chronoq run` and createPipeline.
 */
import { type Either, left, right, isLeft } from 'fp-ts/lib/Either.js';
import { WITHOUT_SPOOL, isSqliteLoadFailure, sqliteLoadFailure } from './sqliteBinding.js';
import { type ResolvedConfig, deliveryLaneCount } from '../config/resolve.js';
import type { DeadLetter } from '../routed.js';
import { type Clock, platformTimers } from '../clock.js';
import { Spool, type OpenReport, type SpoolOptions, FILE_CHECK_MS } from './spool.js';

export const damageDetail = (path: string, damage: NonNullable<OpenReport['damage']>): string =>
  `spool ${path} was damaged (${damage.message}); ${damage.salvagedSamples} samples recovered, the damaged file kept as ${damage.movedTo}`;

export const waitingForSpaceDetail = (why: string): string =>
  `${why}: chronoq runs without it until there is room — samples are not durable across a crash meanwhile — and opens it then (tried every ${FILE_CHECK_MS / 1000} s); what an earlier run left in it is delivered after that`;

export const usesSpool = (c: ResolvedConfig): boolean => c.spool !== undefined && c.delivery.guarantee === 'at-least-once';

export const openConfiguredSpool = (
  c: ResolvedConfig,
  clock: Clock,
  deadLetter: (d: DeadLetter<unknown>) => void,
  onDeleted?: SpoolOptions['onDeleted'],
): Either<Error, { spool: Spool; report: OpenReport } | undefined> => {
  if (!c.spool || !usesSpool(c)) return right(undefined);
  // A disk without room at the start is not a reason to send nothing: the spool opens its file
  // when it can, and until then samples go on without it (src/spool/openSpoolFile.ts).
  const opened = Spool.open(c.spool.path, { lanes: deliveryLaneCount(c), resource: c.resource, maxBytes: c.spool.maxBytes, fsync: c.spool.fsync, clock, waitForSpace: true, keepNewest: c.skew.policy !== 'pass', ...(onDeleted ? { onDeleted } : {}) }, platformTimers);
  if (isLeft(opened)) return isSqliteLoadFailure(opened.left) ? left(sqliteLoadFailure(c.spool.path, opened.left, WITHOUT_SPOOL)) : opened;
  const damage = opened.right.report.damage;
  if (damage) deadLetter({ reason: 'invalid', item: { spool: c.spool.path, ...damage }, detail: damageDetail(c.spool.path, damage), atUnixMs: clock.now() });
  return opened;
};
