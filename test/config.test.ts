import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig, DEFAULT_CONFIG_YAML, maskSecrets } from '../src/config/resolve.js';
import { formatConfigError } from '../src/config/errors.js';
import { checkConfigFiles } from '../src/config/files.js';
import { checkOtlpEnv } from '../src/config/grpcValues.js';
import { unusedSettings } from '../src/config/unusedSettings.js';
import { createPipeline } from '../src/otel/createPipeline.js';
import { runCli, tempDir, writeConfig } from './support/cli.js';
import { configErrorsOf } from './support/config.js';
import { parseRfc3339, parseSampleLine } from '../src/sampleJson.js';
import { mk, open as openSpool } from './support/spool.js';

const test = suite('config and sample decoding');

test('the built-in default decodes: host every 10 s to otlp-grpc', () => {
  const r = decodeConfig(DEFAULT_CONFIG_YAML, {});
  assert.ok(isRight(r));
  if (isRight(r)) {
    const c = resolveConfig(r.right);
    assert.equal(c.sources, [{ type: 'host', intervalMs: 10_000 }]);
    assert.is(c.sink.type, 'otlp-grpc');
    assert.is(c.resource['service.name'], 'chronoq');
  }
});

test('a sink or source without `type` whose keys are one kind\'s only: the type to write is suggested', () => {
  const wanting = (kinds: string) => `expected one of ${kinds}, found nothing`;
  // It said only "expected one of …, found nothing": an endpoint is an otlp-grpc sink's, a path an ndjson one's.
  assert.equal(configErrorsOf('sink: {endpoint: "http://c:4317"}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")} (did you mean type: otlp-grpc? endpoint: a key of the otlp-grpc sink)`]);
  assert.equal(configErrorsOf('sink: {path: out.ndjson}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")} (did you mean type: ndjson? path: a key of the ndjson sink)`]);
  assert.equal(configErrorsOf('sources: [{path: in.ndjson, follow: true}]\n'), [`config.sources[0].type: ${wanting("'host', 'ndjson', 'synthetic'")} (did you mean type: ndjson? path, follow: keys of the ndjson source)`]);
  assert.equal(configErrorsOf('sink: {}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")}`], 'nothing to go by');
  assert.equal(configErrorsOf('sink: {path: x, endpoint: y}\n'), [`config.sink.type: ${wanting("'otlp-grpc', 'ndjson', 'console'")}`], 'no one kind takes both');
});

test('every problem is reported at its path, with suggestions; nothing throws', () => {
  assert.equal(configErrorsOf('batch:\n  maxSise: 10\n'), ["config.batch.maxSise: expected no key 'maxSise' (batch takes maxSize, maxDelayMs), found number 10 (did you mean 'maxSize'?)"]);
  assert.equal(configErrorsOf('sources:\n  - type: syntetic\n'), ["config.sources[0].type: expected one of 'host', 'ndjson', 'synthetic', found \"syntetic\" (did you mean 'synthetic'?)"]);
  assert.equal(configErrorsOf('delivery:\n  retry:\n    jitter: ful\n'), ["config.delivery.retry.jitter: expected one of 'full', 'equal', 'decorrelated', 'none', found \"ful\" (did you mean 'full'?)"]);
  assert.equal(configErrorsOf('telemetry:\n  prometheus:\n    port: 99999\n'), ['config.telemetry.prometheus.port: expected a TCP port (1-65535), found number 99999']);
  assert.equal(configErrorsOf('sources: 3\n'), ['config.sources: expected a list of sources, found number 3']);
  // A misspelt key does not hide the other mistakes of its mapping (lanes: 0 went unreported).
  assert.equal(configErrorsOf('delivery:\n  lanes: 0\n  order: series\n'), [
    "config.delivery.order: expected no key 'order' (delivery takes guarantee, lanes, retry, breaker, maxQueued, overflow, shutdownDeadlineMs, fenceMs), found \"series\"",
    'config.delivery.lanes: expected a whole number from 1 to 1024 (requests in flight at once), found number 0',
  ]);
  assert.equal(configErrorsOf('sources:\n  - type: ndjson\n    folow: true\n'), [
    "config.sources[0].folow: expected no key 'folow' (ndjson source takes type, path, follow, pollMs, positionFile, maxLineBytes), found boolean true (did you mean 'follow'?)",
    'config.sources[0].path: expected a non-empty string (required), found nothing',
  ]);
  assert.equal(configErrorsOf('sources:\n  - type: ndjson\n    path: x\n    maxLineBytes: 1MB\n'), ['config.sources[0].maxLineBytes: expected a positive integer, found "1MB" (did you mean 1000000? maxLineBytes is in bytes)']);
  assert.ok(configErrorsOf('a: [\n')[0]!.startsWith('config (line 2, column 1): expected valid YAML'));
  // A second host source sent every host series twice (perCore on one and off on the other: the CPU states per CPU and for the machine).
  assert.equal(configErrorsOf('sources: [{type: ndjson, path: a.ndjson}, {type: host, perCore: true}, {type: host, intervalMs: 60000, perCore: false}]\n'), [
    "config.sources[2]: expected no second host source (sources[1] is one): a second sends every host series again, each point twice, found another host source (keep one host source with the options of both: its intervalMs applies to every metric, and filesystem, disk, network, connections, paging and processes can each be left out)",
  ]);
  assert.equal(configErrorsOf('sources: [{type: host, intervalMs: 500}, {type: synthetic}, {type: ndjson, path: a.ndjson}]\n'), []);
  assert.equal(configErrorsOf('sources: [{type: host}, {type: host, intervalMs: nope}]\n'), ['config.sources[1].intervalMs: expected a positive integer, found "nope"'], 'what is wrong inside a source first');
});

test('YAML merge keys (<<: *anchor, as compose files use them): sources that share settings; a key of its own wins', () => {
  const text = ['sources:', '  - &base {type: ndjson, path: a.ndjson, follow: true, pollMs: 500}', '  - <<: *base', '    path: b.ndjson'].join('\n');
  const r = decodeConfig(text, {});
  assert.ok(isRight(r), JSON.stringify(r));
  assert.equal(r.right.sources, [
    { type: 'ndjson', path: 'a.ndjson', follow: true, pollMs: 500 },
    { type: 'ndjson', path: 'b.ndjson', follow: true, pollMs: 500 },
  ]);
});

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

test('broken YAML: the first error only, with how many follow from it, and the fix for an unquoted ${VAR} inside { }', () => {
  assert.equal(configErrorsOf('telemetry:\n  prometheus: {port: ${PORT:-9464}}\nbatch:\n  maxSize: 5\n'), [
    'config (line 2, column 23): expected valid YAML, found Unexpected flow-map-start at node end at line 2, column 23: (inside { } write a variable in quotes: "${VAR}"; 7 more YAML error(s) after it, most likely caused by it)',
  ]);
});

test('delivery.retry.multiplier below 1 is refused (each retry would come sooner than the one before, toward none: it was taken); 1 is a constant wait', () => {
  assert.equal(configErrorsOf('delivery: {retry: {multiplier: 0.5}}\n'), ['config.delivery.retry.multiplier: expected a finite number of at least 1 (each retry waits at least as long as the one before; 1: the same wait each time), found number 0.5']);
  const r = decodeConfig('delivery: {retry: {multiplier: 1}}\n', {});
  assert.ok(isRight(r) && resolveConfig(r.right).delivery.retry.multiplier === 1);
});

test('maxElapsedMs accepts "infinite"', () => {
  const r = decodeConfig('delivery:\n  retry:\n    maxElapsedMs: infinite\n', {});
  assert.ok(isRight(r) && resolveConfig(r.right).delivery.retry.maxElapsedMs === Infinity);
});

test('reorder.maxDelayMs: 0 by default when the only source is the host source (in order: its collections waited 2 s in memory, ahead of the spool, and a kill -9 lost them), 2 s with any other source or order global, as given when given', () => {
  const delayOf = (yaml: string): number => {
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r), JSON.stringify(r));
    return isRight(r) ? resolveConfig(r.right).reorder.maxDelayMs : NaN;
  };
  assert.is(delayOf('{}'), 0, 'the default config: one host source');
  assert.is(delayOf('sources: [{type: host, intervalMs: 1001}]\n'), 0);
  // Collections no further apart than skew.stepThresholdMs: a clock set back by less (no step, not
  // re-stamped) can make the next one earlier, which the reorder window repairs.
  assert.is(delayOf('sources: [{type: host, intervalMs: 1000}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: host, intervalMs: 5000}]\nskew: {stepThresholdMs: 5000}\n'), 2_000);
  assert.is(delayOf('sources: [{type: host}, {type: ndjson, path: "-"}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: ndjson, path: "-"}]\n'), 2_000);
  assert.is(delayOf('sources: [{type: synthetic}]\n'), 2_000);
  assert.is(delayOf('sources: []\n'), 2_000, 'an application\'s pipeline, fed by push(): anything may come');
  assert.is(delayOf('reorder: {order: global}\n'), 2_000);
  assert.is(delayOf('skew: {policy: pass}\n'), 2_000, 'a step back is not re-stamped then');
  assert.is(delayOf('skew: {policy: dead-letter}\n'), 0);
  assert.is(delayOf('reorder: {maxDelayMs: 2000}\n'), 2_000);
  assert.is(delayOf('sources: [{type: ndjson, path: "-"}]\nreorder: {maxDelayMs: 0}\n'), 0);
});

test('reorder.maxSeries: 500 000 by default, "infinite" lifts the cap, a fraction is refused at its path', () => {
  const resolved = (text: string): number => {
    const r = decodeConfig(text, {});
    return isRight(r) ? resolveConfig(r.right).reorder.maxSeries : NaN;
  };
  assert.is(resolved('{}'), 500_000);
  assert.is(resolved('reorder:\n  maxSeries: infinite\n'), Infinity);
  assert.is(resolved('reorder:\n  maxSeries: 20000\n'), 20_000);
  const bad = decodeConfig('reorder:\n  maxSeries: 1.5\n', {});
  assert.ok(isLeft(bad) && bad.left.some((e) => e.path === 'config.reorder.maxSeries'));
});

test('reorder.forgetSeriesAfterMs: a day by default, "infinite" keeps every series, a negative is refused at its path', () => {
  const resolved = (yaml: string) => {
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r));
    return isRight(r) ? resolveConfig(r.right).reorder.forgetSeriesAfterMs : NaN;
  };
  assert.is(resolved('{}\n'), 86_400_000);
  assert.is(resolved('reorder:\n  forgetSeriesAfterMs: infinite\n'), Infinity);
  assert.is(resolved('reorder:\n  forgetSeriesAfterMs: 3600000\n'), 3_600_000);
  assert.equal(configErrorsOf('reorder:\n  forgetSeriesAfterMs: -1\n'), ['config.reorder.forgetSeriesAfterMs: expected a non-negative number of milliseconds or "infinite", found number -1']);
});

test('skew.maxPastMs and maxFutureMs may be "infinite" (a backfill of old data: nothing is stale); other ms keys say they want a finite number', () => {
  const skewOf = (yaml: string) => {
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r), JSON.stringify(r));
    return isRight(r) ? resolveConfig(r.right).skew : undefined;
  };
  assert.is(skewOf('skew:\n  maxPastMs: .inf\n')?.maxPastMs, Infinity);
  assert.is(skewOf('skew:\n  maxPastMs: infinite\n  maxFutureMs: infinite\n')?.maxFutureMs, Infinity);
  assert.is(skewOf('{}\n')?.maxPastMs, 3_600_000);
  assert.equal(configErrorsOf('skew:\n  maxPastMs: -5\n'), ['config.skew.maxPastMs: expected a non-negative number of milliseconds or "infinite", found number -5']);
  assert.equal(configErrorsOf('batch:\n  maxDelayMs: .inf\n'), ['config.batch.maxDelayMs: expected a finite non-negative number, found number Infinity']);
});

