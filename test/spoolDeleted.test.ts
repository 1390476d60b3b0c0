/**
 * A spool deleted while chronoq runs (a cleanup job, someone freeing space) is written again at
 * its path with what is unsettled in it, loudly. Before, the process went on in the deleted file,
 * said at exit that the samples "stay in the spool", and the next start found an empty one.
 */
import { suite } from 'uvu';
import { deletedSpoolLog } from '../src/cli/openSpool.js';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { openFiles } from './support/openFiles.js';
import { join } from 'node:path';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Spool } from '../src/spool/spool.js';
import { isSpoolInUseError } from '../src/spool/spoolLock.js';
import type { SpoolOptions } from '../src/spool/spoolTypes.js';
import type { Sample } from '../src/sample.js';
import { freePort } from './support/collector.js';
import { jsonLog, runCli, startCli, tempDir, until, writeConfig } from './support/cli.js';
import { removeSpoolFiles } from './support/spool.js';

const test = suite('spool deleted while open');
const mk = (i: number): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { s: String(i % 3) } });
type DeletedEvent = Parameters<NonNullable<SpoolOptions['onDeleted']>>[0];
/** A spool at `path` (opened, or the error thrown), and what its onDeleted said so far. */
const watchedSpool = (path: string, lanes?: number): { spool: Spool; events: DeletedEvent[] } => {
  const events: DeletedEvent[] = [];
  const opened = Spool.open(path, { ...(lanes !== undefined ? { lanes } : {}), onDeleted: (e) => events.push(e) });
  if (!isRight(opened)) throw opened.left;
  return { spool: opened.right.spool, events };
};

test('written again at its path with what is unsettled; appends and settles go on in the new file; a restart recovers them', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool, events } = watchedSpool(path, 2);
  const first = Array.from({ length: 10 }, (_, i) => mk(i));
  spool.append(first);
  spool.settle(first.slice(0, 3));
  assert.ok(spool.keepAtPath(), 'nothing to do while the file is there');
  assert.is(events.length, 0);
  removeSpoolFiles(path);
  assert.ok(spool.keepAtPath());
  assert.equal(events, [{ samples: 7 }]);
  assert.ok(existsSync(path));
  // Its owner lock, deleted with it, is taken again: a second chronoq is still kept out.
  assert.ok(existsSync(`${path}.lock`));
  if (process.platform === 'linux') assert.equal(openFiles().filter((t) => t === `${path}.lock (deleted)` || t === `${path} (deleted)`), [], 'the deleted file and its lock let go (their space freed)');
  const second = Spool.open(path, { lanes: 2 });
  assert.ok(isLeft(second) && isSpoolInUseError(second.left), 'a second opener is refused');
  const more = [10, 11].map(mk);
  spool.append(more);
  spool.settle(first.slice(3, 5));
  spool.close();
  const again = Spool.open(path, { lanes: 2 });
  if (!isRight(again)) throw again.left;
  assert.equal(again.right.spool.recover().map((s) => s.value).sort((a, b) => Number(a) - Number(b)), [5, 6, 7, 8, 9, 10, 11]);
  again.right.spool.close();
});

test('written again under the resource it was written with: a restart under another resource reads the backlog back with the first', () => {
  const path = join(tempDir(), 'spool.db');
  const opened = Spool.open(path, { resource: { 'service.name': 'before' } });
  if (!isRight(opened)) throw opened.left;
  const spool = opened.right.spool;
  spool.append([1, 2].map(mk));
  removeSpoolFiles(path);
  assert.ok(spool.keepAtPath());
  spool.append([mk(3)]);
  spool.close();
  const again = Spool.open(path, { resource: { 'service.name': 'after' } });
  if (!isRight(again)) throw again.left;
  assert.equal(again.right.spool.recover().map((x) => [x.value, x.resource?.['service.name']]), [[1, 'before'], [2, 'before'], [3, 'before']]);
  again.right.spool.close();
});

test('another file at its path by now, even an empty one (SQLite would write over that): left as it is, and said', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool, events } = watchedSpool(path);
  spool.append([0, 1, 2].map(mk));
  removeSpoolFiles(path);
  writeFileSync(path, ''); // someone's file, just made
  assert.not.ok(spool.keepAtPath());
  assert.equal([events.length, events[0]?.samples, (events[0]?.error as Error | undefined)?.message], [1, 3, `another file is at ${path} now; it was left as it is`]);
  assert.is(statSync(path).size, 0, 'not written over');
  spool.close();
});

