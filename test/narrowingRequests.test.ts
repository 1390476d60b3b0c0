/**
 * How many requests narrowing down takes (src/otlp/narrowingDown.ts), counted exactly over a fake
 * attempt: the gRPC tests bound the counts from above, which a half sent once too often, or a
 * budget one request too large, would still meet.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EMPTY, NEVER, type Observable, catchError, concat, defer, ignoreElements, lastValueFrom, of, throwError, toArray } from 'rxjs';
import { resumingBatches } from '../src/otlp/resumingBatches.js';
import { type Attempt, MAX_NARROWING_REQUESTS, type NarrowingOptions, narrowingDown } from '../src/otlp/narrowingDown.js';
import { GrpcStatus } from '../src/otlp/classify.js';
import { ExportError } from '../src/errors.js';
import type { RejectedSamples } from '../src/delivery.js';
import type { Sample } from '../src/sample.js';

const test = suite('narrowing down: requests, counted');
const sample = (i: number, name = 'cpu'): Sample => ({ name, kind: 'gauge', value: i, timeUnixNano: 1_000n + BigInt(i), attributes: {} });
const isBad = (s: Sample): boolean => s.name === 'bad';

/** narrowingDown over `answer` (a request's samples → its answer), with the sizes of the requests it made; `opts` for encode failures. */
const narrowing = (answer: (part: readonly Sample[]) => Observable<RejectedSamples>, opts: Partial<NarrowingOptions> = {}) => {
  const sizes: number[] = [];
  const attempt: Attempt = (part) => defer(() => (sizes.push(part.length), answer(part)));
  const send = narrowingDown(attempt, { isEncodeFailure: () => false, encodeAlone: () => undefined, ...opts });
  /** What the send of `batch` emitted (the rejected samples' values) or its error's message. */
  const run = (batch: readonly Sample[]) =>
    lastValueFrom(send(batch).pipe(toArray(), catchError((e: Error) => of(e.message))))
      .then((r) => (typeof r === 'string' ? r : r.flatMap((x) => (x.kind === 'rejected-samples' ? x.samples.map((s) => s.value) : []))));
  return { sizes, run };
};

test('partial success: only halves that hold a rejected point are asked about; a half the counts show clean is not sent', async () => {
  const { sizes, run } = narrowing((part) => {
    const rejected = part.filter(isBad).length;
    return rejected > 0 ? of({ kind: 'rejected-samples', samples: part, rejectedDataPoints: rejected, message: 'bad name' }) : EMPTY;
  });
  const batch = Array.from({ length: 8 }, (_, i) => sample(i, i === 1 ? 'bad' : 'cpu'));
  assert.equal(await run(batch), [1]);
  // The batch; its first half (1 rejected: the second half is clean, not sent); [0, 1]; [0]
  // (clean, so [1] is the one).
  assert.equal(sizes, [8, 4, 2, 1, 1]);
});

test(`a request refused whole, every sample in it: ${MAX_NARROWING_REQUESTS} requests in parts, then each second half still pending tried once, not split`, async () => {
  const refusal = new ExportError('13 INTERNAL: refused', { retryable: false, code: GrpcStatus.INTERNAL });
  const { sizes, run } = narrowing(() => throwError(() => refusal));
  const batch = Array.from({ length: 37 }, (_, i) => sample(i, 'bad'));
  assert.is(await run(batch), refusal.message, 'nothing taken: the refusal stands');
  // Depth first down the first halves (19, 10, 5, 3, 2, 1), each second half on the way back up.
  // The 32nd part, [2] of a part of 4, is refused whole, not split; the second halves still
  // pending then — the other 2 of that 4, and the 18 of the batch — go once each.
  const parts = sizes.slice(1);
  assert.equal(parts.slice(0, 6), [19, 10, 5, 3, 2, 1]);
  assert.is(parts.length, MAX_NARROWING_REQUESTS + 2, sizes.join(' '));
  assert.equal(parts.slice(MAX_NARROWING_REQUESTS - 2), [4, 2, 2, 18], sizes.join(' '));
});

test('RESOURCE_EXHAUSTED that the receiver says to retry (RetryInfo) is no size limit, whatever its words: not split, the error passes to be retried', async () => {
  const rateLimited = new ExportError('8 RESOURCE_EXHAUSTED: ingest rate exceeds the maximum for this tenant', { retryable: true, code: GrpcStatus.RESOURCE_EXHAUSTED, retryAfterMs: 2_000 });
  const { sizes, run } = narrowing(() => throwError(() => rateLimited));
  assert.is(await run([sample(0), sample(1), sample(2), sample(3)]), rateLimited.message);
  assert.equal(sizes, [4]);
});

test('a request refused whole whose parts are each answered with every point rejected: nothing was taken, so the refusal stands for the batch', async () => {
  const refusal = new ExportError('3 INVALID_ARGUMENT: bad', { retryable: false, code: GrpcStatus.INVALID_ARGUMENT });
  const { run } = narrowing((part) => (part.length > 2 ? throwError(() => refusal) : of<RejectedSamples>({ kind: 'rejected-samples', samples: part, rejectedDataPoints: part.length, message: 'no' })));
  assert.is(await run([sample(0), sample(1), sample(2), sample(3)]), refusal.message);
});

