/**
 * The pipeline's log lines besides delivery (src/telemetry/pipelineLog.ts), from its events: a
 * spool that cannot be written said once an episode and its recovery, a source's failure by its
 * name, the pipeline's failure.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { deadLetterFileLog, logPipelineEvents, watchAlerts } from '../src/telemetry/pipelineLog.js';
import { createAlerts } from '../src/telemetry/alerts.js';
import { createStats } from '../src/stats.js';
import type { ResolvedConfig } from '../src/config/resolve.js';
import type { PipelineEvent } from '../src/pipeline.js';

const test = suite('pipeline log');

const watched = (opts: { sourceName?: (i: number) => string } = {}) => {
  const lines: string[] = [];
  const events = new Subject<PipelineEvent>();
  const subscription = logPipelineEvents(events, { log: (level, message) => void lines.push(`${level} ${message}`), spoolPath: 's.db', every: () => ({ cancel: () => undefined }), ...opts });
  return { lines, events, stop: () => subscription.unsubscribe() };
};

test('a spool that cannot be written: said once while it lasts (every burst and batch fails on a full disk), again after it recovered and failed anew', () => {
  const { lines, events, stop } = watched();
  const full = new Error('database or disk is full');
  for (let i = 0; i < 3; i++) events.next({ type: 'spool-write-failed', error: full });
  events.next({ type: 'spool-write-recovered' });
  events.next({ type: 'spool-write-failed', error: full });
  // A spool waiting for room since the start was said then: not again here.
  events.next({ type: 'spool-write-recovered' });
  events.next({ type: 'spool-write-failed', error: Object.assign(new Error('no room'), { waitingForSpace: true }) });
  stop();
  const failed = 'error spool s.db cannot be written (database or disk is full): samples go on without it, not durable across a crash, until it can';
  assert.equal(lines, [failed, 'info spool s.db is written again', failed, 'info spool s.db is written again']);
});

test("a source's failure by its name (source N without one), and the pipeline's", () => {
  const named = watched({ sourceName: (i) => `sources[${i}] (ndjson /var/log/m.ndjson)` });
  named.events.next({ type: 'source-failed', index: 1, error: new Error('EACCES') });
  named.stop();
  const plain = watched();
  plain.events.next({ type: 'source-failed', index: 0, error: 'gone' });
  plain.events.next({ type: 'failed', error: new Error('boom') });
  plain.stop();
  assert.equal([...named.lines, ...plain.lines], [
    'error sources[1] (ndjson /var/log/m.ndjson) failed: EACCES; it has stopped, the other sources go on',
    'error source 0 failed: gone; it has stopped, the other sources go on',
    'error the pipeline failed: boom',
  ]);
});

test('a spool opened late (its disk had room again) that was damaged: its damage on a line of its own, before the opening', () => {
  const { lines, events, stop } = watched();
  events.next({ type: 'spool-opened', pending: 0, damage: { message: 'database disk image is malformed', salvagedSamples: 12, movedTo: 's.db.damaged-1' } });
  stop();
  assert.equal(lines, [
    'error spool s.db was damaged (database disk image is malformed); 12 samples recovered, the damaged file kept as s.db.damaged-1',
    'info spool s.db opened: its disk has room again',
  ]);
});

test("the log's minute timers end with it (the series-capped summary's too)", () => {
  const timers: { cancelled: boolean }[] = [];
  const events = new Subject<PipelineEvent>();
  const subscription = logPipelineEvents(events, { log: () => undefined, every: () => {
    const t = { cancelled: false };
    timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  } });
  events.next({ type: 'series-capped', forgotten: 250, maxSeries: 1_000 });
  subscription.unsubscribe();
  assert.ok(timers.length >= 2 && timers.every((t) => t.cancelled), JSON.stringify(timers));
});

test('an alert said when it fires and when it resolves', () => {
  const lines: string[] = [];
  let check = (): void => undefined;
  const stats = createStats(1_000);
  let nowMs = 0;
  watchAlerts(createAlerts({ breakerOpenSeconds: 10 }), stats, { log: (level, message) => void lines.push(`${level} ${message}`), now: () => nowMs, every: (_ms, fn) => ((check = fn), { cancel: () => undefined }) });
  stats.breakerState = 'open';
  stats.breakerOpenedAtMs = 0;
  nowMs = 11_000;
  check();
  stats.breakerState = 'closed';
  stats.breakerOpenedAtMs = undefined;
  check();
  assert.equal(lines.map((l) => l.replace(/: .*/, '')), ['error ALERT breaker-open', 'info resolved breaker-open']);
});

test('the dead-letter file: a write failing said once, again after it recovered and failed anew; a rotation that removed letters says how many and the bounds', () => {
  const lines: string[] = [];
  const hooks = deadLetterFileLog({ path: 'dead.ndjson', maxFiles: 3, maxBytes: 1_000 } as ResolvedConfig['deadLetter'], (level, message) => void lines.push(`${level} ${message}`));
  const full = new Error('ENOSPC: no space left on device');
  hooks.onWriteError!(full, ['{"a":1}\n']);
  hooks.onWriteError!(full, ['{"a":2}\n']);
  hooks.onWriteRecovered!(2);
  hooks.onWriteError!(full, ['{"a":3}\n']);
  hooks.onRemove!({ path: 'dead.ndjson.3', letters: 40 } as never);
  const cannot = 'error cannot write dead letters to dead.ndjson: ENOSPC: no space left on device; they follow in this log';
  assert.equal(lines.map((l) => l.replace(/; they follow in this log.*/, '; they follow in this log').replace(/ \(2 dead letter.*| its 40 dead letters.*/, '')), [
    cannot, 'error dead letter: {"a":1}', 'error dead letter: {"a":2}',
    'info the dead-letter file dead.ndjson is written again', cannot, 'error dead letter: {"a":3}',
    'warn dead-letter rotation removed dead.ndjson.3:',
  ]);
  assert.match(lines.at(-1)!, /\(deadLetter\.maxFiles 3 files of maxBytes 1000; raise them to keep more\)$/);
});

test.run();
