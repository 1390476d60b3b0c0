/**
 * Opening the spool's SQLite file (src/spool/spoolFile.ts) as a run does: what counts as no room
 * (a full disk, a user's quota), the write-ahead log's bound, an earlier chronoq's column brought to
 * this schema on open, a failed open that leaves no file open behind it, and the name a damaged
 * file is moved aside to.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readdirSync, writeFileSync } from 'node:fs';
import { connectSpool, isNoSpace, openSpoolDb } from '../src/spool/spoolFile.js';
import { tempDir } from './support/cli.js';
import { openFiles } from './support/openFiles.js';

const test = suite('spool file');

test("no room: SQLite's full disk and its shared-memory index that cannot grow, the file system's ENOSPC and a user's quota (EDQUOT); nothing else", () => {
  const withCode = (code: unknown) => Object.assign(new Error('write failed'), { code });
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE', 'ENOSPC', 'EDQUOT']) assert.ok(isNoSpace(withCode(code)), code);
  for (const code of ['SQLITE_CORRUPT', 'SQLITE_IOERR', 'EACCES', 'EIO', 28, undefined]) assert.not.ok(isNoSpace(withCode(code)), String(code));
  assert.not.ok(isNoSpace(undefined));
});

test('an opened spool: WAL, its log cut back to 64 MiB at checkpoints, and an earlier chronoq\'s `payload` column renamed to `lines`', () => {
  const path = join(tempDir(), 'spool.db');
  const first = connectSpool(path, undefined);
  assert.is(first.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(first.pragma('journal_size_limit', { simple: true }), 64 * 1024 * 1024);
  // As an earlier chronoq left it.
  first.exec('ALTER TABLE chunks RENAME COLUMN lines TO payload');
  first.close();
  const again = connectSpool(path, undefined);
  const columns = again.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('chunks') as string[];
  assert.ok(columns.includes('lines') && !columns.includes('payload'), columns.join(', '));
  again.close();
});

test('a file that is not a database: the open fails and leaves no file descriptor open', () => {
  const path = join(tempDir(), 'spool.db');
  writeFileSync(path, 'not a database, and long enough to be read as one: '.repeat(200));
  for (let i = 0; i < 5; i++) assert.throws(() => connectSpool(path, undefined));
  assert.equal(openFiles().filter((target) => target === path), []);
});

test('a damaged file is moved aside under a name with its time and no colons (a name every file system and shell takes)', () => {
  const dir = tempDir();
  const path = join(dir, 'spool.db');
  writeFileSync(path, 'SQLite format 3\0'.padEnd(4096, 'x'));
  const opened = openSpoolDb(path, undefined, Date.UTC(2026, 11, 7, 23, 59, 58, 123));
  assert.is(opened.damage?.movedTo, `${path}.damaged-2026-12-07T23-59-58-123Z`);
  assert.ok(readdirSync(dir).includes('spool.db.damaged-2026-12-07T23-59-58-123Z'));
  opened.db.close();
});

test.run();
