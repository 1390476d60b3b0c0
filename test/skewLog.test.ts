/**
 * Clock trouble in the log (src/telemetry/skewLog.ts through logPipelineEvents, as `chronoq run` and
 * the library's pipelines use it): future and stale samples, sources whose clock is off, steps.
 * Before, only steps were said.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { logPipelineEvents } from '../src/telemetry/pipelineLog.js';
import { coarserUnitOf, createSkewLog, formatDurationMs } from '../src/telemetry/skewLog.js';
import type { PipelineEvent } from '../src/pipeline.js';
import type { Sample } from '../src/sample.js';
import type { SkewEvent, SkewPolicy } from '../operators/detectClockSkew.js';

const test = suite('clock-skew log');

const NOW_MS = Date.UTC(2026, 11, 3, 10, 0, 0);
const sample = (timeUnixNano: bigint, attributes: Sample['attributes'] = { host: 'web-1' }): Sample => ({ name: 'cpu', kind: 'gauge', value: 1, timeUnixNano, attributes });
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

/** The log lines and the minute's timer, driven by hand. */
const watched = (policy: SkewPolicy = 'correct', sourceAttribute?: string, forwardSteps?: 'follow') => {
  const events = new Subject<PipelineEvent>();
  const lines: { level: string; message: string }[] = [];
  /** Each line's fields (what a JSON log line carries besides its message), in the same order. */
  const fields: (Record<string, unknown> | undefined)[] = [];
  let tick = (): void => undefined;
  let cancelled = false;
  const subscription = logPipelineEvents(events, {
    log: (level, message, f) => void (lines.push({ level, message }), fields.push(f)),
    skew: { policy, maxSlewPpm: 50_000, ...(sourceAttribute === undefined ? {} : { sourceAttribute }), ...(forwardSteps ? { forwardSteps } : {}) },
    every: (_ms, fn) => {
      tick = fn;
      return { cancel: () => void (cancelled = true) };
    },
  });
  const skew = (event: SkewEvent): void => events.next({ type: 'skew', event });
  return { skew, lines, fields, minute: () => tick(), stop: () => subscription.unsubscribe(), cancelled: () => cancelled };
};

