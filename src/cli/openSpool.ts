/** Opens the config's spool for `chronoq run`, logging recovery and damage. */
import { isLeft } from 'fp-ts/lib/Either.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Spool } from '../spool/spool.js';
import { openConfiguredSpool, usesSpool, damageDetail } from '../spool/openConfigured.js';
import type { Clock } from '../clock.js';
import type { DeadLetter } from '../routed.js';
import type { Logger } from './log.js';

export const openSpool = (c: ResolvedConfig, log: Logger, clock: Clock, deadLetter: (d: DeadLetter<unknown>) => void): Spool | undefined | 'failed' => {
  if (c.spool && !usesSpool(c)) log('info', 'delivery.guarantee is at-most-once: the spool is not used');
  const opened = openConfiguredSpool(c, clock, deadLetter);
  if (isLeft(opened)) {
    log('error', opened.left.message);
    return 'failed';
  }
  if (opened.right === undefined) return undefined;
  const { spool, report } = opened.right;
  const path = c.spool?.path ?? '';
  if (report.damage) log('error', damageDetail(path, report.damage), { spool: path, ...report.damage });
  if (report.tornWalBytes !== undefined) log('warn', `spool ${path}: its write-ahead log ended in a partial frame (${report.tornWalBytes} bytes, a commit cut off by a crash); SQLite discarded it, nothing acknowledged was lost`);
  if (report.pending > 0) log('info', `spool ${path}: ${report.pending} samples from an earlier run are delivered first`);
  return spool;
};
