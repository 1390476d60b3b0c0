/**
 * Properties of narrowing down refusals (src/otlp/narrowingDown.ts, resumingBatches.ts) and of
 * what deliverOrdered makes of it (src/batchOutcome.ts), inside the whole Pipeline, over generated
 * streams, receivers and failure patterns, in virtual time. The receiver refuses some samples
 * ("bad" ones) — by partial success (it stores the rest and says only how many it rejected), by
 * refusing any request holding one (INVALID_ARGUMENT: it stores none of it, as a Collector before
 * Prometheus does), or as too large (as it refuses any request over SIZE_LIMIT samples) — and now
 * and then is unavailable (stores nothing), answers too late (stores it all the same: the
 * sender's resend is a copy) or denies a request for good; attempts may run out, the breaker may
 * open, a shutdown may cut delivery short.
 *
 * - every sample ends once: delivered or a dead letter;
 * - nothing the pipeline calls delivered is missing at the receiver (bad deltas excepted: partial
 *   success never names them, and they are said and counted as delivered);
 * - a good sample is a `rejected` dead letter only when a request holding it was denied, and a
 *   bad cumulative one is never delivered;
 * - without timeouts: no delta point is stored twice, retries of a batch among its requests (a
 *   backend would count the copy), and the bad deltas partial success took without naming are
 *   said, by count; unless partial success left the taken ones unnamed, no sample is both at the
 *   receiver and a dead letter, and none reaches the receiver twice (a retry sends only what no
 *   request took);
 * - per series, the samples reach the receiver in time order (first arrivals: narrowing a partial
 *   success down sends parts of a batch again, bit-identical, as documented).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type Observable, VirtualTimeScheduler, EMPTY, concatMap, defer, from, of, throwError, timer } from 'rxjs';
import { Pipeline } from '../src/pipeline.js';
import { resolveConfig } from '../src/config/resolve.js';
import { schedulerClock } from '../src/clock.js';
import { ExportError } from '../src/errors.js';
import { GrpcStatus } from '../src/otlp/classify.js';
import { narrowingDown } from '../src/otlp/narrowingDown.js';
import type { RejectedSamples } from '../src/delivery.js';
import type { DeadLetter } from '../src/routed.js';
import { type Sample, seriesKey } from '../src/sample.js';
import { runPipeline } from './support/virtualTime.js';

const test = suite('narrowing-down properties');
/** The most samples the receiver takes in one request under refusal 'size'. */
const SIZE_LIMIT = 4;
const T0 = 1_764_064_800_000_000_000n;

const arrivals = fc.array(
  fc.record({
    series: fc.integer({ min: 0, max: 3 }),
    kind: fc.constantFrom('gauge', 'sum', 'delta', 'delta-gauge'),
    tMs: fc.integer({ min: 0, max: 1_000 }),
  }),
  { minLength: 1, maxLength: 80 },
);
const settings = fc.record({
  /** How the receiver refuses the bad samples (size: as too large, as it refuses any request of more than SIZE_LIMIT). */
  refusal: fc.constantFrom('partial', 'whole', 'size'),
  maxSize: fc.integer({ min: 1, max: 24 }),
  lanes: fc.integer({ min: 1, max: 3 }),
  maxAttempts: fc.integer({ min: 1, max: 5 }),
  /** The breaker opens after this many failures in a row (1 000: never here); it half-opens after 3 ms. */
  failureThreshold: fc.constantFrom(1, 2, 1_000),
  /**
   * Per request: unavailable (nothing stored), timed out at the sender (stored all the same:
   * outcome unknown), or denied for good (PERMISSION_DENIED: nothing stored).
   */
  failures: fc.array(fc.constantFrom('none', 'none', 'none', 'unavailable', 'timeout', 'denied'), { minLength: 1, maxLength: 40 }),
  badShare: fc.constantFrom(0, 0.1, 0.5),
  /** A shutdown while it delivers, with a drain deadline: what is left becomes `shutdown` letters. */
  shutdown: fc.option(fc.record({ atMs: fc.integer({ min: 0, max: 60 }), deadlineMs: fc.integer({ min: 0, max: 30 }) }), { nil: undefined }),
});

