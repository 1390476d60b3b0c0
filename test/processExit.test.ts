/**
 * An application that ends with process.exit() while chronoq holds samples (test/fixtures/jobExits.ts:
 * 50 samples pushed, the receiver down, process.exit(0) 300 ms later, all of them still in the
 * reorder buffer). `exit` listeners can only work synchronously: nothing can be sent, but nothing
 * may vanish. Before, all 50 did — no dead letter, and with a spool, an empty spool.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeft } from 'fp-ts/lib/Either.js';
import { tempDir } from './support/cli.js';
import { freePort } from './support/collector.js';
import { inspectSpoolFile } from '../src/spool/inspectSpool.js';
import { Spool } from '../src/spool/spool.js';

const test = suite('process.exit() with samples held');
const fixture = join(import.meta.dirname, 'fixtures/jobExits.ts');
const run = (endpoint: string, deadLetters: string, spool: string, reorderMs?: number) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, endpoint, deadLetters, spool, ...(reorderMs !== undefined ? [String(reorderMs)] : [])], { encoding: 'utf8', timeout: 30_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'exiting with 50 outstanding');
  return r;
};
const values = Array.from({ length: 50 }, (_, i) => i);

for (const [where, reorderMs] of [['in the reorder buffer', undefined], ['in delivery, retrying', 0]] as const) {
  test(`without a spool: every held sample (${where}) is a dead letter \`shutdown\` saying the process exited`, async () => {
    const dir = tempDir();
    run(`http://127.0.0.1:${await freePort()}`, join(dir, 'dead.ndjson'), '-', reorderMs);
    const letters = readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail: string; item: { value: number } });
    assert.equal(letters.map((l) => l.item.value).sort((a, b) => a - b), values, 'each once');
    assert.ok(letters.every((l) => l.reason === 'shutdown' && l.detail === 'not delivered: the process exited (process.exit()) before they could be sent'), JSON.stringify(letters[0]));
  });
}

test('with a spool: every held sample is in the spool, delivered first at the next start', async () => {
  const dir = tempDir();
  const spoolPath = join(dir, 'spool.db');
  run(`http://127.0.0.1:${await freePort()}`, join(dir, 'dead.ndjson'), spoolPath);
  const contents = inspectSpoolFile(spoolPath);
  if (isLeft(contents)) throw contents.left;
  assert.is(contents.right.waiting, 50);
  const opened = Spool.open(spoolPath, {});
  if (isLeft(opened)) throw opened.left;
  try {
    assert.equal(opened.right.spool.recover().map((s) => s.value), values, 'in order');
  } finally {
    opened.right.spool.close();
  }
});

test.run();