test('a file in the wrong role is told what it is: a source on a spool or a dead-letter file, a spool.path or a dead-letter or sink path on a file of another kind (read as lines, moved aside, appended to)', () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'chronoq-spool.db');
  const { spool } = openSpool(spoolPath, 1);
  spool.append([mk(1)]);
  spool.close();
  const r = decodeConfig(`sources: [{type: ndjson, path: ${spoolPath}}]\n`, {});
  if (!isRight(r)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(r.right)).map(formatConfigError),
    [`config.sources[0].path: expected an NDJSON file of samples, found "${spoolPath}", a chronoq spool (SQLite) (what a spool holds is delivered by a run with spool.path ${spoolPath})`]);
  // And a spool.path naming a file that is not SQLite: run refuses it (it was moved aside "as damaged").
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'important notes\n');
  const n = decodeConfig(`sources: []\nspool: {path: ${notes}}\n`, {});
  if (!isRight(n)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(n.right)).map(formatConfigError),
    [`config.spool.path: expected a chronoq spool, or a file to be made, found "${notes}", a file of 16 bytes that is not an SQLite database (it begins "important notes") (give the spool a file of its own)`]);
  // The files chronoq appends JSON lines to: one holding something else (a typo onto the config) had lines appended to it.
  const yaml = join(dir, 'chronoq.yaml');
  writeFileSync(yaml, 'sources: []\n');
  const ndjson = join(dir, 'out.ndjson');
  writeFileSync(ndjson, '\uFEFF  {"name":"m"}\n');
  const appended = decodeConfig(`sources: []\ndeadLetter: {path: ${yaml}}\nsink: {type: ndjson, path: ${ndjson}}\n`, {});
  if (!isRight(appended)) throw new Error('decodes');
  assert.equal(checkConfigFiles(resolveConfig(appended.right)).map(formatConfigError),
    [`config.deadLetter.path: expected a dead-letter file or a file to be made, found "${yaml}", a file of 12 bytes that is not NDJSON (JSON objects, one a line) (it begins "sources: []") (chronoq appends JSON lines to it: give it a file of its own)`]);
  const letter = JSON.stringify({ reason: 'retries-exhausted', item: { name: 'm', kind: 'gauge', value: 1, timeUnixNano: '5', attributes: {} }, detail: 'x', atUnixMs: 0 });
  assert.equal(parseSampleLine(letter), { _tag: 'Left', left: 'a dead letter (reason retries-exhausted), not a sample: dead letters are sent again with chronoq replay FILE' });
});

