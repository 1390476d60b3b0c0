/**
 * A port for a test's server to listen on, free now and below the range the kernel takes the
 * local ports of outgoing connections from (Linux's ip_local_port_range, 32768–60999 by default).
 *
 * It was a port the kernel gave `listen(0)`, let go at once: one of that range. Between letting it
 * go and the test's process binding it, any outgoing connection on the machine — a chronoq
 * retrying its unreachable sink, a fetch of another suite running beside it — could take it as its
 * local port, and the server then failed with EADDRINUSE (once in CI: a second `chronoq run` could
 * not serve its self-metrics). Below the range only another listener can take it, and this
 * process never hands out one port twice. A collector restarted "on the same port" after an
 * outage is safe the same way, while chronoq keeps connecting to it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;
/** The first port of the kernel's range for outgoing connections. */
const ephemeralFrom = ((): number => {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + 1_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
})();
const handedOut = new Set<number>();

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** What the kernel gives `listen(0)`: the way it was, when no port below its range is free. */
const kernelPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

export const freePort = async (): Promise<number> => {
  for (let i = 0; i < 100; i++) {
    const port = LOWEST + Math.floor(Math.random() * (ephemeralFrom - LOWEST));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check: calls made together never take one port
    if (await canListen(port)) return port;
  }
  return kernelPort();
};
