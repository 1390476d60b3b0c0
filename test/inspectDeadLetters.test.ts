/**
 * summarizeDeadLetters (`chronoq inspect DEAD-LETTERS.ndjson`) at its edges, read directly: what
 * test/cliInspect.test.ts shows through the command, here where a count or a cut could be off by
 * one — kinds whose details go on past what is shown, exactly five kinds or metrics, times out of
 * order or before 1970, letters that are not quite samples, and the bound on metric names.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/cli.js';
import { formatDeadLetterSummary, summarizeDeadLetters } from '../src/cli/inspectDeadLetters.js';
import { inspectCommand } from '../src/cli/inspect.js';
import { lateDetail } from '../src/lateDetail.js';

const test = suite('summarizeDeadLetters');
const T0 = 1_764_064_800_000_000_000n; // 2025-11-25T10:00:00Z

/** The summary of a file of `lines` (objects written as JSON, strings as they are). */
const summaryOf = async (lines: readonly (object | string)[]) => {
  const path = join(tempDir(), 'dead.ndjson');
  writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return summarizeDeadLetters(path);
};
const letter = (reason: string, detail: string, item: object = {}) => ({ reason, item, detail, atUnixMs: 0 });
const sample = (name: string, timeUnixNano: bigint, extra: object = {}) => ({ name, kind: 'gauge', value: 1, timeUnixNano: String(timeUnixNano), attributes: {}, ...extra });

test('a kind whose later details go on past the first one\'s end is shown cut ("…"), not as if they all ended there', async () => {
  const head = 'x'.repeat(300);
  // One kind (the first 300 characters are what kinds are told by); the second goes on with a number.
  const s = await summaryOf([letter('rejected', head), letter('rejected', `${head}5 more`)]);
  assert.equal(s.reasons['rejected']!.details, [{ detail: `${head}…`, letters: 2 }]);
  // The same detail twice is shown whole.
  const same = await summaryOf([letter('rejected', head), letter('rejected', head)]);
  assert.equal(same.reasons['rejected']!.details, [{ detail: head, letters: 2 }]);
});

test('numbers fold whole, decimals too, into one kind; letters whose attributes are no object are told apart by resource too', async () => {
  const s = await summaryOf([letter('late', 'behind by 1.5 s'), letter('late', 'behind by 2 s'), letter('late', 'behind by 0.25 s')]);
  assert.equal(s.reasons['late']!.details.map((d) => d.letters), [3]);
  const odd = await summaryOf([1, 2].map((i) => letter('invalid', 'attributes must be an object', { name: 'cpu', attributes: 'host=a', resource: { 'host.name': `h${i}` } })));
  assert.is(odd.series, 2);
});

test('reasons by their count, the most first; a blank line is no line, a letter without a detail one of an empty detail; late letters behind by the least and most', async () => {
  const behind = (ms: number) => lateDetail(T0, T0 + BigInt(ms) * 1_000_000n, 'its series', 2_000);
  const s = await summaryOf([letter('late', behind(5_000)), '   ', { reason: 'invalid', item: {}, atUnixMs: 0 }, letter('invalid', ''), letter('late', behind(2_000)), letter('invalid', 'x'), '\t']);
  assert.equal(Object.keys(s.reasons), ['invalid', 'late']);
  assert.is(s.unreadable, 0, 'blank lines');
  assert.equal(s.reasons['invalid']!.details, [{ detail: '', letters: 2 }, { detail: 'x', letters: 1 }]);
  assert.equal([s.reasons['late']!.behindMs?.least, s.reasons['late']!.behindMs?.most], [2_000, 5_000]);
});

test('as text: one more kind of detail said in the singular, one metric listed, no line of resends when there were none', async () => {
  const text = formatDeadLetterSummary(await summaryOf(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => letter('invalid', `problem ${k}`, { name: 'cpu' }))));
  assert.match(text, /\n +1 × \(1 more kind of detail\)\n/);
  assert.match(text, /\nmetrics: cpu 6\n$/);
  assert.not.match(text, /resend/);
});