test('sources[].positionFile: a followed file keeps its read position in chronoq-positions.json unless it names another; only with follow; checked writable; a followed file may come later', () => {
  const dir = tempDir();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, '');
  const resolved = (source: string) => {
    const r = decodeConfig(`sources: [${source}]\n`, {});
    assert.ok(isRight(r));
    return isRight(r) ? resolveConfig(r.right) : resolveConfig({});
  };
  const positionFileOf = (source: string) => { const s = resolved(source).sources[0]!; return s.type === 'ndjson' ? s.positionFile : 'not ndjson'; };
  assert.is(positionFileOf(`{type: ndjson, path: ${file}, follow: true}`), 'chronoq-positions.json');
  // (And every NDJSON source shows its line bound: 1 MiB unless set.)
  const maxLineBytesOf = (source: string) => { const s = resolved(source).sources[0]!; return s.type === 'ndjson' ? s.maxLineBytes : 'not ndjson'; };
  assert.equal([maxLineBytesOf(`{type: ndjson, path: ${file}}`), maxLineBytesOf('{type: ndjson, path: "-", maxLineBytes: 4096}')], [1_048_576, 4_096]);
  assert.is(positionFileOf(`{type: ndjson, path: ${file}, follow: true, positionFile: /var/lib/chronoq/p.json}`), '/var/lib/chronoq/p.json');
  assert.is(positionFileOf(`{type: ndjson, path: ${file}}`), undefined, 'a file read once has none');
  assert.is(positionFileOf('{type: ndjson, path: "-", follow: true}'), undefined, 'nor standard input');
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${file}, positionFile: ${join(dir, 'p.json')}}`)).map(formatConfigError),
    [`config.sources[0].positionFile: expected a position file only with follow: true (a file read once is read whole at every run), found "${join(dir, 'p.json')}"`]);
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${file}, follow: true, positionFile: /nonexistent/p.json}`)).map(formatConfigError),
    ['config.sources[0].positionFile: expected a file chronoq can write, found "/nonexistent/p.json" (ENOENT: cannot create it in /nonexistent)']);
  // A followed file may come later, in a directory that exists; a file read once must be there.
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${join(dir, 'later.ndjson')}, follow: true}`)), []);
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: ${join(dir, 'later.ndjson')}}`)).map(formatConfigError),
    [`config.sources[0].path: expected a readable file (or - for standard input), found "${join(dir, 'later.ndjson')}" (ENOENT)`]);
  assert.equal(checkConfigFiles(resolved('{type: ndjson, path: /nonexistent/later.ndjson, follow: true}')).map(formatConfigError),
    ['config.sources[0].path: expected a readable file (or - for standard input), or one to come in a directory that exists, found "/nonexistent/later.ndjson" (ENOENT)']);
  // A pattern, as the Collector's filelog receiver takes (include: [/var/log/app/*.log]), is not
  // expanded: followed, it was waited for as a file of that name ("no such file yet"), for good.
  writeFileSync(join(dir, 'b.ndjson'), '');
  const pattern = join(dir, '*.ndjson');
  for (const follow of [', follow: true', '']) {
    assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${pattern}"${follow}}`)).map(formatConfigError),
      [`config.sources[0].path: expected a file's path (a pattern is not expanded), found "${pattern}" (a pattern, which matches 2 files now: b.ndjson, in.ndjson) (one source for each file: - {type: ndjson, path: ${join(dir, 'b.ndjson')}${follow}})`], follow);
  }
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${join(dir, 'app-?.log')}", follow: true}`)).map(formatConfigError),
    [`config.sources[0].path: expected a file's path (a pattern is not expanded), found "${join(dir, 'app-?.log')}" (a pattern, which matches no file now)`]);
  writeFileSync(join(dir, '[x].ndjson'), ''); // a file that is named so is read
  assert.equal(checkConfigFiles(resolved(`{type: ndjson, path: "${join(dir, '[x].ndjson')}"}`)), []);
});

