/**
 * Back-pressure for sources that can wait: a file read from the start, stdin, a replayed
 * dead-letter file. RxJS pushes; nothing slows a source that emits faster than the receiver takes,
 * so such a source ran into deliverOrdered's maxQueued and most of a large file became `overflow`
 * dead letters (500 000 lines into a healthy collector: 399 000). A source that can wait asks the
 * gate before each sample it emits and, while it is closed, waits: the file is the buffer.
 *
 * The gate closes when the level (samples queued for delivery) reaches highWater and opens again
 * when it is back at lowWater, so a source pauses and resumes in runs, not one sample at a time.
 * Sources that cannot wait (host metrics, an application's pushes) do not ask; for them the
 * overflow policy still applies.
 */
import { type SchedulerLike, type Subscription } from 'rxjs';
import { requiredNumberOption } from './options.js';

/** True while there is room for another sample. */
export type RoomGate = () => boolean;

export interface RoomGateOptions {
  /** The current level: samples queued and not yet delivered or dead-lettered. */
  readonly level: () => number;
  /** Closes at this level... */
  readonly highWater: number;
  /** ...and opens again at this one. */
  readonly lowWater: number;
}

export const createRoomGate = ({ level, highWater: high, lowWater: low }: RoomGateOptions): RoomGate => {
  // NaN (src/options.ts): a gate that never closed, no back-pressure at all.
  const highWater = requiredNumberOption('createRoomGate', 'highWater', high);
  const lowWater = requiredNumberOption('createRoomGate', 'lowWater', low);
  let open = true;
  return () => {
    const n = level();
    if (open && n >= highWater) open = false;
    else if (!open && n <= lowWater) open = true;
    return open;
  };
};

/**
 * Room for the pipeline's delivery queue: closes at half of maxQueued — or, when that is less, at
 * what fills one batch in every lane (up to maxQueued): a queue held below a full batch sends
 * nothing until the batch timer fires (maxQueued 1 000 with batches of 1 000 drained a backlog at
 * 500 samples a second, one half batch per maxDelayMs) — and opens again at half that.
 */
export const deliveryRoomGate = (queued: () => number, maxQueued: number, fullBatches = 0): RoomGate => {
  const highWater = Math.max(1, Math.min(maxQueued, Math.max(Math.floor(maxQueued / 2), fullBatches)));
  return createRoomGate({ level: queued, highWater, lowWater: Math.floor(highWater / 2) });
};

/** How often a waiting source asks again. */
export const ROOM_POLL_MS = 10;

/** What a source's read step says: go on after a yield, wait for room, or stop. */
export type PumpStep = 'more' | 'wait' | 'done';

/**
 * Runs `step` on the scheduler until it says 'done': at once after 'more' (a yield to the event
 * loop between turns), ROOM_POLL_MS later after 'wait'. `first` is what the caller's own first,
 * synchronous step said. Unsubscribe to cancel.
 */
export const pumpWithRoom = (scheduler: SchedulerLike, step: () => PumpStep, first: 'more' | 'wait'): Subscription =>
  scheduler.schedule(function () {
    const r = step();
    if (r !== 'done') this.schedule(undefined, r === 'wait' ? ROOM_POLL_MS : 0);
  }, first === 'wait' ? ROOM_POLL_MS : 0);
