/**
 * Processes by status and processes created since boot, as the Collector's hostmetrics receiver's
 * processes scraper has them (v0.159, gopsutil v4): each process's state letter (/proc/PID/stat)
 * counted under the receiver's status name, then `running` and `blocked` taken from /proc/stat's
 * procs_running and procs_blocked (one read, where walking the processes races with them coming
 * and going), and what the walk missed of the processes /proc lists counted `unknown`. Linux only
 * (elsewhere none).
 */
import { readdirSync } from 'node:fs';
import { parsedOr } from './procText.js';

export interface ProcessCounts {
  /** Processes per status (`running`, `sleeping`, `blocked`, `idle`, `zombies`, …). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Processes created since boot (/proc/stat `processes`). */
  readonly created: number;
}

/** gopsutil's reading of a state letter, as the receiver names it. */
const STATUS_OF_LETTER: Readonly<Record<string, string>> = {
  A: 'daemon', D: 'blocked', U: 'blocked', E: 'detached', I: 'idle', L: 'locked', O: 'orphan',
  R: 'running', S: 'sleeping', T: 'stopped', t: 'stopped', W: 'paging', Y: 'system', Z: 'zombies',
};

/** The status of a /proc/PID/stat text: the letter after the command, which is in parentheses and may hold any. */
export const statusOfStat = (text: string): string => STATUS_OF_LETTER[text.charAt(text.lastIndexOf(')') + 2)] ?? 'unknown';

export interface MiscStat {
  readonly created: number;
  readonly running: number;
  readonly blocked: number;
}

/** processes, procs_running and procs_blocked of a /proc/stat text (undefined when one is missing). */
export const parseMiscStat = (text: string): MiscStat | undefined => {
  const v = (key: string): number | undefined => {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  };
  const created = v('processes');
  const running = v('procs_running');
  const blocked = v('procs_blocked');
  return created === undefined || running === undefined || blocked === undefined ? undefined : { created, running, blocked };
};

/**
 * The counts from each listed process's status (undefined: it went away meanwhile) and the misc
 * line, as the receiver adds them up.
 */
export const countProcesses = (statuses: readonly (string | undefined)[], misc: MiscStat): ProcessCounts => {
  const byStatus: Record<string, number> = {};
  for (const s of statuses) if (s !== undefined) byStatus[s] = (byStatus[s] ?? 0) + 1;
  byStatus['blocked'] = misc.blocked;
  byStatus['running'] = misc.running;
  // What the counts leave out of the processes listed (the receiver sets `unknown` to it, dropping
  // those whose letter it did not know: added here).
  const known = Object.values(byStatus).reduce((n, c) => n + c, 0);
  if (statuses.length > known) byStatus['unknown'] = (byStatus['unknown'] ?? 0) + statuses.length - known;
  return { byStatus, created: misc.created };
};

/** This machine's processes (undefined where there is no /proc/stat). */
export const readProcesses = (root = ''): ProcessCounts | undefined => {
  const misc = parsedOr(`${root}/proc/stat`, parseMiscStat, undefined);
  if (misc === undefined) return undefined;
  let pids: string[];
  try {
    pids = readdirSync(`${root}/proc`).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  // undefined: gone since it was listed
  return countProcesses(pids.map((pid) => parsedOr(`${root}/proc/${pid}/stat`, statusOfStat, undefined)), misc);
};
