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
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCli } from './support/cli.js';

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
  const said = await runCli(['--version']);
  assert.equal([said.code, said.stdout], [0, `${pkg.version}\n`], said.stderr);
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

test('installing the package runs none of its scripts: it ships built (prepack), where a `prepare` made npm 11 list chronoq among the packages whose install scripts a project must approve', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const name of ['preinstall', 'install', 'postinstall', 'prepare']) assert.is(pkg.scripts[name], undefined, name);
  assert.is(pkg.scripts.prepack, 'npm run build');
});

test('the packed package, unpacked on its own beside the dependencies, runs: its command validates the example configs, and its three entries import by name (every file they reach is packed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-packed-'));
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = spawnSync(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.is(packed.status, 0, packed.stderr);
    const untar = spawnSync('tar', ['xzf', join(dir, packed.stdout.trim().split('\n').pop()!), '-C', dir], { encoding: 'utf8' });
    assert.is(untar.status, 0, untar.stderr);
    const pkgDir = join(dir, 'package');
    symlinkSync(join(root, 'node_modules'), join(pkgDir, 'node_modules'), 'dir');
    for (const example of ['host.yaml', 'otlp-agent.yaml', 'reference.yaml']) {
      const r = spawnSync(process.execPath, [join(pkgDir, 'bin/chronoq.js'), 'validate', join(pkgDir, 'examples', example)], { encoding: 'utf8', timeout: 60_000 });
      assert.is(r.status, 0, `${example}: ${r.stderr}`);
    }
    // A module inside the package imports it by its own name (the exports map), as a dependent would.
    writeFileSync(join(pkgDir, 'consumer.mjs'), `const names = [];
for (const entry of ${JSON.stringify(Object.keys(ENTRIES))}) names.push(Object.keys(await import(entry)).length);
console.log(JSON.stringify(names));\n`);
    const r = spawnSync(process.execPath, [join(pkgDir, 'consumer.mjs')], { cwd: pkgDir, encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as number[]).every((n) => n > 0), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command, run before it is built, says so and what to do rather than a module-not-found trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-unbuilt-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(root, 'bin/chronoq.js'), join(dir, 'bin/chronoq.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const r = spawnSync(process.execPath, [join(dir, 'bin/chronoq.js'), '--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 1);
    assert.is(r.stderr, 'chronoq: not built (no dist/src/cli.js): run `npm run build` in the chronoq folder first\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
