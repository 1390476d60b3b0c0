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

/** What runPipeline drives: a Pipeline (src/pipeline.ts). */
interface Runnable {
  start(): void;
  shutdown(deadlineMs?: number): Promise<unknown>;
  readonly done: Promise<unknown>;
}

/**
 * Starts `p` and runs virtual time until it is done; with `shutdown`, shuts it down at `atMs` with
 * that drain deadline (which acts after an await: due time by due time, the promises between settled).
 */
export const runPipeline = async (p: Runnable, scheduler: VirtualTimeScheduler, shutdown?: { readonly atMs: number; readonly deadlineMs: number }): Promise<void> => {
  p.start();
  let stopped: Promise<unknown> | undefined;
  if (shutdown !== undefined) scheduler.schedule(() => void (stopped = p.shutdown(shutdown.deadlineMs)), shutdown.atMs);
  let done = false;
  void p.done.then(() => (done = true));
  await runVirtual(scheduler, Number.POSITIVE_INFINITY, () => done);
  await p.done;
  await stopped;
};
