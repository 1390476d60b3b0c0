import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { measure } from './e2e/measure.js';
import type { ReceivedPoint } from './support/collector.js';

const test = suite('e2e measures');
const p = (series: string, t: number, value: number): ReceivedPoint => ({ series, name: series, timeUnixNano: BigInt(t), value });
const sent = [1, 2, 3, 4].map((v) => ({ value: v, timeUnixNano: BigInt(v * 10) }));

test('a clean delivery measures clean', () => {
  assert.equal(measure(sent, [p('a', 10, 1), p('a', 20, 2), p('a', 30, 3), p('a', 40, 4)], new Set()), {
    sent: 4, delivered: 4, lost: 0, inversions: 0, restamped: 0, duplicates: 0, deadLettered: 0,
  });
});

test('new data behind newer data is an inversion; a repeated batch is duplicates only', () => {
  const inverted = measure(sent, [p('a', 10, 1), p('a', 30, 3), p('a', 20, 2), p('a', 40, 4)], new Set());
  assert.is(inverted.inversions, 1);
  const repeated = measure(sent, [p('a', 10, 1), p('a', 20, 2), p('a', 10, 1), p('a', 20, 2), p('a', 30, 3)], new Set());
  assert.equal([repeated.inversions, repeated.duplicates, repeated.delivered], [0, 2, 3]);
});

test('lost excludes dead letters; a changed timestamp is re-stamped; series are independent', () => {
  const m = measure(sent, [p('a', 10, 1), p('b', 25, 2), p('a', 5, 3)], new Set([4]));
  assert.equal([m.lost, m.deadLettered, m.restamped, m.inversions], [0, 1, 2, 1]);
  assert.is(measure(sent, [p('a', 10, 1)], new Set()).lost, 3);
});

test.run();
