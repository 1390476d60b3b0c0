/**
 * The otlp source's answers to its senders: with answerWhenSettled, the answer waits for the
 * request's samples to settle and tells the ones that became dead letters as partial success;
 * refusals of many metrics are said three at a time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { settleReceived } from '../src/sources/otlpReceiver.js';
import { collection, exportCall, post, start } from './support/otlpReceiver.js';
import { until, within } from './support/cli.js';
import { request } from 'node:http';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { pendingActions } from './support/marbles.js';

const test = suite('otlp source answers');

test('answerWhenSettled: the answer waits until every sample of the request has settled', async () => {
  const r = await start({ answerWhenSettled: true, settleWaitMs: 60_000 });
  try {
    const { bytes } = await collection();
    let answered = false;
    const call = exportCall(r.grpc, bytes).then((x) => ((answered = true), x));
    while (r.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    settleReceived(r.samples[0]!);
    settleReceived(r.samples[0]!); // settled again (delivered after it was spooled): counted once
    settleReceived(r.samples[1]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.not.ok(answered, 'not answered with a sample unsettled');
    settleReceived(r.samples[2]!);
    assert.ok((await call).response !== undefined);
  } finally {
    r.stop();
  }
});

test('answerWhenSettled: samples of the request that became dead letters before the answer (late, overflow) are told to the sender as rejected, with each reason, as partial success — they were answered as taken whole', async () => {
  const answers: string[] = [];
  const r = await start({ answerWhenSettled: true, settleWaitMs: 60_000, onAnswer: (a, protocol) => answers.push(`${protocol} ${a}`) });
  try {
    const { bytes } = await collection();
    const call = post(r.http, bytes, { 'content-type': 'application/x-protobuf' });
    while (r.samples.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    settleReceived(r.samples[0]!, { reason: 'overflow', detail: 'the spool is full (spool.maxBytes): sample refused' });
    // Said once a reason, in the words of its first letter.
    settleReceived(r.samples[1]!, { reason: 'overflow', detail: 'the delivery queue is full (delivery.maxQueued): sample refused' });
    settleReceived(r.samples[2]!);
    const answer = Buffer.from(await (await call).arrayBuffer()).toString('latin1');
    assert.ok(answer.includes('\u0008\u0002\u0012'), 'rejected_data_points 2');
    assert.ok(answer.includes('2 point(s) taken and not delivered, kept as chronoq dead letters (dead letter overflow: the spool is full (spool.maxBytes): sample refused)'), answer);
    // Settled all without a dead letter: no partial success.
    const clean = post(r.http, bytes, { 'content-type': 'application/x-protobuf' });
    while (r.samples.length < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const x of r.samples.slice(3)) settleReceived(x);
    assert.is((await (await clean).arrayBuffer()).byteLength, 0);
    assert.equal(answers, ['http partial', 'http taken']);
  } finally {
    r.stop();
  }
});

test('refusals of many metrics: three said, the rest counted; with dead letters among the points taken, the refusals first, then the dead letters', async () => {
  const summary = (name: string) => ({ name, summary: { dataPoints: [{ timeUnixNano: '1764064800000000000' }] } });
  const gauge = { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: '1764064800000000000', asInt: '1' }] } };
  const body = (metrics: unknown[]) => JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics }] }] });
  const said = (n: number) => `metric "s${n}": its point, summaries, which chronoq does not carry as such`;
  const r = await start();
  try {
    const four = (await (await post(r.http, body([1, 2, 3, 4].map((n) => summary(`s${n}`))), { 'content-type': 'application/json' })).json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    assert.is(four.partialSuccess.rejectedDataPoints, '4');
    const metricsSaid = (m: string) => [1, 2, 3, 4].filter((n) => m.includes(said(n)));
    assert.equal(metricsSaid(four.partialSuccess.errorMessage), [1, 2, 3]);
    assert.ok(four.partialSuccess.errorMessage.startsWith(said(1)) && four.partialSuccess.errorMessage.endsWith('; and 1 more'), four.partialSuccess.errorMessage);
    const three = (await (await post(r.http, body([1, 2, 3].map((n) => summary(`s${n}`))), { 'content-type': 'application/json' })).json()) as { partialSuccess: { errorMessage: string } };
    assert.equal(metricsSaid(three.partialSuccess.errorMessage), [1, 2, 3]);
    assert.not.match(three.partialSuccess.errorMessage, 'more');
  } finally {
    r.stop();
  }
  const settled = await start({ answerWhenSettled: true, settleWaitMs: 60_000 });
  try {
    const call = post(settled.http, body([summary('s1'), gauge]), { 'content-type': 'application/json' });
    await until('the gauge taken', () => settled.samples.length >= 1);
    settleReceived(settled.samples[0]!, { reason: 'late', detail: 'older than the last released sample' });
    const answer = (await (await call).json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    assert.is(answer.partialSuccess.rejectedDataPoints, '2');
    const m = answer.partialSuccess.errorMessage;
    assert.ok(m.startsWith(said(1)) && m.endsWith('; 1 point(s) taken and not delivered, kept as chronoq dead letters (dead letter late: older than the last released sample)'), m);
  } finally {
    settled.stop();
  }
});

test('answerWhenSettled: a request none of whose points is taken (all refused) is answered at once, not after settleWaitMs', async () => {
  const r = await start({ answerWhenSettled: true, settleWaitMs: 60_000 });
  try {
    const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 's', summary: { dataPoints: [{ timeUnixNano: '1764064800000000000' }] } }] }] }] });
    const answer = post(r.http, body, { 'content-type': 'application/json' }).then(async (a) => (await a.json()) as { partialSuccess: { rejectedDataPoints: string } });
    const waited = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 10_000).unref());
    const first = await Promise.race([answer, waited]);
    assert.ok(first !== 'still waiting', 'answered without waiting for samples that will never come');
    assert.is(first.partialSuccess.rejectedDataPoints, '1');
  } finally {
    r.stop();
  }
});

test('a request whose body is still coming when the source stops is answered unavailable (the sender sends it again), not taken into a stopped source', async () => {
  const r = await start();
  const { bytes } = await collection();
  const [host, port] = r.http.split(':');
  const status = new Promise<number>((resolve, reject) => {
    const req = request({ host, port: Number(port), path: '/v1/metrics', method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': bytes.length } }, (res) => (res.resume(), resolve(res.statusCode!)));
    req.on('error', reject);
    req.write(bytes.subarray(0, 10));
    setTimeout(() => {
      r.stop();
      req.end(bytes.subarray(10));
    }, 50);
  });
  assert.is(await status, 503);
  assert.equal(r.samples, []);
});

test('answerWhenSettled: once every sample settled the answer lets its timer go; unsettled, it is answered after settleWaitMs (virtual time)', async () => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 1_000);
  const r = await start({ answerWhenSettled: true, settleWaitMs: 1_000, scheduler });
  try {
    const { bytes } = await collection();
    const first = exportCall(r.grpc, bytes);
    await until('the first request taken', () => r.samples.length >= 3);
    assert.is(pendingActions(scheduler), 1, 'the wait for the request');
    for (const s of r.samples) settleReceived(s);
    assert.ok((await first).response !== undefined);
    assert.is(pendingActions(scheduler), 0, 'answered: no wait left');
    const second = exportCall(r.grpc, bytes);
    await until('the second request taken', () => r.samples.length >= 6);
    scheduler.flush(); // runs what is due within 1 000 ms
    const answer = await within(second, 5_000);
    assert.ok(answer?.response !== undefined, 'answered at settleWaitMs');
  } finally {
    r.stop();
  }
});

test('answerWhenSettled: a request still waiting when the source stops is answered then (its samples are the pipeline\'s to settle at its shutdown)', async () => {
  const r = await start({ answerWhenSettled: true, settleWaitMs: 600_000 });
  const { bytes } = await collection();
  const call = exportCall(r.grpc, bytes);
  await until('the request taken', () => r.samples.length >= 3);
  r.stop();
  const answer = await within(call, 5_000);
  assert.ok(answer?.response !== undefined, 'answered at the stop');
});

test.run();
