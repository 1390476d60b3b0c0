/**
 * A Pipeline's stats (what `handle.stats`, /metrics and the self-metrics show) and what a
 * shutdown leaves behind: each figure counts what it names, and a stopped pipeline holds no timer
 * and no subscription to its sink.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Subject, from, ignoreElements, throwError, timer } from 'rxjs';
import { ExportError } from '../src/errors.js';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { queuedOf } from '../src/stats.js';
import { sleep, until } from './support/cli.js';
import type { Sample } from '../src/sample.js';
import type { ReachableNews } from '../src/breaker.js';

const test = suite('pipelineStats');
const T0 = 1_764_064_800_000_000_000n;
const at = (ms: number, name = 'm'): Sample => ({ name, kind: 'gauge', value: ms, timeUnixNano: T0 + BigInt(ms) * 1_000_000n, attributes: {} });
const configOf = (options: Parameters<typeof resolveConfig>[0]) => ({ ...resolveConfig(options), sources: [] });
const delivered = () => timer(1).pipe(ignoreElements());
const down = new ExportError('14 UNAVAILABLE: down', { retryable: true, code: 14 });

test('stats.late counts the samples that came after a later one was released, as the dead letters `late` do', async () => {
  const p = new Pipeline(configOf({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 } }), {
    send: delivered, sources: [from([at(2), at(1), at(3), at(0)])], deadLetters: () => undefined, stampedLocally: false,
  });
  p.start();
  await p.done;
  assert.equal([p.stats.late, p.stats.deadLetters.late, p.stats.delivered], [2, 2, 2]);
});

test('stats.reorderOverflow counts the samples a full reorder buffer released early (none dropped)', async () => {
  const p = new Pipeline(configOf({ reorder: { maxDelayMs: 60_000, maxBuffered: 2 }, batch: { maxSize: 10, maxDelayMs: 1 } }), {
    send: delivered, sources: [from([1, 2, 3, 4, 5].map((ms) => at(ms)))], deadLetters: () => undefined, stampedLocally: false,
  });
  p.start();
  await p.done;
  assert.equal([p.stats.reorderOverflow, p.stats.delivered], [3, 5]);
});

test("samples that do not count (chronoq's own) do not enter the delivery queue's count: delivered, it is empty again, and its room with it", async () => {
  const samples = ['app.requests', 'chronoq.samples.in', 'app.errors', 'chronoq.queue.size'].map((name, i) => at(i, name));
  const p = new Pipeline(configOf({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 } }), {
    send: delivered, sources: [from(samples)], deadLetters: () => undefined, stampedLocally: false, uncounted: (x) => x.name.startsWith('chronoq.'),
  });
  p.start();
  await p.done;
  assert.equal([p.stats.samplesIn, p.stats.enteredDelivery, p.stats.delivered, queuedOf(p.stats), p.outstanding], [2, 2, 2, 0, 0]);
});

test('stats.breakerOpenedAtMs: set while the breaker is open, undefined again once a probe closed it', async () => {
  let calls = 0;
  const config = configOf({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 }, delivery: { breaker: { failureThreshold: 1, halfOpenAfterMs: 10 }, retry: { initialDelayMs: 5, maxDelayMs: 5 } } });
  const p = new Pipeline(config, { send: () => (++calls <= 2 ? throwError(() => down) : delivered()), sources: [from([at(1)])], deadLetters: () => undefined, stampedLocally: false });
  const whileOpen: (number | undefined)[] = [];
  const sub = p.events$.subscribe((e) => (e.type === 'breaker' && e.to === 'open' ? whileOpen.push(p.stats.breakerOpenedAtMs) : undefined));
  p.start();
  await p.done;
  sub.unsubscribe();
  assert.ok(whileOpen.length > 0 && whileOpen.every((ms) => typeof ms === 'number'), JSON.stringify(whileOpen));
  assert.equal([p.stats.breakerState, p.stats.breakerOpenedAtMs, p.stats.delivered], ['closed', undefined, 1]);
});

test('after a shutdown: the open breaker waits for no probe (its timer is gone), the sink is no longer listened to, and a second shutdown made no dead letters', async () => {
  const reachable$ = new Subject<ReachableNews>();
  const config = configOf({ reorder: { maxDelayMs: 0 }, batch: { maxSize: 10, maxDelayMs: 1 }, delivery: { shutdownDeadlineMs: 0, breaker: { failureThreshold: 1, halfOpenAfterMs: 300 } } });
  const input = new Subject<Sample>();
  const p = new Pipeline(config, { send: () => throwError(() => down), sources: [input], deadLetters: () => undefined, stampedLocally: false, reachable$ });
  p.start();
  input.next(at(1));
  await until('the breaker to open', () => p.stats.breakerState === 'open', 5_000);
  assert.ok(reachable$.observed, 'listened to while running');
  const first = await p.shutdown();
  const atShutdown = p.stats.breakerState; // 'open', unless the machine stalled past halfOpenAfterMs
  assert.is(first.shutdownDeadLetters, 1);
  assert.not.ok(reachable$.observed, 'no longer listened to');
  await sleep(450);
  assert.is(p.stats.breakerState, atShutdown, 'no transition after the shutdown: the timer that would have held a process open is gone');
  const second = await p.shutdown();
  assert.equal([second.drained, second.shutdownDeadLetters], [true, 0]);
});

test('without a spool, what waits for room in delivery\'s queue is held in memory up to reorder.maxBuffered; beyond, delivery\'s overflow policy applies (memory stays bounded)', async () => {
  const config = configOf({ reorder: { maxDelayMs: 0, maxBuffered: 6 }, batch: { maxSize: 100, maxDelayMs: 60_000 }, delivery: { maxQueued: 4, shutdownDeadlineMs: 0 } });
  const input = new Subject<Sample>();
  const letters: string[] = [];
  const p = new Pipeline(config, { send: () => new Subject<never>(), sources: [input], deadLetters: (d) => void letters.push(d.reason), stampedLocally: false });
  p.start();
  for (let ms = 1; ms <= 30; ms++) input.next(at(ms));
  await sleep(50);
  const overflow = p.stats.deadLetters.overflow;
  assert.ok(overflow > 0, 'beyond what is held, the overflow policy');
  assert.ok(p.outstanding <= 4 + 4 + 6, `${p.outstanding} outstanding: a batch in flight, the queue (maxQueued 4) and what is held (maxBuffered 6)`);
  await p.shutdown();
  assert.is(letters.length, 30 - p.stats.delivered, 'every sample a dead letter or delivered');
});

test.run();
