/**
 * Waits for a file to exist — a followed file that the program writing it has not created yet
 * (tail -F waits as well): emits once it does (at once when it already does), then completes.
 *
 * ```
 * file:    (none) ............ created
 * polls:   -----x-----x-----x-----x
 * result:  -----------------------(v|)
 * ```
 */
import { Observable, type SchedulerAction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { statSync } from 'node:fs';
import { safeHook } from '../hooks.js';

export interface UntilExistsOptions {
  readonly pollMs: number;
  readonly scheduler?: SchedulerLike;
  /** Called once when the file is not there at the first look. */
  readonly onMissing?: (path: string) => void;
}

/** True unless `path` is missing (ENOENT); any other error is left for the open to report. */
const exists = (path: string): boolean => {
  try {
    statSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
};

export const untilExists = (path: string, opts: UntilExistsOptions): Observable<void> =>
  new Observable<void>((subscriber) => {
    const found = (): void => {
      subscriber.next();
      subscriber.complete();
    };
    if (exists(path)) return void found();
    safeHook(opts.onMissing)?.(path);
    return (opts.scheduler ?? asyncScheduler).schedule(function (this: SchedulerAction<unknown>) {
      if (exists(path)) found();
      else this.schedule(undefined, opts.pollMs);
    }, opts.pollMs);
  });
