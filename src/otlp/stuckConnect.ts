/**
 * A connection attempt that never ends. grpc-js has no connect timeout: a receiver (or a proxy,
 * or a hung collector's listen backlog) that accepts the TCP connection and never answers — no
 * HTTP/2 settings, no TLS handshake — leaves the channel CONNECTING for good, every call failing
 * with DEADLINE_EXCEEDED "Waiting for LB pick" and no new connection ever tried. Measured: a
 * receiver that held the first connection silently and served every later one normally got
 * nothing from `chronoq run` for the 40 s it was watched (nor would it have later).
 *
 * `watchStuckConnecting` calls `onStuck` once when the channel has been CONNECTING without a
 * break for `connectTimeoutMs` (gRPC's connection backoff spec says at least 20 s); the sink then
 * replaces its client, and the next attempt connects afresh.
 *
 * ```
 * state:   READY ─► IDLE ─► CONNECTING ──────── connectTimeoutMs ────────►|
 * onStuck:                                                               ●
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import { type Clock, timerMs } from '../clock.js';

export const watchStuckConnecting = (channel: grpc.ChannelInterface, connectTimeoutMs: number, clock: Clock, onStuck: () => void): void => {
  const watch = (state: grpc.connectivityState): void => {
    if (state === grpc.connectivityState.SHUTDOWN) return;
    // grpc-js's own timer (it clears it when the state changes): no deadline outside CONNECTING.
    const deadline = state === grpc.connectivityState.CONNECTING ? clock.now() + timerMs(connectTimeoutMs) : Infinity;
    try {
      channel.watchConnectivityState(state, deadline, (deadlinePassed?: Error) => {
        if (deadlinePassed === undefined) return watch(channel.getConnectivityState(false));
        if (channel.getConnectivityState(false) === grpc.connectivityState.CONNECTING) onStuck();
        else watch(channel.getConnectivityState(false));
      });
    } catch {
      // shut down between the look and the watch: nothing left to watch
    }
  };
  watch(channel.getConnectivityState(false));
};
