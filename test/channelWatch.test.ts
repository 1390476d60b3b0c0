/**
 * The sink's two watches of its gRPC channel's state, against a channel whose states a test sets:
 * channelReachable (src/otlp/channelReachable.ts) — READY again after another state is news, an
 * IDLE channel is asked to connect, SHUTDOWN completes, and once unsubscribed it watches no more —
 * and watchStuckConnecting (src/otlp/stuckConnect.ts) — a deadline only while CONNECTING, and
 * `onStuck` only when it is still CONNECTING at the deadline. The runs against real receivers are
 * in test/otlpReachable.test.ts and test/otlpStuckConnect.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ChannelInterface, connectivityState as S } from '@grpc/grpc-js';
import { channelReachable } from '../src/otlp/channelReachable.js';
import { watchStuckConnecting } from '../src/otlp/stuckConnect.js';
import type { Clock } from '../src/clock.js';

const test = suite('the sink watching its channel');

interface Watch { readonly from: S; readonly deadline: number; readonly callback: (error?: Error) => void }

/** A channel in `initial` state; `set` moves it and tells the watchers, `expire` tells them their deadline passed. */
const fakeChannel = (initial: S) => {
  let state = initial;
  const watches: Watch[] = [];
  const asked: boolean[] = [];
  const channel = {
    getConnectivityState: (tryToConnect: boolean) => (asked.push(tryToConnect), state),
    watchConnectivityState: (from: S, deadline: Date | number, callback: (error?: Error) => void) => void watches.push({ from, deadline: Number(deadline), callback }),
  } as unknown as ChannelInterface;
  return {
    channel, watches, asked,
    set: (next: S): void => {
      state = next;
      for (const w of watches.splice(0)) w.callback();
    },
    expire: (): void => {
      for (const w of watches.splice(0)) w.callback(new Error('Deadline passed without connectivity state change'));
    },
  };
};

test('channelReachable: READY after a drop is news (a READY at subscription is not); an IDLE channel is asked to connect; SHUTDOWN completes', () => {
  const c = fakeChannel(S.READY);
  let news = 0;
  let completed = false;
  channelReachable(c.channel).subscribe({ next: () => news++, complete: () => (completed = true) });
  assert.equal([news, c.watches.map((w) => w.from)], [0, [S.READY]]);
  c.asked.length = 0;
  c.set(S.IDLE);
  assert.equal(c.asked, [true], 'asked to connect again without a call');
  c.set(S.CONNECTING);
  c.set(S.TRANSIENT_FAILURE);
  assert.is(news, 0);
  c.set(S.READY);
  assert.is(news, 1, 'back');
  c.set(S.SHUTDOWN);
  assert.ok(completed);
  assert.is(c.watches.length, 0, 'nothing watched after SHUTDOWN');
});

test('channelReachable: once unsubscribed, the watch grpc-js still fires is ignored — no news, no new watch, no connect asked', () => {
  const c = fakeChannel(S.READY);
  let news = 0;
  const subscription = channelReachable(c.channel).subscribe(() => news++);
  c.set(S.IDLE);
  subscription.unsubscribe();
  c.asked.length = 0;
  c.set(S.READY);
  assert.equal([news, c.watches.length, c.asked], [0, 0, []]);
});

test('watchStuckConnecting: a deadline only while CONNECTING; onStuck when still CONNECTING at it, and not when it moved on', () => {
  const now = 1_000_000;
  const clock: Clock = { now: () => now, monotonic: () => 0 };
  const c = fakeChannel(S.IDLE);
  let stuck = 0;
  watchStuckConnecting(c.channel, 20_000, clock, () => stuck++);
  assert.equal(c.watches.map((w) => [w.from, w.deadline]), [[S.IDLE, Infinity]], 'IDLE: no deadline');
  c.set(S.CONNECTING);
  assert.equal(c.watches.map((w) => [w.from, w.deadline]), [[S.CONNECTING, now + 20_000]]);
  c.set(S.TRANSIENT_FAILURE);
  assert.equal(c.watches.map((w) => [w.from, w.deadline]), [[S.TRANSIENT_FAILURE, Infinity]], 'TRANSIENT_FAILURE: no deadline');
  c.set(S.CONNECTING);
  c.expire();
  assert.is(stuck, 1, 'CONNECTING through the deadline');
  assert.is(c.watches.length, 0, 'the sink replaces the channel: nothing more watched');
  // A deadline that fires as the state moves on is no stall: watched on.
  const e = fakeChannel(S.CONNECTING);
  let stuckE = 0;
  watchStuckConnecting(e.channel, 20_000, clock, () => stuckE++);
  const first = e.watches.splice(0)[0]!;
  e.set(S.READY); // no watchers now: the state moves without telling
  first.callback(new Error('Deadline passed'));
  assert.equal([stuckE, e.watches.map((w) => [w.from, w.deadline])], [0, [[S.READY, Infinity]]]);
  const f = fakeChannel(S.SHUTDOWN);
  watchStuckConnecting(f.channel, 20_000, clock, () => assert.unreachable('shut down'));
  assert.is(f.watches.length, 0, 'a channel shut down is not watched');
});

test.run();
