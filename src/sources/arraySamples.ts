/**
 * Samples already in memory, emitted in order and in chunks while the gate has room: `from(items)`
 * pushes them all at once, so a list longer than maxQueued turns most of it into `overflow` dead
 * letters. (`chronoq replay` used this; it now reads its file a line at a time, src/cli/replay.ts.)
 */
import { Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { type PumpStep, type RoomGate, pumpWithRoom } from '../roomGate.js';

export interface ArraySamplesOptions<T> {
  readonly items: readonly T[];
  readonly hasRoom: RoomGate;
  /** Emitted at most in one turn of the event loop (the gate is asked before each). Default 1 000. */
  readonly chunk?: number;
  readonly scheduler?: SchedulerLike;
}

export const arraySamples = <T>(opts: ArraySamplesOptions<T>): Observable<T> =>
  new Observable<T>((subscriber) => {
    const { items, hasRoom } = opts;
    const chunk = Math.max(1, Math.floor(opts.chunk ?? 1_000)) || 1; // NaN: 1 (it emitted nothing, turn after turn)
    let next = 0;
    /** Emits up to a chunk while there is room: 'done' at the end, 'wait' without room, else 'more'. */
    const step = (): PumpStep => {
      if (next < items.length) {
        if (!hasRoom()) return 'wait';
        const end = Math.min(items.length, next + chunk);
        while (next < end && !subscriber.closed && hasRoom()) subscriber.next(items[next++]!);
      }
      if (next < items.length) return 'more';
      subscriber.complete();
      return 'done';
    };
    const first = step();
    return first === 'done' ? undefined : pumpWithRoom(opts.scheduler ?? asyncScheduler, step, first);
  });
