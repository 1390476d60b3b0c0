/**
 * The spool's lines name their resource and scope by reference (src/spool/sharedObjects.ts): a
 * sample comes back whole, each object is written once, an older file (lines holding them whole)
 * is read as before, and an older chronoq refuses a file written so rather than misread it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { statSync, truncateSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Spool } from '../src/spool/spool.js';
import { DROP_EVERY } from '../src/spool/sharedObjects.js';
import { toJsonLine } from '../src/sampleJson.js';
import type { Attributes, Sample } from '../src/sample.js';
import { tempDir } from './support/cli.js';
import { open } from './support/spool.js';
import { attrs, sample } from './support/sampleArbitraries.js';
import { httpScope, sdkResource } from './support/sdkResource.js';

const test = suite('spool: shared resources and scopes');

const scope = httpScope;
const point = (i: number, resource: Attributes, extra: Partial<Sample> = {}): Sample =>
  ({ name: 'http.server.active_requests', kind: 'gauge', value: i, timeUnixNano: 1_764_064_800_000_000_000n + BigInt(i), attributes: { route: `/r${i % 5}` }, resource, scope, ...extra }) as Sample;

const rows = (path: string, sql: string): unknown[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
};
const reopened = (path: string, lanes = 1): Sample[] => {
  const { spool } = open(path, lanes);
  const back = spool.recover();
  spool.close();
  return back;
};

test('any samples come back from the spool whole, their resources and scopes read through references (a fresh process: nothing cached)', () => {
  const dir = tempDir();
  let n = 0;
  // Samples drawn with a few resource and scope objects shared between them, as a request's are.
  const withShared = fc.tuple(fc.array(sample, { minLength: 1, maxLength: 30 }), fc.array(attrs, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 30 }))
    .map(([samples, resources, picks]) => samples.map((s, i) => (picks[i] !== undefined && picks[i]! % 3 !== 0 ? { ...s, resource: resources[picks[i]! % resources.length]! } : s)));
  fc.assert(
    fc.property(withShared, fc.integer({ min: 1, max: 7 }), (samples, burst) => {
      const path = join(dir, `p${n++}.db`);
      const { spool } = open(path, 1);
      for (let i = 0; i < samples.length; i += burst) spool.append(samples.slice(i, i + burst));
      spool.abandon();
      assert.equal(reopened(path), samples);
    }),
    { numRuns: 150 },
  );
});

test('a resource and a scope of the same text are two objects; 20 000 resources, 20 000 references', () => {
  const path = join(tempDir(), 'same.db');
  const { spool } = open(path, 1);
  const alike = point(0, { name: 'lib' }, { scope: { name: 'lib' } });
  const many = Array.from({ length: 20_000 }, (_, i) => point(i + 1, { 'service.instance.id': `i-${i}` }));
  spool.append([alike, ...many]);
  spool.abandon();
  const back = reopened(path);
  assert.equal(back[0], alike, 'read back with each its own');
  assert.ok(back.slice(1).every((x, i) => x.resource?.['service.instance.id'] === `i-${i}`), 'no two resources under one reference');
  assert.equal((rows(path, 'SELECT COUNT(*) AS n FROM shared_objects') as { n: number }[])[0]!.n, 20_003, 'its two, the scope of the others and their 20 000 resources');
});

test('a resource and a scope are written once, not in every line: 4 times fewer bytes a sample with an SDK\'s resource', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 2);
  const resources = [sdkResource('checkout-a'), sdkResource('checkout-b')];
  const samples = Array.from({ length: 2_000 }, (_, i) => point(i, resources[Math.floor(i / 100) % 2]!));
  for (let i = 0; i < samples.length; i += 100) spool.append(samples.slice(i, i + 100));
  const perSample = spool.usedBytes / samples.length;
  const whole = toJsonLine(samples[0]!).length;
  spool.close();
  assert.ok(perSample < whole / 3.5, `${perSample.toFixed(0)} bytes a sample, where a whole line is ${whole}`);
  const lines = (rows(path, 'SELECT lines FROM chunks') as { lines: string }[]).map((r) => r.lines).join('\n');
  assert.not.ok(lines.includes('k8s.pod.name') || lines.includes('instrumentation-http'), 'no line holds a resource or scope');
  const shared = rows(path, 'SELECT text FROM shared_objects') as { text: string }[];
  assert.is(shared.length, 3, 'two resources and a scope, a row each');
  assert.equal(reopened(path, 2).sort((a, b) => Number(a.value) - Number(b.value)), samples);
});

test('a histogram or a non-finite value (lines written whole, not field by field) names its resource and scope by reference too', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const resource = sdkResource('checkout-a');
  const histogram = { boundaries: [0.1, 1], counts: [3, 2, 1], sum: 2.5, count: 6 };
  const samples = [point(0, resource, { kind: 'histogram', value: histogram }), point(1, resource, { value: Number.NaN }), point(2, resource, { value: Infinity })];
  spool.append(samples);
  spool.close();
  const lines = (rows(path, 'SELECT lines FROM chunks') as { lines: string }[]).map((r) => r.lines).join('\n');
  assert.not.ok(lines.includes('k8s.pod.name') || lines.includes('instrumentation-http'), lines);
  assert.equal(reopened(path), samples);
});

test('an append that failed (a full disk, at its chunk or at its shared row) wrote no shared row; the next one that names the object writes it', () => {
  for (const table of ['chunks', 'shared_objects']) {
    const path = join(tempDir(), 'spool.db');
    const { spool } = open(path, 1);
    const other = new Database(path);
    other.exec(`CREATE TRIGGER append_fails BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const resource = sdkResource('checkout-c');
    assert.throws(() => spool.append([point(1, resource)]), /disk is full/);
    other.exec('DROP TRIGGER append_fails');
    other.close();
    spool.append([point(2, resource)]);
    spool.abandon();
    assert.equal(reopened(path), [point(2, resource)], `its resource is in the file (${table})`);
  }
});

test('a shared row no chunk names any more is let go — at an append every DROP_EVERY, and at open — and one a chunk left names is kept', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const refs = () => (rows(path, 'SELECT text FROM shared_objects') as { text: string }[]).map((r) => (JSON.parse(r.text) as { resource?: Attributes }).resource?.['k8s.pod.name'] ?? 'scope').sort();
  const gone = point(1, sdkResource('gone'));
  const kept = point(2, sdkResource('kept'));
  spool.append([gone]);
  spool.append([kept]);
  spool.settle([gone]);
  assert.equal(refs(), ['gone', 'kept', 'scope'], 'not let go at every settle');
  const later = Array.from({ length: DROP_EVERY - 2 }, (_, i) => point(10 + i, sdkResource('later')));
  for (const p of later.slice(0, -1)) spool.append([p]);
  assert.equal(refs(), ['gone', 'kept', 'later', 'scope']);
  spool.append([later.at(-1)!]);
  assert.equal(refs(), ['kept', 'later', 'scope'], 'let go at the DROP_EVERY-th append; the one an unsettled chunk names kept');
  spool.abandon();
  assert.equal(reopened(path), [kept, ...later], 'every sample left whole');

  const settled = join(tempDir(), 'spool.db');
  const { spool: s2 } = open(settled, 1);
  s2.append([gone, kept]);
  s2.settle([gone, kept]);
  s2.close();
  open(settled, 1).spool.close();
  assert.is(rows(settled, 'SELECT ref FROM shared_objects').length, 0, 'let go at open once no chunk names them');
});

test('a spool written by an earlier chronoq (lines holding resource and scope whole, in `payload`) is read as before; once opened, an earlier chronoq refuses it (its statements name `payload`: it stops at start) rather than misread its lines', () => {
  const path = join(tempDir(), 'spool.db');
  const resource = sdkResource('checkout-d');
  const samples = [point(1, resource), point(2, resource, { kind: 'histogram', value: { boundaries: [1], counts: [1, 2], sum: 4, count: 3 } } as Partial<Sample>)];
  const db = new Database(path);
  db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chunks (id INTEGER PRIMARY KEY AUTOINCREMENT, lane INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL, oldest_ns TEXT NOT NULL, newest_ns TEXT NOT NULL, payload TEXT NOT NULL);
    CREATE INDEX chunks_lane_last ON chunks (lane, last_seq);
    CREATE TABLE lanes (lane INTEGER PRIMARY KEY, next_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL);
    CREATE TABLE resource_eras (from_chunk INTEGER PRIMARY KEY, canonical TEXT NOT NULL, json TEXT NOT NULL);`);
  const payload = samples.map((s) => toJsonLine(s)).join('\n');
  db.prepare('INSERT INTO chunks (lane, first_seq, last_seq, count, bytes, oldest_ns, newest_ns, payload) VALUES (0, 0, 1, 2, ?, ?, ?, ?)').run(payload.length, '1', '2', payload);
  db.prepare('INSERT INTO lanes VALUES (0, 2, -1)').run();
  db.close();
  const opened = Spool.open(path, { lanes: 1 });
  assert.ok(opened._tag === 'Right');
  const { spool } = opened.right;
  assert.equal(spool.recover(), samples, 'read back whole');
  spool.append([point(3, resource)]);
  spool.close();
  assert.equal(reopened(path), [...samples, point(3, resource)], 'old lines and new ones side by side');
  const after = new Database(path, { readonly: true });
  // An earlier chronoq's statements, prepared when it opens a spool (measured with the code before this change: `chronoq run` exits 1 at start, "table chunks has no column named payload").
  assert.throws(() => after.prepare('INSERT INTO chunks (lane, first_seq, last_seq, count, bytes, oldest_ns, newest_ns, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'), /table chunks has no column named payload/);
  assert.throws(() => after.prepare('SELECT id, first_seq, payload FROM chunks WHERE lane = ? AND last_seq > ? ORDER BY last_seq'), /no such column: payload/);
  after.close();
});

test('a damaged spool is salvaged with its samples\' resources and scopes: the shared rows are found in the bytes as the lines are', () => {
  const path = join(tempDir(), 'spool.db');
  const { spool } = open(path, 1);
  const resources = [sdkResource('checkout-e'), sdkResource('checkout-f')];
  const samples = Array.from({ length: 2_000 }, (_, i) => point(i, resources[Math.floor(i / 40) % 2]!));
  for (let i = 0; i < samples.length; i += 40) spool.append(samples.slice(i, i + 40));
  spool.checkpoint();
  spool.close();
  truncateSync(path, Math.floor(statSync(path).size * 0.6));
  const r = Spool.open(path, { lanes: 1 });
  assert.ok(r._tag === 'Right' && r.right.report.damage !== undefined, 'salvaged');
  if (r._tag !== 'Right') return;
  const back = r.right.spool.recover();
  r.right.spool.close();
  assert.ok(back.length > 500, `salvaged ${back.length} of 2000`);
  for (const s of back) assert.equal(s, samples[s.value as number], `sample ${String(s.value)} whole`);
});

test.run();
