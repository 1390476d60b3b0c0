/**
 * The spool's damage handling on bytes made by hand (src/spool/salvage.ts): a write-ahead log's
 * torn tail told from its header's page size, and the samples found in a damaged file's raw bytes
 * — whole JSON objects, strings read as strings (braces and escaped quotes in them), characters
 * beyond ASCII as written, pieces cut off left out.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { salvageSamples, tornWalTail } from '../src/spool/salvage.js';
import { toJsonLine } from '../src/sampleJson.js';
import type { Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';

const test = suite('spool salvage');

/** A WAL header (32 bytes) of `pageSize`, and `rest` bytes after it. */
const wal = (pageSize: number, rest: number): Buffer => {
  const header = Buffer.alloc(32);
  header.writeUInt32BE(0x377f0682, 0);
  header.writeUInt32BE(3007000, 4);
  header.writeUInt32BE(pageSize, 8);
  return Buffer.concat([header, Buffer.alloc(rest)]);
};

test('a torn write-ahead log: bytes past its last whole frame (24 + page size each); a header itself cut short is torn whole', () => {
  const db = join(tempDir(), 'spool.db');
  assert.is(tornWalTail(db), undefined, 'no log');
  writeFileSync(`${db}-wal`, '');
  assert.is(tornWalTail(db), undefined, 'an empty log');
  writeFileSync(`${db}-wal`, Buffer.alloc(10));
  assert.is(tornWalTail(db), 10, 'a header cut short');
  writeFileSync(`${db}-wal`, wal(4096, 2 * (24 + 4096)));
  assert.is(tornWalTail(db), undefined, 'two whole frames');
  writeFileSync(`${db}-wal`, wal(4096, 2 * (24 + 4096) + 100));
  assert.is(tornWalTail(db), 100);
  writeFileSync(`${db}-wal`, wal(0, 10));
  assert.is(tornWalTail(db), undefined, 'no page size SQLite writes (512 or more): not a log to judge');
});

test('samples in the raw bytes: strings with braces and escaped quotes, characters beyond ASCII; a piece cut off by a newline or a NUL left out; repeats once; in time order', () => {
  const sample = (t: bigint, attributes: Sample['attributes']): Sample => ({ name: 'm', kind: 'gauge', value: Number(t), timeUnixNano: t, attributes });
  const tricky = sample(3n, { q: 'a"}b{', city: 'Besançon' });
  const plain = sample(1n, { q: 'x' });
  const cutByNewline = toJsonLine(sample(2n, { q: 'y' })).slice(0, 30);
  const cutByPage = toJsonLine(sample(4n, { q: 'z' })).slice(0, 25);
  const bytes = Buffer.concat([
    Buffer.from([0, 1, 2, 0x7b]), Buffer.from(`${toJsonLine(tricky)}\n`), Buffer.from(`${cutByNewline}\n`),
    Buffer.from(`${toJsonLine(plain)}\n`), Buffer.from(cutByPage), Buffer.from([0, 0]), Buffer.from(`${toJsonLine(plain)}\n`),
  ]);
  const file = join(tempDir(), 'damaged.db');
  writeFileSync(file, bytes);
  assert.equal(salvageSamples(file), [plain, tricky]);
});

test("samples naming their resource by reference: found with the shared row in the bytes, left out when the row is lost", () => {
  const bytes = [
    '{"ref":"r1","resource":{"service.name":"shop"}}',
    '{"name":"m","kind":"gauge","value":1,"timeUnixNano":"5","attributes":{},"resource":"r1"}',
    '{"name":"m","kind":"gauge","value":2,"timeUnixNano":"6","attributes":{},"resource":"r9"}',
  ].join('\n');
  const file = join(tempDir(), 'damaged.db');
  writeFileSync(file, bytes);
  assert.equal(salvageSamples(file).map((x) => [x.value, x.resource]), [[1, { 'service.name': 'shop' }]]);
});

test.run();
