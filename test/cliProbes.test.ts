/**
 * `chronoq run`'s probes beside /metrics, as a Kubernetes rollout meets them: the old pod ready,
 * its replacement started beside it not ready while it waits for the spool the old one holds, the
 * old one not ready from its SIGTERM while it drains (the receiver is down: it drains to its
 * deadline), alive all the while; the new one ready once it has taken the spool over and its otlp
 * listeners are up.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { startCli, tempDir, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';

const test = suite('chronoq run: /healthz and /readyz');

const get = async (port: number, path: string): Promise<[number, string]> => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return [res.status, (await res.text()).trim()];
  } catch {
    return [0, 'no answer'];
  }
};
test('ready once its otlp listeners are up; a second run on the same spool is "starting" until the first lets it go; the first is "stopping" while it drains, and alive', async () => {
  const dir = tempDir();
  const nothingListens = await freePort();
  const config = async () => {
    const [grpc, http, metrics] = [await freePort(), await freePort(), await freePort()];
    const path = writeConfig(dir, [
      `sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}, http: {endpoint: "127.0.0.1:${http}"}}}, {type: synthetic, series: 2, ratePerSecond: 50}]`,
      `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${nothingListens}"}`,
      `spool: {path: ${join(dir, 'spool.db')}}`,
      `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
      'delivery: {shutdownDeadlineMs: 3000}',
      `telemetry: {prometheus: {port: ${metrics}}}`,
      '',
    ].join('\n'), `chronoq-${metrics}.yaml`);
    return { path, metrics };
  };
  const a = await config();
  const b = await config();
  const first = startCli(['run', a.path, '--quiet']);
  let second: ReturnType<typeof startCli> | undefined;
  try {
    await poll(a.metrics, '/readyz', 200, 'the first run ready', first.stderrSoFar);
    assert.equal(await get(a.metrics, '/readyz'), [200, 'ready']);
    assert.equal(await get(a.metrics, '/healthz'), [200, 'ok']);
    // The process's own metrics beside the pipeline's (test/processMetrics.test.ts).
    const [status, page] = await get(a.metrics, '/metrics');
    assert.is(status, 200);
    assert.match(page, /^chronoq_samples_in_total \d+$/m);
    assert.match(page, /^process_resident_memory_bytes [1-9]\d+$/m);
    assert.match(page, /^chronoq_memory_limit_bytes [1-9]\d+$/m);
    assert.match(page, /^chronoq_build_info\{version="\d+\.\d+\.\d+",nodejs_version="v\d+[.\d]*"\} 1$/m);
    second = startCli(['run', b.path, '--quiet']);
    const waiting = await poll(b.metrics, '/readyz', 503, 'the second run answering', second.stderrSoFar);
    assert.is(waiting, `starting: waiting for the spool ${join(dir, 'spool.db')}`);
    assert.equal(await get(b.metrics, '/healthz'), [200, 'ok'], 'alive while it waits');
    first.child.kill('SIGTERM');
    const stopping = await poll(a.metrics, '/readyz', 503, 'the first run stopping', first.stderrSoFar);
    assert.is(stopping, 'stopping: SIGTERM, draining for at most 3000 ms');
    assert.equal(await get(a.metrics, '/healthz'), [200, 'ok'], 'alive while it drains');
    assert.is((await first.result).code, 0);
    await poll(b.metrics, '/readyz', 200, 'the second run ready after taking the spool over', second.stderrSoFar);
    assert.match(second.stderrSoFar(), /the other chronoq let it go after \d+ ms; this one takes over/);
    assert.match(second.stderrSoFar(), /listening for OTLP\/gRPC[\s\S]*listening for OTLP\/HTTP|listening for OTLP\/HTTP[\s\S]*listening for OTLP\/gRPC/);
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGTERM');
    if (second !== undefined) await second.result;
  }
});

/** Asks `path` every 20 ms until it answers `status` (20 s at most): that answer's body. */
const poll = async (port: number, path: string, status: number, what: string, stderr: () => string): Promise<string> => {
  for (let i = 0; i < 1_000; i++) {
    const [code, body] = await get(port, path);
    if (code === status) return body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: ${path} never answered ${status}; its stderr:\n${stderr()}`);
};

test.run();
