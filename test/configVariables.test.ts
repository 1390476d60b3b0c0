/**
 * Variables in a config: ${VAR} and ${VAR:-default}, the Collector's ${env:VAR} and ${file:PATH},
 * $${ for a literal ${, and a variable in a number or boolean field (split from config.test.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig, maskSecrets } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { tempDir } from './support/cli.js';
import { configErrorsOf } from './support/config.js';
import { kubernetesReference, unexpandedReference } from '../src/config/unexpanded.js';

const test = suite('config variables');

test('${VAR} and ${VAR:-default}; an unset variable is an error, not an empty string', () => {
  const ok = decodeConfig('sink:\n  type: otlp-grpc\n  endpoint: ${EP:-http://x:4317}\n  headers:\n    k: "${TOKEN}"\n', { TOKEN: 't0k' });
  assert.ok(isRight(ok));
  if (isRight(ok) && ok.right.sink?.type === 'otlp-grpc') {
    assert.is(ok.right.sink.endpoint, 'http://x:4317');
    assert.equal(ok.right.sink.headers, { k: 't0k' });
    assert.equal((maskSecrets(resolveConfig(ok.right)) as { sink: { headers: unknown } }).sink.headers, { k: '***' });
  }
  assert.match(configErrorsOf('sink:\n  type: otlp-grpc\n  endpoint: ${EP}\n')[0]!, /config\.sink\.endpoint: expected environment variable EP to be set, found \$\{EP\} with EP unset/);
});

test('the Collector\'s ${env:VAR}, ${env:VAR:-default} and ${file:PATH} are read; any other ${…} is an error, not text sent as written (a header copied from a Collector config went out as "${env:API_KEY}")', () => {
  const ok = decodeConfig('sink:\n  type: otlp-grpc\n  headers:\n    x-instana-key: ${env:KEY}\nresource:\n  service.name: ${env:SVC:-shop}\n  team: ${env:TEAM:-core}\n', { KEY: 'k3y', TEAM: 'pay' });
  if (!isRight(ok)) throw new Error(JSON.stringify(ok.left));
  assert.equal(ok.right.sink?.type === 'otlp-grpc' ? ok.right.sink.headers : undefined, { 'x-instana-key': 'k3y' });
  assert.equal(ok.right.resource, { 'service.name': 'shop', team: 'pay' });
  assert.match(configErrorsOf('resource:\n  a: ${env:NOPE}\n')[0]!, /config\.resource\.a: expected environment variable NOPE to be set, found \$\{env:NOPE\} with NOPE unset/);
  const expected = "expected ${VAR}, ${VAR:-default}, or the Collector's ${env:VAR}, ${env:VAR:-default}, ${file:PATH}";
  assert.equal(configErrorsOf('resource:\n  a: ${KEY:?set it}\n  b: ${KEY-x}\n  c: ${http:example.com/key}\n  d: "x${not a var}y"\n  e: ${env:KEY:=x}\n  f: "${unclosed"\n  g: ${file:/nonexistent/key}\n  h: ${KEY?set it}\n  i: ${s3:bucket/key}\n', { KEY: 'k' }), [
    `config.resource.a: ${expected}, found \${KEY:?set it} (an unset variable is an error already: write \${KEY})`,
    `config.resource.b: ${expected}, found \${KEY-x} (write \${KEY:-default} for a default)`,
    `config.resource.c: ${expected}, found \${http:example.com/key} (chronoq reads environment variables and files (\${env:NAME}, \${file:PATH}), not the Collector's http provider)`,
    `config.resource.d: ${expected}, found \${not a var} (for the text \${ itself, write $\${)`,
    `config.resource.e: ${expected}, found \${env:KEY:=x} (write \${KEY:-default} for a default)`,
    'config.resource.g: expected a readable file for ${file:/nonexistent/key}, found "/nonexistent/key" (ENOENT)',
    `config.resource.h: ${expected}, found \${KEY?set it} (an unset variable is an error already: write \${KEY})`,
    // The Collector's s3 provider: a provider's name may hold digits.
    `config.resource.i: ${expected}, found \${s3:bucket/key} (chronoq reads environment variables and files (\${env:NAME}, \${file:PATH}), not the Collector's s3 provider)`,
  ]);
  // ${file:PATH}: a secret mounted as a file (a Docker secret, a Kubernetes secret volume), its last line end left out.
  const dir = tempDir();
  writeFileSync(join(dir, 'key'), 'k3y-from-file\n');
  const fromFile = decodeConfig(`sink:\n  type: otlp-grpc\n  headers: {x-instana-key: "\${file:${join(dir, 'key')}}", authorization: "Bearer \${file:${join(dir, 'key')}}"}\n`, {});
  if (!isRight(fromFile)) throw new Error(JSON.stringify(fromFile.left));
  assert.equal(fromFile.right.sink?.type === 'otlp-grpc' ? fromFile.right.sink.headers : undefined, { 'x-instana-key': 'k3y-from-file', authorization: 'Bearer k3y-from-file' });
});

test('$${ is a literal ${ (as in the Collector\'s config); a $$ elsewhere stays; a variable set to an empty string is said to be empty, not unset', () => {
  const r = decodeConfig('resource:\n  pattern: "$${HOME} and $${X:-y}"\n  password: "pa$$word ${P}"\n', { HOME: '/root', P: 'q' });
  if (!isRight(r)) throw new Error(JSON.stringify(r.left));
  // Before: $${HOME} was "$/root", and a literal ${…} could not be written at all.
  assert.is(r.right.resource?.['pattern'], '${HOME} and ${X:-y}');
  assert.is(r.right.resource?.['password'], 'pa$$word q');
  const empty = decodeConfig('resource:\n  owner: ${OWNER}\n', { OWNER: '' });
  assert.ok(isLeft(empty));
  if (isLeft(empty)) assert.match(formatConfigError(empty.left[0]!), /expected environment variable OWNER to be set, found \$\{OWNER\} with OWNER set to an empty string/);
});

test('${VAR:-} is an explicit empty default, not an unset variable; an error in a list says the item', () => {
  const r = decodeConfig('resource:\n  team: "${TEAM:-}"\n', {});
  if (!isRight(r)) throw new Error(JSON.stringify(r.left));
  assert.is(r.right.resource?.['team'], '');
  assert.match(configErrorsOf('sources:\n  - type: ndjson\n    path: /var/log/a.ndjson\n  - type: ndjson\n    path: ${LOG_DIR}/b.ndjson\n')[0]!, /^config\.sources\[1\]\.path: expected environment variable LOG_DIR to be set/);
});

test('${VAR} in a number or a boolean field gives that number or boolean (interpolated text is a string); a non-numeral is still refused', () => {
  const yaml = 'delivery:\n  lanes: ${LANES:-4}\n  retry:\n    maxElapsedMs: ${MAXEL:-infinite}\ndeadLetter:\n  fsync: ${FS:-false}\nbatch:\n  maxDelayMs: ${BATCH_MS:-250.5}\n';
  const resolved = (env: Record<string, string>) => {
    const r = decodeConfig(yaml, env);
    assert.ok(isRight(r), JSON.stringify(isLeft(r) ? r.left : ''));
    return isRight(r) ? resolveConfig(r.right) : undefined;
  };
  const byDefault = resolved({})!;
  assert.equal([byDefault.delivery.lanes, byDefault.delivery.retry.maxElapsedMs, byDefault.deadLetter.fsync, byDefault.batch.maxDelayMs], [4, Infinity, false, 250.5]);
  const set = resolved({ LANES: '8', MAXEL: '60000', FS: 'true', BATCH_MS: '1e3' })!;
  assert.equal([set.delivery.lanes, set.delivery.retry.maxElapsedMs, set.deadLetter.fsync, set.batch.maxDelayMs], [8, 60_000, true, 1_000]);
  // YAML's own spelling of infinity, as the reference config writes maxAttempts, given as a variable's default or value.
  assert.equal(resolved({ MAXEL: '.inf' })!.delivery.retry.maxElapsedMs, Infinity);
  assert.equal(resolved({ MAXEL: '+.Inf' })!.delivery.retry.maxElapsedMs, Infinity);
  assert.equal(configErrorsOf(yaml, { MAXEL: '-.inf' }), ['config.delivery.retry.maxElapsedMs: expected a non-negative number of milliseconds or "infinite", found "-.inf"']);
  assert.equal(configErrorsOf(yaml, { LANES: 'eight', FS: 'yes please' }), [
    'config.delivery.lanes: expected a whole number from 1 to 1024 (requests in flight at once), found "eight"',
    'config.deadLetter.fsync: expected true or false, found "yes please"',
  ]);
});

test('an unexpanded $(NAME) names the downward API field its variable usually holds: POD_NAMESPACE is the namespace, not the pod name it begins with', () => {
  const field = (name: string): string | undefined => /fieldPath: ([\w.]+)/.exec(kubernetesReference(`x=$(${name})`)?.suggestion ?? '')?.[1];
  assert.equal(['POD_NAMESPACE', 'MY_POD_NAMESPACE', 'POD_NAME', 'MY_POD_NAME', 'POD_IP', 'HOST_IP', 'NODE_IP', 'NODE_NAME', 'K8S_NAMESPACE', 'POD_UID'].map(field),
    ['metadata.namespace', 'metadata.namespace', 'metadata.name', 'metadata.name', 'status.podIP', 'status.hostIP', 'status.hostIP', 'spec.nodeName', 'metadata.namespace', 'metadata.uid']);
  assert.is(kubernetesReference('x=$(REGION)')?.suggestion, "a pod spec expands $(REGION) only when REGION is defined earlier in the same container's env", 'no field for a name it does not know');
  assert.is(kubernetesReference('x=${HOST}'), undefined);
  // A shell's ${NAME} always; a bare $NAME only where asked (a secret may hold a $).
  assert.is(unexpandedReference('http://${HOST}:4317')?.reference, '${HOST}');
  assert.is(unexpandedReference('pa$$word'), undefined);
  assert.is(unexpandedReference('http://$HOST:4317'), undefined);
  assert.is(unexpandedReference('http://$HOST:4317', { bare: true })?.name, 'HOST');
  assert.is(unexpandedReference('$(POD_IP) and ${HOST}')?.reference, '$(POD_IP)', "Kubernetes' first");
});

test.run();
