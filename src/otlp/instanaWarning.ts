/**
 * Instana's OTLP acceptor (the SaaS backend, `otlp-COLOR-saas.instana.io`, `otlp-grpc-…`) places
 * metrics on a host, function or device by the resource's `host.id`, `faas.id` or `device.id`,
 * or by an `x-instana-host` header; without any of them it has nothing to put them on. chronoq's
 * host source gives `host.id`; a config of other sources (NDJSON, an application's samples) gave
 * none, and nothing in the run said so (Instana's documentation names them as required; not
 * measured here, there is no Instana backend to test against). An Instana agent in between
 * places them itself: it is not the acceptor, and is not warned of.
 */
import type { Attributes } from '../sample.js';
import { targetHost } from './dialTarget.js';

const PLACING_ATTRIBUTES = ['host.id', 'faas.id', 'device.id'];

/** The start warning for a sink dialling Instana's acceptor without anything to place the metrics by; undefined otherwise. */
export const instanaPlacementWarning = (target: string, resource: Attributes, headers: Readonly<Record<string, string>> = {}): string | undefined => {
  if (!(targetHost(target)?.toLowerCase().endsWith('.instana.io') ?? false)) return undefined;
  if (PLACING_ATTRIBUTES.some((k) => resource[k] !== undefined)) return undefined;
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'x-instana-host')) return undefined;
  return `${target} is Instana's OTLP acceptor, which places metrics by the resource's host.id, faas.id or device.id, or an x-instana-host header: this config gives none (a host source gives host.id), so only samples that carry their own are placed — set resource host.id, or sink.headers x-instana-host`;
};
