/**
 * Properties of the dead-letter file's rotation (src/deadletter/deadLetterFile.ts) over generated
 * bursts of letters of any size, size limits, numbers of rotated files kept and write pieces:
 * every letter is accounted for — in PATH, PATH.1 … (oldest in the highest number), or counted
 * by onRemove when rotation removed the oldest file — the letters on disk are the newest ones,
 * in the order written, whole lines; the newest letters are at PATH; no file but PATH is more
 * than one write piece past maxBytes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeadLetterFile } from '../src/deadletter/deadLetterFile.js';
import type { DeadLetter } from '../src/routed.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';

const test = suite('dead-letter file properties');

const letter = (n: number, pad: number): DeadLetter<Sample> => ({
  reason: 'rejected', detail: `refused${'.'.repeat(pad)}`, atUnixMs: 1_764_064_800_000,
  item: { name: 'm', kind: 'gauge', value: n, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(n), attributes: {} },
});

test('every letter in the files or counted as removed; on disk the newest, in order, whole; the newest at PATH', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 25 }),
      fc.integer({ min: 200, max: 3_000 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 150, max: 2_000 }),
      (bursts, maxBytes, maxFiles, chunkChars) => {
        const path = join(tempDir(), 'dead.ndjson');
        let removed = 0;
        const file = new DeadLetterFile(path, { maxBytes, maxFiles, chunkChars, onRemove: (e) => (removed += e.letters) });
        let n = 0;
        for (const burst of bursts) {
          for (const pad of burst) {
            file.append(letter(n++, pad));
          }
          file.flush(); // as the microtask after the burst does
        }
        file.close();
        assert.is(file.written, n, 'every letter written');
        // Oldest file first: PATH.k … PATH.1, then PATH.
        const names = [...Array.from({ length: maxFiles }, (_, i) => `${path}.${maxFiles - i}`), path].filter((p) => existsSync(p));
        const texts = names.map((p) => readFileSync(p, 'utf8'));
        for (const t of texts) assert.ok(t === '' || t.endsWith('\n'), 'whole lines');
        const values = texts.flatMap((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l).item.value as number));
        assert.equal(values, Array.from({ length: values.length }, (_, i) => n - values.length + i), 'the newest letters, in the order written');
        assert.is(removed + values.length, n, 'every letter on disk or counted as removed');
        assert.ok(readFileSync(path, 'utf8').includes(`"value":${n - 1},`), 'the last letter at PATH');
        // A rotated file: at most one piece (chunkChars, or one longer line) past maxBytes.
        const longest = Math.max(chunkChars, ...texts.flatMap((t) => t.split('\n').map((l) => l.length + 1)));
        for (const t of texts.slice(0, -1)) assert.ok(Buffer.byteLength(t) < maxBytes + longest, `a rotated file of ${Buffer.byteLength(t)} bytes, maxBytes ${maxBytes}`);
        if (maxFiles === 0) assert.is(removed, 0, 'maxFiles 0: never rotated, nothing removed');
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