test('future samples: the first with its series and time, then a line a minute with how many more; the timer goes with the subscription', () => {
  const w = watched();
  w.skew({ kind: 'future', sample: sample(ns(NOW_MS + 600_000)), aheadMs: 600_000 });
  assert.is(w.lines.length, 1);
  assert.is(w.lines[0]!.level, 'warn');
  assert.match(w.lines[0]!.message, 'the first 10 min ahead: cpu{host=web-1} at 2026-12-03T10:10:00.000Z: re-stamped with this machine\'s time');
  w.skew({ kind: 'future', sample: sample(ns(NOW_MS + 7_000)), aheadMs: 7_000 });
  w.skew({ kind: 'future', sample: sample(ns(NOW_MS + 8_000)), aheadMs: 8_000 });
  assert.is(w.lines.length, 1, 'the next ones wait for the minute');
  w.minute();
  assert.is(w.lines.length, 2);
  assert.match(w.lines[1]!.message, /^2 more samples stamped ahead of this machine's clock in the last minute \(the latest 8\.0 s ahead: cpu\{host=web-1\} at 2026-12-03T10:00:08\.000Z\); re-stamped/);
  // A JSON log line carries the kind and the count, for a log pipeline to sum without parsing the message.
  assert.equal(w.fields.slice(0, 2), [{ kind: 'future' }, { kind: 'future', count: 2 }]);
  w.minute();
  assert.is(w.lines.length, 2, 'a quiet minute says nothing');
  w.stop();
  assert.ok(w.cancelled());
});

test('stale samples: sent as they are; a time in milliseconds, microseconds or seconds where nanoseconds belong is named', () => {
  for (const [given, unit] of [[BigInt(NOW_MS), 'milliseconds'], [BigInt(NOW_MS) * 1000n, 'microseconds'], [BigInt(NOW_MS / 1000), 'seconds']] as const) {
    const w = watched();
    const behindMs = NOW_MS - Number(given / 1_000_000n);
    w.skew({ kind: 'stale', sample: sample(given), behindMs });
    assert.is(w.lines.length, 1);
    assert.match(w.lines[0]!.message, 'samples older than skew.maxPastMs, the first 57 years old: cpu{host=web-1} at 1970-01-');
    assert.match(w.lines[0]!.message, `its timeUnixNano ${given} reads as now in ${unit}`);
    assert.match(w.lines[0]!.message, 'sent as they are');
  }
  const w = watched('pass');
  w.skew({ kind: 'stale', sample: sample(ns(NOW_MS - 2 * 86_400_000)), behindMs: 2 * 86_400_000 });
  assert.match(w.lines[0]!.message, 'the first 2 days old: cpu{host=web-1} at 2026-12-01T10:00:00.000Z: sent as they are');
  assert.not.match(w.lines[0]!.message, 'reads as now');
});

test('which sample: its first four attributes and "…" for more; a time past what a date can show, in nanoseconds', () => {
  const w = watched();
  w.skew({ kind: 'future', sample: sample(ns(NOW_MS + 600_000), { a: 1, b: 2, c: 3, d: 4, e: 5 }), aheadMs: 600_000 });
  assert.match(w.lines[0]!.message, 'the first 10 min ahead: cpu{a=1,b=2,c=3,d=4,…} at 2026-12-03T10:10:00.000Z');
  // Past year 275760, where a date ends (the operators take any bigint; OTLP's int64 ends in 2262).
  const far = watched();
  far.skew({ kind: 'future', sample: sample(10n ** 22n), aheadMs: 1e16 });
  assert.match(far.lines[0]!.message, 'ahead: cpu{host=web-1} at 10000000000000000000000 ns:');
});

test('policy dead-letter: future and stale samples are dead letters, said by the dead-letter log, not here; a source off is said', () => {
  const w = watched('dead-letter', 'host');
  w.skew({ kind: 'future', sample: sample(ns(NOW_MS + 600_000)), aheadMs: 600_000 });
  w.skew({ kind: 'stale', sample: sample(ns(NOW_MS - 7_200_000)), behindMs: 7_200_000 });
  w.minute();
  assert.is(w.lines.length, 0);
  w.skew({ kind: 'source-offset', source: 'web-2', offsetMs: -90_000 });
  assert.equal(w.lines.map((l) => l.message), ['the clock of source host=web-2 is 90.0 s behind the other sources\' (their median) and this machine\'s clock: its samples are dead letters (skew)']);
});

test('a source whose clock is off: once each time it goes off, with the attribute, how far and which way, and what becomes of its samples', () => {
  const w = watched('correct', 'host');
  w.skew({ kind: 'source-offset', source: 'web-3', offsetMs: 600_000 });
  w.skew({ kind: 'source-offset', source: 'web-4', offsetMs: -2_500 });
  assert.equal(w.lines.map((l) => [l.level, l.message]), [
    ['warn', 'the clock of source host=web-3 is 10 min ahead of the other sources\' (their median) and this machine\'s clock: its samples are re-stamped by that much'],
    ['warn', 'the clock of source host=web-4 is 2.5 s behind the other sources\' (their median) and this machine\'s clock: its samples are re-stamped by that much'],
  ]);
  const p = watched('pass', 'host');
  p.skew({ kind: 'source-offset', source: 'web-3', offsetMs: 600_000 });
  assert.match(p.lines[0]!.message, 'its samples are sent as they are (skew.policy pass)');
  // The only source: there are no others to name.
  const lone = watched('correct', 'host');
  lone.skew({ kind: 'source-offset', source: 'app', offsetMs: -1_800_000, alone: true });
  lone.skew({ kind: 'source-offset', source: 'other', offsetMs: 600_000, alone: true });
  assert.equal(lone.lines.map((l) => l.message), [
    'the clock of source host=app is 30 min behind this machine\'s clock, after it was in step with it (the only source: its clock was set back): its samples are re-stamped by that much',
    'the clock of source host=other is 10 min ahead of this machine\'s clock (the only source): its samples are re-stamped by that much',
  ]);
});

test('a wall-clock step: one warning, with how long trusted time takes to reach the wall clock; a step forward says its samples are stamped behind until then', () => {
  const w = watched();
  w.skew({ kind: 'step', deltaMs: -3_600_000.4, atUnixMs: NOW_MS });
  assert.equal(w.lines, [{ level: 'warn', message: 'wall clock stepped by -3600000 ms; trusted time slews, samples are re-stamped onto trusted time, which reaches the wall clock in 20.0 h (skew.maxSlewPpm 50000), so that no series goes back in time' }]);
  // A machine without a battery-backed clock boots with yesterday's time, then NTP sets it right:
  // the samples it stamps are a day behind for 20 days, which the line said nothing of.
  w.skew({ kind: 'step', deltaMs: 86_400_000, atUnixMs: NOW_MS });
  assert.is(w.lines[1]!.message, 'wall clock stepped by 86400000 ms; trusted time slews, samples are re-stamped onto trusted time, which reaches the wall clock in 20 days (skew.maxSlewPpm 50000); until then they are stamped behind the wall clock (if the new time is right, a restart takes it at once)');
});

test('a step under policy dead-letter or pass: the line says what becomes of the samples (it said re-stamped under every policy)', () => {
  const d = watched('dead-letter');
  d.skew({ kind: 'step', deltaMs: -3_600_000, atUnixMs: NOW_MS });
  assert.is(d.lines[0]!.message, 'wall clock stepped by -3600000 ms; samples stamped by it are dead letters (skew.policy dead-letter) for 20.0 h, until trusted time, which slews (skew.maxSlewPpm 50000), reaches the wall clock');
  const p = watched('pass');
  p.skew({ kind: 'step', deltaMs: -3_600_000, atUnixMs: NOW_MS });
  p.skew({ kind: 'step', deltaMs: 5_000, atUnixMs: NOW_MS });
  assert.equal(p.lines.map((l) => l.message), [
    'wall clock stepped by -3600000 ms; samples are sent as stamped (skew.policy pass): every series goes back by the step at the receiver',
    'wall clock stepped by 5000 ms; samples are sent as stamped (skew.policy pass)',
  ]);
});

test('a step forward under forwardSteps follow: said as taken at once; a step back still slews', () => {
  const w = watched('correct', undefined, 'follow');
  w.skew({ kind: 'step', deltaMs: 7_874.3, atUnixMs: NOW_MS });
  w.skew({ kind: 'step', deltaMs: -5_000, atUnixMs: NOW_MS });
  assert.equal(w.lines.map((l) => l.message), [
    'wall clock stepped forward by 7.9 s (a virtual machine resumed after a pause, or the clock set right): trusted time takes the new time at once (skew.forwardSteps follow); samples are stamped by it',
    'wall clock stepped by -5000 ms; trusted time slews, samples are re-stamped onto trusted time, which reaches the wall clock in 100.0 s (skew.maxSlewPpm 50000), so that no series goes back in time',
  ]);
});

test("a log not told maxSlewPpm says no time to reach the wall clock; under pass a future sample is sent as it is; a sample without attributes is its name; a source's offset in the fields is whole ms", () => {
  const told: [string, Record<string, unknown> | undefined][] = [];
  const logOf = (policy: SkewPolicy) => createSkewLog({ log: (_level, message, f) => void told.push([message, f]), policy, every: () => ({ cancel: () => undefined }) });
  logOf('correct').note({ kind: 'step', deltaMs: -3_600_000, atUnixMs: NOW_MS });
  logOf('pass').note({ kind: 'future', sample: sample(ns(NOW_MS + 600_000), {}), aheadMs: 600_000 });
  logOf('correct').note({ kind: 'source-offset', source: 'web-2', offsetMs: -90_000.6 });
  assert.equal(told, [
    ['wall clock stepped by -3600000 ms; trusted time slews, samples are re-stamped', { deltaMs: -3_600_000 }],
    ["samples stamped ahead of this machine's clock (more than skew.maxFutureMs), the first 10 min ahead: cpu at 2026-12-03T10:10:00.000Z: sent as they are (skew.policy pass) — the clock that stamped them is ahead, or the time is not in UTC", { kind: 'future' }],
    ["the clock of source web-2 is 90.0 s behind the other sources' (their median) and this machine's clock: its samples are re-stamped by that much", { source: 'web-2', offsetMs: -90_001 }],
  ]);
});

test('formatDurationMs and coarserUnitOf', () => {
  assert.equal([850, 12_500, 600_000, 3 * 3_600_000, 12 * 86_400_000, 57 * 365.25 * 86_400_000].map(formatDurationMs), ['850 ms', '12.5 s', '10 min', '3.0 h', '12 days', '57 years']);
  // Each unit up to twice the next: 36 hours, not "2 days".
  assert.equal([119_000, 100 * 60_000, 36 * 3_600_000, 700 * 86_400_000].map(formatDurationMs), ['119.0 s', '100 min', '36.0 h', '700 days']);
  assert.equal([0.4, 999.4, -20.6].map(formatDurationMs), ['0 ms', '999 ms', '21 ms'], 'whole milliseconds, without the sign');
  assert.is(coarserUnitOf(ns(NOW_MS - 86_400_000), NOW_MS), undefined, 'a day old, in nanoseconds: just old');
  assert.is(coarserUnitOf(BigInt(NOW_MS - 20 * 86_400_000), NOW_MS), 'milliseconds', 'within a month of now');
  assert.is(coarserUnitOf(BigInt(NOW_MS - 40 * 86_400_000), NOW_MS), undefined, 'further off: no guess');
  assert.is(coarserUnitOf(0n, NOW_MS), undefined);
});

test.run();
