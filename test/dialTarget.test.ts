/**
 * How the sink's endpoint is read (src/otlp/dialTarget.ts): which setting gives it, what host and
 * port are dialled, and which hosts are this machine's loopback (the config's check of a sink into
 * its own otlp source asks). The missing port's warning is in test/otlpEndpointPort.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dialTarget, endpointSettingOf, isLoopback, targetHost } from '../src/otlp/dialTarget.js';

const test = suite('the sink endpoint read');

test('the setting that gives the endpoint: the option, else the metrics variable, else the general one; a blank one is unset (as the OpenTelemetry specification reads an empty variable)', () => {
  const general = { OTEL_EXPORTER_OTLP_ENDPOINT: ' http://gateway:4317 ' };
  assert.equal(endpointSettingOf('http://a:4317', { ...general, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4317' }), { value: 'http://a:4317', setting: 'sink.endpoint' });
  assert.equal(endpointSettingOf(undefined, { ...general, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:4317' }), { value: 'http://m:4317', setting: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' });
  assert.equal(endpointSettingOf('  ', { ...general, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '' }), { value: 'http://gateway:4317', setting: 'OTEL_EXPORTER_OTLP_ENDPOINT' });
  assert.is(endpointSettingOf(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined);
});

test('the port dialled: as written; http:// without one dials 443 (the exporter\'s url drops a written :80, leading zeros too, and that is kept)', () => {
  // The first argument is the exporter's url (convertLegacyOtlpGrpcOptions: scheme, default port and path gone), the second the endpoint as written.
  assert.is(dialTarget('collector:4317', 'http://collector:4317'), 'collector:4317');
  assert.is(dialTarget('collector', 'http://collector'), 'collector:443');
  assert.is(dialTarget('collector', 'http://collector:80'), 'collector:80');
  assert.is(dialTarget('collector', 'http://collector:080/v1'), 'collector:80');
  assert.is(dialTarget('collector', 'https://collector:443'), 'collector:443');
  assert.is(dialTarget('unix:///run/otel.sock', 'unix:///run/otel.sock'), 'unix:///run/otel.sock');
});

test('loopback: localhost and its subdomains (RFC 6761), 127.0.0.0/8, ::1; not a name that only begins so', () => {
  for (const host of ['localhost', 'chronoq.localhost', '127.0.0.1', '127.1.2.3', '::1']) assert.ok(isLoopback(host), host);
  for (const host of ['localhost.example.com', 'mylocalhost', '128.0.0.1', '::2', 'collector']) assert.not.ok(isLoopback(host), host);
});

test('the host of a gRPC target: host:port, [v6]:port, a bare IPv6 address, dns: with or without an authority; none of a unix socket', () => {
  const cases: [string, string | undefined][] = [
    ['collector:4317', 'collector'], ['collector', 'collector'], ['[::1]:4317', '::1'], ['::1', '::1'], ['fe80::1', 'fe80::1'],
    ['dns:collector:4317', 'collector'], ['dns:///collector:4317', 'collector'], ['dns://8.8.8.8/collector:4317', 'collector'], ['unix:/run/otel.sock', undefined],
  ];
  assert.equal(cases.map(([target]) => targetHost(target)), cases.map(([, host]) => host));
});

test.run();
