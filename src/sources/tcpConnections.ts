/**
 * TCP connections by state, as the Collector's hostmetrics receiver's network scraper counts them
 * for `system.network.connections` (v0.159, gopsutil v4): every socket in /proc/net/tcp and
 * /proc/net/tcp6 (this network namespace's), sockets alike in local address, remote address and
 * state counted once (several listeners on one port, SO_REUSEPORT, are one), and every state
 * present, at 0 when none is in it. Linux only (elsewhere none).
 *
 * gopsutil names the kernel's FIN_WAIT states FIN_WAIT1 and FIN_WAIT2, which the receiver then
 * sends as series of their own beside its FIN_WAIT_1 and FIN_WAIT_2, always 0; here they are
 * counted under FIN_WAIT_1 and FIN_WAIT_2.
 */
import { readFileSync } from 'node:fs';

/** The kernel's TCP states (include/net/tcp_states.h) by their hex code in /proc/net/tcp. */
const STATE_OF_CODE: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT_1', '05': 'FIN_WAIT_2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};
/** Every state the receiver sends (DELETE is Windows's, always 0 here). */
export const TCP_STATES = ['CLOSE_WAIT', 'CLOSE', 'CLOSING', 'DELETE', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'LAST_ACK', 'LISTEN', 'SYN_SENT', 'SYN_RECV', 'TIME_WAIT'] as const;

/** `sl: local remote st` of each socket line: addresses are hex (8 or 32 digits) and a port. */
const SOCKET_LINE = /^\s*\d+: ([0-9A-Fa-f]+:[0-9A-Fa-f]+) ([0-9A-Fa-f]+):([0-9A-Fa-f]+) ([0-9A-Fa-f]{2}) /gm;

/**
 * Adds the sockets of a /proc/net/tcp or tcp6 text (`sl local_address rem_address st …`) to
 * `counts`, once per (local, remote, state) in `seen`. A connected socket's four-tuple is its own,
 * so only those without a peer (listening, unbound: remote port 0) can repeat and are looked up.
 * (A server's 50 000 connections, each line split and keyed, held the event loop 120–230 ms
 * every interval; so, 23–56 ms.)
 */
export const countTcpTable = (text: string, counts: Record<string, number>, seen: Set<string>): void => {
  SOCKET_LINE.lastIndex = 0;
  for (let m = SOCKET_LINE.exec(text); m !== null; m = SOCKET_LINE.exec(text)) {
    const [, local, remoteAddress, remotePort, code] = m as unknown as [string, string, string, string, string];
    const state = STATE_OF_CODE[code.toUpperCase()];
    if (state === undefined) continue;
    if (/^0+$/.test(remotePort)) {
      const key = `${local} ${remoteAddress} ${state}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    counts[state] = (counts[state] ?? 0) + 1;
  }
};

/** TCP connections per state (undefined where there is no /proc/net/tcp). */
export const readTcpConnections = (): Readonly<Record<string, number>> | undefined => {
  const counts: Record<string, number> = Object.fromEntries(TCP_STATES.map((s) => [s, 0]));
  const seen = new Set<string>();
  try {
    countTcpTable(readFileSync('/proc/net/tcp', 'utf8'), counts, seen);
  } catch {
    return undefined;
  }
  try {
    countTcpTable(readFileSync('/proc/net/tcp6', 'utf8'), counts, seen);
  } catch {
    // no IPv6: the IPv4 sockets are all there are
  }
  return counts;
};
