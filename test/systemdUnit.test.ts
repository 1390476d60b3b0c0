/**
 * examples/chronoq.service: systemd takes it as it is (`systemd-analyze verify`, where systemd is
 * installed: a misspelt key or value is a warning there, so any output fails), and it fits the
 * command — its stop timeout outlasts the default drain, and the working directory it gives is
 * the state directory, where the example config's relative spool and dead-letter paths land.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { isRight } from 'fp-ts/lib/Either.js';
import { decodeConfig } from '../src/config/decode.js';
import { resolveConfig } from '../src/config/resolve.js';

const test = suite('examples/chronoq.service');
const unit = readFileSync(new URL('../examples/chronoq.service', import.meta.url), 'utf8');
const setting = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
const verifier = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
if (!verifier) console.log('\n!!! systemd-analyze not found: examples/chronoq.service is checked without it !!!\n');

(verifier ? test : test.skip)('systemd-analyze verify takes it without a word', () => {
  // ExecStart's binary must exist for verify: this checkout's, as a global install would have it.
  const dir = mkdtempSync(join(tmpdir(), 'chronoq-unit-'));
  const path = join(dir, 'chronoq.service');
  writeFileSync(path, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath} ${new URL('../bin/chronoq.js', import.meta.url).pathname}`));
  const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 0, r.stderr);
  assert.is(`${r.stdout}${r.stderr}`.trim(), '', 'no warnings');
});

test('it fits the command: the stop timeout outlasts the drain, the config\'s relative paths land in the state directory', () => {
  assert.match(setting('ExecStart') ?? '', /\/chronoq run \/etc\/chronoq\/chronoq\.yaml$/);
  const host = decodeConfig(readFileSync(new URL('../examples/host.yaml', import.meta.url), 'utf8'), {});
  assert.ok(isRight(host));
  const config = resolveConfig(host.right);
  assert.ok(Number(setting('TimeoutStopSec')) * 1000 >= 2 * config.delivery.shutdownDeadlineMs, `TimeoutStopSec ${setting('TimeoutStopSec')} s against a drain of ${config.delivery.shutdownDeadlineMs} ms`);
  assert.is(setting('WorkingDirectory'), `%S/${setting('StateDirectory')}`);
  for (const p of [config.spool?.path, config.deadLetter.path]) assert.ok(p !== undefined && !p.startsWith('/'), `${p}: relative, so in the state directory`);
});

test.run();