test('its directory gone too: said once, tried again, and put back once the directory is there again', () => {
  const dir = join(tempDir(), 'spool-dir');
  const path = join(dir, 'spool.db');
  mkdirSync(dir);
  const { spool, events } = watchedSpool(path);
  spool.append([0, 1, 2].map(mk));
  rmSync(dir, { recursive: true });
  assert.not.ok(spool.keepAtPath());
  assert.not.ok(spool.keepAtPath());
  assert.is(events.length, 1, 'the failure is said once');
  assert.is(events[0]!.samples, 3);
  assert.ok(events[0]!.error instanceof Error);
  mkdirSync(dir);
  assert.ok(spool.keepAtPath());
  assert.equal(events.slice(1), [{ samples: 3 }]);
  spool.close();
  // Gone for good at close: said once more, as lost.
  const other = Spool.open(join(dir, 'again.db'), { onDeleted: (e) => events.push(e) });
  if (!isRight(other)) throw other.left;
  other.right.spool.append([7].map(mk));
  other.right.spool.keepAtPath(); // fine: nothing said
  rmSync(dir, { recursive: true });
  other.right.spool.keepAtPath();
  other.right.spool.close();
  assert.equal(events.slice(2).map((e) => [e.samples, e.atClose ?? false, e.error instanceof Error]), [[1, false, true], [1, true, true]]);
});

test('its directory moved away and a file put at its name (stat says ENOTDIR): said and tried again, not thrown from the timer', () => {
  // The check runs on a timer: fileIdentity threw ENOTDIR (or EACCES, a directory made unreadable)
  // out of it, an uncaught exception that ended `chronoq run` with a stack trace.
  const base = tempDir();
  const dir = join(base, 'spool-dir');
  const path = join(dir, 'spool.db');
  mkdirSync(dir);
  const { spool, events } = watchedSpool(path);
  spool.append([0, 1].map(mk));
  renameSync(dir, join(base, 'moved'));
  writeFileSync(dir, 'not a directory');
  assert.not.ok(spool.keepAtPath());
  assert.is(events.length, 1);
  assert.ok(events[0]!.error instanceof Error, 'could not be put back: said, with why');
  rmSync(dir);
  renameSync(join(base, 'moved'), dir);
  assert.ok(spool.keepAtPath(), 'the file is at its path again: nothing to do');
  assert.equal(events.slice(1), [{ samples: 2, back: true }], 'and said, after the failure was');
  assert.ok(spool.keepAtPath());
  assert.is(events.length, 2, 'once');
  spool.close();
});

test("run's lines for a spool deleted under it: written again, not writable yet, lost at close (errors), and put back (info)", () => {
  const lines: string[] = [];
  const say = deletedSpoolLog((level, message) => void lines.push(`${level} ${message}`), 's.db');
  say({ samples: 5 });
  say({ samples: 5, error: new Error('ENOENT') });
  say({ samples: 5, back: true });
  say({ samples: 7, error: new Error('ENOSPC'), atClose: true });
  assert.equal(lines, [
    'error spool s.db was deleted while chronoq ran: written again at s.db with the 5 samples unsettled in it; delete a spool only while chronoq is stopped',
    'error spool s.db was deleted while chronoq ran and cannot be written again (ENOENT): the 5 samples unsettled in it are lost when chronoq stops unless it can; tried again every 5 s',
    'info spool s.db is at its path again: the 5 samples unsettled in it are safe',
    'error spool s.db was deleted while chronoq ran and could not be written again (ENOSPC): the 7 samples unsettled in it are lost',
  ]);
});

test('chronoq run: the spool deleted under it is written again within seconds, logged as an error, and every sample read is in it at exit', async () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'spool.db');
  const cfg = writeConfig(dir, [
    `sink: {type: otlp-grpc, endpoint: "http://127.0.0.1:${await freePort()}", timeoutMs: 300}`,
    `deadLetter: {path: ${join(dir, 'dead.ndjson')}}`,
    'sources: [{type: synthetic, series: 3, ratePerSecond: 50, valuePattern: sequence}]',
    `spool: {path: ${spoolPath}}`,
    'delivery: {shutdownDeadlineMs: 500}',
    '',
  ].join('\n'));
  const { child, result, stderrSoFar } = startCli(['run', cfg, '--log-format', 'json']);
  await until('the run to start', () => stderrSoFar().includes('chronoq running'));
  await until('samples in the spool', () => existsSync(`${spoolPath}-wal`));
  removeSpoolFiles(spoolPath);
  await until('the deletion to be noticed', () => stderrSoFar().includes('was deleted while chronoq ran'), 15_000);
  child.kill('SIGINT');
  const r = await result;
  const logs = jsonLog(r.stderr);
  const deleted = logs.find((l) => l.message.includes('was deleted while chronoq ran'))!;
  assert.is(deleted.level, 'error');
  assert.match(deleted.message, /written again at .*spool\.db with the \d+ samples unsettled in it/);
  const done = logs.find((l) => l.message.startsWith('done'))!;
  assert.ok(done.samplesIn! > 0);
  assert.is(done.leftInSpool, done.samplesIn, r.stderr);
  const inspected = JSON.parse((await runCli(['inspect', spoolPath, '--json'])).stdout) as { waiting: number };
  assert.is(inspected.waiting, done.samplesIn, 'what the done line says stays in the spool is in it');
});

test.run();
