/** createSilentHold (src/otlp/silentHold.ts) with a scripted probe in virtual time: which calls it gives up, which it holds, what it says. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualTimeScheduler } from 'rxjs';
import type { Heard } from '../src/otlp/answersAgain.js';
import { createSilentHold, type SilentHoldEvent } from '../src/otlp/silentHold.js';

const test = suite('silentHold');
const TIMEOUT_MS = 2_000;

/** A hold over a probe whose results the test gives, in virtual time. */
const setup = () => {
  const scheduler = new VirtualTimeScheduler();
  const probes: ((h: Heard) => void)[] = [];
  let cancelled = 0;
  const events: SilentHoldEvent[] = [];
  let connected = true;
  const hold = createSilentHold((done) => (probes.push(done), () => void cancelled++), { timeoutMs: TIMEOUT_MS, scheduler, connected: () => connected, onEvent: (e) => events.push(e) });
  /** A call sent now: whether it was given up (and why), and its end. */
  const call = () => {
    const c = { gaveUp: 0, why: '', end: (_h: Heard) => undefined as void };
    c.end = hold.watch((why) => void (c.gaveUp++, (c.why = why)));
    return c;
  };
  /** Runs virtual time to `ms` (a no-op action there moves the scheduler's now to it). */
  const at = (ms: number) => {
    if (ms > scheduler.now()) scheduler.schedule(() => undefined, ms - scheduler.now());
    scheduler.maxFrames = ms;
    scheduler.flush();
  };
  const answerProbe = (h: Heard) => probes[probes.length - 1]!(h);
  return { hold, call, at, probes, answerProbe, events, cancelled: () => cancelled, disconnect: () => void (connected = false) };
};

test('a call answered before timeoutMs: nothing asked, nothing said', () => {
  const s = setup();
  const c = s.call();
  s.at(1_999);
  c.end('answered');
  s.at(10_000);
  assert.is(s.probes.length, 0);
  assert.is(c.gaveUp, 0);
  assert.equal(s.events, []);
});

test('at timeoutMs the receiver is asked; a probe answered means it answers others: the call is given up (as a timeout always was)', () => {
  const s = setup();
  const c = s.call();
  s.at(TIMEOUT_MS);
  assert.is(s.probes.length, 1);
  assert.is(c.gaveUp, 0);
  s.answerProbe('answered');
  assert.is(c.gaveUp, 1);
  assert.is(c.why, 'answered');
  assert.equal(s.events, []);
});

test('no connection at timeoutMs (the request waited for one, never sent): given up at once, nothing asked or held', () => {
  const s = setup();
  const c = s.call();
  s.disconnect();
  s.at(TIMEOUT_MS);
  assert.equal([c.gaveUp, c.why, s.probes.length, s.events], [1, 'no connection', 0, []]);
});

test('a silent receiver: the call is held while probes go unanswered, and its own answer ends the silence', () => {
  const s = setup();
  const c = s.call();
  s.at(TIMEOUT_MS);
  s.at(TIMEOUT_MS + 1_000);
  s.answerProbe('silent'); // the probe's deadline: 1 s
  assert.equal(s.events, [{ kind: 'silent', held: 1 }]);
  assert.is(s.probes.length, 1);
  s.at(TIMEOUT_MS + 1_001);
  assert.is(s.probes.length, 2, 'probed again at once: the deadline paces the probes');
  for (let i = 0; i < 10; i++) (s.at(TIMEOUT_MS + 2_000 + i * 1_000), s.answerProbe('silent'));
  assert.is(c.gaveUp, 0, 'held through 11 s of silence');
  s.at(TIMEOUT_MS + 11_500);
  const sent = s.probes.length;
  c.end('answered');
  assert.equal(s.events[1], { kind: 'answers', held: 0, silentForMs: 10_500 });
  assert.is(s.cancelled(), 1, 'the probe in flight is cancelled: nothing waits to know');
  s.at(60_000);
  assert.is(s.probes.length, sent, 'and no more probes');
});

