/**
 * An endpoint's scheme: http:// (plaintext), https:// (TLS), unix:, or none (host:port: TLS unless
 * OTEL_EXPORTER_OTLP_INSECURE says otherwise) — as the OpenTelemetry exporter reads them. Any
 * other was taken and went wrong with no config error: `dns:///collector:4317`, gRPC's target
 * syntax, dialled ":443" and timed out "waiting for name resolution" for good; `grpc://…` was said
 * by the exporter to be "Using http://", then dialled with TLS, which a plaintext receiver
 * refuses. Both are config errors now, with the endpoint to write.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../src/config/decode.js';
import { formatConfigError } from '../src/config/errors.js';
import { checkOtlpEnv } from '../src/config/grpcValues.js';

const test = suite('sink endpoint schemes');
const endpointErrors = (endpoint: string) => {
  const r = decodeConfig(`sink:\n  type: otlp-grpc\n  endpoint: "${endpoint}"\n`, {});
  return isLeft(r) ? r.left.map(formatConfigError) : [];
};
const EXPECTED = 'expected an endpoint URL such as http://collector:4317 (or host:port)';

test('a gRPC target name (dns:) or another scheme is refused with the http:// endpoint to write', () => {
  assert.equal(endpointErrors('dns:///collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "dns:///collector:4317" (did you mean http://collector:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  assert.equal(endpointErrors('dns://8.8.8.8/collector.example:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "dns://8.8.8.8/collector.example:4317" (did you mean http://collector.example:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  assert.equal(endpointErrors('grpc://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "grpc://collector:4317" (did you mean http://collector:4317? the scheme is http:// for plaintext or https:// for TLS; the OpenTelemetry exporter took grpc:// as http:// and dialled TLS all the same)`,
  ]);
  assert.equal(endpointErrors('grpcs://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "grpcs://collector:4317" (did you mean https://collector:4317? the scheme is http:// for plaintext or https:// for TLS; the OpenTelemetry exporter took grpcs:// as http:// and dialled TLS all the same)`,
  ]);
  assert.equal(endpointErrors('HTTP://collector:4317'), [
    `config.sink.endpoint: ${EXPECTED}, found "HTTP://collector:4317" (did you mean http://collector:4317? the OpenTelemetry exporter reads http:// in lower case only, and dialled HTTP:// with TLS)`,
  ]);
});

test('the same for OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT; the schemes the exporter reads are taken as before', () => {
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'dns:///otel-collector:4317' }).map(formatConfigError), [
    `environment OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ${EXPECTED}, found "dns:///otel-collector:4317" (did you mean http://otel-collector:4317? a gRPC target name, which the OpenTelemetry exporter does not read: it dialled :443; https:// for TLS)`,
  ]);
  for (const good of ['http://collector:4317', 'HTTPS://collector:4317', 'localhost:4317', 'collector', 'unix:///run/otel.sock', 'unix:/run/otel.sock', 'http://[::1]:4317']) {
    assert.equal(endpointErrors(good), [], good);
  }
});

test.run();
