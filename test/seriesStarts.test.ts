/**
 * fillStartTimes across a restart: `onEnd` hands over each series' state, `initial` takes it up, so
 * a series goes on from its start (a reset still told from the value it had); and the spool's
 * store of them (src/spool/seriesStarts.ts): what changed written every second, all of them at the end.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import { fillStartTimes, type SeriesStartChanges, type SeriesStartState } from '../operators/fillStartTimes.js';
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
  assert.equal(second.ended.map((s) => [s.series, s.start, s.lastTime]), [[seriesKey(counter(0n, 0)), 300n, 400n]], 'a state taken up is handed on once, as it is now');
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
  const edge = await run([counter(100n, 5), counter(1_000_100n, 5, 'other')], { forgetSeriesAfterMs: 1 });
  assert.is(edge.ended.length, 2, 'exactly forgetSeriesAfterMs behind the newest: handed on');
});

test('a failing onEnd errors the stream', async () => {
  const failing = lastValueFrom(from([counter(1n, 1)]).pipe(routed(), fillStartTimes({ onEnd: () => { throw new Error('store gone'); } })));
  await failing.then(() => assert.unreachable('completed'), (e: Error) => assert.is(e.message, 'store gone'));
});

test('the spool keeps them until they are kept again; histograms keep their counts; a row that is no state is skipped', () => {
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
  assert.equal(again.seriesStarts.take(), states, 'still there: a run killed before its end leaves them to the next');
  again.seriesStarts.keep([{ series: 'x', start: 1n, lastTime: 2n, lastValue: 3 }]);
  const db = (again as unknown as { db: { prepare(s: string): { run(...a: unknown[]): void } } }).db;
  db.prepare("INSERT INTO series_starts VALUES ('bad', '-1', 'x', 'null')").run();
  // Each time not a decimal of nanoseconds, with a value that is one: skipped alone, the rest still read.
  db.prepare("INSERT INTO series_starts VALUES ('negative', '-1', '2', '3'), ('word', '1', 'soon', '3'), ('exponent', '1e3', '2000', '3')").run();
  assert.equal(again.seriesStarts.take().map((s) => s.series), ['x']);
  again.close();
});

test('trackChanges: the states samples changed since the last call, and the series forgotten', async () => {
  let changes = (): SeriesStartChanges => {
    throw new Error('not handed over at subscription');
  };
  const samples = new Subject<Sample>();
  const out: (bigint | undefined)[] = [];
  samples.pipe(routed(), fillStartTimes({ forgetSeriesAfterMs: 0.001, trackChanges: (c) => (changes = c) })).subscribe((r) => out.push(isRight(r) ? r.right.startTimeUnixNano : undefined));
  assert.equal(changes(), { kept: [], forgotten: [] });
  samples.next(counter(100n, 5));
  samples.next(counter(200n, 7));
  samples.next(counter(200n, 1, 'other'));
  samples.next({ ...counter(200n, 1, 'gauge'), kind: 'gauge' });
  samples.next({ ...counter(200n, 1, 'given'), startTimeUnixNano: 50n });
  const jobs = seriesKey(counter(0n, 0));
  const other = seriesKey(counter(0n, 0, 'other'));
  assert.equal(changes(), { kept: [{ series: jobs, start: 100n, lastTime: 200n, lastValue: 7 }, { series: other, start: 200n, lastTime: 200n, lastValue: 1 }], forgotten: [] }, 'each series once, as it is now; gauges and given starts are not kept');
  assert.equal(changes(), { kept: [], forgotten: [] }, 'nothing since');
  // 1 024 series more, each idle once the next comes (forgetSeriesAfterMs 1 µs): the table sweeps them.
  for (let i = 0; i < 1_030; i++) samples.next(counter(10_000n + BigInt(i) * 10_000n, 1, `s${i}`));
  const after = changes();
  assert.ok(after.forgotten.includes(jobs) && after.forgotten.includes(other), 'jobs and other forgotten');
  assert.not.ok(after.kept.some((k) => k.series === jobs), 'a forgotten series is not also kept');
  samples.next(counter(20_000_000n, 3));
  const back = changes();
  assert.equal(back.kept.map((k) => [k.series, k.start]), [[jobs, 20_000_000n]], 'seen again after it was forgotten: kept afresh, not forgotten');
  assert.not.ok(back.forgotten.includes(jobs));
  assert.is(out.length, 1_036);
});

test('initial states idle by forgetSeriesAfterMs behind the newest of them are let go at subscription', async () => {
  const initial: SeriesStartState[] = [
    { series: seriesKey(counter(0n, 0)), start: 10n, lastTime: 1_000n, lastValue: 5 },
    { series: seriesKey(counter(0n, 0, 'other')), start: 10n, lastTime: 5_000_000n, lastValue: 5 },
  ];
  const r = await run([counter(1_100n, 6)], { initial, forgetSeriesAfterMs: 1 });
  assert.equal(r.starts, [1_100n], 'jobs idle 5 ms behind other when kept: a reset point, not on from 10');
  const kept = await run([counter(1_100n, 6)], { initial, forgetSeriesAfterMs: 10 });
  assert.equal(kept.starts, [10n]);
  const edge = [{ ...initial[0]!, lastTime: 4_000_000n }, initial[1]!];
  assert.equal((await run([counter(4_100_000n, 6)], { initial: edge, forgetSeriesAfterMs: 1 })).starts, [10n], 'exactly forgetSeriesAfterMs behind: kept');
});

test('earlier states let go (idle at subscription, or all of them once the stream is past them) are told as forgotten, so a store written as runs go lets go of them too', () => {
  let changes = (): SeriesStartChanges => {
    throw new Error('not handed over at subscription');
  };
  const samples = new Subject<Sample>();
  const initial: SeriesStartState[] = [
    { series: 'idle', start: 1n, lastTime: 1_000n, lastValue: 1 },
    { series: 'recent', start: 1n, lastTime: 5_000_000n, lastValue: 1 },
    { series: seriesKey(counter(0n, 0)), start: 1n, lastTime: 5_000_000n, lastValue: 1 },
  ];
  samples.pipe(routed(), fillStartTimes({ forgetSeriesAfterMs: 1, initial, trackChanges: (c) => (changes = c) })).subscribe();
  assert.equal(changes(), { kept: [], forgotten: ['idle'] }, 'idle 5 ms behind the newest of them: let go at once');
  samples.next(counter(5_100_000n, 6));
  assert.equal(changes().forgotten, [], 'jobs taken up; recent still waits');
  samples.next(counter(6_000_000n, 7, 'x'));
  assert.equal(changes().forgotten, [], 'exactly 1 ms past them: not yet');
  samples.next(counter(7_000_000n, 7, 'x'));
  assert.equal(changes().forgotten, ['recent'], 'the stream 2 ms past them: the rest let go, not jobs, taken up before');
});

test('the spool writes what changed since it last did, keeps it through a write that failed, and deletes what was forgotten', () => {
  const dir = tempDir();
  const opened = Spool.open(join(dir, 'spool.db'));
  if (opened._tag === 'Left') throw opened.left;
  const spool = opened.right.spool;
  const db = (spool as unknown as { db: { exec(sql: string): void } }).db;
  let next: SeriesStartChanges = { kept: [], forgotten: [] };
  spool.seriesStarts.follow(() => {
    const c = next;
    next = { kept: [], forgotten: [] };
    return c;
  });
  const a = { series: 'a', start: 1n, lastTime: 2n, lastValue: 3 };
  const b = { series: 'b', start: 1n, lastTime: 5n, lastValue: 4 };
  next = { kept: [a, b], forgotten: [] };
  assert.ok(spool.seriesStarts.writeChanges());
  assert.equal(spool.seriesStarts.take(), [a, b]);
  db.exec("CREATE TRIGGER refuse BEFORE UPDATE ON series_starts BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  db.exec("CREATE TRIGGER refuse2 BEFORE INSERT ON series_starts BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  const a2 = { ...a, lastTime: 6n, lastValue: 8 };
  next = { kept: [a2], forgotten: ['b'] };
  assert.not.ok(spool.seriesStarts.writeChanges(), 'the disk refused it');
  assert.equal(spool.seriesStarts.take(), [a, b], 'nothing of it written');
  db.exec('DROP TRIGGER refuse; DROP TRIGGER refuse2');
  const c = { series: 'c', start: 7n, lastTime: 7n, lastValue: 1 };
  next = { kept: [c], forgotten: [] };
  assert.ok(spool.seriesStarts.writeChanges());
  assert.equal(spool.seriesStarts.take().sort((x, y) => x.series.localeCompare(y.series)), [a2, c], 'what the failed write had — a on, b deleted — and c');
  next = { kept: [{ ...c, lastTime: 9n }], forgotten: [] };
  spool.close();
  const again = Spool.open(join(dir, 'spool.db'));
  if (again._tag === 'Left') throw again.left;
  assert.equal(again.right.spool.seriesStarts.take().find((s) => s.series === 'c')?.lastTime, 9n, 'what changed since is written at close');
  again.right.spool.close();
});

test('keep writes them all: what changed before it is not written again after it', () => {
  const dir = tempDir();
  const opened = Spool.open(join(dir, 'spool.db'));
  if (opened._tag === 'Left') throw opened.left;
  const spool = opened.right.spool;
  let next: SeriesStartChanges = { kept: [{ series: 'idle', start: 1n, lastTime: 1n, lastValue: 1 }], forgotten: [] };
  spool.seriesStarts.follow(() => {
    const c = next;
    next = { kept: [], forgotten: [] };
    return c;
  });
  assert.ok(spool.seriesStarts.keep([{ series: 'x', start: 1n, lastTime: 2n, lastValue: 3 }]));
  assert.ok(spool.seriesStarts.writeChanges());
  assert.equal(spool.seriesStarts.take().map((s) => s.series), ['x'], 'the idle one keep left out stays out');
  spool.close();
});

test.run();
