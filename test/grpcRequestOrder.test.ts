/**
 * The otlp source takes an exporter's requests in the order it sent them, also when this process
 * stopped reading for a while (a GC pause, a disk holding up the spool): stock exporters in a
 * child process export requests of 1 000 points every 500 ms while this process's thread is held
 * for 4 s. With HTTP/2's default windows the requests sent meanwhile came in out of order
 * (src/sources/grpcFlowControl.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Server } from '@grpc/grpc-js';
import { otlpReceiverSamples } from '../src/sources/otlpReceiver.js';
import { widenFlowControl } from '../src/sources/grpcFlowControl.js';
import { freePort } from './support/collector.js';
import { exported, holdThread, runExporters } from './support/otlpExporters.js';

const test = suite('otlp source: request order through a stall');

test("grpc-js has the members the wide windows are set through (else they are not set, and the order test below fails)", () => {
  assert.ok(widenFlowControl(new Server(), 16 * 2 ** 20).widened);
  // A grpc-js without them: nothing set, nothing thrown at bind.
  const options = {};
  const without = widenFlowControl({ commonServerOptions: options } as unknown as Server, 16 * 2 ** 20);
  assert.not.ok(without.widened);
  without.afterBind();
  assert.equal(options, {});
});

test('10 apps exporting 1 000 points every 500 ms through a 4 s stall of the receiver: every request taken, each app\'s in the order sent', async () => {
  const port = await freePort();
  const newest = new Map<string, bigint>();
  let requests = 0;
  const behind: string[] = [];
  const sub = otlpReceiverSamples({ grpcEndpoint: `127.0.0.1:${port}` }).subscribe((s) => {
    if (s.attributes['queue'] !== 'q0') return; // one point a request
    requests++;
    const app = String(s.resource?.['service.instance.id']);
    const last = newest.get(app);
    if (last !== undefined && s.timeUnixNano < last) behind.push(`${app} ${Number(last - s.timeUnixNano) / 1e6} ms behind`);
    if (last === undefined || s.timeUnixNano > last) newest.set(app, s.timeUnixNano);
  });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const done = runExporters(`127.0.0.1:${port}`, { APPS: '10', SERIES: '1000', PERIOD_MS: '500', DURATION_MS: '9000' });
    await new Promise((r) => setTimeout(r, 3_000));
    holdThread(4_000);
    const out = await done;
    const { sent, failed } = exported(out);
    assert.is(failed, 0, out);
    assert.ok(sent >= 100, out);
    assert.is(requests, sent, 'every request taken');
    assert.equal(behind, [], 'no request taken behind a newer one of its app');
  } finally {
    sub.unsubscribe();
  }
});

test.run();
