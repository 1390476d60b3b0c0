/**
 * The test harness's free ports (test/support/freePort.ts) lie below the kernel's range for the
 * local ports of outgoing connections, so no connection made meanwhile can take one before its
 * server binds it (the cause of a CI run's EADDRINUSE), and none is handed out twice.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { freePort } from './support/freePort.js';

const test = suite('test harness: free ports');

test('below the ephemeral range, distinct, and free to listen on', async () => {
  const ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  assert.ok(ports.every((p) => p >= 10_000 && p < ephemeralFrom), `${ports.join(', ')} against a range from ${ephemeralFrom}`);
  assert.is(new Set(ports).size, ports.length, 'none twice');
  const server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  try {
    // An outgoing connection's own port comes from the range: never one of ours.
    const local = await new Promise<number>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: ports[0]! }, () => {
        resolve(socket.localPort!);
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.ok(local >= ephemeralFrom, `a connection's local port ${local}`);
  } finally {
    server.close();
  }
});

test.run();