test('one file in two roles is refused: a source reading the dead-letter file (it fed on its own letters without end, each line twice as long), or the NDJSON sink\'s file, or another source\'s', () => {
  const dir = tempDir();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, '');
  const errorsOf = (yaml: string) => {
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r), JSON.stringify(r));
    return isRight(r) ? checkConfigFiles(resolveConfig(r.right)).map(formatConfigError) : [];
  };
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}, follow: true}]\ndeadLetter: {path: ${file}}\n`), [
    `config.deadLetter.path: expected a file of its own, not also config.sources[0].path's, found "${file}" (a source reading the dead letters reads its own letters, forever; to send dead letters again: chronoq replay FILE)`,
  ]);
  // Through a symbolic link too (the same file by device and inode).
  const link = join(dir, 'link.ndjson');
  symlinkSync(file, link);
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${link}, follow: true}]\nsink: {type: ndjson, path: ${file}}\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [
    `config.sink.path: expected a file of its own, not also config.sources[0].path's, found "${file}" (a source reading what the sink writes sends every sample again, forever)`,
  ]);
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}}, {type: ndjson, path: ${file}}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), [
    `config.sources[1].path: expected a file of its own, not also config.sources[0].path's, found "${file}"`,
  ]);
  assert.equal(errorsOf(`spool: {path: ${join(dir, 'x.db')}}\ndeadLetter: {path: ${join(dir, 'x.db')}}\n`), [
    `config.spool.path: expected a file of its own, not also config.deadLetter.path's, found "${join(dir, 'x.db')}"`,
  ]);
  // Files not there yet (a followed file whose writer starts later, letters to come), named through a symlinked directory.
  mkdirSync(join(dir, 'real'));
  symlinkSync(join(dir, 'real'), join(dir, 'linked'));
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${join(dir, 'linked', 'app.ndjson')}, follow: true}]\ndeadLetter: {path: ${join(dir, 'real', 'app.ndjson')}}\n`), [
    `config.deadLetter.path: expected a file of its own, not also config.sources[0].path's, found "${join(dir, 'real', 'app.ndjson')}" (a source reading the dead letters reads its own letters, forever; to send dead letters again: chronoq replay FILE)`,
  ]);
  // Followed sources share a position file by design (a position per file in it).
  const other = join(dir, 'other.ndjson');
  writeFileSync(other, '');
  assert.equal(errorsOf(`sources: [{type: ndjson, path: ${file}, follow: true}, {type: ndjson, path: ${other}, follow: true}]\ndeadLetter: {path: ${join(dir, 'dead.ndjson')}}\n`), []);
});

