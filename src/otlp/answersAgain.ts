/**
 * When a receiver that had stopped answering answers again.
 *
 * A hung collector (SIGSTOP, a long pause of its process or VM) keeps its connection, so
 * channelReachable sees no return: calls time out, the breaker opens, and delivery waited for the
 * breaker's next probe, whose wait doubles up to a minute — measured with `chronoq run` and a
 * collector stopped for 60 s: delivery resumed 15.4 s after it went on again.
 *
 * After a call of the sink times out, the sink probes: an empty ExportMetricsServiceRequest (no
 * data: the Collector's OTLP receiver answers one at once without touching its pipeline) with a
 * short deadline, sent again as soon as one times out, so the deadline paces the probes. Once a
 * probe has timed out, the first one answered — OK, or any status the receiver itself sent —
 * means the receiver answers again: `answersAgain$` emits. A first probe answered at once means
 * the receiver was never silent, only slow with data (its pipeline, not its process): nothing is
 * emitted and the breaker's timer decides, as before. Probing stops when a call of the sink is
 * answered (the breaker hears of that from the call), and when the connection is gone
 * (UNAVAILABLE: its return is channelReachable's to see). Nothing is probed while no one
 * subscribes to answersAgain$.
 *
 * ```
 * calls:    --t-----------------------------------------a     t: timed out
 * probes:      p----t p----t p----t p----t p-a                a: answered
 * result:                                    ●
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import { Observable, Subject } from 'rxjs';

/** Deadline of one probe. */
export const PROBE_TIMEOUT_MS = 1_000;

/** What a call's or a probe's result says of the receiver. */
export type Heard = 'answered' | 'silent' | 'gone';

/** null (OK) or any status the receiver sent → answered; a deadline → silent; no connection, or cancelled → gone. */
export const heardFrom = (err: { code?: number } | null | undefined): Heard => {
  if (err === null || err === undefined) return 'answered';
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return 'silent';
  if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.CANCELLED) return 'gone';
  return 'answered';
};

/** Sends one probe; calls `done` once with what it heard; returns a cancel. */
export type Probe = (done: (heard: Heard) => void) => () => void;

export interface AnswerWatch {
  /** What a call of the sink heard: silent starts probing, answered ends it. */
  readonly sawCall: (heard: Heard) => void;
  readonly answersAgain$: Observable<void>;
  readonly stop: () => void;
}

export const watchAnswers = (probe: Probe): AnswerWatch => {
  const again = new Subject<void>();
  let watchers = 0;
  /** Bumped to end a round of probing: a probe of an ended round is ignored. */
  let round = 0;
  let probing = false;
  let cancel: (() => void) | undefined;

  const end = (): void => {
    round++;
    probing = false;
    cancel?.();
    cancel = undefined;
  };
  const probeFrom = (mine: number, sawSilence: boolean): void => {
    const heardBack = (heard: Heard): void => {
      if (mine !== round) return;
      cancel = undefined;
      if (heard === 'silent' && watchers > 0) return probeFrom(mine, true);
      end();
      if (heard === 'answered' && sawSilence) again.next();
    };
    try {
      cancel = probe(heardBack);
    } catch {
      heardBack('gone'); // the client was closed under it: nothing to probe
    }
  };

  return {
    sawCall: (heard) => {
      if (heard === 'answered' || heard === 'gone') return end();
      if (probing || watchers === 0) return;
      probing = true;
      probeFrom(round, false);
    },
    answersAgain$: new Observable<void>((subscriber) => {
      watchers++;
      const sub = again.subscribe(subscriber);
      return () => {
        sub.unsubscribe();
        if (--watchers === 0) end();
      };
    }),
    stop: () => {
      end();
      again.complete(); // its subscribers complete and leave: watchers is 0, nothing more is probed
    },
  };
};