test('exactly five kinds of detail, and five metrics, are all shown: nothing "more"', async () => {
  const s = await summaryOf(['a', 'b', 'c', 'd', 'e'].map((k) => letter('invalid', `problem ${k}`, { name: `m${k}` })));
  assert.is(s.reasons['invalid']!.details.length, 5);
  assert.is(s.reasons['invalid']!.moreKinds, undefined);
  assert.is(s.metrics.length, 5);
  assert.is(s.moreMetrics, undefined);
});

test('the time range is the oldest and newest sample whatever order the letters are in, times before 1970 too', async () => {
  const s = await summaryOf([
    letter('late', 'x', sample('cpu', T0 + 5n)),
    letter('late', 'x', sample('cpu', T0)),
    letter('late', 'x', sample('cpu', T0 + 9n)),
    // A sample stamped before 1970 (a clock that was never set, say) is dead-lettered invalid with its time.
    letter('invalid', 'y', sample('cpu', -1_000_000n)),
    letter('invalid', 'y', sample('cpu', -5_000_000n)),
  ]);
  assert.is(s.reasons['late']!.oldestUnixNano, String(T0));
  assert.is(s.reasons['late']!.newestUnixNano, String(T0 + 9n));
  assert.is(s.reasons['invalid']!.oldestUnixNano, '-5000000');
  assert.is(s.reasons['invalid']!.newestUnixNano, '-1000000');
});

test('refused on a resend counts rejected letters only; a line of OTLP/JSON (a Collector file exporter\'s) counts as samples', async () => {
  const s = await summaryOf([
    letter('rejected', 'the receiver refused the batch on a resend (attempt 2): 3 INVALID_ARGUMENT: bad; an earlier attempt failed with …'),
    letter('retries-exhausted', 'gave up after 3 attempts; the last: 14 UNAVAILABLE: proxy: "refused on a resend"'),
    '{"resourceMetrics":[{"resource":{},"scopeMetrics":[{"scope":{},"metrics":[{"name":"cpu","gauge":{"dataPoints":[{"timeUnixNano":"5","asDouble":1}]}}]}]}]}',
  ]);
  assert.is(s.refusedOnResend, 1);
  assert.is(s.letters, 2);
  assert.is(s.unreadable, 1);
  assert.is(s.samples, 1);
});

test('a letter whose resource is not an object (a hand-edited file) is counted by its text, not a crash', async () => {
  const s = await summaryOf([
    letter('invalid', 'x', { name: 'cpu', attributes: {}, resource: 5 }),
    letter('invalid', 'x', { name: 'cpu', attributes: {}, resource: {} }),
    letter('invalid', 'x', { name: 'cpu', attributes: {} }),
  ]);
  assert.is(s.letters, 3);
  assert.is(s.series, 3);
});

test('metric names are told apart up to 10 000: past that they are summed as one, in bounded memory', async () => {
  const s = await summaryOf(Array.from({ length: 10_003 }, (_, i) => letter('rejected', 'x', { name: `metric_${i}` })));
  assert.is(s.letters, 10_003);
  // 10 000 names of one letter each, and the other three as one entry.
  assert.equal(s.metrics[0], { name: '(other kinds)', letters: 3 });
  assert.equal(s.moreMetrics, { names: 9_996, letters: 9_996 });
});

test('inspect of an empty dead-letter file: none (not "neither a spool nor a dead-letter file"); beside its rotated files, JSON lists them and the text says how to replay all', async () => {
  const path = join(tempDir(), 'dead.ndjson');
  writeFileSync(path, '');
  const run = async (json: boolean) => {
    let out = '';
    const said: string[] = [];
    const code = await inspectCommand(path, json, (level, message) => void said.push(`${level} ${message}`), (x) => void (out += x));
    return { code, out, said };
  };
  const empty = await run(false);
  assert.equal([empty.code, empty.said], [0, []]);
  assert.match(empty.out, /^dead letters .*dead\.ndjson: 0 letters, 0 series\n$/);
  writeFileSync(`${path}.1`, `${JSON.stringify(letter('late', 'late'))}\n`);
  const asJson = await run(true);
  assert.equal((JSON.parse(asJson.out) as { rotatedFiles?: string[] }).rotatedFiles, [`${path}.1`]);
  const asText = await run(false);
  assert.ok(asText.out.endsWith(`older dead letters are in ${path}.1; every file, oldest first: cat ${path}.1 ${path} | chronoq replay -\n`), asText.out);
});

test.run();