test('the sink\'s TLS files are checked at load: unreadable, not a certificate or key, half a client pair, a key of another certificate', () => {
  const dir = join(import.meta.dirname, 'fixtures/tls');
  const problems = (tls: Record<string, string>) => {
    const yaml = `sink:\n  type: otlp-grpc\n  endpoint: https://localhost:4317\n  tls:\n${Object.entries(tls).map(([k, v]) => `    ${k}: ${v.startsWith('/') ? v : join(dir, v)}\n`).join('')}`;
    const r = decodeConfig(yaml, {});
    assert.ok(isRight(r));
    return isRight(r) ? checkConfigFiles(resolveConfig(r.right)).map(formatConfigError) : [];
  };
  assert.equal(problems({ ca: 'ca.pem', cert: 'client.pem', key: 'client-key.pem' }), [], 'a valid mutual-TLS set');
  assert.equal(problems({ ca: '/nonexistent/ca.pem' }), ['config.sink.tls.ca: expected a readable file with a PEM certificate, found "/nonexistent/ca.pem" (ENOENT)']);
  assert.equal(problems({ ca: 'client-key.pem' }), [`config.sink.tls.ca: expected a PEM certificate, found "${join(dir, 'client-key.pem')}", which holds none`]);
  assert.equal(problems({ cert: 'client.pem', key: 'client.pem' }), [`config.sink.tls.key: expected a PEM private key, found "${join(dir, 'client.pem')}", which holds none`]);
  assert.equal(problems({ cert: 'client.pem' }), ['config.sink.tls.key: expected the client key beside tls.cert (mutual TLS needs both), found nothing']);
  assert.equal(problems({ cert: 'client.pem', key: 'server-key.pem' }), [`config.sink.tls.key: expected the private key of tls.cert, found "${join(dir, 'server-key.pem')}", the key of another certificate`]);
  assert.equal(checkConfigFiles(resolveConfig({})), [], 'no TLS, nothing to check');
  // Without sink.tls, the files OTEL_EXPORTER_OTLP_* name, at their variables (an unreadable one was a diag warning, and the run went on without it).
  const tlsSink = (endpoint: string) => resolveConfig({ sink: { type: 'otlp-grpc', endpoint } });
  const env = { OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem', OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: join(dir, 'client.pem') };
  assert.equal(checkConfigFiles(tlsSink('https://collector:4317'), readFileSync, env).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_CERTIFICATE: expected a readable file with a PEM certificate, found "/nonexistent/ca.pem" (ENOENT)',
    'environment OTEL_EXPORTER_OTLP_CLIENT_KEY: expected the client key beside OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE (mutual TLS needs both), found nothing',
  ]);
  assert.equal(checkConfigFiles(tlsSink('http://collector:4317'), readFileSync, env), [], 'plaintext: the variables are not used');
  assert.equal(checkConfigFiles(resolveConfig({ sink: { type: 'otlp-grpc', endpoint: 'https://collector:4317', tls: { insecure: false } } }), readFileSync, env), [], 'sink.tls wins over the variables');
  assert.equal(checkConfigFiles(tlsSink('https://collector:4317'), readFileSync, { OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'ca.pem') }), []);
});

test('sink.headers and OTEL_EXPORTER_OTLP_[METRICS_]HEADERS: names and values gRPC can send, checked at load (a bad value described, not printed); upper case folded', async () => {
  const yaml = ['sink:', '  type: otlp-grpc', '  headers:', '    x-key: "ключ"', '    "Bad Header": v', '    auth-bin: xx', '    X-Upper: fine', ''].join('\n');
  assert.equal(configErrorsOf(yaml), [
    'config.sink.headers.x-key: expected a header value of printable ASCII characters (gRPC metadata), found a value with U+043A at character 1',
    `config.sink.headers.Bad Header: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "Bad Header"`,
    `config.sink.headers.auth-bin: expected a header name of letters, digits, '-', '_' or '.' (gRPC metadata; names ending in -bin carry bytes, which text cannot give), found the name "auth-bin"`,
  ]);
  assert.equal(configErrorsOf(['sink:', '  type: otlp-grpc', '  headers:', '    X-Upper: fine', '    x-api-key: "abc-123_/=+"', ''].join('\n')), []);
  assert.equal(checkOtlpEnv({ OTEL_EXPORTER_OTLP_HEADERS: 'a=ok,x-key=%D0%BA%D0%BB', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=fine' }).map(formatConfigError), [
    'environment OTEL_EXPORTER_OTLP_HEADERS, header "x-key": expected a header value of printable ASCII characters (gRPC metadata), found a value with U+043A at character 1',
  ]);
  // createPipeline returns them as config errors, where building the sink threw.
  const fromOptions = createPipeline({ sink: { type: 'otlp-grpc', headers: { 'x-key': 'ключ' } } });
  assert.equal(isLeft(fromOptions) ? fromOptions.left.map((e) => e.path) : [], ['config.sink.headers.x-key']);
  process.env['OTEL_EXPORTER_OTLP_METRICS_HEADERS'] = 'x-key=%D0%BA';
  try {
    const fromEnv = createPipeline({ sink: { type: 'otlp-grpc' } });
    assert.equal(isLeft(fromEnv) ? fromEnv.left.map((e) => e.path) : [], ['environment OTEL_EXPORTER_OTLP_METRICS_HEADERS, header "x-key"']);
  } finally {
    delete process.env['OTEL_EXPORTER_OTLP_METRICS_HEADERS'];
  }
  // chronoq run reports it as a config error (exit 2) where it stopped with an internal error and a stack trace.
  const dir = tempDir();
  const cfg = writeConfig(dir, ['sources: [{type: synthetic, series: 1, count: 1}]', 'sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:1"}', `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`, ''].join('\n'));
  const r = await runCli(['run', cfg], { OTEL_EXPORTER_OTLP_HEADERS: 'x-key=%D0%BA' });
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^config error: environment OTEL_EXPORTER_OTLP_HEADERS, header "x-key": expected a header value of printable ASCII/m);
  assert.not.match(r.stderr, /internal error|\n\s+at /);
});

