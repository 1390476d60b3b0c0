/** NDJSON sample lines as sources and replay read them: times in decimal nanoseconds, RFC 3339 or JSON numbers, exact; bad lines refused with their reason. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { parseRfc3339, parseSampleLine, toJsonLine } from '../src/sampleJson.js';

const test = suite('NDJSON sample lines');

test('NDJSON samples: decimal nanoseconds or RFC 3339 to the nanosecond; reasons for bad lines', () => {
  assert.equal(parseRfc3339('2025-11-25T10:00:00.123456789Z'), { _tag: 'Right', right: 1_764_064_800_123_456_789n });
  assert.equal(parseRfc3339('2025-11-25T11:00:00.5+01:00'), { _tag: 'Right', right: 1_764_064_800_500_000_000n });
  assert.ok(isLeft(parseRfc3339('yesterday')));
  // A leap second is RFC 3339, not a Unix time: said so (it was "not a valid date").
  assert.equal(parseRfc3339('2016-12-31T23:59:60Z'), { _tag: 'Left', left: 'time "2016-12-31T23:59:60Z" is a leap second, which Unix time (and OTLP) has no place for: write 23:59:59.999999999 or the next second' });
  // A space for the T (RFC 3339 5.6; Python's str(datetime)) was refused as not RFC 3339.
  assert.equal(parseRfc3339('2025-11-25 10:00:00.000000001+00:00'), { _tag: 'Right', right: 1_764_064_800_000_000_001n });
  assert.ok(isLeft(parseRfc3339('2025-11-25 10:00:00')), 'no zone: not a time');
  // RFC 3339 5.6 (after ISO 8601): the T and the Z may be lower case.
  assert.equal(parseRfc3339('2025-11-25t10:00:00.5z'), { _tag: 'Right', right: 1_764_064_800_500_000_000n });
  assert.ok(isLeft(parseRfc3339('2025-02-30T10:00:00Z')), 'Date.parse reads February 30 as March 2');
  assert.ok(isRight(parseRfc3339('2024-02-29T10:00:00Z')));
  // RFC 3339 takes any number of fraction digits; past nine (a picosecond clock) the nanosecond is kept,
  // the rest cut. It was refused as "not RFC 3339".
  assert.equal(parseRfc3339('2025-11-25T10:00:00.1234567891Z'), { _tag: 'Right', right: 1_764_064_800_123_456_789n });
  assert.equal(parseRfc3339('2025-11-25T10:00:00.000000000999Z'), { _tag: 'Right', right: 1_764_064_800_000_000_000n });
  // A counter's start as RFC 3339, beside time (it was passed over: the counter took its series' start).
  const started = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"2025-11-25T09:00:00.000000001Z"}');
  assert.ok(isRight(started) && started.right.startTimeUnixNano === 1_764_061_200_000_000_001n, isLeft(started) ? started.left : String(started.right.startTimeUnixNano));
  const badStart = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"09:00"}');
  assert.ok(isLeft(badStart) && badStart.left === 'startTime "09:00" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z)', JSON.stringify(badStart));
  const numericStart = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":1764061200}');
  assert.ok(isLeft(numericStart) && /^startTime must be RFC 3339 text, got/.test(numericStart.left), JSON.stringify(numericStart));
  // startTimeUnixNano wins when both are there.
  const both = parseSampleLine('{"name":"jobs","kind":"sum","value":3,"time":"2025-11-25T10:00:00Z","startTime":"2025-11-25T09:00:00Z","startTimeUnixNano":"1764060000000000000"}');
  assert.ok(isRight(both) && both.right.startTimeUnixNano === 1_764_060_000_000_000_000n);
  const s = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"1764064800123456789","startTimeUnixNano":"1764064700000000000","attributes":{"a":"b"}}');
  assert.ok(isRight(s) && s.right.timeUnixNano === 1_764_064_800_123_456_789n && s.right.startTimeUnixNano === 1_764_064_700_000_000_000n);
  const bad = parseSampleLine('{"name":"x","value":1}');
  assert.ok(isLeft(bad) && /needs timeUnixNano/.test(bad.left));
  // A time that is there in another form says what to write (it said only "needs timeUnixNano … or time").
  const reason = (line: string): string => { const p = parseSampleLine(line); return isLeft(p) ? p.left : 'accepted'; };
  // Attributes and a kind under the names other systems give them are said, not passed over (every
  // host's cpu one series; a counter sent as a gauge).
  assert.is(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","labels":{"host":"a"}}'), 'this sample has labels, which chronoq does not read: name them attributes (passed over, every series of "cpu" would be one)');
  assert.match(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","tags":["host:a"]}'), /^this sample has tags, .*name them attributes, an object of names to values/);
  assert.is(reason('{"name":"jobs","value":1,"time":"2025-11-25T10:00:00Z","type":"Counter"}'), 'this sample has type "Counter", which chronoq does not read: write kind, one of gauge, sum, histogram, exponential-histogram (here sum; without kind a sample is a gauge)');
  assert.match(reason('{"name":"q","value":1,"time":"2025-11-25T10:00:00Z","metric_type":"up-down-counter"}'), /here sum with monotonic: false;/);
  assert.is(reason('{"name":"jobs","kind":"counter","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "counter": write sum');
  assert.is(reason('{"name":"jobs","kind":"Gauge","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "Gauge": write gauge');
  assert.is(reason('{"name":"jobs","kind":"meter","value":1,"time":"2025-11-25T10:00:00Z"}'), 'kind must be gauge, sum, histogram or exponential-histogram, got "meter"');
  // A name or value under another name, and Telegraf's several fields in one line, say what to write (they said "name must be a non-empty string", "value must be a number, got no value").
  assert.is(reason('{"metric":"cpu","value":1,"time":"2025-11-25T10:00:00Z"}'), 'this sample has metric, which chronoq does not read: name it name');
  assert.is(reason('{"name":"cpu","val":1,"time":"2025-11-25T10:00:00Z"}'), 'this sample has val, which chronoq does not read: name it value');
  assert.is(reason('{"name":"cpu","fields":{"usage_idle":99},"tags":{"cpu":"cpu0"},"timestamp":1458229140}'), 'this line has fields (Telegraf, InfluxDB), several values in one: chronoq takes a sample a line, with its name and value');
  // With attributes or kind given, or a type that names no kind (a shipper's), the line is read as before.
  assert.is(reason('{"name":"cpu","value":1,"time":"2025-11-25T10:00:00Z","tags":{"x":"y"},"attributes":{"host":"a"}}'), 'accepted');
  assert.is(reason('{"name":"jobs","kind":"sum","value":1,"time":"2025-11-25T10:00:00Z","type":"counter"}'), 'accepted');
  assert.is(reason('{"name":"jobs","value":1,"time":"2025-11-25T10:00:00Z","type":"metrics"}'), 'accepted');
  assert.is(reason('{"name":"load","value":1,"time":"2025-11-25T10:00:00Z","type":"gauge"}'), 'accepted', 'read right: without kind, a gauge');
  assert.match(reason('{"name":"x","value":1,"time":1764064800}'), /time is the number 1764064800, seconds since the epoch\? write timeUnixNano: "1764064800000000000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800.123456}'), /seconds since the epoch\? write timeUnixNano: "1764064800123456000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123}'), /milliseconds since the epoch\? write timeUnixNano: "1764064800123000000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123456}'), /microseconds since the epoch\? write timeUnixNano: "1764064800123456000"$/);
  assert.match(reason('{"name":"x","value":1,"time":1764064800123456789}'), /time is a number of nanoseconds since the epoch\? name it timeUnixNano$/);
  assert.match(reason('{"name":"x","value":1,"time":true}'), /time is true, not RFC 3339 text$/);
  assert.match(reason('{"name":"x","value":1,"timestamp":1764064800}'), /; this one has timestamp, which chronoq does not read$/);
  // A null is no field (as JSON writers give an absent one): neither a time under another name nor a name there.
  assert.is(reason('{"name":"x","value":1,"timestamp":null}'), 'a sample needs timeUnixNano (decimal string) or time (RFC 3339)');
  assert.is(reason('{"name":null,"metric":"cpu","value":1,"time":"2025-11-25T10:00:00Z"}'), 'this sample has metric, which chronoq does not read: name it name');
  const neg = parseSampleLine('{"name":"x","kind":"sum","value":-1,"timeUnixNano":"1"}');
  assert.ok(isLeft(neg) && /cannot be negative/.test(neg.left));
  // A counter's delta counts up too (it was sent: a backend adding deltas up went backwards); an up-down counter's may go down.
  assert.equal(reason('{"name":"x","kind":"sum","temporality":"delta","value":-3,"timeUnixNano":"1"}'), 'a monotonic sum cannot be negative, got -3 (a counter counts up, as do its deltas): a value that goes down is an up-down counter, monotonic: false');
  assert.is(reason('{"name":"x","kind":"sum","temporality":"delta","monotonic":false,"value":-3,"timeUnixNano":"1"}'), 'accepted');
  assert.is(reason('{"name":"x","kind":"sum","temporality":"delta","value":0,"timeUnixNano":"1"}'), 'accepted');
  // The end of int64 nanoseconds: the last time accepted, and the first refused (a ms time × 1e9 lands far beyond).
  assert.ok(isRight(parseSampleLine('{"name":"x","value":1,"timeUnixNano":"9223372036854775807"}')));
  const beyond = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"9223372036854775808"}');
  assert.ok(isLeft(beyond) && /not before 9223372036854775808 \(2262-04-11/.test(beyond.left), String(isLeft(beyond) && beyond.left));
  assert.ok(isLeft(parseSampleLine('{"name":"x","value":1,"timeUnixNano":"1764064800123000000000"}')));
  const negStart = parseSampleLine('{"name":"x","value":1,"timeUnixNano":"5","startTimeUnixNano":"-1"}');
  assert.ok(isLeft(negStart) && /startTimeUnixNano must be a non-negative/.test(negStart.left));
});

test('NDJSON samples: times written as JSON numbers (as Go and Python encode an integer) are read exactly from the text; a number not in digits is refused', () => {
  // JSON.parse reads 1764064800123456789 as 1764064800123456800: these were dead letters `invalid`.
  const s = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1764064800123456789,"startTimeUnixNano": 1764064700000000001 ,"attributes":{"timeUnixNano":"a"}}');
  assert.ok(isRight(s), String(isLeft(s) && s.left));
  assert.is(s.right.timeUnixNano, 1_764_064_800_123_456_789n);
  assert.is(s.right.startTimeUnixNano, 1_764_064_700_000_000_001n);
  // The same key nested with another number that rounds elsewhere is not taken for it.
  const nested = parseSampleLine('{"name":"x","value":1,"attributes":{"k":"v"},"resource":{"timeUnixNano":17},"timeUnixNano":1764064800123456789}');
  assert.ok(isRight(nested) && nested.right.timeUnixNano === 1_764_064_800_123_456_789n);
  // Two different spellings that JSON.parse reads as the same number: which one was meant cannot be told.
  const ambiguous = parseSampleLine('{"name":"x","value":1,"resource":{"timeUnixNano":1764064800123456790},"timeUnixNano":1764064800123456789}');
  assert.ok(isLeft(ambiguous) && /timeUnixNano must be whole nanoseconds, in digits or as a decimal string/.test(ambiguous.left));
  const exponent = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1.7640648001234568e18}');
  assert.ok(isLeft(exponent) && /got a number in another form \(read as 1764064800123456800, not exact\)/.test(exponent.left), String(isLeft(exponent) && exponent.left));
  const fraction = parseSampleLine('{"name":"x","value":1,"timeUnixNano":1764064800.5}');
  assert.ok(isLeft(fraction));
});

test('the sample lines examples/ndjson.yaml shows are samples, and its two forms of one time are one time (its RFC 3339 line said 2026 beside a timeUnixNano of 2025)', () => {
  const shown = readFileSync('examples/ndjson.yaml', 'utf8').split('\n').filter((l) => l.startsWith('#   {')).map((l) => l.slice(4).replace(/\s+\(.*$/, ''));
  assert.is(shown.length, 2);
  const samples = shown.map((l) => parseSampleLine(l));
  for (const r of samples) assert.ok(isRight(r), String(isLeft(r) && r.left));
  const [a, b] = samples.map((r) => (isRight(r) ? r.right : undefined));
  assert.is(a!.timeUnixNano, b!.timeUnixNano);
});

test('a time without a UTC offset (Python\'s datetime.now().isoformat()) is refused saying so: which instant it was is not in the text', () => {
  const r = parseSampleLine('{"name":"x","value":1,"time":"2026-12-04T10:00:00.123456"}');
  assert.equal(r, { _tag: 'Left', left: 'time "2026-12-04T10:00:00.123456" is not RFC 3339 (e.g. 2026-11-25T10:00:00.123456789Z): it has no UTC offset, so the instant is unknown — add Z for UTC, or the offset such as +01:00 (Python: datetime.now(timezone.utc).isoformat())' });
  assert.ok(isRight(parseSampleLine('{"name":"x","value":1,"time":"2026-12-04 10:00:00.123456+00:00"}')), 'with its offset (a space for the T, as str(datetime) writes it)');
});

test('an attribute written as an integer past 2^53 (a 64-bit id) is refused with the string to write: JSON.parse rounded it, and the series became another; integers chronoq wrote itself read back as they were', () => {
  const line = (attributes: string, resource = '{}') => `{"name":"x","kind":"gauge","value":1,"timeUnixNano":"1764000000000000000","attributes":${attributes},"resource":${resource}}`;
  assert.equal(parseSampleLine(line('{"user.id":12345678901234567890}')), {
    _tag: 'Left', left: 'attribute user.id: 12345678901234567890 is past the integers a JSON number holds exactly (2^53) and would be sent as 12345678901234567000, another series; write it as the string "12345678901234567890"',
  });
  assert.ok(isLeft(parseSampleLine(line('{}', '{"account":-9007199254740993}'))), 'a resource attribute too');
  // Exact, or a string: taken as they are.
  for (const [attributes, id] of [['{"id":9007199254740992}', 9007199254740992], ['{"id":"12345678901234567890"}', '12345678901234567890'], ['{"id":1e21}', 1e21]] as const) {
    const r = parseSampleLine(line(attributes));
    assert.ok(isRight(r) && r.right.attributes['id'] === id, attributes);
  }
  // A line chronoq wrote (spool, dead letters) holds each number as it reads back: 2^60, and any double.
  fc.assert(fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(Number)), (v) => {
    const r = parseSampleLine(toJsonLine({ name: 'x', kind: 'gauge', value: 1, timeUnixNano: 5n, attributes: { id: v } }));
    return isRight(r) && Object.is(r.right.attributes['id'], v);
  }));
});

test('a spool line holding its resource whole, not as a reference, is read with it; a bare NaN in a line that is not JSON for another reason is refused with the line as written', () => {
  const refs = (key: 'resource' | 'scope', ref: string): unknown => (key === 'resource' && ref === 'r1' ? { 'service.name': 'shared' } : undefined);
  const shown = (r: ReturnType<typeof parseSampleLine>): string => (isLeft(r) ? r.left : JSON.stringify(r.right.resource));
  const whole = parseSampleLine('{"name":"m","kind":"gauge","value":1,"timeUnixNano":"5","attributes":{},"resource":{"service.name":"own"}}', refs);
  assert.ok(isRight(whole) && whole.right.resource?.['service.name'] === 'own', shown(whole));
  const byRef = parseSampleLine('{"name":"m","kind":"gauge","value":1,"timeUnixNano":"5","attributes":{},"resource":"r1"}', refs);
  assert.ok(isRight(byRef) && byRef.right.resource?.['service.name'] === 'shared', shown(byRef));
  const broken = parseSampleLine('{"name":"m","value":NaN,"timeUnixNano":}');
  assert.ok(isLeft(broken) && broken.left.startsWith('not JSON: ') && broken.left.includes('NaN'), shown(broken));
});

test.run();
