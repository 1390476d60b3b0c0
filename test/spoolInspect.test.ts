/** What `inspect` says of a spool (Spool.inspect, inspectSpoolFile): per lane, its samples waiting, oldest and newest time, bytes; a file that is not a spool. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isRight } from 'fp-ts/lib/Either.js';
import { inspectSpoolFile } from '../src/spool/inspectSpool.js';
import { SPOOL_FORMAT } from '../src/spool/schema.js';
import { isSpoolFormatError } from '../src/errors.js';
import { tempDir } from './support/cli.js';
import { addNeverUsedPages, mk, open } from './support/spool.js';
import { inspectCommand } from '../src/cli/inspect.js';
import { Spool } from '../src/spool/spool.js';

const test = suite('spool inspected');

test("inspect gives a lane's oldest and newest time wherever in a chunk they are (series interleave in a lane)", () => {
  const { spool } = open(join(tempDir(), 'spool.db'), 1);
  spool.append([mk(5, 0), mk(2, 1), mk(9, 0), mk(3, 1)]);
  const [lane] = spool.inspect().lanes;
  assert.equal([lane?.oldestUnixNano, lane?.newestUnixNano], [mk(2).timeUnixNano, mk(9).timeUnixNano]);
  spool.close();
});

test("inspect: a lane's oldest and newest times are over all its chunks, whichever chunk holds them", () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  // Three chunks: the middle one holds both the oldest and the newest time (other series than the first's).
  spool.append([mk(5), mk(6)]);
  spool.append([mk(1, 7), mk(9, 8)]);
  spool.append([mk(4), mk(7)]);
  const [lane] = spool.inspect().lanes;
  assert.equal([lane!.waiting, lane!.oldestUnixNano, lane!.newestUnixNano], [6, mk(1).timeUnixNano, mk(9).timeUnixNano]);
  spool.close();
  const db = new Database(path, { readonly: true });
  const chunkBytes = db.prepare('SELECT bytes FROM chunks').pluck().all() as number[];
  db.close();
  assert.equal([chunkBytes.length, lane!.bytes], [3, chunkBytes.reduce((a, b) => a + b, 0)], "the lane's bytes are its chunks' together");
  // An SQLite file with a table of that name but not the others is not a spool: said so, not read.
  const other = join(tempDir(), 'other.db');
  const foreign = new Database(other);
  foreign.exec('CREATE TABLE chunks (id INTEGER)');
  foreign.close();
  const seen = inspectSpoolFile(other);
  assert.match(isRight(seen) ? '' : seen.left.message, /other\.db is not a chronoq spool \(an SQLite database without its tables\); nothing was changed$/);
});

/** `chronoq inspect PATH`'s text and exit code, called in this process. */
const inspected = async (path: string, json = false) => {
  let out = '';
  const said: string[] = [];
  const code = await inspectCommand(path, json, (level, message) => void said.push(`${level} ${message}`), (x) => void (out += x));
  assert.equal(said, []);
  return { code, out };
};

test('inspect as text: each lane\'s oldest and newest, the chronoq that has it open, the one resource its samples go out as; damaged, the samples run would salvage', async () => {
  const path = join(tempDir(), 'spool.db');
  const opened = Spool.open(path, { lanes: 1, resource: { 'service.name': 'shop' } });
  if (!isRight(opened)) throw opened.left;
  const at = (s: number) => ({ ...mk(s), timeUnixNano: 1_764_064_800_000_000_000n + BigInt(s) * 1_000_000_000n });
  opened.right.spool.append([at(3), at(0), at(7)]);
  const open = await inspected(path);
  assert.is(open.code, 0);
  assert.match(open.out, new RegExp(`^spool ${path}: 3 samples waiting, \\d+ bytes \\(in use by the chronoq with pid ${process.pid} on .+, since \\d{4}-\\d\\d-\\d\\dT.+Z\\)\\n`));
  assert.match(open.out, /\n0     3        2025-11-25T10:00:00\.000Z  2025-11-25T10:00:07\.000Z  \d+ +-1\n/);
  assert.match(open.out, /\nwaiting  resource they were written under, and go out as\n3        \{"service\.name":"shop"\}\n$/);
  assert.is((JSON.parse((await inspected(path, true)).out) as { inUseBy?: { pid: number } }).inUseBy?.pid, process.pid);
  opened.right.spool.close();
  const closed = await inspected(path);
  assert.not.ok(closed.out.includes('in use'), closed.out);
  assert.not.ok('inUseBy' in (JSON.parse((await inspected(path, true)).out) as object));
  const problem = addNeverUsedPages(path);
  assert.match((await inspected(path)).out, new RegExp(`^spool ${path}: 3 samples waiting, \\d+ bytes \\(DAMAGED: ${problem}; chronoq run would move it aside and salvage 3 samples\\)\\n`));
});

test("a lane whose samples were all delivered is listed, waiting none, with how far it was acknowledged; a later chronoq's spool is refused, unread", () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 2);
  const samples = Array.from({ length: 12 }, (_, i) => mk(i, i % 4));
  spool.append(samples);
  assert.equal(spool.inspect().lanes.map((l) => l.lane), [0, 1], 'both lanes hold samples');
  spool.settle(samples);
  spool.close();
  const seen = inspectSpoolFile(path);
  if (!isRight(seen)) throw seen.left;
  assert.equal(seen.right.lanes.map((l) => [l.lane, l.waiting, l.ackedSeq >= 0]), [[0, 0, true], [1, 0, true]]);
  const later = new Database(path);
  later.pragma(`user_version = ${SPOOL_FORMAT + 1}`);
  later.close();
  const refused = inspectSpoolFile(path);
  assert.ok(!isRight(refused) && isSpoolFormatError(refused.left), String(!isRight(refused) && refused.left.message));
  assert.match(!isRight(refused) ? refused.left.message : '', /inspect it with that chronoq$/);
});

test.run();
