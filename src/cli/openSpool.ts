/** Opens the config's spool for `chronoq run`, reporting recovery and damage. */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { Spool } from '../spool/spool.js';
import { type Clock, platformTimers } from '../clock.js';
import type { DeadLetter } from '../routed.js';
import type { Logger } from './log.js';

export const openSpool = (c: ResolvedConfig, log: Logger, clock: Clock, deadLetter: (d: DeadLetter<unknown>) => void): Spool | undefined | 'failed' => {
  if (!c.spool) return undefined;
  if (c.delivery.guarantee === 'at-most-once') {
    log('info', 'delivery.guarantee is at-most-once: the spool is not used');
    return undefined;
  }
  const opened = Spool.open(c.spool.path, { lanes: c.delivery.lanes, maxBytes: c.spool.maxBytes, fsync: c.spool.fsync, clock }, platformTimers);
  if (isLeft(opened)) {
    log('error', opened.left.message);
    return 'failed';
  }
  const { spool, report } = opened.right;
  if (report.damage) {
    const detail = `spool ${c.spool.path} was damaged (${report.damage.message}); ${report.damage.salvagedSamples} samples recovered, the damaged file kept as ${report.damage.movedTo}`;
    log('error', detail, { spool: c.spool.path, ...report.damage });
    deadLetter({ reason: 'invalid', item: { spool: c.spool.path, ...report.damage }, detail, atUnixMs: clock.now() });
  }
  if (report.tornWalBytes !== undefined) log('warn', `spool ${c.spool.path}: its write-ahead log ended in a partial frame (${report.tornWalBytes} bytes, a commit cut off by a crash); SQLite discarded it, nothing acknowledged was lost`);
  if (report.pending > 0) log('info', `spool ${c.spool.path}: ${report.pending} samples from an earlier run are delivered first`);
  return spool;
};
