/**
 * What the Kubernetes examples' probes must be to work (test/kubernetes*.test.ts): HTTP on the
 * container port named `metrics`, which is the config's self-metrics port, served on every
 * interface (the kubelet probes the pod's IP), at the paths chronoq answers.
 */
import * as assert from 'uvu/assert';
import type { ResolvedConfig } from '../../src/config/resolve.js';

type Probe = { httpGet?: { path: string; port: string | number } };
export interface ProbedContainer {
  readonly ports: readonly { name: string; containerPort?: number }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
}

export const assertProbesOnMetricsPort = (container: ProbedContainer, c: ResolvedConfig): void => {
  assert.equal(c.telemetry.prometheus, { port: container.ports.find((p) => p.name === 'metrics')?.containerPort, host: '0.0.0.0' }, 'the metrics port, on every interface');
  assert.equal(container.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
  assert.equal(container.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
};
