/**
 * The dead-letter file on a disk that fills part way through a write (a real one: a 1 MiB tmpfs,
 * test/support/smallDisk.ts): the write is all or nothing — the part that went in is cut back off,
 * so no torn line is left for `chronoq replay` to trip on or for the next write to glue its first
 * line onto — the letters it could not take go to onWriteError, and once there is room again the
 * next letters are appended whole and onWriteRecovered says how many went to onWriteError meanwhile.
 */
import * as assert from 'uvu/assert';
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import { toDeadLetter } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { smallDiskSuite } from './support/smallDisk.js';

const { test, it, disk: d } = smallDiskSuite('dead-letter file on a disk that fills');

const letter = (v: number) =>
  toDeadLetter<Sample>('retries-exhausted', { name: 'app.requests', kind: 'gauge', value: v, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(v), attributes: { pad: 'x'.repeat(200) } }, 'gave up', 0);

it('a write the disk takes only part of leaves the file as it was; the letters go to onWriteError; with room again they are appended whole', () => {
  const path = join(d.dir, 'dead.ndjson');
  const failures: { code: string; lines: number }[] = [];
  const recovered: number[] = [];
  const file = new DeadLetterFile(path, {
    onWriteError: (e, lines) => failures.push({ code: (e as NodeJS.ErrnoException).code ?? String(e), lines: lines.length }),
    onWriteRecovered: (n) => recovered.push(n),
  });
  file.append(letter(1));
  file.flush();
  const before = readFileSync(path, 'utf8');
  // Full, then 8 KiB of room: the next burst (~50 KiB) goes in part way and then hits ENOSPC.
  d.fill();
  const filler = join(d.dir, 'filler');
  truncateSync(filler, statSync(filler).size - 8 * 1024);
  for (let v = 2; v < 202; v++) file.append(letter(v));
  file.flush();
  assert.equal(failures, [{ code: 'ENOSPC', lines: 200 }]);
  assert.is(readFileSync(path, 'utf8'), before, 'what went in of the burst was cut back off');
  d.free();
  file.append(letter(202));
  file.flush();
  assert.equal(recovered, [200]);
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.is(lines.pop(), '', 'ends with a whole line');
  assert.equal(lines.map((l) => JSON.parse(l).item.value), [1, 202]);
  assert.equal([file.written, file.failed], [2, 200]);
  file.close();
});

it('a burst written in pieces that fills the disk part way: the pieces before stay written, only the rest goes to onWriteError; each recovery counts only its own failures', () => {
  const path = join(d.dir, 'pieces.ndjson');
  const failures: number[][] = [];
  const recovered: number[] = [];
  const file = new DeadLetterFile(path, {
    chunkChars: 2_000, // a few letters a piece
    onWriteError: (_e, lines) => failures.push(lines.map((l) => JSON.parse(l).item.value)),
    onWriteRecovered: (n) => recovered.push(n),
  });
  file.append(letter(1));
  file.flush();
  d.fill();
  const filler = join(d.dir, 'filler');
  truncateSync(filler, statSync(filler).size - 8 * 1024);
  for (let v = 2; v < 202; v++) file.append(letter(v));
  file.flush();
  const inFile = () => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).item.value as number);
  const written = inFile();
  assert.is(failures.length, 1);
  assert.ok(written.length > 1 && failures[0]!.length < 200, `${written.length} in the file, ${failures[0]!.length} refused`);
  assert.equal([...written, ...failures[0]!], Array.from({ length: 201 }, (_, i) => i + 1), 'each letter in the file or refused, once, in order');
  assert.equal([file.written, file.failed], [written.length, failures[0]!.length]);
  d.free();
  file.append(letter(202));
  file.flush();
  d.fill();
  for (const v of [203, 204, 205]) file.append(letter(v));
  file.flush();
  d.free();
  file.append(letter(206));
  file.flush();
  assert.equal(recovered, [failures[0]!.length, 3], 'each recovery says the letters refused since the one before');
  assert.equal(inFile(), [...written, 202, 206]);
  file.close();
});

test.run();
