/**
 * A sink dialling Instana's OTLP acceptor with nothing to place the metrics by (no host.id,
 * faas.id or device.id in the resource, no x-instana-host header) is warned of at start: Instana's
 * documentation names one of them as required, and nothing in the run said so. The host source gives host.id; an agent in between
 * places the metrics itself.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { instanaPlacementWarning } from '../src/otlp/instanaWarning.js';
import { createSink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';

const test = suite('Instana acceptor placement warning');
const acceptor = 'otlp-orange-saas.instana.io:4317';

test('the acceptor with no host.id, faas.id, device.id nor x-instana-host is warned of; with any of them, or another receiver, it is not', () => {
  assert.equal(instanaPlacementWarning(acceptor, { 'service.name': 'shop' }, { 'x-instana-key': 'k' }),
    `${acceptor} is Instana's OTLP acceptor, which places metrics by the resource's host.id, faas.id or device.id, or an x-instana-host header: this config gives none (a host source gives host.id), so only samples that carry their own are placed — set resource host.id, or sink.headers x-instana-host`);
  assert.ok(instanaPlacementWarning('OTLP-GRPC-Coral-SaaS.Instana.IO:443', {}) !== undefined, 'any case, the -grpc- host on 443');
  for (const [target, resource, headers] of [
    [acceptor, { 'host.id': 'a1' }, {}], [acceptor, { 'faas.id': 'f' }, {}], [acceptor, { 'device.id': 'd' }, {}],
    [acceptor, {}, { 'X-Instana-Host': 'web-1' }], ['localhost:4317', {}, { 'x-instana-key': 'k' }], ['instana.io.example.com:4317', {}, {}],
  ] as const) assert.is(instanaPlacementWarning(target, resource, headers), undefined, `${target} ${JSON.stringify(resource)} ${JSON.stringify(headers)}`);
});

test('the otlp-grpc sink says it among its start warnings (run, replay, validate, createPipeline)', () => {
  const sink = createSink({ type: 'otlp-grpc', endpoint: `https://${acceptor}`, headers: { 'x-instana-key': 'k' } }, { 'service.name': 'shop' }, systemClock);
  try {
    assert.ok(sink.startWarnings?.some((w) => w.startsWith(`${acceptor} is Instana's OTLP acceptor`)), JSON.stringify(sink.startWarnings));
  } finally {
    sink.close();
  }
});

test.run();