test('NDJSON samples: decimal nanoseconds or RFC 3339 to the nanosecond; reasons for bad lines', () => {
  assert.equal(parseRfc3339('2025-11-25T10:00:00.123456789Z'), { _tag: 'Right', right: 1_764_064_800_123_456_789n });
  assert.equal(parseRfc3339('2025-11-25T11:00:00.5+01:00'), { _tag: 'Right', right: 1_764_064_800_500_000_000n });
  assert.ok(isLeft(parseRfc3339('yesterday')));
  // A space for the T (RFC 3339 5.6; Python's str(datetime)) was refused as not RFC 3339.
  assert.equal(parseRfc3339('2025-11-25 10:00:00.000000001+00:00'), { _tag: 'Right', right: 1_764_064_800_000_000_001n });
  assert.ok(isLeft(parseRfc3339('2025-11-25 10:00:00')), 'no zone: not a time');
  assert.ok(isLeft(parseRfc3339('2025-02-30T10:00:00Z')), 'Date.parse reads February 30 as March 2');
  assert.ok(isRight(parseRfc3339('2024-02-29T10:00:00Z')));
  // RFC 3339 takes any number of fraction digits; past nine (a picosecond clock) the nanosecond is kept,
  // the rest cut. It was refused as "not RFC 3339".
  assert.equal(parseRfc3339('2025-11-25T10:00:00.1234567891Z'), { _tag: 'Right', right: 1_764_064_800_123_456_789n });
  assert.equal(parseRfc3339('2025-11-25T10:00:00.000000000999Z'), { _tag: 'Right', right: 1_764_064_800_000_000_000n });
  // A counter's start as RFC 3339, beside time (it was passed over: the counter took its series' start).
  const started = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"2025-11-25T09:00:00.000000001Z"}');
  assert.ok(isRight(started) && started.right.startTimeUnixNano === 1_764_061_200_000_000_001n, isLeft(started) ? started.left : String(started.right.startTimeUnixNano));
  const badStart = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"09:00"}');
  assert.ok(isLeft(badStart) && badStart.left === 'startTime "09:00" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)', JSON.stringify(badStart));
  const numericStart = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":1764061200}');
  assert.ok(isLeft(numericStart) && /^startTime must be RFC 3339 text, got/.test(numericStart.left), JSON.stringify(numericStart));
  // startTimeUnixNano wins when both are there.
  const both = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"2025-11-25T09:00:00Z","startTimeUnixNano":"1764060000000000000"}');
  assert.ok(isRight(both) && both.right.startTimeUnixNano === 1_764_060_000_000_000_000n);
  const s = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"1764064800123456789","startTimeUnixNano":"1764064700000000000","attributes":{"a":"b"}}');
  assert.ok(isRight(s) && s.right.timeUnixNano === 1_764_064_800_123_456_789n && s.right.startTimeUnixNano === 1_764_064_700_000_000_000n);
  const bad = parseSampleLine('{"name":"x","value":1}');
  assert.ok(isLeft(bad) && /needs timeUnixNano/.test(bad.left));
  // A time that is there in another form says what to write (it said only "needs timeUnixNano … or time").
  const reason = (line: string): string => { const p = parseSampleLine(line); return isLeft(p) ? p.left : 'accepted'; };
  // Attributes and a kind under the names other systems give them are said, not passed over (every
  // host's cpu one series; a counter sent as a gauge).
  assert.is(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","labels":{"host":"a"}}'), 'this sample has labels, which chronoq does not read: name them attributes (passed over, every series of "cpu" would be one)');
  assert.match(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","tags":["host:a"]}'), /^this sample has tags, .*name them attributes, an object of names to values/);
  assert.is(reason('{"name":"jobs","value":1,"time":"2025-11-25T10:00:00Z","type":"Counter"}'), 'this sample has type "Counter", which chronoq does not read: write kind, one of gauge, sum, histogram, exponential-histogram (here sum; without kind a sample is a gauge)');
  assert.match(reason('{"name":"q","value":1,"time":"2025-11-25T10:00:00Z","metric_type":"up-down-counter"}'), /here sum with monotonic: false;/);
  assert.is(reason('{"name":"jobs","kind":"counter","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "counter": write sum');
  assert.is(reason('{"name":"jobs","kind":"Gauge","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "Gauge": write gauge');
  assert.is(reason('{"name":"jobs","kind":"meter","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "meter"');
  // A name or value under another name, and Telegraf's several fields in one line, say what to write (they said "name must be a non-empty string", "value must be a number, got no value").
  assert.is(reason('{"metric":"cpu","value":1,"time":"2025-11-25T10:00:00Z"}'), 'this sample has metric, which chronoq does not read: name it name');
  assert.is(reason('{"name":"cpu","val":1,"time":"2025-11-25T10:00:00Z"}'), 'this sample has val, which chronoq does not read: name it value');
  assert.is(reason('{"name":"cpu","fields":{"usage_idle":99},"tags":{"cpu":"cpu0"},"timestamp":1458229140}'), 'this line has fields (Telegraf, InfluxDB), several values in one: chronoq takes a sample a line, with its name and value');
  // With attributes or kind given, or a type that names no kind (a shipper's), the line is read as before.
  assert.is(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","tags":{"x":"y"},"attributes":{"host":"a"}}'), 'accepted');
  assert.is(reason('{"name":"jobs","kind":"sum","value":1,"time":"2025-11-25T10:00:00Z","type":"counter"}'), 'accepted');
  assert.is(reason('{"name":"jobs","value":1,"time":"2025-11-25T10:00:00Z","type":"metrics"}'), 'accepted');
  assert.is(reason('{"name":"load","value":1,"time":"2025-11-25T10:00:00Z","type":"gauge"}'), 'accepted', 'read right: without kind, a gauge');
  assert.match(reason('{"name":"x","value":1,"time":1764064800}'), /time is the number 1764064800, seconds since the epoch\? write timeUnixNano: "1764064800000000000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800.123456}'), /seconds since the epoch\? write timeUnixNano: "1764064800123456000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123}'), /milliseconds since the epoch\? write timeUnixNano: "1764064800123000000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123456}'), /microseconds since the epoch\? write timeUnixNano: "1764064800123456000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123456789}'), /time is a number of nanoseconds since the epoch\? name it timeUnixNano$/);
  assert.match(reason('{"name":"x","value":1,"time":true}'), /time is true, not RFC 3339 text$/);
  assert.match(reason('{"name":"x","value":1,"timestamp":1764064800}'), /; this one has timestamp, which chronoq does not read$/);
  const neg = parseSampleLine('{"name":"x","kind":"sum","value":-1,"timeUnixNano":"1"}');
  assert.ok(isLeft(neg) && /cannot be negative/.test(neg.left));
  // A counter's delta counts up too (it was sent: a backend adding deltas up went backwards); an up-down counter's may go down.
  assert.equal(reason('{"name":"x","kind":"sum","temporality":"delta","value":-3,"timeUnixNano":"1"}'), 'a monotonic sum cannot be negative, got -3 (a counter counts up, as do its deltas): a value that goes down is an up-down counter, monotonic: false');
  assert.is(reason('{"name":"x","kind":"sum","temporality":"delta","monotonic":false,"value":-3,"timeUnixNano":"1"}'), 'accepted');
  assert.is(reason('{"name":"x","kind":"sum","temporality":"delta","value":0,"timeUnixNano":"1"}'), 'accepted');
  // The end of int64 nanoseconds: the last time accepted, and the first refused (a ms time × 1e9 lands far beyond).
  assert.ok(isRight(parseSampleLine('{"name":"x","value":1,"timeUnixNano":"9223372036854775807"}')));
  const beyond = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"9223372036854775808"}');
  assert.ok(isLeft(beyond) && /not before 9223372036854775808 \(2262-04-11/.test(beyond.left), String(isLeft(beyond) && beyond.left));
  assert.ok(isLeft(parseSampleLine('{"name":"x","value":1,"timeUnixNano":"1764064800123000000000"}')));
  const negStart = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"5","startTimeUnixNano":"-1"}');
  assert.ok(isLeft(negStart) && /startTimeUnixNano must be a non-negative/.test(negStart.left));
});

test('NDJSON samples: times written as JSON numbers (as Go and Python encode an integer) are read exactly from the text; a number not in digits is refused', () => {
  // JSON.parse reads 1764064800123456789 as 1764064800123456800: these were dead letters `invalid`.
  const s = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1764064800123456789,"startTimeUnixNano": 1764064700000000001 ,"attributes":{"timeUnixNano":"a"}}');
  assert.ok(isRight(s), String(isLeft(s) && s.left));
  assert.is(s.right.timeUnixNano, 1_764_064_800_123_456_789n);
  assert.is(s.right.startTimeUnixNano, 1_764_064_700_000_000_001n);
  // The same key nested with another number that rounds elsewhere is not taken for it.
  const nested = parseSampleLine('{"name":"x","value":1,"attributes":{"k":"v"},"resource":{"timeUnixNano":17},"timeUnixNano":1764064800123456789}');
  assert.ok(isRight(nested) && nested.right.timeUnixNano === 1_764_064_800_123_456_789n);
  // Two different spellings that JSON.parse reads as the same number: which one was meant cannot be told.
  const ambiguous = parseSampleLine('{"name":"x","value":1,"resource":{"timeUnixNano":1764064800123456790},"timeUnixNano":1764064800123456789}');
  assert.ok(isLeft(ambiguous) && /timeUnixNano must be whole nanoseconds, in digits or as a decimal string/.test(ambiguous.left));
  const exponent = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1.7640648001234568e18}');
  assert.ok(isLeft(exponent) && /got a number in another form \(read as 1764064800123456800, not exact\)/.test(exponent.left), String(isLeft(exponent) && exponent.left));
  const fraction = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1764064800.5}');
  assert.ok(isLeft(fraction));
});

