/**
 * A call unanswered after timeoutMs is given up and sent again — unless its receiver answers
 * nothing at all, for then the copy sent again would only wait in the same connection behind the
 * first, and both be delivered once the receiver wakes.
 *
 * Measured with the collector SIGSTOPped for 15 s (`test/e2e`, 3 kHz, two lanes): the two
 * requests in flight were sent 4 and 5 times, each timing out after 2 s, and once the collector
 * went on it processed 2 and 3 copies of them — 510 duplicates, every one a request the hung
 * process's kernel had taken in. So at timeoutMs the sink asks first: a probe (an empty
 * ExportMetricsServiceRequest, which the Collector answers without touching its pipeline; see
 * answersAgain.ts) answered means the receiver answers, only not this request — it is given up,
 * as before. A probe that times out as well means the receiver is silent: the call is held (its
 * gRPC deadline is timeoutMs + holdSilentMs), probes go on, and the first one answered gives the
 * held calls timeoutMs more for their own answers, which a receiver that woke up sends first.
 * One probe at a time serves every call waiting to know.
 *
 * ```
 * call:     s------------------------------------a        s: sent, a: answered (delivered once)
 * timeout:           ↓ (timeoutMs)
 * probes:            p----t p----t p----t p-a             t: timed out, a: answered
 * events:                 silent                answers
 * ```
 *
 * A connection the keepalive finds dead is dropped by grpc-js (a ping, sent every keepaliveMs
 * while calls are active, unanswered for keepaliveMs more), and its held calls fail then as
 * unavailable: a hang longer than keepaliveMs to twice that, as the next ping falls, still brings
 * duplicates.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { timerMs } from '../clock.js';
import { PROBE_TIMEOUT_MS, type Heard, type Probe } from './answersAgain.js';

/** A hold began (the first call found its receiver silent) or ended (the receiver answered). */
export interface SilentHoldEvent {
  readonly kind: 'silent' | 'answers';
  /** Calls held when it was said. */
  readonly held: number;
  /** For 'answers': how long the receiver was silent, from the first call held. */
  readonly silentForMs?: number;
}

/** The sink's warning line for an event: `target` the receiver's address. */
export const silentHoldWarning = (e: SilentHoldEvent, target: string, holdSilentMs: number): string =>
  e.kind === 'silent'
    ? `chronoq: the receiver at ${target} answers nothing (a probe got no answer either): the ${e.held} request(s) in flight are held for its answer, up to ${holdSilentMs} ms more, rather than sent again into its connection, where a copy would be delivered twice once it goes on`
    : `chronoq: the receiver at ${target} answers again after ${((e.silentForMs ?? 0) / 1000).toFixed(1)} s of silence; the request(s) held get their answers now`;

export interface SilentHold {
  /**
   * Watches one call from when it is sent; `giveUp` ends it as timed out, told why: the receiver
   * answered a probe (or woke up and still did not answer the call), or there was no connection at
   * timeoutMs (the request waited for one: never sent, nothing to hold). Returns the stop for when
   * the call ends, told what the call heard (an answer ends a silence as a probe's does).
   */
  readonly watch: (giveUp: (why: 'answered' | 'no connection') => void) => (heard: Heard) => void;
  readonly stop: () => void;
}

interface Watched {
  /** asking: past timeoutMs, waiting for a probe's verdict; held: the receiver is silent; grace: it woke up, the call's answer is due. */
  phase: 'waiting' | 'asking' | 'held' | 'grace';
  readonly giveUp: (why: 'answered' | 'no connection') => void;
  timer?: Subscription | undefined;
}

export interface SilentHoldOptions {
  readonly timeoutMs: number;
  readonly scheduler: SchedulerLike;
  /** Whether the channel has a connection (a call without one was never sent). */
  readonly connected: () => boolean;
  readonly onEvent?: (e: SilentHoldEvent) => void;
}

export const createSilentHold = (probe: Probe, o: SilentHoldOptions): SilentHold => {
  const calls = new Set<Watched>();
  let probing: (() => void) | undefined;
  let nextProbe: Subscription | undefined;
  /** When the current episode of silence began (undefined: none). */
  let silentSinceMs: number | undefined;
  let stopped = false;

  const count = (phase: Watched['phase']): number => [...calls].filter((c) => c.phase === phase).length;
  /** Whether a call waits for a probe's verdict or is held: what keeps probes going. */
  const awaitingVerdict = (): boolean => {
    for (const c of calls) if (c.phase === 'asking' || c.phase === 'held') return true;
    return false;
  };
  const endSilence = (): void => {
    if (silentSinceMs === undefined) return;
    const silentForMs = o.scheduler.now() - silentSinceMs;
    silentSinceMs = undefined;
    o.onEvent?.({ kind: 'answers', held: count('held') + count('grace'), silentForMs });
  };
  const stopProbing = (): void => {
    probing?.();
    probing = undefined;
    nextProbe?.unsubscribe();
    nextProbe = undefined;
  };
  const giveUp = (c: Watched, why: 'answered' | 'no connection' = 'answered'): void => {
    c.timer?.unsubscribe();
    calls.delete(c);
    c.giveUp(why);
  };
  const heard = (h: Heard): void => {
    probing = undefined;
    if (h === 'answered') {
      // Asking: the receiver answers, only not them. Held: it woke up, and their answers come
      // first; given up if they have not come in timeoutMs.
      for (const c of [...calls]) {
        if (c.phase === 'asking') giveUp(c);
        else if (c.phase === 'held') (c.phase = 'grace', (c.timer = o.scheduler.schedule(() => giveUp(c), timerMs(o.timeoutMs))));
      }
      endSilence();
      return;
    }
    // Gone (no connection): no verdict — the calls on the dropped connection fail by themselves;
    // the others are asked again a probe's deadline later. Silent: they are held.
    let asked = 0;
    if (h === 'silent') for (const c of calls) if (c.phase === 'asking') (c.phase = 'held', asked++);
    if (asked > 0 && silentSinceMs === undefined) {
      silentSinceMs = o.scheduler.now();
      o.onEvent?.({ kind: 'silent', held: count('held') });
    }
    // A silent probe paced itself (its deadline); with no connection, wait as long before the next.
    if (awaitingVerdict()) nextProbe = o.scheduler.schedule(ask, h === 'silent' ? 0 : PROBE_TIMEOUT_MS);
  };
  function ask(): void {
    nextProbe = undefined;
    if (probing !== undefined || stopped || !awaitingVerdict()) return;
    try {
      probing = probe(heard);
    } catch {
      heard('gone'); // the client was closed under it
    }
  }

  return {
    watch: (onGiveUp) => {
      const c: Watched = { phase: 'waiting', giveUp: onGiveUp };
      if (stopped) return () => undefined;
      calls.add(c);
      c.timer = o.scheduler.schedule(() => {
        c.timer = undefined;
        if (!o.connected()) return giveUp(c, 'no connection');
        // While the receiver is known to be silent there is nothing to ask: held at once.
        c.phase = silentSinceMs === undefined ? 'asking' : 'held';
        ask();
      }, timerMs(o.timeoutMs));
      return (h) => {
        if (!calls.delete(c)) return;
        c.timer?.unsubscribe();
        if (h === 'answered') endSilence();
        if (!awaitingVerdict()) stopProbing();
      };
    },
    stop: () => {
      stopped = true;
      stopProbing();
      for (const c of calls) c.timer?.unsubscribe();
      calls.clear();
    },
  };
};
