/**
 * Probes for `chronoq run` (src/telemetry/readiness.ts, servePrometheus): /healthz answers while
 * the process does; /readyz is 503 while the start waits (the spool, the otlp listeners) and once
 * it stops, 200 only in between; /metrics as before.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadiness } from '../src/telemetry/readiness.js';
import { servePrometheus } from '../src/telemetry/prometheus.js';
import { freePort } from './support/collector.js';

const test = suite('readiness');

test('starting while anything is awaited (each named, in order; a listener only once the start is made) or before the start; ready after; stopping for good, with why', () => {
  const r = createReadiness();
  const grpc = r.awaiting('source 0 (otlp) to listen for OTLP/gRPC', { afterStart: true });
  const spool = r.awaiting('the spool /var/lib/chronoq/spool.db');
  const other = r.awaiting('something else');
  assert.equal(r.status(), { ready: false, detail: 'starting: waiting for the spool /var/lib/chronoq/spool.db, something else' }, 'the listener is not named before the start');
  spool();
  spool(); // said twice: no harm
  other();
  assert.equal(r.status(), { ready: false, detail: 'starting' }, 'nothing holds the start back, but it has not been made');
  r.started();
  assert.equal(r.status(), { ready: false, detail: 'starting: waiting for source 0 (otlp) to listen for OTLP/gRPC' }, 'started, but a listener is not up yet');
  grpc();
  assert.equal(r.status(), { ready: true, detail: 'ready' });
  r.stopping('SIGTERM, draining for at most 10000 ms');
  r.stopping('the run has ended');
  assert.equal(r.status(), { ready: false, detail: 'stopping: SIGTERM, draining for at most 10000 ms' }, 'the first reason stays');
  r.started();
  assert.is(r.status().ready, false, 'never ready again');
  const early = createReadiness();
  const listener = early.awaiting('a listener', { afterStart: true });
  listener(); // up before the start was said: nothing left to wait for
  early.started();
  assert.equal(early.status(), { ready: true, detail: 'ready' });
});

const get = async (port: number, path: string): Promise<[number, string]> => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return [res.status, await res.text()];
};

test('the endpoint: /healthz 200, /readyz 503 then 200 then 503 with the detail, /metrics as rendered, anything else 404 naming the three', async () => {
  const r = createReadiness();
  const opened = r.awaiting('the spool s.db');
  const port = await freePort();
  const server = await servePrometheus(port, '127.0.0.1', () => 'chronoq_samples_in_total 3\n', r.status);
  try {
    assert.equal(await get(port, '/healthz'), [200, 'ok\n']);
    assert.equal(await get(port, '/readyz'), [503, 'starting: waiting for the spool s.db\n']);
    opened();
    r.started();
    assert.equal(await get(port, '/readyz?verbose'), [200, 'ready\n']);
    assert.equal(await get(port, '/metrics'), [200, 'chronoq_samples_in_total 3\n']);
    r.stopping('SIGTERM, draining for at most 10000 ms');
    assert.equal(await get(port, '/readyz'), [503, 'stopping: SIGTERM, draining for at most 10000 ms\n']);
    assert.equal(await get(port, '/healthz'), [200, 'ok\n'], 'alive while it drains: a liveness probe failing now would kill the drain');
    assert.equal(await get(port, '/'), [404, 'try /metrics, /healthz or /readyz\n']);
  } finally {
    server.close();
  }
  const barePort = await freePort();
  const bare = await servePrometheus(barePort, '127.0.0.1', () => '');
  try {
    assert.equal(await get(barePort, '/readyz'), [404, 'try /metrics\n'], 'without readiness: /metrics only');
    assert.equal(await get(barePort, '/healthz'), [404, 'try /metrics\n']);
  } finally {
    bare.close();
  }
});

test.run();
