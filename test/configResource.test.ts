/**
 * The pipeline's resource: the config's own over OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME
 * over the defaults — service.name, and with a host source this machine (host.*, as the SDK's host
 * detector finds them, and service.instance.id).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { detectResources, envDetector, hostDetector } from '@opentelemetry/resources';
import { formatConfigError } from '../src/config/errors.js';
import { hostResource } from '../src/config/hostResource.js';
import { resourceFromEnv } from '../src/config/resourceEnv.js';
import { loadConfig } from '../src/cli/loadConfig.js';
import { decodeOptions } from '../src/otel/createPipeline.js';
import { tempDir, writeConfig } from './support/cli.js';
import { withEnv } from './support/env.js';

/** This machine, as the SDK's host detector names it. */
const MACHINE = hostResource();
/** This machine, as a host source's resource names it: also the instance of the service. */
const HOST = { ...MACHINE, 'service.instance.id': MACHINE['host.name'] };

const test = suite('the resource');

test('with a host source the resource names this machine (host.*, as the SDK\'s host detector has them, and service.instance.id), under the environment and the config; without one, and in an application\'s pipeline, it does not', () => {
  // examples/host.yaml took host.name from $HOSTNAME, which a shell does not export to the
  // programs it starts: every machine's metrics went out as host "unknown", into one set of series.
  const dir = tempDir();
  const resourceOf = (path: string | undefined, env: Record<string, string> = {}) => {
    const r = loadConfig(path, env);
    return isLeft(r) ? r.left.map(formatConfigError) : r.right.resource;
  };
  assert.equal(resourceOf(join(import.meta.dirname, '../examples/host.yaml')), { 'service.name': 'my-host', ...HOST }, 'the quick start, $HOSTNAME unset');
  assert.equal(resourceOf(undefined), { 'service.name': 'chronoq', ...HOST }, 'the built-in default');
  assert.equal(resourceOf(undefined, { OTEL_RESOURCE_ATTRIBUTES: 'host.name=node-7' })['host.name' as never], 'node-7', 'the environment wins');
  // service.instance.id: Prometheus' `instance` behind the Collector (its translation keeps only
  // job and instance of a resource), so two machines' series stay apart there.
  assert.is(resourceOf(undefined)['service.instance.id' as never], hostname());
  assert.is(resourceOf(undefined, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=i-1' })['service.instance.id' as never], 'i-1', 'the environment wins');
  // The host.name that results, when the config or the environment gives one.
  assert.is(resourceOf(writeConfig(dir, 'resource: {host.name: web-1}\nsources: [{type: host}]\n'))['service.instance.id' as never], 'web-1');
  assert.is(resourceOf(undefined, { OTEL_RESOURCE_ATTRIBUTES: 'host.name=node-7' })['service.instance.id' as never], 'node-7');
  assert.equal(resourceOf(writeConfig(dir, 'resource: {host.name: web-1}\nsources: [{type: host}]\n'))['host.name' as never], 'web-1', 'the config wins');
  assert.equal(resourceOf(writeConfig(dir, 'sources: [{type: synthetic, series: 1, count: 1}]\n')), { 'service.name': 'chronoq' }, 'no host source: no host.name');
  const decoded = decodeOptions({}, {});
  assert.ok(isRight(decoded) && !('host.name' in decoded.right.resource), 'an application pipeline (no sources)');
});

test('the host attributes are the SDK host detector\'s: host.name, host.arch and host.id (the machine id, which Instana\'s OTLP acceptor needs)', async () => {
  const sdk = detectResources({ detectors: [hostDetector] });
  await sdk.waitForAsyncAttributes?.();
  assert.equal(MACHINE, Object.fromEntries(Object.entries(sdk.attributes).filter(([, v]) => v !== undefined)));
  if (process.platform === 'linux' && existsSync('/etc/machine-id')) assert.is(MACHINE['host.id'], readFileSync('/etc/machine-id', 'utf8').trim(), 'the machine id');
});

test('OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME give the resource, under the config\'s own; a malformed list is a config error (both were ignored)', async () => {
  const dir = tempDir();
  const resourceOf = (yaml: string | undefined, env: Record<string, string>) => {
    const path = yaml === undefined ? undefined : writeConfig(dir, yaml);
    const r = loadConfig(path, env);
    return isLeft(r) ? r.left.map(formatConfigError) : r.right.resource;
  };
  const operator = { OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=shop-7d9f,k8s.namespace.name=prod, deployment.environment = eu%2Cwest ,service.name=from-list' };
  assert.equal(resourceOf(undefined, operator), { 'service.name': 'from-list', ...HOST, 'k8s.pod.name': 'shop-7d9f', 'k8s.namespace.name': 'prod', 'deployment.environment': 'eu,west' }, 'the built-in default');
  assert.equal(resourceOf(undefined, { ...operator, OTEL_SERVICE_NAME: 'shop' })['service.name' as never], 'shop', 'OTEL_SERVICE_NAME wins over the list');
  assert.equal(resourceOf(undefined, {}), { 'service.name': 'chronoq', ...HOST });
  assert.equal(resourceOf('resource: {service.name: feeder, k8s.namespace.name: staging}\nsources: [{type: synthetic, series: 1, count: 1}]\n', operator),
    { 'service.name': 'feeder', 'k8s.pod.name': 'shop-7d9f', 'k8s.namespace.name': 'staging', 'deployment.environment': 'eu,west' }, "the config's resource wins");
  const expected = 'expected comma-separated key=value pairs, a , or = inside a key or value percent-encoded, as the OpenTelemetry SDKs read them';
  assert.equal(resourceOf(undefined, { OTEL_RESOURCE_ATTRIBUTES: `a=1,oops,b=%zz,c=x=y,=v,d=${'x'.repeat(256)}` }), [
    `environment OTEL_RESOURCE_ATTRIBUTES: ${expected}, found "oops", which has no =`,
    `environment OTEL_RESOURCE_ATTRIBUTES: ${expected}, found "b=%zz", which is not valid percent-encoding (write % as %25)`,
    `environment OTEL_RESOURCE_ATTRIBUTES: ${expected}, found "c=x=y", which has more than one = (write one inside a value as %3D)`,
    `environment OTEL_RESOURCE_ATTRIBUTES: ${expected}, found "=v", which has no key`,
    `environment OTEL_RESOURCE_ATTRIBUTES: ${expected}, found "d=${'x'.repeat(256)}", whose key or value is longer than 255 characters`,
  ]);
  assert.equal(resourceOf(undefined, { OTEL_RESOURCE_ATTRIBUTES: 'team%2Fname=a%3Db' }), { 'service.name': 'chronoq', ...HOST, 'team/name': 'a=b' }, 'keys and values percent-decoded, as the SDK does');
  // What the SDK's own EnvDetector makes of the same variables.
  for (const env of [operator, { ...operator, OTEL_SERVICE_NAME: 'shop' }, { OTEL_RESOURCE_ATTRIBUTES: 'team%2Fname=a%3Db, x = y%20z' }]) {
    await withEnv({ OTEL_SERVICE_NAME: undefined, ...env }, () =>
      assert.equal(resourceFromEnv(env).attributes, detectResources({ detectors: [envDetector] }).attributes, JSON.stringify(env)));
  }
  // An application's pipeline too (its pushed samples take the pipeline's resource).
  const decoded = decodeOptions({}, { OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=p1', OTEL_SERVICE_NAME: 'app' });
  assert.ok(isRight(decoded) && decoded.right.resource['k8s.pod.name'] === 'p1' && decoded.right.resource['service.name'] === 'app');
  const refused = decodeOptions({}, { OTEL_RESOURCE_ATTRIBUTES: '=x' });
  assert.ok(isLeft(refused) && refused.left[0]!.path === 'environment OTEL_RESOURCE_ATTRIBUTES');
});

test.run();