test('a batch narrowed down with something taken starts the count of batches refused in every part afresh', async () => {
  const refusal = new ExportError('3 INVALID_ARGUMENT: bad', { retryable: false, code: GrpcStatus.INVALID_ARGUMENT });
  const { run } = narrowing((part) => (part.some(isBad) ? throwError(() => refusal) : EMPTY));
  // New samples each time: a batch of the same samples again is a retry, which sends only what none settled (resumingBatches.ts).
  const allBad = () => [sample(0, 'bad'), sample(1, 'bad')];
  const oneBad = () => [sample(0, 'bad'), sample(1)];
  assert.is(await run(allBad()), refusal.message);
  assert.is(await run(allBad()), refusal.message);
  assert.equal(await run(oneBad()), [0], 'narrowed down: one taken');
  assert.is(await run(allBad()), refusal.message);
  assert.equal(await run(oneBad()), [0], 'one batch refused in every part since the last taken: still narrowed down');
});

test('a batch that cannot be encoded: the samples at fault refused, the rest sent; none at fault, the failure stands; all at fault, no empty request', async () => {
  const failure = new Error('cannot encode');
  const { sizes, run } = narrowing((part) => (part.some(isBad) || part.length === 3 ? throwError(() => failure) : EMPTY), {
    isEncodeFailure: (e) => e === failure,
    encodeAlone: (s) => {
      if (isBad(s)) throw new Error('a bad sample');
    },
  });
  assert.equal([await run([sample(0, 'bad'), sample(1)]), sizes.splice(0)], [[0], [2, 1]]);
  assert.equal([await run([sample(0), sample(1), sample(2)]), sizes.splice(0)], ['cannot encode', [3]]);
  assert.equal([await run([sample(0, 'bad'), sample(1, 'bad')]), sizes.splice(0)], [[0, 1], [2]]);
});

test('a request holding deltas answered with partial success, cut short (a shutdown) while its other samples are counted: the rejected deltas are said, as at most', () => {
  const said: [number, string][] = [];
  let requests = 0;
  const attempt: Attempt = (part) => defer(() => (++requests === 1 ? of<RejectedSamples>({ kind: 'rejected-samples', samples: part, rejectedDataPoints: 1, message: 'bad delta' }) : NEVER));
  const send = narrowingDown(attempt, { isEncodeFailure: () => false, encodeAlone: () => undefined, onUnidentifiedDeltas: (n, m) => void said.push([n, m]) });
  const delta: Sample = { name: 'jobs', kind: 'sum', temporality: 'delta', value: 1, timeUnixNano: 1_000n, startTimeUnixNano: 999n, attributes: {} };
  const sub = send([delta, sample(1), sample(2)]).subscribe({ error: () => undefined });
  assert.is(requests, 2, 'the other samples sent again to count theirs');
  assert.equal(said, [], 'not yet: their count may name them all');
  sub.unsubscribe();
  assert.equal(said, [[1, "bad delta (at most: the request's other samples were not all counted)"]]);
});

test('partial success that was all deltas: the other samples, sent again, are clean — no rejected samples are emitted (not an empty set), the delta is said', async () => {
  const said: [number, string][] = [];
  const delta: Sample = { name: 'jobs', kind: 'sum', temporality: 'delta', value: 1, timeUnixNano: 1_000n, startTimeUnixNano: 999n, attributes: {} };
  const attempt: Attempt = (part) => defer(() => (part.includes(delta) ? of<RejectedSamples>({ kind: 'rejected-samples', samples: part, rejectedDataPoints: 1, message: 'bad delta' }) : EMPTY));
  const send = narrowingDown(attempt, { isEncodeFailure: () => false, encodeAlone: () => undefined, onUnidentifiedDeltas: (n, m) => void said.push([n, m]) });
  const emitted = await lastValueFrom(send([delta, sample(1), sample(2)]).pipe(toArray()));
  assert.equal(emitted.filter((x) => x.kind === 'rejected-samples'), []);
  assert.equal(said, [[1, 'bad delta']]);
});

test('a batch whose every sample an attempt settled before it failed (retryably) is not sent again: its retry completes at once', async () => {
  const sizes: number[] = [];
  const attempt: Attempt = (part) => defer(() => (sizes.push(part.length), EMPTY));
  // Narrowing that finds every sample rejected, then fails on a last request (the receiver gone).
  const narrow = (request: Attempt) => (rest: readonly Sample[]) => concat(
    request(rest).pipe(ignoreElements()),
    of<RejectedSamples>({ kind: 'rejected-samples', samples: rest, rejectedDataPoints: rest.length, message: 'refused' }),
    throwError(() => new ExportError('14 UNAVAILABLE', { retryable: true, code: GrpcStatus.UNAVAILABLE })),
  );
  const send = resumingBatches(attempt, narrow);
  const batch = [sample(1), sample(2)];
  assert.is(await lastValueFrom(send(batch).pipe(toArray(), catchError((e: Error) => of(e.message)))), '14 UNAVAILABLE');
  assert.equal(await lastValueFrom(send(batch).pipe(toArray())), [], 'the retry: nothing left to send');
  assert.equal(sizes, [2], 'one request in all');
});

test.run();
