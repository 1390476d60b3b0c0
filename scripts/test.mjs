#!/usr/bin/env node
// The test command: typecheck, then every uvu suite, ending with one plain line
// `N passed, N failed[, N skipped]` that counts every test run, and a non-zero exit on failure.
// Unit, marble and property suites share one process; each end-to-end file gets its own
// (they start collectors and child processes). The typecheck counts as one test, and so does
// the check that the tests left no file in the repository.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

const walk = (dir, skipped = new Set()) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (!statSync(p).isDirectory()) return [p];
    return skipped.has(name) ? [] : walk(p, skipped);
  });
const suites = (dir, re) => walk(join(root, dir)).filter((p) => re.test(p)).sort();
const selected = (files) => (only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files);

/**
 * Files in the repository that the tests did not find there: a test that runs chronoq with a
 * default path (`chronoq-positions.json`, `chronoq-spool.db`, … in the working directory, which
 * .gitignore hides) writes into the checkout and leaves state for the next run.
 */
const treeFiles = () => walk(root, new Set(['.git', 'node_modules', 'dist', '.e2e-tmp'])).map((p) => relative(root, p));
const before = new Set(treeFiles());

const fast = selected([...suites('marbles', /\.marbles\.ts$/), ...suites('test', /\.test\.ts$/)]);
const slow = selected(suites('test', /\.e2e\.ts$/));

let passed = 0, failed = 0, skipped = 0;
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

// Build dist/ (the CLI tests spawn bin/chronoq.js, which runs dist/; a clean clone has none: the
// package's `prepack` builds it, not `npm install`), then typecheck everything (bench/otlpRead.ts
// imports dist/, so the typecheck comes second).
const typecheck = () => {
  console.log('# build (tsc -p tsconfig.build.json) and typecheck (tsc --noEmit)');
  const tsc = join(root, 'node_modules/.bin/tsc');
  const build = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: root });
  const check = build.status === 0 ? spawnSync(tsc, ['-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit', cwd: root }) : build;
  if (check.status === 0 && build.status === 0) passed++;
  else failed++;
};

/** How long one uvu process may run (scripts/mutants.mjs asks for less: a mutant can make a loop that never ends). */
const SUITE_TIMEOUT_MS = Number(process.env.CHRONOQ_SUITE_TIMEOUT_MS) || 20 * 60_000;

const runUvu = (files, label) => {
  if (files.length === 0) return;
  console.log(`# ${label}: ${files.map((f) => relative(root, f)).join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/uvu-run.mjs'), ...files], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
    // A test that never finishes fails the run (it would otherwise hold CI to its time limit): the
    // unit process takes ~3 minutes here, an end-to-end file at most ~2.
    timeout: SUITE_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  process.stdout.write(r.stdout ?? '');
  const out = strip(r.stdout ?? '');
  const total = /Total:\s+(\d+)/.exec(out), ok = /Passed:\s+(\d+)/.exec(out), skip = /Skipped:\s+(\d+)/.exec(out);
  if (r.error?.code === 'ETIMEDOUT') console.log(`\n# ${label}: stopped after ${SUITE_TIMEOUT_MS / 60_000} minutes (a test that never finished)`);
  if (!total || !ok) {
    console.log(`# ${label}: no summary (exit ${r.status ?? r.signal}); counted as 1 failed`);
    failed++;
    return;
  }
  passed += Number(ok[1]);
  failed += Number(total[1]) - Number(ok[1]);
  skipped += Number(skip?.[1] ?? 0);
  if (r.status !== 0 && Number(total[1]) === Number(ok[1])) {
    console.log(`# ${label}: exited ${r.status ?? r.signal} after passing; counted as 1 failed`);
    failed++;
  }
};

if (!only.length || process.env.CHRONOQ_BUILD === '1') typecheck();
runUvu(fast, 'unit, marble and property suites');
for (const f of slow) runUvu([f], relative(root, f));
// The check counts as one test, as the typecheck does.
const left = treeFiles().filter((f) => !before.has(f));
if (left.length === 0) passed++;
else {
  console.log(`# files the tests left in the repository (a test writing to a default path in the working directory): ${left.join(', ')}; counted as 1 failed`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
