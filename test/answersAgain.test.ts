/** watchAnswers (src/otlp/answersAgain.ts) with a scripted probe: when it probes, when it tells. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Heard, heardFrom, watchAnswers } from '../src/otlp/answersAgain.js';

const test = suite('watchAnswers');

/** A probe whose results the test gives, one per probe sent. */
const scripted = () => {
  const waiting: ((h: Heard) => void)[] = [];
  let cancelled = 0;
  return {
    probe: (done: (h: Heard) => void) => (waiting.push(done), () => void cancelled++),
    sent: () => waiting.length,
    answer: (h: Heard) => waiting[waiting.length - 1]!(h),
    cancelled: () => cancelled,
  };
};

/** A watch over a scripted probe, subscribed, counting its emissions. */
const watched = () => {
  const p = scripted();
  const w = watchAnswers(p.probe);
  let emitted = 0;
  w.answersAgain$.subscribe(() => emitted++);
  return { p, w, emitted: () => emitted };
};

test('heardFrom: OK and statuses the receiver sent are answers; a deadline is silence; no connection or a cancel is gone', () => {
  assert.equal([null, { code: 3 }, { code: 8 }, { code: 4 }, { code: 14 }, { code: 1 }].map(heardFrom), ['answered', 'answered', 'answered', 'silent', 'gone', 'gone']);
});

test('silent, silent, answered → one emission; probing stops then', () => {
  const { p, w, emitted } = watched();
  w.sawCall('silent');
  w.sawCall('silent'); // already probing: no second round
  assert.is(p.sent(), 1);
  p.answer('silent');
  p.answer('silent');
  assert.is(p.sent(), 3);
  p.answer('answered');
  assert.is(emitted(), 1);
  assert.is(p.sent(), 3);
});

test('a first probe answered is not news; a call answered, or gone, ends a round (its probe cancelled, its late answer ignored)', () => {
  const { p, w, emitted } = watched();
  w.sawCall('silent');
  p.answer('answered');
  assert.is(emitted(), 0);
  w.sawCall('silent');
  p.answer('silent');
  w.sawCall('answered');
  assert.is(p.cancelled(), 1);
  p.answer('answered'); // the cancelled probe's late answer
  assert.is(emitted(), 0);
  w.sawCall('silent');
  p.answer('silent');
  p.answer('gone');
  assert.is(emitted(), 0);
  assert.is(p.sent(), 5);
  w.sawCall('silent');
  w.sawCall('gone');
  assert.is(p.cancelled(), 2, 'a call that found no connection ends the round too');
  p.answer('answered');
  assert.is(emitted(), 0);
});

test('no probe without a subscriber, after the last one leaves, or after stop; a probe that throws counts as gone', () => {
  const p = scripted();
  const w = watchAnswers(p.probe);
  w.sawCall('silent');
  assert.is(p.sent(), 0);
  const sub = w.answersAgain$.subscribe();
  w.sawCall('silent');
  p.answer('silent');
  assert.is(p.sent(), 2);
  sub.unsubscribe();
  assert.is(p.cancelled(), 1);
  w.answersAgain$.subscribe();
  w.stop();
  w.sawCall('silent');
  assert.is(p.sent(), 2);
  let tries = 0;
  const throwing = watchAnswers(() => {
    tries++;
    throw new Error('Channel has been shut down');
  });
  throwing.answersAgain$.subscribe();
  throwing.sawCall('silent'); // does not throw
  throwing.sawCall('silent'); // a new round may start: the last one ended
  assert.is(tries, 2);
});

test.run();
