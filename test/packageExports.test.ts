/**
 * The package's entry points as other projects reach them: `chronoq`, `chronoq/operators` and
 * `chronoq/otel`, by ES module import and by CommonJS require. The exports map had only "import"
 * conditions, so a CommonJS project — what `npm init` makes, and a TypeScript test suite run by tsx
 * in it — failed at its first line with ERR_PACKAGE_PATH_NOT_EXPORTED. (Reads the built package:
 * `npm test` builds first.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const test = suite('package entry points');
const root = join(import.meta.dirname, '..');
const ENTRIES = { chronoq: 'dist/src/index.js', 'chronoq/operators': 'dist/operators/index.js', 'chronoq/otel': 'dist/src/otel/index.js' };

test('each entry resolves to the same built file by import and by require', () => {
  const require = createRequire(import.meta.url);
  for (const [entry, file] of Object.entries(ENTRIES)) {
    assert.is(fileURLToPath(import.meta.resolve(entry)), join(root, file), `import ${entry}`);
    assert.is(require.resolve(entry), join(root, file), `require ${entry}`);
  }
});

test('TypeScript finds each entry\'s types under every module resolution: typesVersions maps the subpaths as exports does (under moduleResolution node10, which ignores exports, `chronoq/otel` was "Cannot find module")', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string }>; types: string; typesVersions?: Record<string, Record<string, string[]>> };
  for (const [subpath, entry] of Object.entries(pkg.exports)) {
    if (entry.types === undefined) continue;
    if (subpath === '.') assert.is(pkg.types.replace(/^\.\//, ''), entry.types.replace(/^\.\//, ''));
    else assert.equal(pkg.typesVersions?.['*']?.[subpath.replace(/^\.\//, '')], [entry.types], `typesVersions for ${subpath}`);
    assert.ok(existsSync(join(root, entry.types)), `${entry.types} is built`);
  }
});

test('a CommonJS consumer run by tsx requires the three entries and uses them', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/cjsConsumer.cjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()), { values: [1, 2, 3], exporter: 'function' });
});

test('the version said by --version, the gRPC user agent and the default scope is package.json\'s', async () => {
  const { VERSION } = await import('../src/version.js');
  const { CHRONOQ_SCOPE } = await import('../src/otlp/toResourceMetrics.js');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.is(VERSION, pkg.version);
  assert.is(CHRONOQ_SCOPE.version, pkg.version);
});

test('the packed package holds what the help and README name (examples/reference.yaml, the example configs, the systemd unit) and no TypeScript example, which imports ../src, a folder the package does not ship', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const name of ['reference.yaml', 'host.yaml', 'ndjson.yaml', 'instana.yaml', 'load.yaml', 'otlp-agent.yaml', 'prometheus/chronoq-rules.yaml']) assert.ok(files.includes(`examples/${name}`), name);
  assert.ok(files.includes('examples/chronoq.service'), 'the systemd unit README names');
  assert.equal(files.filter((f) => f.startsWith('examples/') && f.endsWith('.ts')), [], 'examples/*.ts were packed');
  assert.ok(files.includes('dist/src/index.js') && files.includes('bin/chronoq.js'));
});

test.run();
