/**
 * The pipeline's log lines besides delivery (src/telemetry/pipelineLog.ts), from its events: a
 * spool that cannot be written said once an episode and its recovery, a source's failure by its
 * name, the pipeline's failure.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject } from 'rxjs';
import { logPipelineEvents } from '../src/telemetry/pipelineLog.js';
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

test.run();
