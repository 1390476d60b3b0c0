/**
 * fillStartTimes across a restart: `onEnd` hands over each series' state, `initial` takes it up, so
 * a series goes on from its start (a reset still told from the value it had); and the spool's
 * store of them (src/spool/seriesStarts.ts), taken once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import { fillStartTimes, type SeriesStartState } from '../operators/fillStartTimes.js';
import { routed } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { Spool } from '../src/spool/spool.js';
import { tempDir } from './support/cli.js';

const test = suite('series starts across a restart');

const counter = (t: bigint, value: number, name = 'jobs'): Sample => ({ name, kind: 'sum', value, timeUnixNano: t, attributes: { q: 'a' } });
/** The starts a run gives `samples`, and the states it ends with. */
const run = async (samples: Sample[], opts: Parameters<typeof fillStartTimes>[0] = {}) => {
  let ended: SeriesStartState[] = [];
  const out = await lastValueFrom(from(samples).pipe(routed(), fillStartTimes({ ...opts, onEnd: (s) => (ended = s) }), toArray()));
  return { starts: out.map((r) => (isRight(r) ? r.right.startTimeUnixNano : undefined)), ended };
};

test('a series goes on from its start; a value below the one kept is a reset from the time kept; one not seen is handed on', async () => {
  const first = await run([counter(100n, 5), counter(200n, 7), counter(150n, 1, 'other')]);
  assert.equal(first.starts, [100n, 100n, 150n]);
  assert.equal(first.ended.map((s) => [s.series, s.start, s.lastTime, s.lastValue]), [[seriesKey(counter(0n, 0)), 100n, 200n, 7], [seriesKey(counter(0n, 0, 'other')), 150n, 150n, 1]]);
  const second = await run([counter(300n, 9), counter(400n, 2)], { initial: first.ended.filter((s) => s.series === seriesKey(counter(0n, 0))) });
  assert.equal(second.starts, [100n, 300n], 'on from 100; 2 < 9 a reset after 300');
  const dropped = await run([counter(300n, 3)], { initial: first.ended });
  assert.equal(dropped.starts, [200n], 'below the 7 kept: a reset after the time kept');
  assert.ok(dropped.ended.some((s) => s.series === seriesKey(counter(0n, 0, 'other')) && s.start === 150n), 'a series not seen this run is kept for the next');
  const fresh = await run([counter(300n, 9)]);
  assert.equal(fresh.starts, [300n], 'without them: a true reset point, as before');
});

test('states older than forgetSeriesAfterMs behind the newest sample are let go', async () => {
  const first = await run([counter(100n, 5), counter(100n, 1, 'other')]);
  const later = await run([counter(100n + 2_000_000n, 6)], { initial: first.ended, forgetSeriesAfterMs: 1 });
  assert.equal(later.starts, [2_000_100n], 'forgotten: it starts afresh');
  assert.equal(later.ended.map((s) => s.series), [seriesKey(counter(0n, 0))], 'and the unseen one is not handed on');
  const idle = await run([counter(100n, 5, 'old'), counter(3_000_000n, 5)], { forgetSeriesAfterMs: 1 });
  assert.equal(idle.ended.map((s) => s.series), [seriesKey(counter(0n, 0))], 'nor one this run would have forgotten');
  const capped = await run([counter(200n, 5)], { maxSeries: 1, initial: [{ series: 'not seen', start: 1n, lastTime: 100n, lastValue: 1 }] });
  assert.equal(capped.ended.map((s) => s.lastTime), [200n], 'at most maxSeries, the most recent (one kept from before among them)');
});

test('the spool keeps them once: taken, they are gone; histograms keep their counts; a row that is no state is skipped', () => {
  const dir = tempDir();
  const open = () => {
    const r = Spool.open(join(dir, 'spool.db'));
    if (r._tag === 'Left') throw r.left;
    return r.right.spool;
  };
  const spool = open();
  const histogram = { boundaries: [1, 2], counts: [1, 0, 3], sum: 9.5, count: 4 };
  const states: SeriesStartState[] = [
    { series: 'a', start: 1_764_064_800_000_000_001n, lastTime: 1_764_064_800_000_000_002n, lastValue: 12.5 },
    { series: 'h', start: 5n, lastTime: 6n, lastValue: histogram },
  ];
  assert.ok(spool.seriesStarts.keep(states));
  spool.close();
  const again = open();
  assert.equal(again.seriesStarts.take(), states);
  assert.equal(again.seriesStarts.take(), [], 'taken once');
  again.seriesStarts.keep([{ series: 'x', start: 1n, lastTime: 2n, lastValue: 3 }]);
  (again as unknown as { db: { prepare(s: string): { run(...a: unknown[]): void } } }).db.prepare("INSERT INTO series_starts VALUES ('bad', '-1', 'x', 'null')").run();
  assert.equal(again.seriesStarts.take().map((s) => s.series), ['x']);
  again.close();
});

test.run();
