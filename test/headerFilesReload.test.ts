/**
 * Header values read from files (`authorization: "Bearer ${file:/var/run/secrets/token}"`) are read
 * again when a file changes (src/otlp/headerFilesWatch.ts). Before, `${file:…}` was read once at
 * load: a rotated token (a Kubernetes projected service account token, a Vault agent's file) went
 * on being sent after it expired, and a receiver checking it refused every request —
 * UNAUTHENTICATED, permanent: every batch a dead letter `rejected` until a restart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { NEVER } from 'rxjs';
import { createSink } from '../src/sinks.js';
import { systemClock } from '../src/clock.js';
import { decodeConfig } from '../src/config/decode.js';
import { formatConfigError } from '../src/config/errors.js';
import { logDeliveryTrouble } from '../src/telemetry/deliveryLog.js';
import { headerFilePaths, watchHeaderFiles, type HeaderFilesEvent } from '../src/otlp/headerFilesWatch.js';
import type { Sample } from '../src/sample.js';
import { startFakeOtlpServer } from './support/fakeOtlpServer.js';
import { runCli, tempDir, until, writeConfig } from './support/cli.js';

const test = suite('header values read again from their files');
const sample = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: {} });

/** Replaces `path` as a secret volume or an agent does: a new file renamed over the old one. */
const replace = (path: string, text: string): void => {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
};

/** watchHeaderFiles with its timer driven by hand (`look` runs one look), recording what it sends and says. */
const watchedByHand = (templates: Record<string, string>, env: Record<string, string>, inUse: Record<string, string>) => {
  let lookNow = (): void => undefined;
  const reloads: Record<string, string>[] = [];
  const events: HeaderFilesEvent[] = [];
  const watch = watchHeaderFiles(templates, {
    everyMs: 1_000, env, inUse,
    onReload: (h) => reloads.push(h), onEvent: (e) => events.push(e),
    every: (_ms, fn) => ((lookNow = fn), { cancel: () => undefined }),
  });
  return { look: () => lookNow(), reloads, events, cancel: () => watch.cancel() };
};

test('the config keeps, beside the values read, the header values that read files as written; an empty file is an error, as an empty variable is', () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 'one\n');
  const yaml = `sink:\n  type: otlp-grpc\n  headers:\n    authorization: "Bearer \${file:${token}}"\n    x-team: "\${TEAM}"\n    x-literal: "$\${file:${token}}"\n`;
  const r = decodeConfig(yaml, { TEAM: 'core' });
  if (!isRight(r) || r.right.sink?.type !== 'otlp-grpc') throw new Error(JSON.stringify(r));
  assert.equal(r.right.sink.headers, { authorization: 'Bearer one', 'x-team': 'core', 'x-literal': `\${file:${token}}` });
  assert.equal(r.right.sink.headerTemplates, { authorization: `Bearer \${file:${token}}` });
  writeFileSync(token, '\n');
  const empty = decodeConfig(yaml, { TEAM: 'core' });
  assert.ok(isLeft(empty));
  if (isLeft(empty)) assert.equal(empty.left.map(formatConfigError), [`config.sink.headers.authorization: expected a file with text for \${file:${token}}, found "${token}", empty`]);
});

test('the same for an otlp source\'s bearerToken: its template is kept when it reads a file (test/otlpReceiverAuth.test.ts has the receiver read it again), not when written out', () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 's3cret\n');
  const sourceWith = (bearerToken: string) => {
    const r = decodeConfig(`sources:\n  - type: otlp\n    protocols: {grpc: {endpoint: "127.0.0.1:4317"}}\n    bearerToken: "${bearerToken}"\nsink: {type: console}\n`, { TOKEN: 'from-env' });
    if (!isRight(r) || r.right.sources?.[0]?.type !== 'otlp') throw new Error(JSON.stringify(r));
    return r.right.sources[0];
  };
  const fromFile = sourceWith(`\${file:${token}}`);
  assert.is(fromFile.bearerToken, 's3cret');
  assert.is(fromFile.bearerTokenTemplate, `\${file:${token}}`);
  for (const written of ['literal', '${TOKEN}']) assert.is(sourceWith(written).bearerTokenTemplate, undefined, written);
});

test('a changed file is read again: the new value goes to the sink, once; an unusable one (empty, gone, not sendable) is reported once and the old value kept', () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 'one');
  const { look, reloads, events, cancel } = watchedByHand({ authorization: `Bearer \${file:${token}}`, 'x-scope': `\${SCOPE}/\${file:${token}}` },
    { SCOPE: 'org' }, { authorization: 'Bearer one', 'x-scope': 'org/one' });
  look();
  assert.equal(reloads, [], 'nothing changed');
  replace(token, 'two-two\n');
  look();
  look();
  assert.equal(reloads, [{ authorization: 'Bearer two-two', 'x-scope': 'org/two-two' }]);
  assert.equal(events, [{ kind: 'reloaded', headers: ['authorization', 'x-scope'], files: [token] }]);
  writeFileSync(token, ''); // truncated, the new token not written yet
  look();
  look();
  rmSync(token);
  look();
  replace(token, 'caf\u00e9');
  look();
  assert.equal(reloads.length, 1, 'the values in use are kept');
  assert.equal(events.slice(1).map((e) => (e.kind === 'invalid' ? e.problem : e.kind)), [
    `config.sink.headers.authorization: expected a file with text for \${file:${token}}, found "${token}", empty`,
    `config.sink.headers.authorization: expected a readable file for \${file:${token}}, found "${token}" (ENOENT)`,
    'config.sink.headers.authorization: expected a header value of printable ASCII characters (gRPC metadata), found a value with U+00E9 at character 11',
  ]);
  replace(token, 'two-two');
  look();
  assert.equal(reloads.length, 1, 'back to the value in use: nothing to send anew');
  replace(token, 'three');
  look();
  assert.equal(reloads.at(-1), { authorization: 'Bearer three', 'x-scope': 'org/three' });
  cancel();
});

