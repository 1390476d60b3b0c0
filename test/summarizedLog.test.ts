/**
 * The log for things that happen to many samples (src/telemetry/summarizedLog.ts): the first of a
 * kind said at once, the rest of each kind summed up once a minute with the latest one's detail,
 * nothing said for a minute without more, and no timer left once cancelled.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSummarizedLog, SUMMARY_EVERY_MS, type SummaryWording } from '../src/telemetry/summarizedLog.js';

const test = suite('summarized log');

const wording = (kind: string): SummaryWording => ({
  level: kind === 'late' ? 'warn' : 'error',
  first: (detail, name) => `first ${kind}: ${detail}${name === undefined ? '' : ` (${name})`}`,
  more: (count, latest) => `${count} more ${kind}, the latest: ${latest}`,
});

/** A summarized log whose minute is driven by hand; what it logged. */
const driven = () => {
  const lines: unknown[][] = [];
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  const log = createSummarizedLog<string>({
    log: (level, message, fields) => void lines.push([level, message, fields]),
    wordingOf: wording,
    field: 'reason',
    every: (ms, fn) => {
      const t = { ms, fn, cancelled: false };
      timers.push(t);
      return { cancel: () => void (t.cancelled = true) };
    },
  });
  return { log, lines, timers, minute: () => timers[0]!.fn() };
};

test('a line a minute at most per kind: the first at once, then how many more with the latest detail', () => {
  const { log, lines, timers, minute } = driven();
  assert.equal(timers.map((t) => t.ms), [60_000]);
  assert.is(SUMMARY_EVERY_MS, 60_000);
  log.note('late', 'a', 'cpu');
  log.note('late', 'b');
  log.note('skew', 'x');
  log.note('late', 'c');
  assert.equal(lines, [
    ['warn', 'first late: a (cpu)', { reason: 'late' }],
    ['error', 'first skew: x', { reason: 'skew' }],
  ]);
  minute();
  assert.equal(lines.slice(2), [['warn', '2 more late, the latest: c', { reason: 'late', count: 2 }]]);
  minute();
  assert.is(lines.length, 3, 'nothing more: nothing said');
  log.note('skew', 'y');
  minute();
  assert.equal(lines.slice(3), [['error', '1 more skew, the latest: y', { reason: 'skew', count: 1 }]]);
  log.cancel();
  assert.ok(timers[0]!.cancelled);
});

test.run();
