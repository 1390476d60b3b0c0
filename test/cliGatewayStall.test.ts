/**
 * `chronoq run` as the OTLP endpoint of applications (an otlp source, gRPC and HTTP), stopped for
 * 4 s while they export (SIGSTOP/SIGCONT: as a GC pause, a disk holding up the spool, a virtual
 * machine descheduled do): what they sent meanwhile comes in after it in a burst, each app's
 * requests in any order over HTTP/1.1's several connections. Every point must be delivered, each
 * series in order, none a dead letter `late` — with the reorder window (1 s) shorter than the
 * stall, 8 700–9 600 of them were, before reorderByEventTime held its watermark after a stall.
 * (The window was 500 ms until a CI run whose burst after the stall took longer than that to come
 * in: the hold lasts one window, so the test's margin is the window.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { freePort } from './support/collector.js';
import { exported, runExporters } from './support/otlpExporters.js';

const test = suite('chronoq run as a gateway, stopped for a while');
const exporters = (endpoint: string, protocol: 'grpc' | 'http') => runExporters(endpoint, { PROTOCOL: protocol, APPS: '8', SERIES: '100', PERIOD_MS: '250', DURATION_MS: '9000' });

test('8 apps over gRPC and 8 over HTTP, every 250 ms, chronoq stopped for 4 s: every point delivered, each series in order, none late', async () => {
  const dir = tempDir();
  const [grpc, http] = [await freePort(), await freePort()];
  const config = writeConfig(dir, [
    `sources: [{type: otlp, protocols: {grpc: {endpoint: "127.0.0.1:${grpc}"}, http: {endpoint: "127.0.0.1:${http}"}}}]`,
    'skew: {maxPastMs: 86400000}',
    'reorder: {maxDelayMs: 1000}',
    `sink: {type: ndjson, path: ${join(dir, 'out.ndjson')}}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    '',
  ].join('\n'));
  const run = startCli(['run', config, '--quiet']);
  await until('the listeners', () => (run.stderrSoFar().match(/listening for OTLP/g) ?? []).length === 2);
  const sent = Promise.all([exporters(`127.0.0.1:${grpc}`, 'grpc'), exporters(`127.0.0.1:${http}`, 'http')]);
  await sleep(3_000);
  run.child.kill('SIGSTOP');
  await sleep(4_000);
  run.child.kill('SIGCONT');
  const answers = await sent;
  await sleep(1_500);
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.result;
  assert.is(code, 0, stderr);
  let points = 0;
  for (const a of answers) {
    const { sent, failed } = exported(a);
    assert.is(failed, 0, a);
    points += sent * 100;
  }
  const dead = existsSync(join(dir, 'dead.ndjson')) ? readFileSync(join(dir, 'dead.ndjson'), 'utf8').split('\n').filter(Boolean) : [];
  assert.equal(dead.map((l) => JSON.parse(l).reason), [], 'no dead letters');
  const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { timeUnixNano: string; attributes: Record<string, string>; resource: Record<string, string> });
  assert.is(lines.length, points, 'every point delivered');
  const last = new Map<string, bigint>();
  let back = 0;
  for (const l of lines) {
    const series = `${l.resource['service.instance.id']}/${l.attributes['queue']}`;
    const t = BigInt(l.timeUnixNano);
    if ((last.get(series) ?? 0n) > t) back++;
    last.set(series, t);
  }
  assert.is(back, 0, 'each series in order at the sink');
  assert.match(stderr, new RegExp(`done: ${points} in, ${points} delivered, 0 dead-lettered`));
});

test.run();
