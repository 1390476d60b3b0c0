/**
 * Whether `chronoq run` takes samples now, for a probe at /readyz (servePrometheus): not while it
 * starts — waiting for its spool (another chronoq has it open: a pod replaced while the old one
 * drains) or for its otlp sources to listen — and not once it stops (draining, then gone). A
 * receiver that is down does not make it unready: taking samples while the receiver is away, and
 * delivering them in order once it is back, is what it is for; nor does a full queue (the otlp
 * source answers "unavailable" then, which senders retry).
 *
 * ```
 * awaiting('the spool') ─ awaiting('… gRPC') ─ started() ─ done() ─ done() ─ stopping('SIGTERM')
 * starting: waiting for …                               ready          stopping: SIGTERM
 * ```
 */

export interface ReadinessStatus {
  readonly ready: boolean;
  /** One line: `ready`, `starting: waiting for …`, or `stopping: …`. */
  readonly detail: string;
}

export interface Readiness {
  /**
   * Something the start waits for, in words; the function returned says it is there. With
   * `afterStart`, something the start itself brings about (a listener, which binds once the
   * sources are subscribed): named only once the pipeline has started, so that what holds the
   * start back (the spool) is what /readyz names before it.
   */
  awaiting(what: string, opts?: { readonly afterStart?: boolean }): () => void;
  /** The pipeline has started: its sources are subscribed. */
  started(): void;
  /** The run is stopping (`why`: the signal, or what ended it); for good. */
  stopping(why: string): void;
  status(): ReadinessStatus;
}

export const createReadiness = (): Readiness => {
  /** What the start still waits for, in the order it began to. */
  const waitingFor = new Map<symbol, { readonly what: string; readonly afterStart: boolean }>();
  let started = false;
  let stoppedBecause: string | undefined;
  return {
    awaiting: (what, opts = {}) => {
      const key = Symbol(what);
      waitingFor.set(key, { what, afterStart: opts.afterStart === true });
      return () => void waitingFor.delete(key);
    },
    started: () => void (started = true),
    stopping: (why) => void (stoppedBecause ??= why),
    status: () => {
      if (stoppedBecause !== undefined) return { ready: false, detail: `stopping: ${stoppedBecause}` };
      const now = [...waitingFor.values()].filter((w) => started || !w.afterStart).map((w) => w.what);
      if (now.length > 0) return { ready: false, detail: `starting: waiting for ${now.join(', ')}` };
      return started ? { ready: true, detail: 'ready' } : { ready: false, detail: 'starting' };
    },
  };
};