test('every file in examples/ is a valid config', () => {
  const dir = new URL('../examples/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const r = decodeConfig(readFileSync(join(dir, f), 'utf8'), { INSTANA_AGENT_KEY: 'k' });
    assert.ok(isRight(r), `${f}: ${isLeft(r) ? r.left.map(formatConfigError).join('; ') : ''}`);
  }
});

test('the sample lines examples/ndjson.yaml shows are samples, and its two forms of one time are one time (its RFC 3339 line said 2026 beside a timeUnixNano of 2025)', () => {
  const shown = readFileSync('examples/ndjson.yaml', 'utf8').split('\n').filter((l) => l.startsWith('#   {')).map((l) => l.slice(4).replace(/\s+\(.*$/, ''));
  assert.is(shown.length, 2);
  const samples = shown.map((l) => parseSampleLine(l));
  for (const r of samples) assert.ok(isRight(r), String(isLeft(r) && r.left));
  const [a, b] = samples.map((r) => (isRight(r) ? r.right : undefined));
  assert.is(a!.timeUnixNano, b!.timeUnixNano);
});

test('settings that do nothing with the rest of the config are warned of by validate (and run): lanes under global order, retry backoff under at-most-once, a first wait above the longest', async () => {
  const warnings = (yaml: string, env: Record<string, string> = {}): string[] => {
    const d = decodeConfig(yaml, {});
    if (isLeft(d)) throw new Error(d.left.map(formatConfigError).join('; '));
    return unusedSettings(resolveConfig(d.right), env);
  };
  assert.equal(warnings('delivery: {lanes: 8}\nreorder: {order: global}\n'), ['delivery.lanes 8 is not used: reorder.order global delivers on one lane, so that the whole stream reaches the receiver in order']);
  assert.equal(warnings('delivery: {guarantee: at-most-once, retry: {maxAttempts: 5, jitter: none, maxElapsedMs: 5000}}\n'), [
    'delivery.retry.jitter, .maxAttempts are not used: delivery.guarantee at-most-once makes one attempt a batch (retry.maxElapsedMs still bounds its wait for an open breaker)',
  ]);
  // What is used says nothing: maxElapsedMs under at-most-once, lanes under series order, the defaults.
  assert.equal(warnings('delivery: {guarantee: at-most-once, retry: {maxElapsedMs: 5000}}\n'), []);
  assert.equal(warnings('delivery: {lanes: 8}\n'), []);
  assert.equal(warnings('reorder: {order: global}\ndelivery: {guarantee: at-most-once}\n'), []);
  assert.equal(warnings('delivery: {overflow: dead-letter-oldest}\nspool: {path: s.db}\n'), ['delivery.overflow dead-letter-oldest is not used with a spool: what has no room in delivery\'s queue waits in the spool, and a full spool (spool.maxBytes) refuses the newest samples']);
  assert.equal(warnings('delivery: {overflow: dead-letter-oldest}\n'), []);
  assert.equal(warnings('delivery: {retry: {initialDelayMs: 60000, maxDelayMs: 1000}}\n'), ['delivery.retry.initialDelayMs 60000 is not used: retry.maxDelayMs 1000 caps every wait, the first too']);
  assert.equal(warnings('delivery: {retry: {initialDelayMs: 1000, maxDelayMs: 1000}}\n'), []);
  assert.equal(warnings('delivery: {breaker: {halfOpenAfterMs: 120000, maxHalfOpenAfterMs: 60000}}\n'), ['delivery.breaker.maxHalfOpenAfterMs 60000 is not used: it is below breaker.halfOpenAfterMs 120000, so every wait is that']);
  assert.equal(warnings('skew: {sourceOffsetThresholdMs: 500}\n'), ['skew.sourceOffsetThresholdMs 500 is not used: without skew.sourceAttribute no source\'s clock is watched']);
  assert.equal(warnings('skew: {sourceOffsetThresholdMs: 500, sourceAttribute: host.name}\n'), []);
  assert.equal(warnings('sources: [{type: ndjson, path: "-", pollMs: 50}, {type: ndjson, path: "-", pollMs: 50, follow: true}, {type: ndjson, path: "-", pollMs: 250}]\n'), ['sources[0].pollMs 50 is not used: without follow: true the file is read once, to its end']);
  // Every key at its default, as examples/reference.yaml names them: nothing to warn of.
  assert.equal(warnings(readFileSync('examples/reference.yaml', 'utf8')), []);
  assert.equal(warnings('delivery: {guarantee: at-most-once}\nspool: {path: s.db}\n'), ['spool s.db is not used: delivery.guarantee at-most-once keeps nothing for a later attempt']);
  // The endpoint's scheme against sink.tls: given TLS files win over http://, insecure over https://.
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {ca: ca.pem}}\n'), ["sink.endpoint's http:// is not used: sink.tls gives TLS files, so the connection uses TLS; write https:// to say so, or leave sink.tls out for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {insecure: true}}\n'), ["sink.endpoint's https:// is not used: sink.tls.insecure true makes the connection plaintext; write http:// to say so, or leave insecure out for TLS"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {ca: ca.pem}}\n'), []);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: true}}\n'), []);
  // No files, and not insecure: TLS against the system's CAs (measured: "wrong version number" from a plaintext collector, and no warning).
  const systemCas = "sink.endpoint's http:// is not used: sink.tls without insecure: true makes the connection TLS (checked against the system's CAs); write https:// to say so, or leave sink.tls out for a plaintext receiver";
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {}}\n'), [systemCas]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: false}}\n'), [systemCas]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {}}\n'), []);
  // The endpoint from the environment, named as such (it was not looked at: no warning, and the hints advised the scheme already written).
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {ca: ca.pem}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }), ["OTEL_EXPORTER_OTLP_ENDPOINT's http:// is not used: sink.tls gives TLS files, so the connection uses TLS; write https:// to say so, or leave sink.tls out for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {insecure: true}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: ' https://c:4317 ' }), ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT's https:// is not used: sink.tls.insecure true makes the connection plaintext; write http:// to say so, or leave insecure out for TLS"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "https://c:4317", tls: {ca: ca.pem}}\n', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }), [], 'the config\'s endpoint wins over the variable');
  assert.equal(warnings('sink: {type: otlp-grpc, tls: {ca: ca.pem}}\n'), [], 'no endpoint written: nothing to contradict');
  // TLS files from the OTLP variables with a plaintext endpoint: not read (a plaintext Collector took every batch, and nothing said so).
  const envCa = { OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/otel/ca.pem' };
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }),
    ["OTEL_EXPORTER_OTLP_CERTIFICATE is not used: OTEL_EXPORTER_OTLP_ENDPOINT's http:// makes the connection plaintext; write https:// to use it, or unset it for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317"}\n', { OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: 'c.pem', OTEL_EXPORTER_OTLP_CLIENT_KEY: 'k.pem' }),
    ["OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY are not used: sink.endpoint's http:// makes the connection plaintext; write https:// to use them, or unset them for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc}\n', envCa), ["OTEL_EXPORTER_OTLP_CERTIFICATE is not used: the default endpoint http://localhost:4317's http:// makes the connection plaintext; write https:// to use it, or unset it for a plaintext receiver"]);
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317' }), [], 'TLS: used');
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "c:4317"}\n', envCa), [], 'no scheme: TLS unless INSECURE');
  assert.equal(warnings('sink: {type: otlp-grpc}\n', { ...envCa, OTEL_EXPORTER_OTLP_ENDPOINT: 'HTTP://c:4317' }), [], 'the exporter base tells http:// by its exact text: HTTP:// is TLS, the file read');
  assert.equal(warnings('sink: {type: otlp-grpc, endpoint: "http://c:4317", tls: {insecure: true}}\n', envCa), [], 'sink.tls given: the variables are not read at all');
  const r = await runCli(['validate', writeConfig(tempDir(), 'sources: []\ndelivery: {lanes: 4}\nreorder: {order: global}\n')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARN {2}delivery\.lanes 4 is not used: reorder\.order global delivers on one lane/);
});

test.run();
