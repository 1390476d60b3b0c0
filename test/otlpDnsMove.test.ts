/**
 * A receiver that comes back at a new address (a collector pod or container recreated, its name
 * now pointing elsewhere): grpc-js looks a name up again when a connection fails, but by default
 * at most once every 30 s, so delivery stayed on the old, dead address for up to half a minute
 * (measured with /etc/hosts moved from one loopback address to another: delivered again 28 s
 * after the move). The name service is replaced here by one the test moves: the receiver listens
 * on 127.0.0.1, the name first points at 127.0.0.2, where nothing listens.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dns from 'node:dns';
import { otlpGrpcSink } from '../src/otlp/otlpGrpcSink.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { sleep } from './support/cli.js';

const test = suite('a receiver whose name moves to another address');
const NAME = 'collector.chronoq.test';
const sample: Sample = { name: 'm', kind: 'gauge', value: 1, timeUnixNano: 1_764_064_800_000_000_000n, attributes: {} };

test('delivery follows the name to its new address within seconds, not at grpc-js\'s 30 s re-resolution floor', async () => {
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const realLookup = dns.promises.lookup;
  let address = '127.0.0.2';
  let lookups = 0;
  dns.promises.lookup = (async (host: string, options: dns.LookupAllOptions) => {
    if (host !== NAME) return realLookup(host, options);
    lookups++;
    return [{ address, family: 4 }];
  }) as typeof dns.promises.lookup;
  const sink = otlpGrpcSink({ endpoint: `http://${NAME}:${server.port}`, timeoutMs: 1_000 });
  const send = () => new Promise<string>((resolve) => sink.send([sample]).subscribe({ error: (e: Error) => resolve(e.message), complete: () => resolve('ok') }));
  try {
    assert.match(await send(), /UNAVAILABLE/, 'nothing listens at the first address');
    await sleep(500);
    address = '127.0.0.1'; // the name now points at the receiver
    let last = '';
    for (let i = 0; i < 25 && last !== 'ok'; i++) {
      last = await send();
      if (last !== 'ok') await sleep(200);
    }
    assert.is(last, 'ok', `still failing ~5 s after the move (${lookups} look-ups): ${last}`);
    assert.is(server.received.length, 1);
    // While the connection works, no look-ups.
    const before = lookups;
    for (let i = 0; i < 10; i++) {
      assert.is(await send(), 'ok');
      await sleep(200);
    }
    assert.is(lookups, before, 'a working connection costs no look-ups');
  } finally {
    dns.promises.lookup = realLookup;
    sink.shutdown();
    server.kill();
  }
});

test.run();
