/**
 * reorder.maxSeries in the pipeline and its log: samples whose attributes hold ever-new values
 * (a request id) are each a series of their own, and the records of a day of them grew without
 * bound (~25 MB a second at 40 000 samples a second). The pipeline holds at most maxSeries, says
 * so once (then at most a line a minute), and delivers every sample.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, from, ignoreElements, timer } from 'rxjs';
import { Pipeline, type PipelineEvent } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { logPipelineEvents } from '../src/telemetry/pipelineLog.js';
import { renderPrometheus } from '../src/telemetry/prometheus.js';
import type { Sample } from '../src/sample.js';

const test = suite('series cap');
const T0 = 1_764_064_800_000_000_000n;

test('a pipeline past reorder.maxSeries forgets the least recently seen, reports and counts it (/metrics), and delivers every sample', async () => {
  const samples: Sample[] = Array.from({ length: 5_000 }, (_, i) => ({
    name: 'http.latency', kind: 'sum', value: i, timeUnixNano: T0 + BigInt(i) * 1_000n, attributes: { request_id: `r${i}` },
  }));
  const config = { ...resolveConfig({ reorder: { maxDelayMs: 0, maxSeries: 1_000 }, batch: { maxSize: 500, maxDelayMs: 1 } }), sources: [] };
  const events: PipelineEvent[] = [];
  const p = new Pipeline(config, {
    send: () => timer(0).pipe(ignoreElements()),
    sources: [from(samples)], deadLetters: () => undefined, stampedLocally: false,
  });
  p.events$.subscribe((e) => events.push(e));
  p.start();
  await p.done;
  assert.is(p.stats.delivered, 5_000);
  assert.is(p.stats.late, 0, 'nothing made late by the forgetting');
  const capped = events.filter((e) => e.type === 'series-capped');
  assert.ok(capped.length >= 4, `${capped.length} cap passes`);
  assert.equal(capped[0], { type: 'series-capped', forgotten: 250, maxSeries: 1_000 });
  assert.is(p.stats.seriesCapped, capped.length * 250, 'counted');
  assert.match(renderPrometheus(p.stats), new RegExp(`^chronoq_series_capped_total ${capped.length * 250}$`, 'm'));
});

test('the log: the first cap pass a warning saying why and what it costs, then a line a minute with how many more', () => {
  const events = new Subject<PipelineEvent>();
  const lines: { level: string; message: string }[] = [];
  let minute = (): void => undefined;
  const sub = logPipelineEvents(events, {
    log: (level, message) => void lines.push({ level, message }),
    every: (_ms, fn) => ((minute = fn), { cancel: () => undefined }),
  });
  for (let i = 0; i < 3; i++) events.next({ type: 'series-capped', forgotten: 125_000, maxSeries: 500_000 });
  assert.is(lines.length, 1);
  assert.is(lines[0]!.level, 'warn');
  assert.match(lines[0]!.message, 'more than 500000 series (reorder.maxSeries): the 125000 least recently seen were forgotten early, so that memory stays bounded');
  assert.match(lines[0]!.message, 'ever-new values');
  minute();
  assert.is(lines.length, 2);
  assert.match(lines[1]!.message, 'series forgotten early 2 more time(s) in the last minute');
  minute();
  assert.is(lines.length, 2, 'a quiet minute says nothing');
  sub.unsubscribe();
});

test.run();
