/**
 * When a gRPC channel's connection comes (back) up: the receiver is reachable again.
 *
 * An open circuit breaker holds calls back and probes on a timer whose wait doubles up to a minute,
 * so a collector restarted after a long outage waited up to that long for the next probe (measured:
 * back after a 15 s outage, delivery resumed 20 s later). The channel itself knows sooner: it keeps
 * reconnecting during an outage (the sink sets its reconnect backoff to at most 1 s) and turns
 * READY as soon as the receiver accepts a connection again. A hung receiver (SIGSTOP) keeps its
 * connection, so its return does not show here (answersAgain.ts probes for it); one that answers
 * with errors stays connected too, and for it the breaker's timer still decides.
 *
 * ```
 * channel: READY ─drop─► IDLE ─► CONNECTING ─► TRANSIENT_FAILURE … ─► READY
 * result:  (a READY at subscription is not news)                      ●
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import { Observable } from 'rxjs';

/**
 * Emits each time `channel` turns READY from another state; completes when it is shut down.
 * While subscribed, a channel gone IDLE (its connection dropped and no call since) is asked to
 * connect again, so a return is noticed without a call being made.
 */
export const channelReachable = (channel: grpc.ChannelInterface): Observable<void> =>
  new Observable<void>((subscriber) => {
    let active = true;
    const watch = (state: grpc.connectivityState): void => {
      if (state === grpc.connectivityState.SHUTDOWN) return subscriber.complete();
      channel.watchConnectivityState(state, Infinity, () => {
        if (!active) return;
        const next = channel.getConnectivityState(true);
        if (next === grpc.connectivityState.READY && state !== grpc.connectivityState.READY) subscriber.next();
        watch(next);
      });
    };
    watch(channel.getConnectivityState(true));
    // grpc-js cannot remove a watcher: the pending one fires once more and is ignored.
    return () => {
      active = false;
    };
  });