type Arrival = typeof arrivals extends fc.Arbitrary<infer A> ? A : never;
type Settings = typeof settings extends fc.Arbitrary<infer S> ? S : never;

const check = async (generated: Arrival, o: Settings): Promise<void> => {
  // A delta gauge is only a gauge (its temporality says nothing a backend adds up): sent again like any.
  const gauge = (k: string) => k === 'gauge' || k === 'delta-gauge';
  const input: Sample[] = generated.map((g, id) => ({
    name: gauge(g.kind) ? 'load' : 'jobs', kind: gauge(g.kind) ? 'gauge' : 'sum', value: id,
    ...(g.kind === 'delta' ? { temporality: 'delta' as const, startTimeUnixNano: T0 + BigInt(g.tMs) * 1_000_000n - 1n } : {}),
    ...(g.kind === 'delta-gauge' ? { temporality: 'delta' as const } : {}),
    timeUnixNano: T0 + BigInt(g.tMs) * 1_000_000n + BigInt(id % 5), attributes: { series: g.series, kind: g.kind },
  }));
  // Bad: a deterministic share of the samples (by id), so the same sample is refused every time.
  const bad = new Set(input.filter((_, id) => ((id * 7919) % 100) / 100 < o.badShare).map((s) => s.value as number));
  const isBad = (s: Sample) => bad.has(s.value as number);
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const stored: Sample[] = [];
  let requests = 0;
  /** A request timed out that the receiver took: its resend is a copy (documented for deltas). */
  let timedOut = false;
  /** Requests of no samples, and sayings of no deltas: asserted after the run (thrown in there, the pipeline would take them for export errors). */
  let emptyRequests = 0;
  let saidOfNone = 0;
  const attempt = (batch: readonly Sample[]): Observable<RejectedSamples> =>
    defer(() => {
      if (batch.length === 0) emptyRequests++;
      const failure = o.failures[requests++ % o.failures.length]!;
      const answer$: Observable<RejectedSamples> = defer(() => {
        if (failure === 'unavailable') return throwError(() => new ExportError('14 UNAVAILABLE', { retryable: true, code: GrpcStatus.UNAVAILABLE }));
        if (failure === 'denied') return throwError(() => new ExportError('7 PERMISSION_DENIED: key revoked', { retryable: false, code: GrpcStatus.PERMISSION_DENIED }));
        const refused = batch.filter(isBad);
        if (o.refusal === 'size' && (batch.length > SIZE_LIMIT || refused.length > 0)) {
          return throwError(() => new ExportError(`8 RESOURCE_EXHAUSTED: grpc: received message larger than max (${batch.length} vs. ${SIZE_LIMIT})`, { retryable: false, code: GrpcStatus.RESOURCE_EXHAUSTED }));
        }
        if (o.refusal === 'whole' && refused.length > 0) {
          return throwError(() => new ExportError('3 INVALID_ARGUMENT: bad point', { retryable: false, code: GrpcStatus.INVALID_ARGUMENT }));
        }
        stored.push(...batch.filter((s) => !isBad(s)));
        if (failure === 'timeout') {
          timedOut = true;
          return throwError(() => new ExportError('4 DEADLINE_EXCEEDED', { retryable: true, code: GrpcStatus.DEADLINE_EXCEEDED, outcomeUnknown: true }));
        }
        return refused.length === 0 ? EMPTY : of<RejectedSamples>({ kind: 'rejected-samples', samples: batch, rejectedDataPoints: refused.length, message: 'bad point' });
      });
      return timer(1, scheduler).pipe(concatMap(() => answer$));
    });
  let unidentifiedDeltas = 0;
  let saidAtMost = false;
  const send = narrowingDown(attempt, { isEncodeFailure: () => false, encodeAlone: () => undefined, onUnidentifiedDeltas: (n, message) => {
    if (n <= 0) saidOfNone++;
    unidentifiedDeltas += n;
    // Said before the request's other samples were all counted (refused for good, cut short): an upper bound.
    if (message.includes('at most')) saidAtMost = true;
  } });
  const config = {
    ...resolveConfig({
      reorder: { maxDelayMs: 0 }, batch: { maxSize: o.maxSize, maxDelayMs: 5 },
      delivery: { lanes: o.lanes, retry: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: o.maxAttempts }, breaker: { failureThreshold: o.failureThreshold, halfOpenAfterMs: 3, maxHalfOpenAfterMs: 12 } },
    }),
    sources: [],
  };
  const letters: DeadLetter<Sample>[] = [];
  const delivered: Sample[] = [];
  const p = new Pipeline(config, {
    send, sources: [from(input)], deadLetters: (d) => letters.push(d), stampedLocally: false,
    scheduler, clock: schedulerClock(scheduler, Number(T0 / 1_000_000n)),
  });
  p.events$.subscribe((e) => e.type === 'delivered' && delivered.push(...e.delivered.samples));
  await runPipeline(p, scheduler, o.shutdown);

  assert.is(emptyRequests, 0, 'an empty request sent');
  assert.is(saidOfNone, 0, 'unidentified deltas said of none');
  const id = (s: Sample) => s.value as number;
  // Every sample once: delivered or a dead letter.
  assert.equal([...delivered, ...letters.map((d) => d.item)].map(id).sort((a, b) => a - b), input.map(id), 'each sample ends once');
  const storedIds = new Set(stored.map(id));
  const isDelta = (s: Sample) => s.temporality === 'delta' && s.kind !== 'gauge';
  if (!input.some(isDelta)) assert.is(unidentifiedDeltas, 0, 'deltas said of a stream of none');
  for (const s of delivered) {
    if (isBad(s)) assert.ok(isDelta(s) && o.refusal === 'partial', `bad sample ${id(s)} delivered`);
    else assert.ok(storedIds.has(id(s)), `sample ${id(s)} called delivered, never stored`);
  }
  for (const d of letters) {
    if (d.reason === 'rejected') assert.ok(isBad(d.item) || d.detail.includes('PERMISSION_DENIED'), `good sample ${id(d.item)} dead-lettered as rejected: ${d.detail}`);
    // A dead letter is something to replay: never one the receiver holds (known only where no
    // request timed out, and where partial success did not leave the taken ones unnamed).
    if (!timedOut && o.refusal !== 'partial') assert.not.ok(storedIds.has(id(d.item)), `sample ${id(d.item)} stored and a dead letter (${d.reason}: ${d.detail})`);
  }
  // Deltas: stored once each, retries and narrowing down among them (a backend would count a copy).
  const deltaCounts = new Map<number, number>();
  for (const s of stored) if (isDelta(s)) deltaCounts.set(id(s), (deltaCounts.get(id(s)) ?? 0) + 1);
  if (!timedOut) for (const [d, n] of deltaCounts) assert.is(n, 1, `delta ${d} stored ${n} times`);
  if (o.refusal !== 'partial' && !timedOut) assert.is(new Set(stored).size, stored.length, 'a sample stored twice');
  // Per series, first arrivals in time order.
  const seen = new Set<number>();
  const last = new Map<string, bigint>();
  for (const s of stored) {
    if (seen.has(id(s))) continue;
    seen.add(id(s));
    const k = seriesKey(s);
    const before = last.get(k);
    assert.ok(before === undefined || s.timeUnixNano >= before, `series ${k} went back at the receiver`);
    last.set(k, s.timeUnixNano);
  }
  // Unsaid when the batch's attempts ran out, or a shutdown came between them, before the count
  // came (left alone: see resumingBatches.ts).
  if (o.refusal === 'partial' && !timedOut && !letters.some((d) => d.reason === 'retries-exhausted' || d.reason === 'shutdown')) {
    const badDeltas = delivered.filter(isBad).length;
    if (saidAtMost) assert.ok(unidentifiedDeltas >= badDeltas, `${badDeltas} bad deltas, ${unidentifiedDeltas} said`);
    else assert.is(unidentifiedDeltas, badDeltas, 'the bad deltas sent were said');
  }
};

test('conservation, no false delivery, no false refusal, deltas stored once, per-series order', async () => {
  await fc.assert(fc.asyncProperty(arrivals, settings, check), { numRuns: 500 });
});

test.run();
