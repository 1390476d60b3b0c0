/**
 * Keys of the OpenTelemetry Collector's otlp exporter that a config copied from one brings along,
 * each with what chronoq takes instead. The Collector's TLS files are `ca_file`, `cert_file` and
 * `key_file`; its `insecure_skip_verify` is not chronoq's `tls.insecure`, which means no TLS at all
 * (set for a receiver that speaks TLS, every attempt failed); retrying and queueing are chronoq's
 * own, always on; the others say what chronoq does instead, or that it has no such setting.
 */
export const COLLECTOR_SINK_KEYS: Readonly<Record<string, string>> = {
  timeout: "the Collector's timeout is timeoutMs here, in milliseconds",
  retry_on_failure: 'chronoq retries every batch until it is delivered or dead-lettered; delivery.retry sets how: maxDelayMs, maxAttempts, maxElapsedMs',
  sending_queue: 'samples wait in memory up to delivery.maxQueued, and on disk in the spool: spool.path',
  keepalive: "the Collector's keepalive.time is keepaliveMs here, in milliseconds",
  auth: 'credentials go in sink.headers: an API key, a bearer token',
  balancer_name: "gRPC's pick_first here: one connection, to the first of the endpoint's addresses that answers; several receivers behind one name need a load balancer in front",
  wait_for_ready: 'a call waits for a connection up to sink.connectTimeoutMs, then fails and is retried',
};

export const COLLECTOR_TLS_KEYS: Readonly<Record<string, string>> = {
  ca_file: "did you mean 'ca'? ca_file is the Collector's name for it",
  cert_file: "did you mean 'cert'? cert_file is the Collector's name for it",
  key_file: "did you mean 'key'? key_file is the Collector's name for it",
  insecure_skip_verify: "chronoq always verifies the receiver's certificate — give its CA as tls.ca; tls.insecure is no TLS at all, for a plaintext receiver",
  ca_pem: 'tls.ca takes the path of a PEM file, not its contents',
  cert_pem: 'tls.cert takes the path of a PEM file, not its contents',
  key_pem: 'tls.key takes the path of a PEM file, not its contents',
  server_name_override: "the certificate is checked against the endpoint's host: write a name the certificate lists as that host (an /etc/hosts entry where it does not resolve)",
  include_system_ca_certs_pool: "without tls.ca, chronoq trusts the CAs Node ships with, not the system's store: NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt (Debian's) adds it",
  reload_interval: 'the TLS files are looked at every 10 s and used anew when they change',
  min_version: 'TLS 1.2 or 1.3, as Node negotiates; not configurable',
  max_version: 'TLS 1.2 or 1.3, as Node negotiates; not configurable',
};

/** Keys of the Collector's hostmetrics receiver that a host source copied from one brings along. */
export const COLLECTOR_HOST_KEYS: Readonly<Record<string, string>> = {
  root_path: "did you mean 'rootPath'? root_path is the hostmetrics receiver's name for it",
  collection_interval: "the hostmetrics receiver's collection_interval is intervalMs here, in milliseconds",
  scrapers: 'the host source sends every family; network, filesystem, disk, paging, processes and connections: false leave one out',
};

/** Keys of the Collector's otlp receiver, under a protocol (`grpc:`, `http:`), that an otlp source copied from one brings along. */
export const COLLECTOR_RECEIVER_KEYS: Readonly<Record<string, string>> = {
  max_recv_msg_size_mib: "the source's maxRequestBytes (beside protocols, in bytes, for both protocols)",
  transport: 'TCP only: a host:port endpoint',
  auth: "the source's bearerToken (beside protocols: every request must carry authorization: Bearer <token>, as the Collector's bearertokenauth asks), or client certificates with tls.clientCa (mutual TLS)",
  include_metadata: 'request headers are not carried into the samples',
  keepalive: "gRPC's keepalive defaults apply; not configurable",
  max_concurrent_streams: 'not limited; delivery room bounds what is taken (UNAVAILABLE when there is none)',
  read_buffer_size: 'not configurable',
  write_buffer_size: 'not configurable',
  traces_url_path: 'metrics only',
  logs_url_path: 'metrics only',
  metrics_url_path: 'POST /v1/metrics, not configurable',
};
