/**
 * The otlp source's accounting (src/sources/otlpReceiver.ts), as a model: any sequence of gRPC and
 * HTTP requests — metrics requests of points it takes and points a sample cannot hold, bodies that
 * are no request — with room coming and going (the room gate, and whether a request fits whole).
 * Every point ends exactly one way: a sample emitted, a point refused and counted in the answer's
 * partial success, or a request refused whole (no room: it stays with its sender) or as malformed;
 * and the room episodes count every refusal for want of room, once each way.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { status } from '@grpc/grpc-js';
import { encodeBatch } from '../src/otlp/otlpGrpcSink.js';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { Sample } from '../src/sample.js';
import type { RequestAnswer } from '../src/sources/otlpReceiverTypes.js';
import { collection, exportCall, post, start } from './support/otlpReceiver.js';

const test = suite('otlp source accounting (property)');

const T0 = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
/** A request's bytes of `n` points chronoq takes (gauges of one series, a nanosecond apart). */
const goodPart = (n: number, seq: number): Buffer =>
  encodeBatch(Array.from({ length: n }, (_, i): Sample => ({ name: 'm', kind: 'gauge', value: i, timeUnixNano: T0 + BigInt(seq * 100 + i), attributes: { k: 'v' } })), { 'service.name': 'app' });

/**
 * rejected_data_points of an ExportMetricsServiceResponse (0 when empty), decoded by the official
 * serializer as the sink decodes its receiver's answers (otlp/exportAnswer.ts); a body that is no
 * answer throws.
 */
const rejectedOf = (response: Buffer): number => Number(ProtobufMetricsSerializer.deserializeResponse(response)?.partialSuccess?.rejectedDataPoints ?? 0);

interface Step {
  readonly protocol: 'grpc' | 'http';
  /** Points taken and sets of 3 refused points (a map attribute), or no request at all. */
  readonly body: { readonly good: number; readonly badSets: number } | 'garbage';
  readonly room: boolean;
  /** The most samples a request may bring (hasRoomFor). */
  readonly fitUpTo: number;
}
const step: fc.Arbitrary<Step> = fc.record({
  protocol: fc.constantFrom('grpc' as const, 'http' as const),
  body: fc.oneof(
    { weight: 5, arbitrary: fc.record({ good: fc.nat(12), badSets: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.constant('garbage' as const) },
  ),
  room: fc.boolean(),
  fitUpTo: fc.nat(14),
});

test('every point is a sample, a point refused in the answer, or in a request refused whole; room episodes count every refusal', async () => {
  const state = { room: true, fitUpTo: Infinity };
  const episodes: { full: boolean; refused: number }[] = [];
  const answers: RequestAnswer[] = [];
  const r = await start({
    hasRoom: () => state.room,
    hasRoomFor: (n) => n <= state.fitUpTo,
    onRoom: (e) => episodes.push(e),
    onAnswer: (a) => answers.push(a),
  });
  const bad = (await collection({ route: '/a', user: { id: 7 } })).bytes; // 3 points, each refused
  const garbage = Buffer.from([0x00, 0xff, 0xff, 0xff]);
  let runs = 0;
  const seen = new Set<string>();
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        runs++;
        // Each run starts with room, and no refusal episode going on.
        state.room = true;
        state.fitUpTo = Infinity;
        await exportCall(r.grpc, goodPart(1, 0));
        r.samples.length = 0;
        episodes.length = 0;
        answers.length = 0;
        let expectedSamples = 0;
        let refusedInEpisode: number | undefined;
        const expectedEpisodes: { full: boolean; refused: number }[] = [];
        const expectedAnswers: RequestAnswer[] = [];
        for (const [i, s] of steps.entries()) {
          state.room = s.room;
          state.fitUpTo = s.fitUpTo;
          const body = s.body === 'garbage' ? garbage : Buffer.concat([goodPart(s.body.good, i + 1), ...Array.from({ length: s.body.badSets }, () => bad)]);
          // The model: no room refuses before reading; a request is read, then must fit whole.
          const good = s.body === 'garbage' ? 0 : s.body.good;
          const rejected = s.body === 'garbage' ? 0 : 3 * s.body.badSets;
          const expected: RequestAnswer = !s.room ? 'no-room' : s.body === 'garbage' ? 'malformed' : good > s.fitUpTo ? 'no-room' : rejected > 0 ? 'partial' : 'taken';
          seen.add(expected);
          expectedAnswers.push(expected);
          if (expected === 'no-room') {
            if (refusedInEpisode === undefined) expectedEpisodes.push({ full: true, refused: 0 });
            refusedInEpisode = (refusedInEpisode ?? 0) + 1;
          } else if (expected !== 'malformed') {
            if (refusedInEpisode !== undefined) expectedEpisodes.push({ full: false, refused: refusedInEpisode });
            refusedInEpisode = undefined;
            expectedSamples += good;
          }
          let answered: { kind: RequestAnswer; rejected: number };
          if (s.protocol === 'grpc') {
            const { response, error } = await exportCall(r.grpc, body);
            const byCode: Partial<Record<number, RequestAnswer>> = { [status.UNAVAILABLE]: 'no-room', [status.INVALID_ARGUMENT]: 'malformed' };
            answered = response !== undefined ? { kind: rejectedOf(response) > 0 ? 'partial' : 'taken', rejected: rejectedOf(response) } : { kind: byCode[error!.code] ?? 'too-large', rejected: 0 };
          } else {
            const res = await post(r.http, body, { 'content-type': 'application/x-protobuf' });
            const bytes = Buffer.from(await res.arrayBuffer());
            answered = res.status === 200 ? { kind: rejectedOf(bytes) > 0 ? 'partial' : 'taken', rejected: rejectedOf(bytes) } : { kind: res.status === 503 ? 'no-room' : res.status === 400 ? 'malformed' : 'too-large', rejected: 0 };
          }
          assert.is(answered.kind, expected, `step ${i}: ${JSON.stringify(s)}`);
          assert.is(answered.rejected, expected === 'partial' ? rejected : 0, `step ${i}: points refused in the answer`);
          assert.is(r.samples.length, expectedSamples, `step ${i}: samples emitted`);
        }
        assert.equal(answers, expectedAnswers, 'every request answered once, and counted as answered');
        assert.equal(episodes, expectedEpisodes, 'room episodes: every refusal for want of room counted, said once each way');
      }),
      { numRuns: 40 },
    );
    // Not vacuous: every kind of answer came up.
    assert.equal([...seen].sort(), ['malformed', 'no-room', 'partial', 'taken'], `${runs} runs`);
  } finally {
    r.stop();
  }
});

test.run();
