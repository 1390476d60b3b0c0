/**
 * Properties of following a file through what writers and logrotate do to it (src/sources/ndjson.ts,
 * nextFiles.ts, resumeFollowed.ts), over generated sequences, under virtual time: lines appended
 * (whole, or a line written in two parts across a poll), rotations by rename (logrotate's `create`:
 * app.ndjson → app.ndjson.1, the older ones shifted to .2, .3 …, a new empty file under the name) or
 * by copy and truncate (`copytruncate`), each any number of times between polls, while reading waits
 * for room (back-pressure) or not, and restarts (the positions file kept, every sample settled as
 * it comes). Every line written is read once, in the order written, none cut in two — given that the
 * follower had seen a file's first 64 bytes before it was rotated (a copy is told by them).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { appendFileSync, copyFileSync, existsSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ndjsonSamples, type InvalidLine } from '../src/sources/ndjson.js';
import { openPositionFile } from '../src/sources/positionFile.js';
import { settleRead } from '../src/sources/readPositions.js';
import { tempDir } from './support/cli.js';

const test = suite('ndjson follow, rotation properties');

/** A sample line of about 110 bytes; its value is its number in writing order. */
const line = (v: number): string => `{"name":"app.requests","kind":"gauge","value":${v},"timeUnixNano":"${1_764_064_800_000_000_000 + v * 1_000_000_000}","attributes":{"k":"v"}}\n`;

const op = fc.oneof(
  fc.record({ t: fc.constant('append' as const), n: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ t: fc.constant('split' as const), cut: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ t: fc.constant('poll' as const) }),
  fc.record({ t: fc.constant('rotate' as const), how: fc.constantFrom('rename' as const, 'copytruncate' as const) }),
  fc.record({ t: fc.constant('room' as const), more: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ t: fc.constant('restart' as const) }),
);

test('every line once, in writing order, through appends, split lines, renames and copytruncates, with and without back-pressure, across restarts', () => {
  fc.assert(
    // Each rotation by either method: one logrotate config uses one, but a run can see both (a
    // config changed, two rotating the same file), and a copytruncate renamed away before its new
    // content was read is the case a single method never makes.
    fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.boolean(), (ops, pressure) => {
      const dir = tempDir();
      const path = join(dir, 'app.ndjson');
      writeFileSync(path, '');
      const scheduler = new VirtualTimeScheduler(undefined, 1_000);
      const got: number[] = [];
      const invalid: InvalidLine[] = [];
      let room = pressure ? 3 : Infinity;
      // Each write a second after the one before, as the file's time says: the files rotated while
      // reading waited, or while stopped, are found by being written after the one read
      // (src/sources/resumeFollowed.ts), and writes microseconds apart share the kernel's coarse
      // timestamp. The positions file records its times on the same clock.
      let clockS = 1_764_064_800;
      /** A run: follows the file, every sample settled as it comes (delivered at once). */
      const start = () => {
        const opened = openPositionFile(join(dir, 'positions.json'), { clock: { now: () => clockS * 1_000 } });
        if (isLeft(opened)) throw new Error(opened.left);
        const sub = ndjsonSamples({
          path, follow: true, pollMs: 100, scheduler, hasRoom: () => got.length < room, onInvalid: (e) => invalid.push(e), positions: { file: opened.right },
        }).subscribe((s) => {
          got.push(s.value as number);
          settleRead(s);
        });
        return () => (sub.unsubscribe(), opened.right.close());
      };
      let stop = start();
      const poll = (): void => {
        scheduler.flush();
        scheduler.maxFrames += 1_000;
      };
      /** Shifts app.ndjson.k to .k+1, oldest first, making room for a new .1. */
      const shift = (): void => {
        let k = 1;
        while (existsSync(`${path}.${k}`)) k++;
        for (; k > 1; k--) renameSync(`${path}.${k - 1}`, `${path}.${k}`);
      };
      const write = (file: string, text: string): void => {
        appendFileSync(file, text);
        clockS++;
        utimesSync(file, clockS, clockS);
      };
      let written = 0;
      let pending = ''; // the second part of a line written in two
      // Whether a poll came since the file under the name got its first 64 bytes: a copy is told by
      // the first bytes seen of the file, 64 at least (fewer could be another file's by chance:
      // src/sources/resumeFollowed.ts), so a file rotated before they were seen cannot be followed.
      let looked = false;
      let bytes = 0;
      for (const o of ops) {
        if (o.t === 'append') {
          let text = pending;
          pending = '';
          for (let i = 0; i < o.n; i++) text += line(++written);
          write(path, text);
          bytes += text.length;
        } else if (o.t === 'split') {
          const whole = pending + line(++written);
          const at = Math.min(whole.length - 1, pending.length + o.cut);
          write(path, whole.slice(0, at));
          pending = whole.slice(at);
          bytes += at;
        } else if (o.t === 'restart') {
          stop();
          clockS++;
          stop = start();
        } else if (o.t === 'poll') {
          poll();
          looked ||= bytes >= 64;
        } else if (o.t === 'room') room = pressure ? got.length + o.more : Infinity;
        else if (looked || bytes === 0) {
          // A writer rotates at a line's end: the part of a line written goes out whole first.
          if (pending !== '') (write(path, pending), (bytes += pending.length), (pending = ''));
          shift();
          if (o.how === 'rename') (renameSync(path, `${path}.1`), write(path, ''));
          else (copyFileSync(path, `${path}.1`), write(`${path}.1`, ''), truncateSync(path, 0), write(path, ''));
          bytes = 0;
          looked = false;
        }
      }
      if (pending !== '') write(path, pending);
      room = Infinity;
      for (let i = 0; i < 3; i++) poll();
      stop();
      assert.equal(invalid, [], 'no line cut in two');
      assert.equal(got, Array.from({ length: written }, (_, i) => i + 1), 'every line once, in order');
    }),
    {
      numRuns: 2_000,
      // What this property found, each lost lines before (see the commits of src/sources/ndjson.ts).
      examples: [
        [[{ t: 'append', n: 1 }, { t: 'poll' }, { t: 'rotate', how: 'rename' }, { t: 'rotate', how: 'rename' }, { t: 'poll' }, { t: 'rotate', how: 'rename' }, { t: 'append', n: 1 }], false],
        [[{ t: 'split', cut: 1 }, { t: 'room', more: 0 }, { t: 'poll' }, { t: 'append', n: 1 }, { t: 'poll' }, { t: 'rotate', how: 'copytruncate' }], true],
        [[{ t: 'split', cut: 64 }, { t: 'poll' }, { t: 'rotate', how: 'rename' }, { t: 'restart' }, { t: 'append', n: 1 }], false],
        [[{ t: 'restart' }, { t: 'split', cut: 64 }, { t: 'poll' }, { t: 'rotate', how: 'copytruncate' }, { t: 'restart' }], false],
        [[{ t: 'append', n: 4 }, { t: 'poll' }, { t: 'rotate', how: 'copytruncate' }, { t: 'append', n: 1 }, { t: 'restart' }, { t: 'poll' }, { t: 'rotate', how: 'copytruncate' }], true],
        [[{ t: 'room', more: 0 }, { t: 'split', cut: 1 }, { t: 'restart' }, { t: 'split', cut: 1 }, { t: 'poll' }, { t: 'rotate', how: 'copytruncate' }, { t: 'restart' }], true],
      ],
    },
  );
});

test.run();
