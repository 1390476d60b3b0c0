/**
 * Keys of the OpenTelemetry Collector's otlp exporter that a config copied from one brings along,
 * each with what chronoq takes instead. The Collector's TLS files are `ca_file`, `cert_file` and
 * `key_file`; its `insecure_skip_verify` is not chronoq's `tls.insecure`, which means no TLS at all
 * (set for a receiver that speaks TLS, every attempt failed); retrying and queueing are chronoq's
 * own, always on.
 */
export const COLLECTOR_SINK_KEYS: Readonly<Record<string, string>> = {
  timeout: "the Collector's timeout is timeoutMs here, in milliseconds",
  retry_on_failure: 'chronoq retries every batch until it is delivered or dead-lettered; delivery.retry sets how: maxDelayMs, maxAttempts, maxElapsedMs',
  sending_queue: 'samples wait in memory up to delivery.maxQueued, and on disk in the spool: spool.path',
  keepalive: "the Collector's keepalive.time is keepaliveMs here, in milliseconds",
  auth: 'credentials go in sink.headers: an API key, a bearer token',
};

export const COLLECTOR_TLS_KEYS: Readonly<Record<string, string>> = {
  ca_file: "did you mean 'ca'? ca_file is the Collector's name for it",
  cert_file: "did you mean 'cert'? cert_file is the Collector's name for it",
  key_file: "did you mean 'key'? key_file is the Collector's name for it",
  insecure_skip_verify: "chronoq always verifies the receiver's certificate — give its CA as tls.ca; tls.insecure is no TLS at all, for a plaintext receiver",
};
