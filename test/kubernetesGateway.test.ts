/**
 * examples/kubernetes/otlp-gateway.yaml: chronoq as the cluster applications' OTLP endpoint. Its
 * config (the ConfigMap's chronoq.yaml) is valid once its token file is there, listens where the
 * Service sends (every interface, the ports the Service targets), and the StatefulSet gives it what
 * it counts on: the config where args read it, the token Secret where the config reads it, the
 * spool and dead letters on the persistent volume (larger than the spool may grow), one replica, a
 * grace period longer than the drain.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { tempDir } from './support/cli.js';
import { assertProbesOnMetricsPort, type ProbedContainer } from './support/kubernetesProbes.js';

const test = suite('examples/kubernetes/otlp-gateway.yaml');

type Port = { name: string; containerPort?: number; port?: number; targetPort?: string };
type PodSpec = {
  terminationGracePeriodSeconds: number;
  containers: (ProbedContainer & { args: string[]; ports: Port[]; volumeMounts: { name: string; mountPath: string }[] })[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
};
type Doc = {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { replicas?: number; ports?: Port[]; template: { spec: PodSpec }; volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[] };
};
const docs = parseAllDocuments(readFileSync(new URL('../examples/kubernetes/otlp-gateway.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as Doc);
const configText = docs.find((d) => d.kind === 'ConfigMap')!.data!['chronoq.yaml']!;
const set = docs.find((d) => d.kind === 'StatefulSet')!;
const pod = set.spec!.template.spec;
const container = pod.containers[0]!;
const mount = (name: string) => container.volumeMounts.find((m) => m.name === name)!;

/** The config as chronoq reads it in the pod, the token file where the Secret is mounted (here: a temp file). */
const resolved = () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), 's3cret\n');
  const decoded = decodeConfig(configText.replace(`${mount('token').mountPath}/token`, join(dir, 'token')), {});
  if (isLeft(decoded)) throw new Error(decoded.left.map(formatConfigError).join('; '));
  return resolveConfig(decoded.right, {}, { 'host.name': 'pod-0' });
};

test('its config is valid, reads the token where the Secret is mounted, and listens on every interface at the ports the Service targets', () => {
  const c = resolved();
  const source = c.sources[0];
  if (source?.type !== 'otlp') return assert.unreachable('an otlp source');
  assert.is(source.bearerToken, 's3cret');
  const byName = new Map(container.ports.map((p) => [p.name, p.containerPort]));
  assert.equal([source.protocols.grpc?.endpoint, source.protocols.http?.endpoint], [`0.0.0.0:${byName.get('otlp-grpc')}`, `0.0.0.0:${byName.get('otlp-http')}`]);
  const service = docs.find((d) => d.kind === 'Service')!;
  assert.equal(service.spec!.ports!.map((p) => p.targetPort).sort(), ['otlp-grpc', 'otlp-http']);
  assert.ok(configText.includes(`\${file:${mount('token').mountPath}/token}`));
  assert.equal(pod.volumes.find((v) => v.name === 'token')?.secret?.secretName, 'chronoq-otlp-token');
  // Several batches in flight to the Collector (bench/gateway runs the example's delivery), each series in one lane.
  assert.ok(c.delivery.lanes > 1 && c.reorder.order === 'series', `lanes ${c.delivery.lanes}, order ${c.reorder.order}`);
});

test('the StatefulSet: one replica, the config where args read it, spool and dead letters on the volume (larger than the spool may grow), a grace period longer than the drain', () => {
  const c = resolved();
  assert.is(set.spec!.replicas, 1);
  assert.ok(container.args.includes(`${mount('config').mountPath}/chronoq.yaml`));
  for (const path of [c.spool!.path, c.deadLetter.path]) assert.ok(path.startsWith(`${mount('state').mountPath}/`), path);
  const claim = set.spec!.volumeClaimTemplates!.find((v) => v.metadata.name === 'state')!;
  const gib = Number(/^(\d+)Gi$/.exec(claim.spec.resources.requests.storage)![1]);
  assert.ok(gib * 1024 ** 3 > c.spool!.maxBytes, 'the volume holds a full spool');
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > c.delivery.shutdownDeadlineMs, 'the drain ends before the kill');
});

test('its probes ask chronoq\'s self-metrics port: /readyz (503 while it waits for the spool or its listeners, and while it drains), /healthz', () => {
  assertProbesOnMetricsPort(container, resolved());
});

test.run();
