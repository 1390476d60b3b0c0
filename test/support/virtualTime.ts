/**
 * Virtual time for code that awaits: a VirtualTimeScheduler run from one due time to the next,
 * with the promises settled in between. A single flush() runs all of virtual time before any
 * promise continuation — a shutdown's drain deadline, which acts after an await, came after
 * everything had been delivered, and nothing was ever cut short.
 */
import type { VirtualTimeScheduler } from 'rxjs';

/** Runs `scheduler` while something is due at or before `untilMs` and `stop()` is false. */
export const runVirtual = async (scheduler: VirtualTimeScheduler, untilMs = Number.POSITIVE_INFINITY, stop: () => boolean = () => false): Promise<void> => {
  while (!stop() && scheduler.actions.length > 0 && scheduler.actions[0]!.delay <= untilMs) {
    scheduler.maxFrames = scheduler.actions[0]!.delay; // the next time anything is due (they are kept sorted)
    scheduler.flush();
    await new Promise((r) => setImmediate(r));
  }
};
