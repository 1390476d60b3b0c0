/** What `inspect` says of a spool (Spool.inspect, inspectSpoolFile): per lane, its samples waiting, oldest and newest time, bytes; a file that is not a spool. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isRight } from 'fp-ts/lib/Either.js';
import { inspectSpoolFile } from '../src/spool/inspectSpool.js';
import { tempDir } from './support/cli.js';
import { mk, open } from './support/spool.js';

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

test.run();