test('of several files, the event names the ones that changed; values the sink refuses are reported as unusable, and kept out', () => {
  const dir = tempDir();
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  writeFileSync(a, 'one');
  writeFileSync(b, 'org');
  const { look, events, cancel } = watchedByHand({ authorization: `Bearer \${file:${a}}`, 'x-scope': `\${file:${b}}` }, {}, { authorization: 'Bearer one', 'x-scope': 'org' });
  replace(b, 'team');
  look();
  assert.equal(events, [{ kind: 'reloaded', headers: ['x-scope'], files: [b] }]);
  replace(a, 'two');
  look();
  assert.equal(events.at(-1), { kind: 'reloaded', headers: ['authorization'], files: [a] }, 'b, read already, is not named again');
  cancel();
  let refuse = true;
  let lookNow = (): void => undefined;
  const said: HeaderFilesEvent[] = [];
  const taken: Record<string, string>[] = [];
  watchHeaderFiles({ authorization: `Bearer \${file:${a}}` }, {
    everyMs: 1_000, env: {}, inUse: { authorization: 'Bearer one' },
    onReload: (h) => {
      if (refuse) throw new Error('the sink refused the values');
      taken.push(h);
    },
    onEvent: (e) => said.push(e), every: (_ms, fn) => ((lookNow = fn), { cancel: () => undefined }),
  });
  replace(a, 'two');
  lookNow();
  lookNow();
  assert.equal(said, [{ kind: 'invalid', problem: 'the sink refused the values' }], 'said once');
  refuse = false;
  lookNow();
  assert.equal([taken, said.at(-1)], [[{ authorization: 'Bearer two' }], { kind: 'reloaded', headers: ['authorization'], files: [a] }], 'taken at a later look');
});

test('a path written with spaces inside ${file: … } is watched as it is read (trimmed); a CRLF line end is left out as an LF is', () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 'one\r\n'); // written on Windows, or by PowerShell's echo
  const yaml = `sink:\n  type: otlp-grpc\n  headers:\n    authorization: "Bearer \${file: ${token} }"\n`;
  const r = decodeConfig(yaml, {});
  if (!isRight(r) || r.right.sink?.type !== 'otlp-grpc') throw new Error(JSON.stringify(r));
  assert.equal(r.right.sink.headers, { authorization: 'Bearer one' });
  const { look, reloads, events, cancel } = watchedByHand(r.right.sink.headerTemplates ?? {}, {}, r.right.sink.headers ?? {});
  replace(token, 'two\r\n');
  look();
  assert.equal(reloads, [{ authorization: 'Bearer two' }], 'the change is seen at the trimmed path');
  assert.equal(events, [{ kind: 'reloaded', headers: ['authorization'], files: [token] }]);
  cancel();
});

test('the files each header reads, as the log and validate name them: each once, in the order written; a $${file:…} is text', () => {
  assert.equal(headerFilePaths({ authorization: 'Bearer ${file:/run/secrets/token}', 'x-key': '${file:/a}:${file:/b}:${file: /a }', 'x-text': '$${file:/c}' }), {
    authorization: '/run/secrets/token', 'x-key': '/a, /b', 'x-text': '',
  });
});

test('through the sink: requests carry the rotated token from the next one on, and the log says so', async () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 'one\n');
  const server = await startFakeOtlpServer(() => ({ ok: true }));
  const r = decodeConfig(`sink:\n  type: otlp-grpc\n  endpoint: http://127.0.0.1:${server.port}\n  headers:\n    authorization: "Bearer \${file:${token}}"\n`, {});
  if (!isRight(r) || r.right.sink === undefined) throw new Error(JSON.stringify(r));
  const sink = createSink(r.right.sink, {}, systemClock, { fileCheckMs: 50 });
  const lines: string[] = [];
  const log = logDeliveryTrouble(NEVER, { sink: sink.describe, log: (level, line) => lines.push(`${level} ${line}`), deadLetterPath: 'dead.ndjson', headerFiles$: sink.headerFiles$ });
  const send = (i: number) => new Promise<void>((resolve, reject) => sink.send([sample(i)]).subscribe({ error: reject, complete: resolve }));
  const sent = () => server.received.map((x) => x.metadata.get('authorization')[0]);
  try {
    await send(1);
    replace(token, 'two-two\n');
    await until('the file read again', () => lines.length > 0, 5_000);
    await send(2);
    assert.equal(sent(), ['Bearer one', 'Bearer two-two']);
    assert.equal(lines, [`info ${sink.describe}: header authorization read again (${token} changed): sent from the next request on`]);
    assert.equal(sink.effective?.['headersReadAgainFrom'], { authorization: token });
  } finally {
    log.unsubscribe();
    sink.close();
    await server.stop();
  }
});

test('chronoq validate masks the value, shows no template among the settings, and says which headers are read again from where', async () => {
  const dir = tempDir();
  const token = join(dir, 'token');
  writeFileSync(token, 's3cret');
  const config = writeConfig(dir, `sink:\n  type: otlp-grpc\n  endpoint: http://127.0.0.1:4317\n  headers:\n    authorization: "Bearer \${file:${token}}"\n`);
  const r = await runCli(['validate', config]);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /s3cret|headerTemplates/);
  assert.match(r.stdout, /authorization: "\*\*\*"/);
  assert.match(r.stdout, new RegExp(`#     authorization: ${token}`));
});

test.run();
