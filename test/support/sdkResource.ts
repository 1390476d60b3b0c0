/**
 * An application's resource as its OpenTelemetry SDK on Kubernetes gives it — besides its
 * service.name and service.instance.id, the SDK's own attributes and those of its process, host,
 * container and cloud detectors: 22 attributes, ~750 bytes of JSON — where the workloads elsewhere
 * carry one or two. What an otlp source's samples each carry (the spool's tests and benches).
 */
import type { Attributes } from '../../src/sample.js';

/** The detected attributes of an application in pod `pod`. */
export const sdkDetected = (pod: string): Attributes => ({
  'service.version': '2.14.1', 'deployment.environment.name': 'production', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.2.0', 'host.name': pod, 'host.arch': 'amd64', 'os.type': 'linux', 'process.pid': 1,
  'process.executable.name': 'node', 'process.executable.path': '/usr/local/bin/node', 'process.runtime.version': '20.20.0', 'process.runtime.name': 'nodejs',
  'process.runtime.description': 'Node.js', 'process.command': '/app/dist/server.js', 'process.owner': 'node', 'k8s.namespace.name': 'shop',
  'k8s.pod.name': pod, 'k8s.deployment.name': 'checkout', 'k8s.node.name': 'ip-10-0-12-34.eu-west-1.compute.internal',
  'cloud.provider': 'aws', 'cloud.region': 'eu-west-1',
});

/** The whole resource of such an application in pod `pod`. */
export const sdkResource = (pod: string): Attributes => ({ 'service.name': 'checkout', 'service.instance.id': `${pod}-6f1c2b7e`, ...sdkDetected(pod) });

/** The scope of an instrumentation library, as such an application's HTTP metrics carry it. */
export const httpScope = { name: '@opentelemetry/instrumentation-http', version: '0.57.0' };
