/**
 * examples/kubernetes/daemonset.yaml: chronoq as a host agent on every node. Its config (the
 * ConfigMap's chronoq.yaml) is a valid config once Kubernetes has made OTLP_ENDPOINT from the
 * node's IP, and the DaemonSet gives it what the config counts on: the node's / at /hostfs for
 * rootPath, read-only; HOST_IP defined before the variable that uses it (Kubernetes expands
 * `$(HOST_IP)` only then, and chronoq refuses an endpoint with it unexpanded); the spool and the
 * dead-letter file on the node; a grace period longer than the drain.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { assertProbesOnMetricsPort, type ProbedContainer } from './support/kubernetesProbes.js';

const test = suite('examples/kubernetes/daemonset.yaml');

type Doc = { kind: string; data?: Record<string, string>; spec?: { template: { spec: PodSpec } } };
type PodSpec = {
  terminationGracePeriodSeconds: number;
  containers: (ProbedContainer & { args: string[]; env: { name: string; value?: string; valueFrom?: unknown }[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }[] })[];
  volumes: { name: string; hostPath?: { path: string }; configMap?: { name: string } }[];
};
const docs = parseAllDocuments(readFileSync(new URL('../examples/kubernetes/daemonset.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as Doc);
const configText = docs.find((d) => d.kind === 'ConfigMap')!.data!['chronoq.yaml']!;
const pod = docs.find((d) => d.kind === 'DaemonSet')!.spec!.template.spec;
const container = pod.containers[0]!;

test('its config is valid with OTLP_ENDPOINT as Kubernetes makes it, and reads the host under /hostfs', () => {
  const env = container.env;
  const hostIp = env.findIndex((e) => e.name === 'HOST_IP');
  const endpoint = env.findIndex((e) => e.name === 'OTLP_ENDPOINT');
  assert.ok(hostIp >= 0 && hostIp < endpoint, 'HOST_IP before OTLP_ENDPOINT');
  const expanded = env[endpoint]!.value!.replace('$(HOST_IP)', '10.1.2.3');
  const decoded = decodeConfig(configText, { OTLP_ENDPOINT: expanded });
  if (isLeft(decoded)) return assert.unreachable(decoded.left.map(formatConfigError).join('; '));
  const c = resolveConfig(decoded.right, {}, { 'host.name': 'node-7' });
  assert.equal(c.sink.type === 'otlp-grpc' ? c.sink.endpoint : undefined, 'http://10.1.2.3:4317');
  assert.equal(c.sources[0]?.type === 'host' ? c.sources[0].rootPath : undefined, '/hostfs');
  // Unexpanded (a variable defined after it): refused, not dialled as a host name.
  assert.ok(isLeft(decodeConfig(configText, { OTLP_ENDPOINT: env[endpoint]!.value! })));
});

test('the DaemonSet mounts what the config names: the node at /hostfs read-only, the config where args read it, the state on the node; the grace period outlasts the drain', () => {
  const mount = (name: string) => container.volumeMounts.find((m) => m.name === name)!;
  const volume = (name: string) => pod.volumes.find((v) => v.name === name)!;
  assert.equal([mount('hostfs').mountPath, mount('hostfs').readOnly, mount('hostfs').mountPropagation, volume('hostfs').hostPath?.path], ['/hostfs', true, 'HostToContainer', '/']);
  assert.ok(container.args.includes(`${mount('config').mountPath}/chronoq.yaml`));
  const decoded = decodeConfig(configText, { OTLP_ENDPOINT: 'http://10.1.2.3:4317' });
  if (isLeft(decoded)) return assert.unreachable('config');
  const c = resolveConfig(decoded.right, {}, { 'host.name': 'node-7' });
  for (const path of [c.spool!.path, c.deadLetter.path]) assert.ok(path.startsWith(`${mount('state').mountPath}/`), path);
  assert.ok(volume('state').hostPath !== undefined, 'the state on the node, across pods');
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > c.delivery.shutdownDeadlineMs, 'the drain ends before the kill');
});

test('its probes ask chronoq\'s self-metrics port: /readyz, /healthz', () => {
  const decoded = decodeConfig(configText, { OTLP_ENDPOINT: 'http://10.1.2.3:4317' });
  if (isLeft(decoded)) return assert.unreachable('config');
  assertProbesOnMetricsPort(container, resolveConfig(decoded.right, {}, { 'host.name': 'node-7' }));
});

test.run();