test('a receiver that wakes up: held calls get timeoutMs for their answers, then are given up', () => {
  const s = setup();
  const answered = s.call();
  const lost = s.call();
  s.at(TIMEOUT_MS);
  assert.is(s.probes.length, 1, 'one probe asks for both');
  s.at(TIMEOUT_MS + 1_000);
  s.answerProbe('silent');
  assert.equal(s.events, [{ kind: 'silent', held: 2 }]);
  s.at(TIMEOUT_MS + 5_000);
  s.answerProbe('answered');
  assert.equal(s.events[1], { kind: 'answers', held: 2, silentForMs: 4_000 });
  answered.end('answered');
  s.at(TIMEOUT_MS + 5_000 + TIMEOUT_MS - 1);
  assert.is(lost.gaveUp, 0);
  s.at(TIMEOUT_MS + 5_000 + TIMEOUT_MS);
  assert.is(lost.gaveUp, 1);
  assert.is(answered.gaveUp, 0);
  assert.is(s.events.length, 2);
});

test('while the receiver is known to be silent, a later call is held at its timeoutMs without asking again', () => {
  const s = setup();
  const first = s.call();
  s.at(1_000);
  const second = s.call();
  s.at(TIMEOUT_MS);
  s.answerProbe('silent');
  s.at(TIMEOUT_MS + 1);
  assert.is(s.probes.length, 2);
  s.at(TIMEOUT_MS + 1_000);
  s.answerProbe('silent');
  s.at(TIMEOUT_MS + 1_000); // the second's timeoutMs: held, not given up, no probe of its own
  assert.is(s.probes.length, 3);
  assert.is(second.gaveUp + first.gaveUp, 0);
  assert.equal(s.events, [{ kind: 'silent', held: 1 }]);
});

test('a call reaching its timeoutMs between two probes of a known silence is held, not asked: when the receiver wakes up, its answer is due like the first\'s', () => {
  const s = setup();
  const first = s.call();
  s.at(1_500);
  const second = s.call();
  s.at(TIMEOUT_MS + 1_000);
  s.answerProbe('silent');
  s.at(TIMEOUT_MS + 1_500); // the second's timeoutMs, the next probe in flight
  s.at(TIMEOUT_MS + 1_800);
  s.answerProbe('answered'); // it woke up: neither is given up (a copy sent again would be a duplicate)
  assert.equal([first.gaveUp, second.gaveUp], [0, 0]);
  assert.equal(s.events, [{ kind: 'silent', held: 1 }, { kind: 'answers', held: 2, silentForMs: 800 }]);
  s.at(TIMEOUT_MS + 1_800 + TIMEOUT_MS);
  assert.equal([first.gaveUp, second.gaveUp], [1, 1], 'then given up, their answers not come');
});

test('a probe finding no connection (gone) is no verdict: asked again a probe deadline later, not in a busy loop, nothing said; the call waits for its own end', () => {
  const s = setup();
  const c = s.call();
  s.at(TIMEOUT_MS);
  s.answerProbe('gone');
  s.at(TIMEOUT_MS + 999);
  assert.is(s.probes.length, 1);
  s.at(TIMEOUT_MS + 1_000);
  assert.is(s.probes.length, 2);
  assert.equal(s.events, []);
  s.answerProbe('silent'); // the connection back, the receiver silent on it: held from now
  assert.equal(s.events, [{ kind: 'silent', held: 1 }]);
  c.end('gone'); // failed on its own (the connection dropped): not an answer
  assert.equal(s.events.length, 1);
  assert.is(c.gaveUp, 0);
});

test('stop: nothing more is asked or given up, for a call watched before it or after it', () => {
  const s = setup();
  const c = s.call();
  s.disconnect(); // at its timeoutMs it would be given up as never sent
  s.hold.stop();
  const later = s.call();
  s.at(10_000);
  assert.is(s.probes.length, 0);
  assert.is(c.gaveUp, 0);
  assert.is(later.gaveUp, 0);
});

test('a probe that throws (the client closed under it) counts as no connection: asked again a probe deadline later', () => {
  const scheduler = new VirtualTimeScheduler();
  let probed = 0;
  const hold = createSilentHold(() => {
    if (++probed === 1) throw new Error('client closed');
    return () => undefined;
  }, { timeoutMs: TIMEOUT_MS, scheduler, connected: () => true });
  hold.watch(() => undefined);
  scheduler.maxFrames = TIMEOUT_MS + 1_000;
  scheduler.flush();
  assert.is(probed, 2);
  hold.stop();
});

test.run();
