/**
 * createLogger (src/cli/log.ts), the command's log lines on their own: a text line ends with its
 * fields as JSON; a JSON line carries them as its own fields, a bigint among them as its digits
 * (JSON.stringify alone throws on a bigint: a sample's time in a field would end the run).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../src/cli/log.js';
import type { Clock } from '../src/clock.js';

const test = suite('createLogger');
const clock: Clock = { now: () => Date.UTC(2026, 11, 7, 10, 0, 0), monotonic: () => 0 };
const linesOf = (format: 'text' | 'json', log: (l: ReturnType<typeof createLogger>) => void): string[] => {
  const out: string[] = [];
  log(createLogger(format, clock, (s) => void out.push(s)));
  return out;
};

test('text: time, level and message, then the fields as JSON when there are any; jsonFields are for JSON lines only', () => {
  assert.equal(linesOf('text', (log) => {
    log('warn', 'delivery failing', { lane: 2 }, { delivered: 5 });
    log('info', 'started');
  }), ['2026-12-07T10:00:00.000Z WARN  delivery failing {"lane":2}\n', '2026-12-07T10:00:00.000Z INFO  started\n']);
});

test('json: one object a line, fields and jsonFields beside the message; a bigint as its digits', () => {
  const [line] = linesOf('json', (log) => log('error', 'refused', { timeUnixNano: 1_764_064_800_123_456_789n }, { delivered: 5 }));
  assert.equal(JSON.parse(line!), { time: '2026-12-07T10:00:00.000Z', level: 'error', message: 'refused', timeUnixNano: '1764064800123456789', delivered: 5 });
});

test.run();
