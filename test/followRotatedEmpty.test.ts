/**
 * A followed file rotated while empty, or rotated under a writer that never reopens: which file is
 * read when every file after the one read is still empty (src/sources/nextFiles.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, openSync, renameSync, utimesSync, writeFileSync, writeSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { follow, lines } from './support/followRotations.js';

const test = suite('ndjson follow, rotated while empty');

test('a file written rarely, rotated (renamed, logrotate rotating empty files too) twice while empty: the file under the name is read once written, not waited on for ever', () => {
  // Before, the first empty file rotated away stayed queued as the next to read, waiting to be
  // written — and what was written under the name from then on was never read, without a word.
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 1));
  const f = follow(path);
  let at = Date.now() / 1000;
  const rotate = (): void => {
    if (existsSync(`${path}.2`)) renameSync(`${path}.2`, `${path}.3`);
    if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, '');
    utimesSync(path, ++at, ++at); // a day later, as the file's time goes
  };
  rotate();
  rotate();
  f.step();
  rotate();
  appendFileSync(path, lines(2, 3));
  utimesSync(path, ++at, ++at);
  f.step();
  f.step();
  f.stop();
  assert.equal(f.got, [1, 2, 3]);
});

test('a writer that never reopens (logrotate create without a postrotate that tells it), rotated twice: what it goes on writing to its file is read', () => {
  // Before, the second rotation queued two empty files and reading went on to them at once: the
  // writer's lines from then on, in the file it still held, were never read, without a word.
  const path = join(tempDir(), 'app.ndjson');
  writeFileSync(path, lines(1, 1));
  const writer = openSync(path, 'a');
  const f = follow(path);
  const rotate = (): void => {
    if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, '');
  };
  rotate();
  f.step();
  rotate();
  f.step();
  writeSync(writer, lines(2, 3));
  f.step();
  f.step();
  closeSync(writer);
  f.stop();
  assert.equal(f.got, [1, 2, 3]);
});

test.run();
